/**
 * A Compose project as the Compose Specification defines it: the files found or given, `.env` /
 * `--env-file`, interpolation, the official JSON Schema, `include`, `extends`, the merge rules of
 * 13-merge.md (mappings merge, sequences append, `command`/`entrypoint`/`healthcheck.test`
 * replace, `ports`/`volumes`/`secrets`/`configs` unique by key, `!reset`, `!override`), profiles,
 * relative paths resolved against the project directory (or the extended/included file's).
 *
 * This module finds the files, reads `.env` / `--env-file` into the interpolation environment,
 * and filters services by profile; loading and merging the files is load.ts (with casts.ts,
 * normalize.ts, merge.ts; shared helpers in common.ts, re-exported here).
 *
 * Pure: files are read through the injected `read`, the schema validator is injected.
 *
 * @module
 */
import { LineCounter, parseDocument } from "yaml";
import { GrammarError, type Lookup, parseDotenv } from "./text.ts";
import { ComposeError, type Ctx, dirname, type Obj, type ReadFile, type SchemaCheck } from "./common.ts";
import { loadMerged } from "./load.ts";

export { ComposeError, type Obj, type ReadFile, type SchemaCheck } from "./common.ts";

/** What to load. */
export interface ComposeInput {
  /** Absolute paths, in order; empty → the default names in `projectDir`. */
  files: string[];
  /** Absolute; default: the first file's directory. */
  projectDir?: string;
  /** Absolute; empty → `<projectDir>/.env` when it exists. */
  envFiles: string[];
  profiles: string[];
  /** The process environment (wins over `.env`). */
  env: Lookup;
  /** `~` in paths. */
  home?: string;
}

/** A loaded project. */
export interface Project {
  name?: string;
  projectDir: string;
  files: string[];
  /** Enabled services, normalized (see `normalizeService`), in definition order. */
  services: Record<string, Obj>;
  /** Services left out by profiles. */
  disabled: string[];
  volumes: Obj;
  networks: Obj;
  secrets: Obj;
  configs: Obj;
  /** The interpolation environment. */
  lookup: Lookup;
  /** Variables used with no value and no default (compose substitutes ""). */
  unset: string[];
  /** The file each service was last defined in. */
  origin: Record<string, string>;
  /** The env files read for interpolation. */
  envFilesRead: string[];
}

/** The file names compose looks for, in order; the override is added when present. */
export const DEFAULT_FILES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
const OVERRIDES = [
  "compose.override.yaml",
  "compose.override.yml",
  "docker-compose.override.yaml",
  "docker-compose.override.yml",
];

/** Load, interpolate, validate, include, extend, merge and filter by profile. */
export async function loadProject(
  input: ComposeInput,
  read: ReadFile,
  schema?: SchemaCheck,
): Promise<Project> {
  let files = input.files;
  const projectDir = input.projectDir ?? (files.length ? dirname(files[0]) : undefined);
  if (!projectDir) throw new ComposeError("", "", "no project directory", "pass --project-dir or a file");
  if (!files.length) {
    files = [];
    for (const n of DEFAULT_FILES) {
      if ((await read(`${projectDir}/${n}`)) !== undefined) {
        files.push(`${projectDir}/${n}`);
        break;
      }
    }
    if (!files.length) {
      throw new ComposeError(
        projectDir,
        "",
        `no compose file: none of ${DEFAULT_FILES.join(", ")} exists`,
        "name the files, or pass --project-dir",
      );
    }
    for (const n of OVERRIDES) {
      if ((await read(`${projectDir}/${n}`)) !== undefined) {
        files.push(`${projectDir}/${n}`);
        break;
      }
    }
  }

  // The interpolation environment: .env (or --env-file), then the process environment on top.
  const dotenv = new Map<string, string>();
  const unset = new Set<string>();
  const envFilesRead: string[] = [];
  const procLookup: Lookup = input.env;
  const envFiles = input.envFiles.length ? input.envFiles : [`${projectDir}/.env`];
  for (const f of envFiles) {
    const text = await read(f);
    if (text === undefined) {
      if (input.envFiles.length) throw new ComposeError(f, "", "env file not found", "check --env-file");
      continue;
    }
    envFilesRead.push(f);
    try {
      for (const [k, v] of parseDotenv(text, (n) => procLookup(n) ?? dotenv.get(n))) dotenv.set(k, v);
    } catch (e) {
      if (e instanceof GrammarError) throw new ComposeError(f, "", e.message, e.hint);
      throw e;
    }
  }
  const lookup: Lookup = (n) => procLookup(n) ?? dotenv.get(n);
  const ctx: Ctx = { read, schema, lookup, unset, home: input.home, depth: 0 };

  const merged = await loadMerged(ctx, files, projectDir);

  // Profiles: --profile, else COMPOSE_PROFILES.
  const active = new Set(
    input.profiles.length
      ? input.profiles
      : (lookup("COMPOSE_PROFILES") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
  );
  const services: Record<string, Obj> = {};
  const disabled: string[] = [];
  for (const [name, svc] of Object.entries(merged.services as Obj)) {
    const profiles: string[] = svc.profiles ?? [];
    if (!profiles.length || active.has("*") || profiles.some((p) => active.has(p))) services[name] = svc;
    else disabled.push(name);
  }
  for (const [name, svc] of Object.entries(services)) {
    for (const [dep, d] of Object.entries((svc.depends_on ?? {}) as Obj)) {
      if (services[dep]) continue;
      if (disabled.includes(dep)) {
        if (d.required === false) continue;
        throw new ComposeError(
          merged.origin[name],
          `services.${name}.depends_on`,
          `depends on ${JSON.stringify(dep)}, which no active profile enables`,
          `add --profile ${(merged.services[dep].profiles ?? [])[0]}`,
        );
      }
      throw new ComposeError(
        merged.origin[name],
        `services.${name}.depends_on`,
        `depends on undefined service ${JSON.stringify(dep)}`,
      );
    }
  }
  return {
    name: typeof merged.name === "string" ? merged.name : undefined,
    projectDir,
    files,
    services,
    disabled,
    volumes: merged.volumes ?? {},
    networks: merged.networks ?? {},
    secrets: merged.secrets ?? {},
    configs: merged.configs ?? {},
    lookup,
    unset: [...unset].sort(),
    origin: merged.origin,
    envFilesRead,
  };
}

/** line:column of a field path (`services.a.ports[0]`) in a compose file's text, if it is there. */
export function locateField(text: string, path: string): { line: number; column: number } | undefined {
  const parts = path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "").map((x) =>
    /^\d+$/.test(x) ? Number(x) : x
  );
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true });
  for (let n = parts.length; n > 0; n--) {
    const node = doc.getIn(parts.slice(0, n), true) as { range?: [number, number] } | undefined;
    if (node?.range) {
      const p = lc.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return undefined;
}
