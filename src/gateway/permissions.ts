/**
 * The gateway's own permission set, separate from the binder's (src/permissions.ts, which holds
 * no network at all). The gateway serves on a Unix socket in its runtime directory (systemd owns
 * the TCP listener and hands connections over through systemd-socket-proxyd) and dials only
 * loopback upstreams. `lychd permissions` shows this set beside the binder's; the compiled
 * `lychd-gateway` and the `deno run` of a checkout both run with exactly these flags.
 *
 * Deno's `--allow-net=127.0.0.1` also admits listening on 127.0.0.1 (Deno has no separate
 * listen permission); the gateway listens on TCP only with `--listen`, for tests and benches.
 * Serving on a Unix socket needs `--allow-net=unix:<exact path>` (Deno 2.9 takes no directory
 * or pattern there), so the unit adds its own socket's path: {@linkcode gatewayFlags}.
 *
 * @module
 */
import {
  compileFlags,
  DENO_DEFAULT_IMPORT_HOSTS,
  type Grant,
  type KindPolicy,
  YAML_DEBUG_ENV,
} from "../permissions.ts";

const HOMES: Grant[] = [
  { value: "/home", why: "the Codex and api_key_file under users' homes (~/.config/lychd)" },
  { value: "/var/home", why: "homes on Fedora Atomic / CoreOS, where /home is a symlink to /var/home" },
  { value: "/root", why: "root's home (a root user manager)" },
];

const RUNTIME: Grant[] = [
  { value: "/run/user", why: "the Unix socket in $XDG_RUNTIME_DIR/lychd/<prefix>-gateway (user manager)" },
  { value: "/run/lychd", why: "the Unix socket in /run/lychd/<prefix>-gateway (--system)" },
];

/** The gateway's set, kind by kind. */
export const GATEWAY_POLICY: KindPolicy[] = [
  {
    kind: "read",
    why: "the Codex, its api_key_file, the CDI specs (admission) and its own socket",
    grants: [
      ...HOMES,
      { value: "/etc/lychd", why: "--system Codex and api_key_file" },
      { value: "/etc/cdi", why: "CDI specs: device overlap for admission" },
      { value: "/var/run/cdi", why: "CDI specs (generated at boot)" },
      { value: "/run/cdi", why: "CDI specs, /var/run/cdi without the symlink" },
      ...RUNTIME,
    ],
    deny: false,
    probe: "/etc/shadow",
  },
  {
    kind: "write",
    why: "only its Unix socket (Deno needs read and write on a socket path to serve on it)",
    grants: RUNTIME,
    deny: false,
    probe: "/etc/passwd",
  },
  {
    kind: "run",
    why: "systemctl only: start, stop and inspect soulstone units",
    grants: [{ value: "systemctl", why: "start/stop soulstones, is-active/show for readiness and status" }],
    deny: false,
    probe: "podman",
  },
  {
    kind: "env",
    why: "only the variables that locate the Codex",
    grants: [
      { value: "HOME", why: "default config home ($HOME/.config)" },
      { value: "XDG_CONFIG_HOME", why: "config home: the Codex" },
      { value: "LYCHD_CODEX", why: "Codex path override" },
    ],
    ignored: YAML_DEBUG_ENV,
    deny: false,
    probe: "SSH_AUTH_SOCK",
  },
  {
    kind: "sys",
    why: "nothing about the system",
    grants: [],
    deny: true,
    probe: "uid",
  },
  {
    kind: "net",
    why: "loopback only (upstreams on 127.0.0.1 or ::1); the unit adds unix:<its own socket path>",
    grants: [
      { value: "127.0.0.1", why: "upstreams published on IPv4 loopback (or a wildcard, dialled here)" },
      { value: "[::1]", why: "upstreams published on IPv6 loopback" },
    ],
    deny: false,
    probe: "10.255.255.1:80",
  },
  {
    kind: "ffi",
    why: "no native libraries",
    grants: [],
    deny: true,
    probe: "/usr/lib/libc.so.6",
  },
  {
    kind: "import",
    why: "no remote modules; Deno's default import hosts are denied by name",
    grants: [],
    deny: false,
    denied: DENO_DEFAULT_IMPORT_HOSTS.map((value) => ({ value, why: "a default import host of Deno 2.9" })),
    probe: "example.com:443",
  },
];

/**
 * The gateway's flags; with `socket`, `--allow-net` also names that Unix socket (the exact path
 * the unit serves on, e.g. `%t/lychd/lychd-gateway/gateway.sock`, expanded by systemd).
 */
export function gatewayFlags(socket?: string): string[] {
  const flags = compileFlags(GATEWAY_POLICY);
  if (!socket) return flags;
  return flags.map((f) => (f.startsWith("--allow-net=") ? `${f},unix:${socket}` : f));
}

/**
 * Whether the gateway's permission set lets it read `path` (an absolute path, as the unit names it):
 * it is one of the read grants or beneath one. Deno checks the path as given, not a symlink's
 * target, so this is lexical.
 */
export function gatewayMayRead(path: string): boolean {
  const grants = GATEWAY_POLICY.find((p) => p.kind === "read")?.grants ?? [];
  return grants.some((g) => path === g.value || path.startsWith(`${g.value}/`));
}

/** The read grants, for a message: `/home, /var/home, …`. */
export function gatewayReadable(): string {
  return (GATEWAY_POLICY.find((p) => p.kind === "read")?.grants ?? []).map((g) => g.value).join(", ");
}
