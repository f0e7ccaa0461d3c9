/**
 * The one source of the permission set lychd is compiled with (`deno task compile`), checked by
 * `lychd permissions` at run time, by tests/permissions_test.ts (the set, and an audit of the
 * source against it) and by tests/permissions_compiled_test.ts, which runs `main.ts` with exactly
 * these flags. Pure data plus the function that turns it into Deno flags.
 *
 * How Deno treats these flags (checked with Deno 2.9.6; see docs/binary.md):
 * - `deno compile` stores the raw flags in the binary and resolves them when the binary starts
 *   (denoland/deno#23719), so a relative path would be relative to the user's working directory
 *   at run time: every path here is absolute, and none is relative.
 * - `~` and `$HOME` are not expanded. A binary that runs under any user's home therefore grants
 *   the parents of homes (`/home`, `/var/home`, `/root`), not one home.
 * - Path grants are recursive and lexical: Deno does not resolve symlinks before checking, and
 *   the most specific flag wins (`--allow-read=/a/b` beats `--ignore-read=/a`).
 * - `--deny-*` beats `--allow-*`; `--no-prompt` keeps a terminal prompt from widening the set.
 * - `--ignore-env=X` makes `X` read as unset (used for variables npm packages read for debugging).
 * - Paths under `/proc`, `/dev` and `/sys` need `--allow-all` whatever is granted
 *   (denoland/deno#27564, #34393), so nothing under them is granted: a check that needs one
 *   (doctor's cgroup v2 test) has to ask a program instead.
 *
 * @module
 */

/** A permission kind of Deno. */
export type PermissionKind = "read" | "write" | "run" | "env" | "sys" | "net" | "ffi" | "import";

/** One granted (or ignored) path, program, variable or API, and why lychd needs it. */
export interface Grant {
  value: string;
  why: string;
}

/** What the binary may do of one kind. */
export interface KindPolicy {
  kind: PermissionKind;
  /** One line: why this flag looks the way it does. */
  why: string;
  /** What is granted (empty: nothing). */
  grants: Grant[];
  /** Emit `--deny-<kind>`: the whole kind is refused, even on a prompt. */
  deny: boolean;
  /** Emit `--deny-<kind>=…`: these are refused by name (the rest of the kind is not granted). */
  denied?: Grant[];
  /** `--ignore-env` entries: read as unset, never an error (env only). */
  ignored?: Grant[];
  /** Something outside the set that `lychd permissions` checks is refused. */
  probe: string;
}

/** The npm `yaml` package's debug switches: every lychd program reads them as unset. */
export const YAML_DEBUG_ENV: Grant[] = [
  { value: "LOG_TOKENS", why: "read by the npm `yaml` parser (debug output): read as unset" },
  { value: "LOG_STREAM", why: "read by the npm `yaml` composer (debug output): read as unset" },
];

/**
 * Hosts Deno 2.9 lets code import from without any flag (`deno run --help`, `--allow-import`).
 * A bare `--deny-import` does not override them (the more specific default wins), so they are
 * denied one by one; any other host is not granted, and `--no-prompt` makes that an error.
 */
export const DENO_DEFAULT_IMPORT_HOSTS: readonly string[] = [
  "deno.land:443",
  "jsr.io:443",
  "esm.sh:443",
  "raw.esm.sh:443",
  "cdn.jsdelivr.net:443",
  "raw.githubusercontent.com:443",
  "gist.githubusercontent.com:443",
];

const HOMES: Grant[] = [
  {
    value: "/home",
    why: "users' homes: ~/.config/lychd (Codex), ~/.config/containers/systemd, ~/.config/systemd/user",
  },
  { value: "/var/home", why: "homes on Fedora Atomic / CoreOS, where /home is a symlink to /var/home" },
  { value: "/root", why: "root's home (root without --system binds into root's own user manager)" },
];

const SYSTEM_WRITES: Grant[] = [
  { value: "/etc/lychd", why: "--system Codex (/etc/lychd/codex.toml, init --system)" },
  { value: "/etc/containers/systemd", why: "--system Runes (Quadlet files)" },
  { value: "/etc/systemd/system", why: "--system plain units (target, sockets)" },
];

const TMP: Grant = { value: "/tmp", why: "render --out scratch directories (`render --out /tmp/runes`)" };

/** The compile permission set, kind by kind. */
export const POLICY: KindPolicy[] = [
  {
    kind: "read",
    why: "the Codex, the unit directories, CDI specs, and the files doctor looks for; nothing else",
    grants: [
      ...HOMES,
      TMP,
      { value: "/etc/lychd", why: "--system Codex" },
      {
        value: "/etc/containers",
        why: "--system Runes (/etc/containers/systemd), and where doctor stops looking for a parent",
      },
      { value: "/etc/systemd/system", why: "--system plain units" },
      { value: "/etc/cdi", why: "CDI specs (static, e.g. nvidia-ctk cdi generate)" },
      { value: "/var/run/cdi", why: "CDI specs (generated at boot; the default second directory)" },
      { value: "/run/cdi", why: "CDI specs, same directory as /var/run/cdi without the symlink" },
      { value: "/usr/libexec/podman", why: "doctor: the Quadlet generator and catatonit" },
      { value: "/usr/lib/podman", why: "doctor: the Quadlet generator (other distributions)" },
      { value: "/usr/bin/catatonit", why: "doctor: catatonit (RunInit= for soulstones)" },
      { value: "/usr/libexec/catatonit", why: "doctor: catatonit (other distributions)" },
      {
        value: "/usr/lib/systemd/systemd-socket-proxyd",
        why: "doctor: socket proxy for on_demand soulstones",
      },
      { value: "/lib/systemd/systemd-socket-proxyd", why: "doctor: socket proxy (unmerged /usr)" },
    ],
    deny: false,
    probe: "/etc/shadow",
  },
  {
    kind: "write",
    why: "only where Runes, the manifest/lock/journal and the Codex live, plus /tmp for render --out",
    grants: [...HOMES, ...SYSTEM_WRITES, TMP],
    deny: false,
    probe: "/etc/passwd",
  },
  {
    kind: "run",
    why: "the four programs lychd drives (src/host/*.ts); resolved on PATH when lychd starts",
    grants: [
      { value: "systemctl", why: "daemon-reload, start/stop, is-active/show for status and summon" },
      { value: "podman", why: "podman --version (render target), secret checks at bind" },
      { value: "journalctl", why: "lychd logs" },
      { value: "loginctl", why: "doctor: is lingering enabled" },
    ],
    deny: false,
    probe: "curl",
  },
  {
    kind: "env",
    why: "only the variables lychd reads; npm debug switches read as unset",
    grants: [
      { value: "HOME", why: "default config home ($HOME/.config)" },
      { value: "XDG_CONFIG_HOME", why: "config home: Codex and unit directories" },
      { value: "LYCHD_CODEX", why: "Codex path override" },
      { value: "LYCHD_DEBUG", why: "stack trace on an internal error" },
      { value: "NO_COLOR", why: "no colour (no-color.org)" },
      { value: "COLUMNS", why: "table width" },
      { value: "USER", why: "doctor: whose lingering to check" },
      { value: "LOGNAME", why: "doctor: USER fallback" },
      { value: "COMPOSE_FILE", why: "import compose: the files when none are named" },
      { value: "COMPOSE_PROFILES", why: "import compose: the profiles when --profile is not given" },
      { value: "COMPOSE_PROJECT_NAME", why: "import compose: the sepulcher name when --name is not given" },
    ],
    ignored: YAML_DEBUG_ENV,
    deny: false,
    probe: "SSH_AUTH_SOCK",
  },
  {
    kind: "sys",
    why: "only the effective uid (root warning, doctor)",
    grants: [{ value: "uid", why: "Deno.uid(): root without --system is warned about" }],
    deny: false,
    probe: "hostname",
  },
  {
    kind: "net",
    why: "lychd never touches the network (systemctl and podman do their own)",
    grants: [],
    deny: true,
    probe: "example.com:443",
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
    why: "no remote modules: everything is embedded; Deno's default import hosts are denied by name",
    grants: [],
    deny: false,
    denied: DENO_DEFAULT_IMPORT_HOSTS.map((value) => ({
      value,
      why: "a default import host of Deno 2.9 (`--deny-import` alone does not override these)",
    })),
    probe: "example.com:443",
  },
];

/** One Deno flag with its justification, for help text and the README. */
export interface FlagLine {
  flag: string;
  why: string;
}

/** The Deno permission flags, one per kind (plus `--no-prompt`), each with its reason. */
export function flagLines(policy: KindPolicy[] = POLICY): FlagLine[] {
  const out: FlagLine[] = [{
    flag: "--no-prompt",
    why: "a missing permission is an error, never a terminal prompt that widens the set",
  }];
  for (const p of policy) {
    if (p.grants.length) {
      out.push({ flag: `--allow-${p.kind}=${p.grants.map((g) => g.value).join(",")}`, why: p.why });
    }
    if (p.ignored?.length) {
      out.push({
        flag: `--ignore-${p.kind}=${p.ignored.map((g) => g.value).join(",")}`,
        why: "debug switches that npm packages read: read as unset, never an error",
      });
    }
    if (p.deny) out.push({ flag: `--deny-${p.kind}`, why: p.why });
    else if (p.denied?.length) {
      out.push({ flag: `--deny-${p.kind}=${p.denied.map((g) => g.value).join(",")}`, why: p.why });
    }
  }
  return out;
}

/** The permission flags for `deno compile` and `deno run`, in a stable order. */
export function compileFlags(policy: KindPolicy[] = POLICY): string[] {
  return flagLines(policy).map((l) => l.flag);
}
