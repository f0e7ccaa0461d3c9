/**
 * Decode a parsed CDI spec document the way the CDI library does: `pkg/cdi.ParseSpec` calls
 * `sigs.k8s.io/yaml.UnmarshalStrict` into the Go structs of `specs-go/config.go`. That means:
 *
 * - YAML is read as YAML 1.1 (go-yaml v2): `yes`/`on` are booleans, but plain `0:1` stays a
 *   string (no sexagesimal numbers) and dates stay strings ({@linkcode CDI_YAML_OPTIONS});
 * - the YAML becomes JSON, then Go's `encoding/json` fills the structs with
 *   `DisallowUnknownFields`: an unknown field anywhere refuses the whole spec; a field name matches
 *   exactly, else case-insensitively (Go's rule); `null` leaves a field at its zero value;
 * - where the Go field is a string, a YAML number or boolean becomes its text (`name: 0` is
 *   `"0"`; a float is formatted like Go's `FormatFloat(f, 'g', -1, 32)`); other mismatches, a
 *   fractional or out-of-range integer included, refuse the spec.
 *
 * Hand-written (no library reads Go struct tags): the tables below are `specs-go/config.go` of
 * cncf-tags/container-device-interface at 05ae4b5 (specs-go v1.1.0), field for field.
 *
 * Pure.
 *
 * @module
 */
import { LychdError } from "../errors.ts";

/** Options for the `yaml` package's `parse` that read YAML as go-yaml v2 does (see above). */
export const CDI_YAML_OPTIONS = {
  version: "1.1",
  intAsBigInt: true,
  merge: true,
  uniqueKeys: true,
  customTags: (tags: unknown[]) =>
    tags.filter((t) => {
      const tag = t as { format?: string; tag?: string };
      return tag.format !== "TIME" && tag.tag !== "tag:yaml.org,2002:timestamp";
    }),
} as const;

type Field =
  | "string"
  | "int64"
  | "uint32"
  | "bool"
  | { list: Field; pointer?: boolean }
  | { map: "string" }
  | Struct;

interface Struct {
  struct: string;
  fields: Record<string, Field>;
}

const STRINGS: Field = { list: "string" };

const DEVICE_NODE: Struct = {
  struct: "DeviceNode",
  fields: {
    path: "string",
    hostPath: "string",
    type: "string",
    major: "int64",
    minor: "int64",
    fileMode: "uint32",
    permissions: "string",
    uid: "uint32",
    gid: "uint32",
  },
};

const EDITS: Struct = {
  struct: "ContainerEdits",
  fields: {
    env: STRINGS,
    deviceNodes: { list: DEVICE_NODE, pointer: true },
    netDevices: {
      list: { struct: "LinuxNetDevice", fields: { hostInterfaceName: "string", name: "string" } },
      pointer: true,
    },
    hooks: {
      list: {
        struct: "Hook",
        fields: { hookName: "string", path: "string", args: STRINGS, env: STRINGS, timeout: "int64" },
      },
      pointer: true,
    },
    mounts: {
      list: {
        struct: "Mount",
        fields: { hostPath: "string", containerPath: "string", options: STRINGS, type: "string" },
      },
      pointer: true,
    },
    intelRdt: {
      struct: "IntelRdt",
      fields: {
        closID: "string",
        l3CacheSchema: "string",
        memBwSchema: "string",
        schemata: STRINGS,
        enableMonitoring: "bool",
      },
    },
    additionalGids: { list: "uint32" },
  },
};

const SPEC: Struct = {
  struct: "Spec",
  fields: {
    cdiVersion: "string",
    kind: "string",
    annotations: { map: "string" },
    devices: {
      list: {
        struct: "Device",
        fields: { name: "string", annotations: { map: "string" }, containerEdits: EDITS },
      },
    },
    containerEdits: EDITS,
  },
};

/** A field path and what is wrong there. */
export class DecodeError extends LychdError {
  override readonly name: string = "DecodeError";
  /** e.g. `devices[0].containerEdits.deviceNodes[1].major`; empty for the document itself. */
  readonly at: string;
  constructor(at: string, message: string) {
    super(message, { place: { path: at } });
    this.at = at;
  }
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "bigint" || typeof v === "number") return `number ${String(v)}`;
  if (typeof v === "boolean") return `boolean ${v}`;
  return `string ${JSON.stringify(v)}`;
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest text that reads back as the same float32. */
export function goFormatFloat32(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  const x = Math.fround(f);
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  let digits = "";
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const s = Math.abs(x).toExponential(p - 1);
    if (Math.fround(Number(s)) === Math.abs(x)) {
      const [mant, e] = s.split("e");
      digits = mant.replace(".", "");
      exp = Number(e);
      break;
    }
  }
  digits = digits.replace(/0+$/, "") || "0";
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${e}`;
  }
  const point = exp + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function join(at: string, key: string): string {
  return at === "" ? key : `${at}.${key}`;
}

function decodeValue(v: unknown, t: Field, at: string): unknown {
  if (v === null || v === undefined) return undefined; // Go: null leaves the zero value
  if (t === "string") {
    if (typeof v === "string") return v;
    if (typeof v === "bigint") return String(v);
    if (typeof v === "number") return goFormatFloat32(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    throw new DecodeError(at, `must be a string, found ${kindOf(v)}`);
  }
  if (t === "int64" || t === "uint32") {
    let n: bigint;
    if (typeof v === "bigint") n = v;
    else if (typeof v === "number" && Number.isInteger(v)) n = BigInt(v);
    else throw new DecodeError(at, `must be an integer, found ${kindOf(v)}`);
    const [lo, hi] = t === "int64" ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 32n - 1n];
    if (n < lo || n > hi) throw new DecodeError(at, `${n} is out of range for ${t}`);
    return n;
  }
  if (t === "bool") {
    if (typeof v !== "boolean") throw new DecodeError(at, `must be true or false, found ${kindOf(v)}`);
    return v;
  }
  if ("list" in t) {
    if (!Array.isArray(v)) throw new DecodeError(at, `must be a list, found ${kindOf(v)}`);
    return v.map((x, i) => {
      const here = `${at}[${i}]`;
      if ((x === null || x === undefined) && t.pointer) {
        throw new DecodeError(here, "is null (an entry must be a mapping)");
      }
      const d = decodeValue(x, t.list, here);
      if (d !== undefined) return d;
      return t.list === "string" ? "" : t.list === "uint32" ? 0n : {}; // Go's zero value
    });
  }
  if ("map" in t) {
    if (typeof v !== "object" || Array.isArray(v)) {
      throw new DecodeError(at, `must be a mapping, found ${kindOf(v)}`);
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = (decodeValue(x, "string", join(at, k)) as string | undefined) ?? "";
    }
    return out;
  }
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new DecodeError(at, `must be a mapping, found ${kindOf(v)}`);
  }
  const out: Record<string, unknown> = {};
  const names = Object.keys(t.fields);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const name = k in t.fields ? k : names.find((n) => n.toLowerCase() === k.toLowerCase());
    if (name === undefined) {
      throw new DecodeError(join(at, k), `is an unknown field (a CDI ${t.struct} has ${names.join(", ")})`);
    }
    const d = decodeValue(x, t.fields[name], join(at, k));
    if (d !== undefined) out[name] = d;
  }
  return out;
}

/** A device node as decoded (absent fields stay absent). */
export interface RawDeviceNode {
  path?: string;
  hostPath?: string;
  type?: string;
  major?: bigint;
  minor?: bigint;
  fileMode?: bigint;
  permissions?: string;
  uid?: bigint;
  gid?: bigint;
}

/** Container edits as decoded. */
export interface RawEdits {
  env?: string[];
  deviceNodes?: RawDeviceNode[];
  netDevices?: { hostInterfaceName?: string; name?: string }[];
  hooks?: { hookName?: string; path?: string; args?: string[]; env?: string[]; timeout?: bigint }[];
  mounts?: { hostPath?: string; containerPath?: string; options?: string[]; type?: string }[];
  intelRdt?: {
    closID?: string;
    l3CacheSchema?: string;
    memBwSchema?: string;
    schemata?: string[];
    enableMonitoring?: boolean;
  };
  additionalGids?: bigint[];
}

/** A spec as decoded. */
export interface RawSpec {
  cdiVersion?: string;
  kind?: string;
  annotations?: Record<string, string>;
  devices?: { name?: string; annotations?: Record<string, string>; containerEdits?: RawEdits }[];
  containerEdits?: RawEdits;
}

/**
 * Decode a parsed document into a {@linkcode RawSpec} as `UnmarshalStrict` would; `undefined` for
 * an empty document (the library's "no Spec data").
 *
 * @throws {DecodeError} at the first field the library would refuse.
 */
export function decodeSpec(doc: unknown): RawSpec | undefined {
  if (doc === null || doc === undefined) return undefined;
  return decodeValue(doc, SPEC, "") as RawSpec;
}
