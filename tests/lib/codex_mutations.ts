/**
 * The property corpus of tests/validator_test.ts: strings, numbers and keys that probe the Codex
 * schema's edges, arbitrary TOML-like values, and mutations of a Codex document (a value replaced,
 * a key added, a key removed).
 *
 * @module
 */
import fc from "fast-check";

export type Doc = Record<string, unknown>;

// ---- the property corpus ----

const STRINGS = [
  "",
  " ",
  "a",
  "A",
  "-a",
  "a_b",
  "a-b",
  "x y",
  "é",
  "😀",
  "\u{10ffff}",
  "db",
  "svc-0001",
  "8080",
  "80:8080",
  "127.0.0.1:80:8080",
  "0.0.0.0:53:53/udp",
  "[::1]:80:80",
  "0",
  "70000",
  "8080/sctp",
  ":80",
  "512m",
  "2g",
  "1.5g",
  "16g",
  "-1",
  "0m",
  "1k",
  "10x",
  "30s",
  "1m30s",
  "0s",
  "10m",
  "1h",
  "s",
  "1.5s",
  "127.0.0.1",
  "0.0.0.0",
  "::1",
  "999.1.1.1",
  "fe80::1",
  "host-gateway",
  "db:10.0.0.5",
  "db:host-gateway",
  "db:",
  ":1.2.3.4",
  "A_1",
  "1A",
  "net_admin",
  "NET_ADMIN",
  "CAP_NET_ADMIN",
  "cap-x",
  "ALL",
  "nvidia.com/gpu=0",
  "nvidia.com/gpu=all",
  "nvidia.com/gpu",
  "1a.com/gpu=0",
  "/x",
  "/srv/a:/b:ro,Z",
  "x:/y",
  "/tmp:size=64m",
  "/tmp:",
  "tmp",
  "docker.io/library/postgres:17",
  "bridge",
  "host",
  "pod",
  "none",
  "env",
  "mount",
  "always",
  "on-failure",
  "no",
  "missing",
  "never",
  "newer",
  "registry",
  "local",
  "private",
  "5.4",
  "5.4.2",
  "v5",
  "lychd",
  "Lychd",
  "a".repeat(32),
  "a".repeat(31),
];

const NUMBERS = [
  0,
  1,
  -1,
  2,
  1.5,
  0.5,
  30,
  65535,
  2 ** 53,
  2 ** 53 + 2,
  Infinity,
  -Infinity,
  NaN,
  1e309,
  -0,
];

const KEYS = [
  "version",
  "sepulcher",
  "gpu",
  "vessel",
  "phylactery",
  "oculus",
  "soulstones",
  "services",
  "name",
  "network",
  "bind_address",
  "podman_version",
  "vram_gib",
  "image",
  "description",
  "command",
  "entrypoint",
  "env",
  "env_files",
  "ports",
  "volumes",
  "tmpfs",
  "devices",
  "add_hosts",
  "read_only",
  "no_new_privileges",
  "cap_add",
  "cap_drop",
  "user",
  "userns",
  "memory",
  "cpus",
  "shm_size",
  "ipc",
  "labels",
  "annotations",
  "secrets",
  "health",
  "restart",
  "restart_sec",
  "stop_timeout",
  "requires",
  "wants",
  "after",
  "conflicts_with",
  "autostart",
  "pull",
  "auto_update",
  "podman_args",
  "exclusive",
  "coexists_with",
  "fallback",
  "on_demand",
  "listen",
  "idle_stop",
  "cmd",
  "interval",
  "timeout",
  "retries",
  "start_period",
  "type",
  "target",
  "imgae",
  "nvidia.com/gpu=0",
  "A_1",
  "1A",
  "",
  "hasOwnProperty",
  "constructor",
  "toString",
];

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constant(new Date(0)) },
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie("v"), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), tie("v"), { maxKeys: 3 }) },
  ),
})).v;

/** Every path to a value in `doc` (tables and arrays included). */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object" && !(v instanceof Date)) {
    for (const k of Object.keys(v)) paths((v as Doc)[k], [...at, k], out);
  }
  return out;
}

type Mutation = { kind: "set" | "add" | "remove"; pick: number; key: string; value: unknown };

export function mutate(doc: Doc, muts: Mutation[]): Doc {
  const copy = structuredClone(doc);
  for (const m of muts) {
    const all = paths(copy);
    const path = all[m.pick % all.length];
    if (path.length === 0) {
      if (m.kind === "add") {
        Object.defineProperty(copy, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      continue;
    }
    let parent: Record<string | number, unknown> = copy;
    for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    const target = parent[last];
    if (m.kind === "set") parent[last] = m.value;
    else if (m.kind === "remove") {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (target && typeof target === "object" && !Array.isArray(target) && !(target instanceof Date)) {
      Object.defineProperty(target, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (Array.isArray(target)) target.push(m.value);
    else parent[last] = m.value;
  }
  return copy;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("set" as const, "set" as const, "add" as const, "remove" as const),
  pick: fc.nat(),
  key: fc.constantFrom(...KEYS),
  value,
});
