/**
 * The `[Container]` rows of the key table (see `keys.ts`): each key with the first Podman minor
 * whose generator accepts it, its escaping class and its fallback flag on an older target.
 *
 * @module
 */
import type { Fallback, KeySpec, ValueForm } from "./keys.ts";

const flag = (f: string, value?: (v: string) => string): Fallback => ({ flag: f, value });

/**
 * `PublishPort=0.0.0.0:…`: before 5.3 Quadlet rewrites the address 0.0.0.0 to none (every
 * address, IPv6 too where the network has it); the flag keeps what the Codex says.
 */
export const HOST_ANY_IPV4: ValueForm = {
  name: "0.0.0.0:…",
  match: (v) => v.startsWith("0.0.0.0:"),
  since: "5.3",
  fallback: flag("--publish"),
};

/** `[Container]` keys. */
export const Container = {
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
