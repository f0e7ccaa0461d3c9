/**
 * Spec files as the CDI library's cache reads them (`pkg/cdi/cache.go` `refresh`): which files of
 * a directory count (`*.json`, `*.yaml`; `*.yml` is named in a warning), loading each (a file that
 * fails is skipped and recorded), merging definitions by directory priority (a later directory
 * overrides; two files of one directory conflict and the device is dropped), and the warning
 * lines for what was skipped, dropped, overridden or ignored.
 *
 * @module
 */
import { CdiError } from "./errors.ts";
import type { Warning, WarningCode } from "../warnings.ts";
import { type CdiSpec, declaredKind, parseSpec, type YamlParse } from "./spec.ts";

/** A device definition hidden by a spec file of a later directory (the later directory wins). */
export interface Shadowed {
  qualified: string;
  /** The file whose definition lost. */
  path: string;
  /** The file whose definition won. */
  by: string;
}

/** A spec file the CDI library would not load. */
export interface SpecFailure {
  path: string;
  /** One line: why (the library's reason where it has one). */
  reason: string;
  /** The kind the file declares, when it can be read at all. */
  kind?: string;
}

/** One device defined by two files (or more) of the same directory: the library drops it. */
export interface Conflict {
  qualified: string;
  /** The files, in reading order. */
  paths: string[];
}

/** A spec file as the host layer read it. */
export interface SpecFile {
  path: string;
  text: string;
  /** The index of its directory in the search order (later wins); 0 when omitted. */
  priority?: number;
  /** Set when the file could not be read: why (it then fails to load, as in the library). */
  unreadable?: string;
}

/** A spec that loaded, with the priority of its directory. */
export interface LoadedSpec {
  spec: CdiSpec;
  priority: number;
}

function filesOf(
  dir: string,
  entries: Iterable<string | { name: string; isDirectory?: boolean }>,
  keep: RegExp,
): string[] {
  const names: string[] = [];
  for (const e of entries) {
    const entry = typeof e === "string" ? { name: e } : e;
    if (entry.isDirectory) continue;
    if (!keep.test(entry.name)) continue;
    names.push(entry.name);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const base = dir.endsWith("/") && dir !== "/" ? dir.slice(0, -1) : dir;
  return names.map((n) => (base === "/" ? `/${n}` : `${base}/${n}`));
}

/**
 * Keep the entries of one spec directory that CDI reads: `*.json` and `*.yaml` (not `*.yml`;
 * Go's `filepath.Ext`, so a file named just `.json` counts), not directories, sorted by name;
 * returns their paths (`dir/name`). The host layer reads each directory in order (`/etc/cdi`,
 * then `/var/run/cdi`) and concatenates the results.
 */
export function selectSpecFiles(
  dir: string,
  entries: Iterable<string | { name: string; isDirectory?: boolean }>,
): string[] {
  return filesOf(dir, entries, /\.(json|yaml)$/);
}

/** The `*.yml` files of one spec directory: CDI never reads them, so lychd names them in a warning. */
export function ignoredSpecFiles(
  dir: string,
  entries: Iterable<string | { name: string; isDirectory?: boolean }>,
): string[] {
  return filesOf(dir, entries, /\.yml$/);
}

/** `both a and b`, or `a, b and c`. */
export function both(paths: string[]): string {
  return paths.length === 2
    ? `both ${paths[0]} and ${paths[1]}`
    : `${paths.slice(0, -1).join(", ")} and ${paths[paths.length - 1]}`;
}

/** At most `max` items, then `and N more`. */
export function listed(items: string[], max = 3): string {
  return items.length > max
    ? `${items.slice(0, max).join(", ")} and ${items.length - max} more`
    : items.join(", ");
}

/** Parse each file in order; one that fails (or could not be read) is recorded, not thrown. */
export function loadSpecs(
  files: readonly SpecFile[],
  parseYaml: YamlParse,
): { loaded: LoadedSpec[]; failures: SpecFailure[] } {
  const loaded: { spec: CdiSpec; priority: number }[] = [];
  const failures: SpecFailure[] = [];
  for (const f of files) {
    if (f.unreadable !== undefined) {
      failures.push({ path: f.path, reason: `cannot be read: ${f.unreadable}` });
      continue;
    }
    try {
      loaded.push({ spec: parseSpec(f.path, f.text, parseYaml), priority: f.priority ?? 0 });
    } catch (e) {
      if (!(e instanceof CdiError)) throw e;
      const prefix = `CDI spec ${JSON.stringify(f.path)}: `;
      const reason = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      const kind = declaredKind(f.text, parseYaml);
      failures.push({ path: f.path, reason: e.hint ? `${reason} (${e.hint})` : reason, kind });
    }
  }
  return { loaded, failures };
}

/** A device definition that won the merge. */
export interface Winner {
  spec: CdiSpec;
  priority: number;
  name: string;
  nodes: string[];
}

/**
 * pkg/cdi/cache.go refresh(): devices by qualified name, conflicts resolved by priority. Returns
 * the winners (conflicts removed), the conflicts, the shadowed definitions (conflicts excluded),
 * each kind's loaded spec paths and every kind that loaded, in the order given.
 */
export function mergeSpecs(loaded: readonly LoadedSpec[]): {
  winners: Map<string, Winner>;
  conflicts: Map<string, Conflict>;
  shadowed: Shadowed[];
  specPaths: Map<string, string[]>;
  kinds: string[];
} {
  const specPaths = new Map<string, string[]>();
  const winners = new Map<string, Winner>();
  const conflicts = new Map<string, Conflict>();
  const shadowed: Shadowed[] = [];
  const kinds = new Set<string>();
  for (const { spec, priority } of loaded) {
    const paths = specPaths.get(spec.kind) ?? [];
    paths.push(spec.path);
    specPaths.set(spec.kind, paths);
    kinds.add(spec.kind);
    for (const d of spec.devices) {
      const qualified = `${spec.kind}=${d.name}`;
      const old = winners.get(qualified);
      if (old) {
        if (priority < old.priority) continue;
        if (priority === old.priority) {
          const c = conflicts.get(qualified);
          if (!c) conflicts.set(qualified, { qualified, paths: [old.spec.path, spec.path] });
          else if (!c.paths.includes(spec.path)) c.paths.push(spec.path);
          continue;
        }
        shadowed.push({ qualified, path: old.spec.path, by: spec.path });
      }
      winners.set(qualified, { spec, priority, name: d.name, nodes: d.nodes });
    }
  }
  for (const q of conflicts.keys()) winners.delete(q);
  return {
    winners,
    conflicts,
    // A dropped device is reported as a conflict, not as overridden.
    shadowed: shadowed.filter((x) => !conflicts.has(x.qualified)),
    specPaths,
    kinds: [...kinds],
  };
}

/**
 * One line for each thing about the specs the user should know even when nothing claims it:
 * files that fail to load, devices two files of one directory define, definitions a later
 * directory overrides (one line per pair of files) and `*.yml` files CDI never reads.
 */
export function specWarnings(
  failures: readonly SpecFailure[],
  conflicts: readonly Conflict[],
  shadowed: readonly Shadowed[],
  ignored: readonly string[],
): Warning[] {
  const out: Warning[] = [];
  const add = (code: WarningCode, message: string) => out.push({ code, path: "", message });
  for (const f of failures) {
    add("cdi-spec-skipped", `CDI spec ${f.path} is skipped (podman skips it too): ${f.reason}`);
  }
  for (const c of conflicts) {
    add(
      "cdi-device-conflict",
      `CDI device ${JSON.stringify(c.qualified)} is defined by ${both(c.paths)}: ` +
        "the CDI library drops it as a conflict, so podman cannot use it until one definition goes",
    );
  }
  const pairs = new Map<string, string[]>();
  for (const s of shadowed) {
    const key = `${s.path}\n${s.by}`;
    if (!pairs.has(key)) pairs.set(key, []);
    pairs.get(key)!.push(s.qualified);
  }
  for (const [key, names] of pairs) {
    const [path, by] = key.split("\n");
    add(
      "cdi-spec-override",
      `CDI spec ${by} overrides ${names.length === 1 ? "a device" : `${names.length} devices`} of ${path} ` +
        `(${listed(names.map((n) => JSON.stringify(n)))}): a later CDI directory wins`,
    );
  }
  for (const path of ignored) {
    add(
      "cdi-yml-ignored",
      `${path} is not read: CDI reads only *.json and *.yaml spec files (rename it to ${
        path.replace(/\.yml$/, ".yaml")
      })`,
    );
  }
  return out;
}
