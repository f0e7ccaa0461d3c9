/**
 * The key table: every key of the four Quadlet groups lychd writes (`[Container]`, `[Volume]`,
 * `[Network]`, `[Pod]`), each with the first Podman minor whose generator accepts it, the
 * `podman` flag it falls back to on an older target, and its escaping class; the systemd keys of
 * the `[Unit]`/`[Service]`/`[Install]`/`[Socket]` sections lychd writes; and the first Podman
 * minor that reads each file kind.
 *
 * Where the dates come from: the generators themselves. `tests/oracle_keys_test.ts` writes one
 * tiny file per (group, key) for each of the 15 oracles (podman's `quadlet` built from v4.4.4 …
 * v5.8.2, `scripts/build-oracles.sh`) and asserts that the set of keys each one accepts is exactly
 * the set dated at or before its minor here — every key of every group, not only those lychd
 * writes. Release notes are not a source.
 *
 * The table is the only way into a unit file: `unit.ts`'s builder takes only keys of its group
 * (a type error otherwise), the serializer refuses a key without an escaping class (a key that is
 * dated but that lychd never writes), and `downgrade.ts` is the one place that compares a key's
 * date with the target.
 *
 * @module
 */

/**
 * How a value is written (see `unit.ts`):
 * - `raw`: copied verbatim into the service (Description=): `%` → `%%`, no trailing `\`, no edge blanks;
 * - `exec`: a raw value that Quadlet passes to podman as one argument of `ExecStart=`: raw plus `$` → `$$`;
 * - `word`: one word of a command line (Environment=, Label=): systemd-quoted, `%` and `$` doubled;
 * - `words`: a whole command line (Exec=, PodmanArgs=, ExecStart=): an array of words;
 * - `plain`: a name, number, duration or boolean that needs no escaping; anything else is refused.
 */
export type Escape = "raw" | "exec" | "word" | "words" | "plain";

/** A podman flag that expresses a key on a target older than the key (in `PodmanArgs=`). */
export interface Fallback {
  /** e.g. `--memory`; written `--memory=<value>`. */
  flag: string;
  /** The flag's value from the key's value, when not the same (e.g. `AutoUpdate=registry`). */
  value?: (v: string) => string;
}

/** What an older target does without a key that has no flag: it is left out, with this warning. */
export interface Omission {
  /** The consequence, for the warning (`file` is the Rune's name, `value` the key's value). */
  omit: (ctx: { file: string; value: string }) => string;
}

/** One Quadlet key. */
export interface KeySpec {
  /** First Podman minor whose generator accepts the key (probed). */
  since: string;
  /** How lychd writes it; absent = lychd never writes this key (the serializer refuses it). */
  escape?: Escape;
  /** Older target: move into `PodmanArgs=` as this flag. */
  fallback?: Fallback | Omission;
  /** Value forms that arrived (or are kept literally) later than the key itself. */
  forms?: ValueForm[];
  /** First Podman minor that keeps every repeated occurrence (older keep only the last, silently). */
  repeatSince?: string;
}

/** A form of a key's value that an older generator rejects, ignores or rewrites. */
export interface ValueForm {
  /** For messages and the probe, e.g. `healthy`. */
  name: string;
  match: (value: string) => boolean;
  /** First Podman minor whose generator passes the form on unchanged (probed). */
  since: string;
  /** Older target: a flag in `PodmanArgs=`, or left out with a warning; neither = refused. */
  fallback?: Fallback | Omission;
}

/** One systemd key (passed through by Quadlet in every version). */
export interface SystemdKeySpec {
  escape: Escape;
}

const flag = (f: string, value?: (v: string) => string): Fallback => ({ flag: f, value });

const stemOf = (file: string) => file.replace(/\.[a-z]+$/, "");

const networkNameOmitted: Omission = {
  omit: ({ file }) =>
    `left out, so the network is named systemd-${stemOf(file)} (from Podman 4.7 on: ${stemOf(file)})`,
};

const volumeNameOmitted: Omission = {
  omit: ({ file }) =>
    `left out, so the volume is named systemd-${stemOf(file)}; from Podman 4.7 on it is ${
      stemOf(file)
    }, a new, empty volume (copy the data across when upgrading)`,
};

/**
 * `PublishPort=0.0.0.0:…`: before 5.3 Quadlet rewrites the address 0.0.0.0 to none (every
 * address, IPv6 too where the network has it); the flag keeps what the Codex says.
 */
const HOST_ANY_IPV4: ValueForm = {
  name: "0.0.0.0:…",
  match: (v) => v.startsWith("0.0.0.0:"),
  since: "5.3",
  fallback: flag("--publish"),
};

/** `[Container]` keys. */
const Container = {
  // 4.4
  AddCapability: { since: "4.4", escape: "plain" },
  AddDevice: { since: "4.4", escape: "exec" },
  Annotation: { since: "4.4", escape: "word" },
  ContainerName: { since: "4.4", escape: "plain" },
  DropCapability: { since: "4.4", escape: "plain" },
  Environment: { since: "4.4", escape: "word" },
  EnvironmentFile: { since: "4.4", escape: "exec" },
  EnvironmentHost: { since: "4.4" },
  Exec: { since: "4.4", escape: "words" },
  ExposeHostPort: { since: "4.4" },
  Group: { since: "4.4" },
  Image: { since: "4.4", escape: "exec" },
  Label: { since: "4.4", escape: "word" },
  Network: { since: "4.4", escape: "plain" },
  NoNewPrivileges: { since: "4.4", escape: "plain" },
  Notify: {
    since: "4.4",
    escape: "plain",
    forms: [{
      name: "healthy",
      match: (v) => v === "healthy",
      since: "5.0", // before: read as a boolean, --sdnotify=conmon
      fallback: {
        omit: ({ file }) => `left out of ${file}: the service counts as started before it is healthy`,
      },
    }],
  },
  PodmanArgs: { since: "4.4", escape: "words" },
  PublishPort: { since: "4.4", escape: "exec", forms: [HOST_ANY_IPV4] },
  ReadOnly: { since: "4.4", escape: "plain" },
  RemapGid: { since: "4.4" }, // deprecated
  RemapUid: { since: "4.4" }, // deprecated
  RemapUidSize: { since: "4.4" }, // deprecated
  RemapUsers: { since: "4.4" }, // deprecated
  RunInit: { since: "4.4", escape: "plain" },
  SeccompProfile: { since: "4.4" },
  Timezone: { since: "4.4" },
  User: {
    since: "4.4",
    escape: "exec",
    forms: [{
      // Before 4.8 Quadlet reads User= as a number: `1000:1000` or a name became --user 0 (root).
      name: "<not a bare number>",
      match: (v) => !/^\d+$/.test(v),
      since: "4.8",
      fallback: flag("--user"),
    }],
  },
  VolatileTmp: { since: "4.4" }, // deprecated
  Volume: { since: "4.4", escape: "exec" },
  // 4.5
  HealthCmd: { since: "4.5", escape: "exec", fallback: flag("--health-cmd") },
  HealthInterval: { since: "4.5", escape: "plain", fallback: flag("--health-interval") },
  HealthOnFailure: { since: "4.5" },
  HealthRetries: { since: "4.5", escape: "plain", fallback: flag("--health-retries") },
  HealthStartPeriod: { since: "4.5", escape: "plain", fallback: flag("--health-start-period") },
  HealthStartupCmd: { since: "4.5" },
  HealthStartupInterval: { since: "4.5" },
  HealthStartupRetries: { since: "4.5" },
  HealthStartupSuccess: { since: "4.5" },
  HealthStartupTimeout: { since: "4.5" },
  HealthTimeout: { since: "4.5", escape: "plain", fallback: flag("--health-timeout") },
  IP: { since: "4.5" },
  IP6: { since: "4.5" },
  LogDriver: { since: "4.5", escape: "plain", fallback: flag("--log-driver") },
  Mount: { since: "4.5", escape: "exec", fallback: flag("--mount") },
  Rootfs: { since: "4.5" },
  Secret: { since: "4.5", escape: "exec", fallback: flag("--secret") },
  SecurityLabelDisable: { since: "4.5" },
  SecurityLabelFileType: { since: "4.5" },
  SecurityLabelLevel: { since: "4.5" },
  SecurityLabelType: { since: "4.5" },
  Tmpfs: { since: "4.5", escape: "exec", fallback: flag("--tmpfs") },
  UserNS: { since: "4.5", escape: "exec", fallback: flag("--userns") },
  // 4.6
  AutoUpdate: {
    since: "4.6",
    escape: "plain",
    fallback: flag("--label", (v) => `io.containers.autoupdate=${v}`),
  },
  HostName: { since: "4.6", escape: "plain", fallback: flag("--hostname") },
  Mask: { since: "4.6" },
  Pull: { since: "4.6", escape: "plain", fallback: flag("--pull") },
  SecurityLabelNested: { since: "4.6" },
  Sysctl: { since: "4.6", escape: "exec", fallback: flag("--sysctl") },
  Unmask: { since: "4.6" },
  WorkingDir: { since: "4.6", escape: "exec", fallback: flag("--workdir") },
  // 4.7
  DNS: { since: "4.7", escape: "plain", fallback: flag("--dns") },
  DNSOption: { since: "4.7" },
  DNSSearch: { since: "4.7" },
  PidsLimit: { since: "4.7", escape: "plain", fallback: flag("--pids-limit") },
  ShmSize: { since: "4.7", escape: "plain", fallback: flag("--shm-size") },
  // Before 5.0 a repeated Ulimit= keeps only the last one (probed): all move to --ulimit then.
  Ulimit: { since: "4.7", escape: "plain", fallback: flag("--ulimit"), repeatSince: "5.0" },
  // 4.8
  ContainersConfModule: { since: "4.8" },
  GIDMap: { since: "4.8" },
  GlobalArgs: { since: "4.8" },
  ReadOnlyTmpfs: { since: "4.8" },
  SubGIDMap: { since: "4.8" },
  SubUIDMap: { since: "4.8" },
  UIDMap: { since: "4.8" },
  // 5.0
  Entrypoint: { since: "5.0", escape: "exec", fallback: flag("--entrypoint") },
  Pod: { since: "5.0", escape: "plain" },
  StopTimeout: { since: "5.0", escape: "plain", fallback: flag("--stop-timeout") },
  // 5.1
  GroupAdd: { since: "5.1", escape: "plain", fallback: flag("--group-add") },
  // 5.2
  LogOpt: { since: "5.2", escape: "exec", fallback: flag("--log-opt") },
  NetworkAlias: { since: "5.2", escape: "plain", fallback: flag("--network-alias") },
  StopSignal: { since: "5.2", escape: "plain", fallback: flag("--stop-signal") },
  // 5.3
  AddHost: { since: "5.3", escape: "exec", fallback: flag("--add-host") },
  CgroupsMode: { since: "5.3" },
  HealthLogDestination: { since: "5.3" },
  HealthMaxLogCount: { since: "5.3" },
  HealthMaxLogSize: { since: "5.3" },
  ServiceName: { since: "5.3" },
  StartWithPod: { since: "5.3" },
  // 5.5
  Memory: { since: "5.5", escape: "plain", fallback: flag("--memory") },
  ReloadCmd: { since: "5.5" },
  ReloadSignal: { since: "5.5" },
  Retry: { since: "5.5" },
  RetryDelay: { since: "5.5" },
  // 5.7, 5.8
  HttpProxy: { since: "5.7" },
  AppArmor: { since: "5.8" },
} satisfies Record<string, KeySpec>;

/** `[Volume]` keys. */
const Volume = {
  Copy: { since: "4.4" },
  Device: { since: "4.4" },
  Group: { since: "4.4" },
  Label: { since: "4.4", escape: "word" },
  Options: { since: "4.4" },
  Type: { since: "4.4" },
  User: { since: "4.4" },
  PodmanArgs: { since: "4.6", escape: "words" },
  VolumeName: { since: "4.7", escape: "plain", fallback: volumeNameOmitted },
  ContainersConfModule: { since: "4.8" },
  Driver: { since: "4.8" },
  GlobalArgs: { since: "4.8" },
  Image: { since: "4.8" },
  ServiceName: { since: "5.3" },
} satisfies Record<string, KeySpec>;

/** `[Network]` keys. */
const Network = {
  DisableDNS: { since: "4.4" },
  Driver: { since: "4.4" },
  Gateway: { since: "4.4", escape: "plain" },
  IPAMDriver: { since: "4.4" },
  IPRange: { since: "4.4" },
  IPv6: { since: "4.4" },
  Internal: { since: "4.4" },
  Label: { since: "4.4", escape: "word" },
  Options: { since: "4.4" },
  Subnet: { since: "4.4", escape: "plain" },
  PodmanArgs: { since: "4.6", escape: "words" },
  DNS: { since: "4.7" },
  NetworkName: { since: "4.7", escape: "plain", fallback: networkNameOmitted },
  ContainersConfModule: { since: "4.8" },
  GlobalArgs: { since: "4.8" },
  ServiceName: { since: "5.3" },
  NetworkDeleteOnStop: { since: "5.5" },
  InterfaceName: { since: "5.6" },
} satisfies Record<string, KeySpec>;

/** `[Pod]` keys (`.pod` files exist from 5.0). */
const Pod = {
  ContainersConfModule: { since: "5.0" },
  GlobalArgs: { since: "5.0" },
  Network: { since: "5.0" },
  PodName: { since: "5.0", escape: "plain" },
  PodmanArgs: { since: "5.0", escape: "words" },
  PublishPort: { since: "5.0", escape: "exec", forms: [HOST_ANY_IPV4] },
  Volume: { since: "5.0" },
  NetworkAlias: { since: "5.2" },
  AddHost: { since: "5.3" },
  DNS: { since: "5.3" },
  DNSOption: { since: "5.3" },
  DNSSearch: { since: "5.3" },
  GIDMap: { since: "5.3" },
  IP: { since: "5.3" },
  IP6: { since: "5.3" },
  RemapGid: { since: "5.3" }, // deprecated
  RemapUid: { since: "5.3" }, // deprecated
  RemapUidSize: { since: "5.3" }, // deprecated
  RemapUsers: { since: "5.3" }, // deprecated
  ServiceName: { since: "5.3" },
  SubGIDMap: { since: "5.3" },
  SubUIDMap: { since: "5.3" },
  UIDMap: { since: "5.3" },
  UserNS: { since: "5.3" },
  ShmSize: { since: "5.4" },
  HostName: { since: "5.5" },
  ExitPolicy: { since: "5.6" },
  Label: { since: "5.6" },
  StopTimeout: { since: "5.7" },
} satisfies Record<string, KeySpec>;

/** The Quadlet groups, each key → its spec. */
export const QUADLET_KEYS = { Container, Volume, Network, Pod } as const;

/** A Quadlet group lychd writes. */
export type QuadletGroup = keyof typeof QUADLET_KEYS;

/** systemd sections lychd writes (Quadlet copies `[Unit]`/`[Service]`/`[Install]` through). */
export const SYSTEMD_KEYS = {
  Unit: {
    Description: { escape: "raw" },
    Requires: { escape: "plain" },
    Wants: { escape: "plain" },
    After: { escape: "plain" },
    Conflicts: { escape: "plain" },
    PartOf: { escape: "plain" },
    OnFailure: { escape: "plain" },
    StopWhenUnneeded: { escape: "plain" },
  },
  Service: {
    Restart: { escape: "plain" },
    RestartSec: { escape: "plain" },
    Type: { escape: "plain" },
    RemainAfterExit: { escape: "plain" },
    TimeoutStartSec: { escape: "plain" },
    SuccessExitStatus: { escape: "plain" },
    ExecStart: { escape: "words" },
    ExecStartPost: { escape: "words" },
    ExecCondition: { escape: "words" },
    RuntimeDirectory: { escape: "plain" },
  },
  Install: {
    WantedBy: { escape: "plain" },
  },
  Socket: {
    ListenStream: { escape: "plain" },
    NoDelay: { escape: "plain" },
    FreeBind: { escape: "plain" },
    Service: { escape: "plain" },
  },
} as const satisfies Record<string, Record<string, SystemdKeySpec>>;

/** A systemd section lychd writes. */
export type SystemdGroup = keyof typeof SYSTEMD_KEYS;

/** Any section lychd writes. */
export type GroupName = QuadletGroup | SystemdGroup;

/** The keys of a section. */
export type KeyOf<G extends GroupName> = G extends QuadletGroup ? keyof (typeof QUADLET_KEYS)[G] & string
  : G extends SystemdGroup ? keyof (typeof SYSTEMD_KEYS)[G] & string
  : never;

/** A key's Quadlet spec, when the group is a Quadlet group and the key is in it. */
export function quadletKey(group: string, key: string): KeySpec | undefined {
  if (!Object.hasOwn(QUADLET_KEYS, group)) return undefined;
  const table = QUADLET_KEYS[group as QuadletGroup] as Record<string, KeySpec>;
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** How a key of any section lychd writes is escaped; undefined = not writable. */
export function escapeOf(group: string, key: string): Escape | undefined {
  if (Object.hasOwn(SYSTEMD_KEYS, group)) {
    const table = SYSTEMD_KEYS[group as SystemdGroup] as Record<string, SystemdKeySpec>;
    return Object.hasOwn(table, key) ? table[key].escape : undefined;
  }
  return quadletKey(group, key)?.escape;
}

/**
 * File kinds → the first Podman minor whose generator reads them (probed: a bare file of the kind
 * becomes a unit) and the Quadlet group of its body. Plain systemd units are not dated.
 */
export const FILE_KINDS = {
  container: { since: "4.4", group: "Container" },
  volume: { since: "4.4", group: "Volume" },
  network: { since: "4.4", group: "Network" },
  kube: { since: "4.4", group: "Kube" },
  image: { since: "4.8", group: "Image" },
  pod: { since: "5.0", group: "Pod" },
  build: { since: "5.2", group: "Build" },
  artifact: { since: "5.7", group: "Artifact" },
} as const;
