/**
 * Parse one CDI spec file (JSON or YAML text) as the CDI library does (`pkg/cdi/spec.go`
 * `ReadSpec` → `ParseSpec` → `newSpec` → `Spec.validate`, cncf-tags/container-device-interface at
 * 05ae4b5), and keep the little lychd needs from it: the kind, each device's own device nodes and
 * the spec-wide device nodes. A spec the library refuses is refused here with the library's reason
 * (see docs/cdi.md for the few places lychd differs).
 *
 * Pure: text in, value out. Reading `/etc/cdi` and `/var/run/cdi` is the host layer's job.
 *
 * @module
 */

import { CdiError } from "./errors.ts";
import { CDI_YAML_OPTIONS, DecodeError, decodeSpec, type RawEdits, type RawSpec } from "./decode.ts";
import {
  CDI_VERSIONS,
  deviceNameProblem,
  editsEmpty,
  editsProblem,
  minimumVersion,
  vendorOrClassProblem,
} from "./library_checks.ts";

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

/**
 * A YAML 1.2/1.1 parser: the `yaml` package's `parse`, called with {@linkcode CDI_YAML_OPTIONS}.
 * Injected rather than imported so that loading lychd does not load the parser (it costs ~70 ms
 * of start-up) unless a spec exists.
 */
// deno-lint-ignore no-explicit-any
export type YamlParse = (text: string, options?: any) => unknown;

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

function nodesOf(e: RawEdits | undefined): string[] {
  const seen = new Set<string>();
  for (const n of e?.deviceNodes ?? []) {
    const p = n.hostPath !== undefined && n.hostPath !== "" ? n.hostPath : n.path ?? "";
    seen.add(normalizeNode(p));
  }
  return [...seen];
}

/**
 * The `kind` a spec file declares, read leniently from text the library may refuse (for a spec
 * that fails to load: which kind did it mean to define?). `undefined` when none is found.
 */
export function declaredKind(text: string, parseYaml?: YamlParse): string | undefined {
  if (parseYaml) {
    try {
      const doc = parseYaml(text, CDI_YAML_OPTIONS) as Record<string, unknown> | null;
      if (doc && typeof doc === "object" && typeof doc.kind === "string") return doc.kind;
    } catch {
      // fall back to the text
    }
  }
  const m = /"kind"\s*:\s*"([^"\n]*)"/.exec(text) ??
    /^\s*["']?kind["']?\s*:\s*["']?([^"'\s#,}]+)/m.exec(text);
  return m?.[1];
}

/**
 * Parse the text of a CDI spec file as the CDI library does: YAML 1.1 (JSON is YAML), decoded
 * strictly into the library's structs ({@linkcode decodeSpec}: unknown fields refuse the spec),
 * then validated in the library's order: `cdiVersion` is a known version and new enough for the
 * fields used; `kind` is `vendor/class` with valid names (a dotted class needs 0.6.0); the
 * spec-wide edits are valid; every device has a valid name, non-empty edits of its own, valid
 * edits and a unique name; there is at least one device. Annotation keys are not checked (the
 * library's check never runs: it receives `map[string]string` where it tests for `map[string]any`).
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
 * @throws {CdiError} naming the file, the reason (the library's words where it has them) and,
 * for a field the library refuses, the field path.
 */
export function parseSpec(path: string, text: string, parseYaml: YamlParse): CdiSpec {
  const where = `CDI spec ${JSON.stringify(path)}`;
  const fail = (problem: string, hint?: string, cause?: unknown): never => {
    throw new CdiError(`${where}: ${problem}`, { path, hint, cause });
  };

  let doc: unknown;
  try {
    doc = parseYaml(text, CDI_YAML_OPTIONS);
  } catch (e) {
    if (!(e instanceof Error) || !e.name.startsWith("YAML")) throw e;
    const first = e.message.split("\n")[0].replace(/:\s*$/, "");
    fail(`is not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${first}`, undefined, e);
  }

  let raw: RawSpec | undefined;
  try {
    raw = decodeSpec(doc);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    fail(
      e.at === "" ? `the document ${e.message}` : `"${e.at}" ${e.message}`,
      e.message.includes("unknown field") ? "the CDI library refuses a spec with unknown fields" : undefined,
    );
  }
  if (raw === undefined) fail("is empty (no Spec data)");
  const spec = raw as RawSpec;

  // specs-go ValidateVersion
  const version = spec.cdiVersion ?? "";
  const bare = version.startsWith("v") ? version.slice(1) : version;
  if (!CDI_VERSIONS.includes(bare)) {
    fail(
      `invalid version ${JSON.stringify(version)}`,
      version === ""
        ? 'add e.g. cdiVersion: "0.6.0"'
        : `known versions: ${[...CDI_VERSIONS].reverse().join(", ")}`,
    );
  }
  const min = minimumVersion(spec);
  if (CDI_VERSIONS.indexOf(min) < CDI_VERSIONS.indexOf(bare)) {
    fail(
      `the spec version must be at least v${min}`,
      `it uses fields of CDI ${min}: set cdiVersion: "${min}"`,
    );
  }

  // parser.ParseQualifier + ValidateVendorName / ValidateClassName
  const kind = spec.kind ?? "";
  const cut = kind.indexOf("/");
  const [vendor, cls] = cut > 0 && cut < kind.length - 1
    ? [kind.slice(0, cut), kind.slice(cut + 1)]
    : ["", kind];
  const vendorProblem = vendorOrClassProblem(vendor);
  if (vendorProblem) {
    fail(`"kind" ${JSON.stringify(kind)}: invalid vendor. ${vendorProblem}`, 'e.g. kind: "nvidia.com/gpu"');
  }
  const classProblem = vendorOrClassProblem(cls);
  if (classProblem) {
    fail(`"kind" ${JSON.stringify(kind)}: invalid class. ${classProblem}`, 'e.g. kind: "nvidia.com/gpu"');
  }

  const specEdits = editsProblem(spec.containerEdits);
  if (specEdits) fail(`"containerEdits": ${specEdits}`);

  const names = new Set<string>();
  const devices: CdiDevice[] = [];
  (spec.devices ?? []).forEach((d, i) => {
    const name = d.name ?? "";
    const at = `devices[${i}]`;
    const bad = deviceNameProblem(name);
    if (bad) fail(`"${at}.name": failed add device ${JSON.stringify(name)}: ${bad}`);
    if (editsEmpty(d.containerEdits)) {
      fail(`"${at}": failed add device ${JSON.stringify(name)}: invalid device, empty device edits`);
    }
    const edits = editsProblem(d.containerEdits);
    if (edits) fail(`"${at}.containerEdits": failed add device ${JSON.stringify(name)}: ${edits}`);
    if (names.has(name)) fail(`invalid spec, multiple device ${JSON.stringify(name)} (at "${at}")`);
    names.add(name);
    devices.push({ name, nodes: nodesOf(d.containerEdits) });
  });
  if (devices.length === 0) fail("invalid spec, no devices", "a CDI spec must define at least one device");

  return { path, cdiVersion: version, kind, devices, sharedNodes: nodesOf(spec.containerEdits) };
}
