import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { LychdError } from "../../errors.ts";
import { readRegistry, resolvePaths } from "../context.ts";
import { checkProtectedVolumes } from "../../codex/protect.ts";
import { warnAll } from "../output.ts";
import { loadCodexAsync } from "../../codex/load.ts";
import { CodexError } from "../../codex/errors.ts";
import { makePlan } from "../../plan/plan.ts";
import { renderPlan } from "../../quadlet/render.ts";
import { NEWEST } from "../../quadlet/versions.ts";

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

/** `lychd import compose`: a compose stack → a commented Codex. */
export const importCmd: Command = {
  name: "import",
  summary: "turn a docker compose stack into a commented Codex (stdout or --out)",
  usage:
    "lychd import compose [FILE…] [--env-file F] [--profile P…] [--project-dir D] [--name PREFIX] [--role NAME=ROLE] [--lenient] [--out FILE [--force]]",
  flags: [
    {
      name: "env-file",
      type: "string",
      multiple: true,
      arg: "FILE",
      help: "interpolation variables (default: .env in the project directory)",
    },
    {
      name: "profile",
      type: "string",
      multiple: true,
      arg: "P",
      help: "enable a compose profile (default: COMPOSE_PROFILES)",
    },
    {
      name: "project-dir",
      type: "string",
      arg: "DIR",
      help: "where relative paths point (default: the first file's directory)",
    },
    {
      name: "name",
      type: "string",
      arg: "PREFIX",
      help: "sepulcher name (default: the compose project name)",
    },
    {
      name: "role",
      type: "string",
      multiple: true,
      arg: "NAME=ROLE",
      help: "vessel, phylactery, oculus, soulstone or service for a compose service",
    },
    {
      name: "lenient",
      type: "boolean",
      help: "drop what cannot be carried over (a comment + a warning each) instead of refusing",
    },
    { name: "out", type: "string", arg: "FILE", help: "write the Codex to FILE instead of stdout" },
    { name: "force", type: "boolean", help: "with --out: overwrite FILE" },
  ],
  details:
    "Reads the files as `docker compose` does (default compose.yaml … docker-compose.yml plus the override file\n" +
    "in the project directory; .env; interpolation; include; extends; profiles; the official JSON Schema), and\n" +
    "writes a Codex that `lychd check` accepts. GPU services become soulstones. Anything that cannot be carried over\n" +
    "faithfully is refused with one line (or, with --lenient, dropped with a comment and a warning).\n" +
    "See docs/compose-import.md for every key.",
  exitCodes: "0 written, 1 refused (nothing written), 2 usage error",
  operands: { names: ["compose"], max: 64, then: "files" },
  examples: [
    "lychd import compose > codex.toml",
    "lychd import compose docker-compose.yml docker-compose.gpu.yml --profile gpu-nvidia --out ~/.config/lychd/codex.toml",
    "lychd import compose --role ollama=soulstone --lenient compose.yaml",
  ],
  async run({ host, flags, positionals }) {
    if (positionals[0] !== "compose") {
      throw new UsageError(
        positionals[0] === undefined
          ? "import needs a source: compose"
          : `unknown import source ${JSON.stringify(positionals[0])}`,
        "lychd import compose [FILE…]",
      );
    }
    const roles: Record<string, "vessel" | "phylactery" | "oculus" | "soulstone" | "service"> = {};
    for (const r of list(flags.role)) {
      const m = /^([^=]+)=(vessel|phylactery|oculus|soulstone|service)$/.exec(r);
      if (!m) {
        throw new UsageError(
          `--role ${JSON.stringify(r)} is not NAME=ROLE`,
          "ROLE is vessel, phylactery, oculus, soulstone or service",
        );
      }
      roles[m[1]] = m[2] as typeof roles[string];
    }
    const { PREFIX_RE } = await import("../../codex/schema.ts");
    if (typeof flags.name === "string" && !PREFIX_RE.test(flags.name)) {
      throw new UsageError(
        `--name ${JSON.stringify(flags.name)} is not a sepulcher name`,
        "lowercase letters, digits and '-', a letter first, up to 31: e.g. --name my-stack",
      );
    }
    const { loadProject, ComposeError, locateField } = await import("../../compose/project.ts");
    const { convertProject } = await import("../../compose/convert.ts");
    const { composeSchemaCheck } = await import("../../compose/schema.ts");
    const cwd = host.cwd().replace(/\/$/, "");
    const abs = (p: string) => (p.startsWith("/") ? p : `${cwd}/${p}`);
    // No FILE: COMPOSE_FILE (":"-separated, as compose reads it), else the default names.
    const composeFile = host.env("COMPOSE_FILE");
    const files =
      (positionals.length > 1
        ? positionals.slice(1)
        : composeFile
        ? composeFile.split(":").filter(Boolean)
        : [])
        .map(abs);
    const projectDir = typeof flags["project-dir"] === "string"
      ? abs(flags["project-dir"])
      : files.length
      ? undefined
      : cwd;
    const read = (p: string) => host.fs.readTextFile(p);
    // The named files first: compose reads .env from the project directory before them, and a
    // refusal to read there should name the file the user gave (`not permitted`, outside the set).
    for (const f of files) await host.fs.stat(f);
    const paths = resolvePaths(host, flags);
    const registry = await readRegistry(host, paths.cdiDirs);
    const quoted = (
      a: string,
    ) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
    let converted;
    let sources: string[] = files;
    try {
      const project = await loadProject(
        {
          files,
          projectDir,
          envFiles: list(flags["env-file"]).map(abs),
          profiles: list(flags.profile).flatMap((p) => p.split(",")).filter(Boolean),
          // COMPOSE_PROFILES / COMPOSE_PROJECT_NAME are read by name (the compiled binary's
          // --allow-env grants them); any other variable only where the process may read it.
          env: (n) =>
            n === "COMPOSE_PROFILES"
              ? host.env("COMPOSE_PROFILES")
              : n === "COMPOSE_PROJECT_NAME"
              ? host.env("COMPOSE_PROJECT_NAME")
              : host.env(n),
          home: host.env("HOME"),
        },
        read,
        composeSchemaCheck,
      );
      sources = project.files;
      converted = await convertProject(project, read, {
        name: typeof flags.name === "string" ? flags.name : undefined,
        roles,
        lenient: flags.lenient === true,
        gpus: (kind) => registry.knownNames(kind),
        command: ["lychd", "import", ...positionals.map(quoted)].join(" "),
      });
      if (Object.keys(project.services).length === 0) {
        throw new LychdError(
          `${project.files.join(", ")}: no services to import` +
            (project.disabled.length ? ` (left out by profiles: ${project.disabled.join(", ")})` : ""),
          project.disabled.length
            ? "enable their profiles with --profile NAME"
            : "a compose file lists its containers under `services:`",
        );
      }
    } catch (e) {
      if (e instanceof ComposeError) {
        let pos = e.line ? { line: e.line, column: e.column ?? 1 } : undefined;
        if (!pos && e.path && e.file) {
          const text = await read(e.file);
          pos = text === undefined ? undefined : locateField(text, e.path);
        }
        const at = pos ? `${e.file}:${pos.line}:${pos.column}` : e.file;
        throw new LychdError(`${at}: ${e.path ? `${e.path}: ` : ""}${e.message}`, e.hint);
      }
      throw e;
    }
    // The Codex must be one lychd accepts: load, plan and render it before writing anything.
    const out = typeof flags.out === "string" ? abs(flags.out) : undefined;
    // A refusal here is most often the compose file's own value (a port out of range, a host port
    // published twice) that compose leaves to the engine: name the compose file and the Codex
    // field it became, in the schema's words (zod, loaded for the refusal only).
    let codex;
    try {
      codex = await loadCodexAsync(converted.toml, out ?? "<imported codex>");
      renderPlan(makePlan(codex, registry), { podmanVersion: NEWEST });
    } catch (e) {
      if (!(e instanceof LychdError)) throw e;
      const issue = e instanceof CodexError ? e.issues[0] : undefined;
      const what = issue
        ? `${issue.path ? `${issue.path}: ` : ""}${issue.message}`
        : e.message.split("\n")[0];
      const hint = issue ? issue.hint : e.hint;
      throw new LychdError(
        `${sources.join(", ") || "the compose files"}: lychd refuses what they describe: ${what}`,
        `${
          hint ? `${hint}; ` : ""
        }if the compose files are right, this is an importer gap: please report it with them`,
      );
    }
    // Only where the files interpolate at all (`${VAR}`, `$VAR`; `$$` is a literal): a stack with
    // no variables has nothing the shell could have changed.
    let interpolates = false;
    for (const f of sources) if (/(^|[^$])\$(\{|[A-Za-z_])/m.test((await read(f)) ?? "")) interpolates = true;
    if (interpolates && (await host.permission({ kind: "env" })) !== "granted") {
      converted.warnings.push({
        code: "import-env-limited",
        path: "",
        message:
          "this lychd may read only a few environment variables (`lychd permissions`): interpolation saw .env / --env-file, not the shell's variables; put them in an --env-file",
      });
    }
    // Where the Codex lands matters: `check` and `bind` refuse a volume source in the Codex's own
    // directory (or a unit directory), and compose projects mount `./files` from theirs. With --out,
    // refuse before writing; on stdout (often `> codex.toml` here), say so.
    const home = out ?? `${cwd}/codex.toml`;
    try {
      await checkProtectedVolumes(host, codex, converted.toml, {
        codex: home,
        unitDir: paths.unitDir,
        systemdDir: paths.systemdDir,
      });
    } catch (e) {
      if (!(e instanceof CodexError)) throw e;
      const issue = e.issues[0];
      const hint =
        "save the Codex outside the directories its volumes mount from, e.g. --out ~/.config/lychd/codex.toml";
      if (out) {
        throw new LychdError(
          `${out} would be refused by \`lychd check\`: ${issue.path}: ${issue.message}`,
          hint,
        );
      }
      converted.warnings.push({
        code: "import-codex-place",
        path: issue.path,
        message:
          `saved in ${cwd}, this Codex would be refused by \`lychd check\`: ${issue.message} (${hint})`,
      });
    }
    warnAll(host, flags, converted.warnings);
    if (out) {
      if ((await host.fs.stat(out)) && flags.force !== true) {
        throw new LychdError(
          `${out} already exists; not overwriting it`,
          "pass --force, or choose another --out",
        );
      }
      await host.fs.mkdirp(out.replace(/\/[^/]*$/, "") || "/");
      await host.fs.writeFileAtomic(out, converted.toml);
    } else host.stdout.write(converted.toml);
    if (flags.quiet !== true) {
      const codexFlag = out ? ` --codex ${quoted(out)}` : "";
      const steps = [
        ...converted.nextSteps,
        ...(out ? [] : ["save the Codex (e.g. --out ~/.config/lychd/codex.toml)"]),
        `lychd check${codexFlag}`,
        `lychd bind${codexFlag}`,
      ];
      host.stderr.write(
        `lychd: imported ${Object.keys(converted.paths).length} services${
          out ? ` into ${out}` : ""
        }; next:\n`,
      );
      for (const s of steps) host.stderr.write(`  ${s}\n`);
    }
    return 0;
  },
};
