/**
 * Parse one CDI spec file (JSON or YAML text) into the little lychd needs from it: the spec's
 * kind, each device's own device nodes, and the spec-wide device nodes.
 *
 * Pure: text in, value out. Reading `/etc/cdi` and `/var/run/cdi` is the host layer's job.
 *
 * @module
 */

import { CdiError } from "./errors.ts";
import { checkDeviceName, parseKind } from "./name.ts";

/** One device of a spec. */
export interface CdiDevice {
  /** The bare device name (after `=`), e.g. `0`, `GPU-4cf8…`, `0:1`, `all`. */
  name: string;
  /**
   * The physical nodes of the device's OWN `containerEdits.deviceNodes`: `hostPath` when present,
   * else `path`; normalized, deduplicated, in spec order.
   */
  nodes: string[];
}

/** What lychd keeps of one CDI spec file. */
export interface CdiSpec {
  /** The file the spec came from, as given. */
  path: string;
  /** The spec's `cdiVersion`, e.g. `0.6.0`. */
  cdiVersion: string;
  /** `vendor/class`, e.g. `nvidia.com/gpu`. */
  kind: string;
  /** The devices, in spec order. */
  devices: CdiDevice[];
  /**
   * Nodes of the spec-wide `containerEdits.deviceNodes` (e.g. `/dev/nvidiactl`): every device of
   * the spec gets them, so they never count for overlap.
   */
  sharedNodes: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** POSIX-normalize an absolute path (`//`, `.`, `..`, trailing `/`); leave relative paths alone. */
export function normalizeNode(p: string): string {
  if (!p.startsWith("/")) return p;
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/**
 * Parse the text of a CDI spec file. JSON (`.json`) and YAML (`.yaml`) are both read with the
 * YAML 1.2 parser (YAML is a superset of JSON), so the extension does not change the result.
 *
 * Checked: the document is one mapping; `cdiVersion` is a string; `kind` is a valid
 * `vendor/class`; `devices` is a non-empty list of mappings with unique, valid `name`s;
 * every `deviceNodes` entry has a non-empty string `path` (and `hostPath`, when present, is one
 * too). Other fields (env, hooks, mounts, annotations) are ignored.
 *
 * Note: the `yaml` package reads the environment variables `LOG_TOKENS` and `LOG_STREAM`, so under
 * Deno this needs `--allow-env=LOG_TOKENS,LOG_STREAM` (or a broader `--allow-env`).
 *
 * @example
 * ```ts
 * const spec = parseSpec("/etc/cdi/nvidia.yaml", text, parse); // parse from the `yaml` package
 * spec.devices.find((d) => d.name === "0")?.nodes; // ["/dev/nvidia0", "/dev/dri/card1", …]
 * ```
 *
 * @throws {CdiError} naming the file (and the field path) when the text is not a valid spec.
 */
/**
 * A YAML 1.2 parser (JSON is YAML): the `yaml` package's `parse`. Injected rather than imported so
 * that loading lychd does not load the parser (it costs ~70 ms of start-up) unless a spec exists.
 */
export type YamlParse = (text: string) => unknown;

export function parseSpec(path: string, text: string, parseYaml: YamlParse): CdiSpec {
  const where = `CDI spec ${JSON.stringify(path)}`;
  const fail = (problem: string, hint?: string, cause?: unknown): never => {
    throw new CdiError(`${where}: ${problem}`, { path, hint, cause });
  };

  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    if (!(e instanceof Error) || e.name !== "YAMLParseError") throw e;
    const first = e.message.split("\n")[0].replace(/:\s*$/, "");
    fail(`is not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${first}`, undefined, e);
  }
  if (doc === null || doc === undefined) fail("is empty");
  if (!isObj(doc)) fail(`must be a mapping at the top level, found ${describe(doc)}`);
  const top = doc as Obj;

  const version = top.cdiVersion;
  if (version === undefined) fail('has no "cdiVersion"', 'add e.g. cdiVersion: "0.6.0"');
  if (typeof version !== "string") {
    fail(`"cdiVersion" must be a string, found ${describe(version)}`, 'quote it, e.g. cdiVersion: "0.6.0"');
  }

  const kind = top.kind;
  if (kind === undefined) fail('has no "kind"', 'add e.g. kind: "nvidia.com/gpu"');
  if (typeof kind !== "string") fail(`"kind" must be a string, found ${describe(kind)}`);
  try {
    parseKind(kind as string);
  } catch (e) {
    if (!(e instanceof CdiError)) throw e;
    fail(`"kind": ${e.message}`, e.hint);
  }

  const devices = top.devices;
  if (devices === undefined) fail('has no "devices"', "a CDI spec must define at least one device");
  if (!Array.isArray(devices)) fail(`"devices" must be a list, found ${describe(devices)}`);
  if ((devices as unknown[]).length === 0) {
    fail('"devices" is empty', "a CDI spec must define at least one device");
  }

  const nodesOf = (edits: unknown, field: string): string[] => {
    if (edits === undefined || edits === null) return [];
    if (!isObj(edits)) fail(`"${field}" must be a mapping, found ${describe(edits)}`);
    const list = (edits as Obj).deviceNodes;
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) fail(`"${field}.deviceNodes" must be a list, found ${describe(list)}`);
    const seen = new Set<string>();
    (list as unknown[]).forEach((node, i) => {
      const at = `${field}.deviceNodes[${i}]`;
      if (!isObj(node)) fail(`"${at}" must be a mapping, found ${describe(node)}`);
      const n = node as Obj;
      if (typeof n.path !== "string" || n.path === "") {
        fail(`"${at}.path" must be a non-empty string, found ${describe(n.path)}`);
      }
      if (n.hostPath !== undefined && (typeof n.hostPath !== "string" || n.hostPath === "")) {
        fail(`"${at}.hostPath" must be a non-empty string, found ${describe(n.hostPath)}`);
      }
      seen.add(normalizeNode((n.hostPath ?? n.path) as string));
    });
    return [...seen];
  };

  const names = new Set<string>();
  const out: CdiDevice[] = (devices as unknown[]).map((dev, i) => {
    const at = `devices[${i}]`;
    if (!isObj(dev)) fail(`"${at}" must be a mapping, found ${describe(dev)}`);
    const d = dev as Obj;
    if (typeof d.name !== "string") {
      fail(
        `"${at}.name" must be a string, found ${describe(d.name)}`,
        typeof d.name === "number" ? `quote it: name: "${d.name}"` : undefined,
      );
    }
    const name = d.name as string;
    try {
      checkDeviceName(name, `"${at}.name"`);
    } catch (e) {
      if (!(e instanceof CdiError)) throw e;
      fail(e.message, e.hint);
    }
    if (names.has(name)) fail(`defines device ${JSON.stringify(name)} twice (at "${at}")`);
    names.add(name);
    return { name, nodes: nodesOf(d.containerEdits, `${at}.containerEdits`) };
  });

  return {
    path,
    cdiVersion: version as string,
    kind: kind as string,
    devices: out,
    sharedNodes: nodesOf(top.containerEdits, "containerEdits"),
  };
}
