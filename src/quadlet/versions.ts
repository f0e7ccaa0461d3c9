/**
 * Which Podman release first accepts each Quadlet key, file type and value form.
 *
 * Pure data plus a few helpers (no host access). A version here is `major.minor`: the first Podman
 * release line whose Quadlet generator accepts the key. No 4.4.x–5.4.x patch release note adds a
 * key (5.5+ patch notes not read).
 *
 * When the sources disagree or are silent, the LATER version is recorded, so that `supports()`
 * errs towards "not supported" (the caller then falls back to `PodmanArgs=`, which every
 * Podman ≥ 4.4 accepts in `[Container]`).
 *
 * ## Sources (where each number came from)
 *
 * - **G54** Ground truth for 5.4: the real generator of Debian trixie's podman 5.4.2+ds1-2+b2
 *   (`/usr/libexec/podman/quadlet -version` → 5.4.2), probed with one tiny file per key and group
 *   (`-dryrun -user`). Every key listed here as ≤ 5.4 is accepted, every key listed as > 5.4 is
 *   rejected with `unsupported key` — re-checked by `versions_test.ts` whenever a generator is found.
 * - **RN** Podman `RELEASE_NOTES.md`: 4.4.0 … 5.4.2 read from the copy shipped in the same Debian
 *   package (`/usr/share/doc/podman/RELEASE_NOTES.md.gz`); 5.5.0, 5.6.0, 5.7.0, 5.8.0 read from the
 *   GitHub release texts mirrored in `zgfh/zgfh.github.io`
 *   (`content/docs/cncf/project/podman/releasenote/podman_v5.{5,6,7,8}.0_release_note.md`).
 *   Quadlet key lines, by release:
 *   - 4.5: Rootfs, Secret, LogDriver, Mount, IP/IP6, health checks (Health*), Tmpfs, relative
 *     Volume paths, keep-id uid/gid; "specifying SELinux label types, including disabling selinux
 *     separation" (printed as "forbids"; it is the SecurityLabel* keys).
 *   - 4.6: AutoUpdate, Mask/Unmask, WorkingDir, Sysctl, SecurityLabelNested, Pull, HostName,
 *     PodmanArgs (for the non-container files: podlet gates Network/Volume PodmanArgs at 4.6).
 *   - 4.7: Ulimit, PidsLimit, DNS (Network) + DNS/DNSSearch/DNSOption (Container), ShmSize,
 *     VolumeName, NetworkName.
 *   - 4.8: UIDMap/GIDMap/SubUIDMap/SubGIDMap, ReadOnlyTmpfs, specifiers in User/Group, `.image`
 *     files, "podman level arguments" (#20246 = GlobalArgs + ContainersConfModule, PR #20253).
 *   - 4.9: nothing new for Quadlet keys (`Pod=` is NOT in 4.9: podman issue #21371).
 *   - 5.0: `.pod` files, Entrypoint, StopTimeout, repeated Ulimit, `Notify=healthy`, drop-ins,
 *     templates.
 *   - 5.1: GroupAdd.   5.2: `.build` files, LogOpt, StopSignal, NetworkAlias (Container + Pod).
 *   - 5.3: ServiceName (all files), [Quadlet] DefaultDependencies, AddHost (Container + Pod),
 *     CgroupsMode, StartWithPod, `Network=x.container`, `Mount=type=image` with `.image`,
 *     Pod DNS/DNSOption/DNSSearch/IP/IP6/UserNS, variables in PublishPort.
 *   - 5.4: Pod ShmSize.
 *   - 5.5: Memory, ReloadCmd, ReloadSignal, Retry, RetryDelay (Container), Pod HostName;
 *     `.network` stop deletes the network (the NetworkDeleteOnStop key, PR #25844, Apr 2025).
 *   - 5.6: Pod Label + ExitPolicy, Network InterfaceName, `Environment=NAME` without a value.
 *   - 5.7: `.artifact` files, Container HttpProxy, Pod StopTimeout.
 *   - 5.8: Container AppArmor.
 * - **SRC** `containers/podman` `pkg/systemd/quadlet/quadlet.go` as held by the code index:
 *   commit 4bbe2ee0 (v4 module, the 4.4-era key maps: the [Container] keys marked 4.4 below,
 *   [Volume] User/Group/Label, [Network] DisableDNS/Driver/Gateway/Internal/IPRange/IPAMDriver/
 *   IPv6/Options/Subnet/Label, `.network`/`.volume` references); commit 00b40dba (v5 module,
 *   5.6-era: every key below dated ≤ 5.6 is in its maps, none dated ≥ 5.7 is).
 * - **PR/ISSUE** podman PR #17217 "quadlet: Add device support for .volume files" (Device, Type,
 *   Copy, Options; merged 2023-01-26, milestone label 4.4); PR #23900 (HealthLogDestination,
 *   HealthMaxLogCount, HealthMaxLogSize, merged Sep 2024 → 5.3); PR #25844 (NetworkDeleteOnStop,
 *   Apr 2025 → 5.5, and rejected by G54); PR #25675 (Retry/RetryDelay → 5.5); podman issue #27745
 *   (ReloadCmd rejected by 5.4.2).
 * - **PODLET** `containers/podlet` (per-version downgrade tables in `src/quadlet/container.rs`,
 *   `pod.rs`, `network.rs`, `volume.rs`, and its "Podman vX.Y" checklist issues #30 (4.8),
 *   #84 (5.1), #110 (5.2), #175 (5.3), #177 (5.5), #179 (5.7), #187 (5.8)): UserNS at 4.5,
 *   Volume Driver/Image at 4.8, the 5.3 Pod list (incl. GIDMap/UIDMap/SubGIDMap/SubUIDMap).
 *
 * Not verified (recorded conservatively, see the `// ?` comments): whether the SecurityLabel*
 * keys (4.5 here) and `.network`/`.kube` files were already in the 4.4.0 tag (the index holds
 * only a pre-4.4.0 commit; docs.podman.io's v4.4 man page synopsis names only .container/.volume);
 * the Pod Remap* (deprecated) keys, dated with UIDMap at 5.3 (G54 only proves ≤ 5.4). No
 * generator older or newer than 5.4.2 was run.
 *
 * @module
 */

/** Quadlet section/file → key → first Podman version (major.minor) whose Quadlet generator accepts it. */
export const KEY_SINCE: {
  Container: Record<string, string>;
  Network: Record<string, string>;
  Volume: Record<string, string>;
  Pod: Record<string, string>;
} = {
  Container: {
    // 4.4 — SRC 4bbe2ee0, all accepted by G54
    AddCapability: "4.4",
    AddDevice: "4.4",
    Annotation: "4.4",
    ContainerName: "4.4",
    DropCapability: "4.4",
    Environment: "4.4",
    EnvironmentFile: "4.4",
    EnvironmentHost: "4.4",
    Exec: "4.4",
    ExposeHostPort: "4.4",
    Group: "4.4",
    Image: "4.4",
    Label: "4.4",
    Network: "4.4",
    NoNewPrivileges: "4.4",
    Notify: "4.4",
    PodmanArgs: "4.4",
    PublishPort: "4.4",
    ReadOnly: "4.4",
    RemapGid: "4.4", // deprecated
    RemapUid: "4.4", // deprecated
    RemapUidSize: "4.4", // deprecated
    RemapUsers: "4.4", // deprecated
    RunInit: "4.4",
    SeccompProfile: "4.4",
    Timezone: "4.4",
    User: "4.4",
    VolatileTmp: "4.4", // deprecated since 4.8 (use ReadOnlyTmpfs)
    Volume: "4.4",
    // 4.5 — RN 4.5, PODLET OptionsV4_5
    HealthCmd: "4.5",
    HealthInterval: "4.5",
    HealthOnFailure: "4.5",
    HealthRetries: "4.5",
    HealthStartPeriod: "4.5",
    HealthStartupCmd: "4.5",
    HealthStartupInterval: "4.5",
    HealthStartupRetries: "4.5",
    HealthStartupSuccess: "4.5",
    HealthStartupTimeout: "4.5",
    HealthTimeout: "4.5",
    IP: "4.5",
    IP6: "4.5",
    LogDriver: "4.5",
    Mount: "4.5",
    Rootfs: "4.5",
    Secret: "4.5",
    SecurityLabelDisable: "4.5", // ? RN 4.5 wording; maybe already 4.4.0
    SecurityLabelFileType: "4.5", // ?
    SecurityLabelLevel: "4.5", // ?
    SecurityLabelType: "4.5", // ?
    Tmpfs: "4.5",
    UserNS: "4.5",
    // 4.6 — RN 4.6, PODLET OptionsV4_6
    AutoUpdate: "4.6",
    HostName: "4.6",
    Mask: "4.6",
    Pull: "4.6",
    SecurityLabelNested: "4.6",
    Sysctl: "4.6",
    Unmask: "4.6",
    WorkingDir: "4.6",
    // 4.7 — RN 4.7, PODLET OptionsV4_7
    DNS: "4.7",
    DNSOption: "4.7",
    DNSSearch: "4.7",
    PidsLimit: "4.7",
    ShmSize: "4.7",
    Ulimit: "4.7",
    // 4.8 — RN 4.8, PR #20253, PODLET #30
    ContainersConfModule: "4.8",
    GIDMap: "4.8",
    GlobalArgs: "4.8",
    ReadOnlyTmpfs: "4.8",
    SubGIDMap: "4.8",
    SubUIDMap: "4.8",
    UIDMap: "4.8",
    // 5.0 — RN 5.0 (Pod: issue #21371)
    Entrypoint: "5.0",
    Pod: "5.0",
    StopTimeout: "5.0",
    // 5.1 — RN 5.1
    GroupAdd: "5.1",
    // 5.2 — RN 5.2
    LogOpt: "5.2",
    NetworkAlias: "5.2",
    StopSignal: "5.2",
    // 5.3 — RN 5.3, PR #23900, PODLET #175
    AddHost: "5.3",
    CgroupsMode: "5.3",
    HealthLogDestination: "5.3",
    HealthMaxLogCount: "5.3",
    HealthMaxLogSize: "5.3",
    ServiceName: "5.3",
    StartWithPod: "5.3",
    // 5.5 — RN 5.5, rejected by G54
    Memory: "5.5",
    ReloadCmd: "5.5",
    ReloadSignal: "5.5",
    Retry: "5.5",
    RetryDelay: "5.5",
    // 5.7 / 5.8 — RN
    HttpProxy: "5.7",
    AppArmor: "5.8",
  },
  Network: {
    // 4.4 — SRC 4bbe2ee0 (`.network` files: see FILE_SINCE)
    DisableDNS: "4.4",
    Driver: "4.4",
    Gateway: "4.4",
    IPAMDriver: "4.4",
    IPRange: "4.4",
    IPv6: "4.4",
    Internal: "4.4",
    Label: "4.4",
    Options: "4.4",
    Subnet: "4.4",
    PodmanArgs: "4.6", // RN 4.6, PODLET network.rs
    DNS: "4.7", // RN 4.7
    NetworkName: "4.7", // RN 4.7
    ContainersConfModule: "4.8", // PR #20253, PODLET #30
    GlobalArgs: "4.8",
    ServiceName: "5.3", // RN 5.3
    NetworkDeleteOnStop: "5.5", // PR #25844; rejected by G54
    InterfaceName: "5.6", // RN 5.6
  },
  Volume: {
    // 4.4 — SRC 4bbe2ee0 (User/Group/Label) + PR #17217 (Copy/Device/Options/Type, label 4.4)
    Copy: "4.4",
    Device: "4.4",
    Group: "4.4",
    Label: "4.4",
    Options: "4.4",
    Type: "4.4",
    User: "4.4",
    PodmanArgs: "4.6", // RN 4.6, PODLET volume.rs
    VolumeName: "4.7", // RN 4.7
    ContainersConfModule: "4.8", // PR #20253, PODLET #30
    Driver: "4.8", // PODLET volume.rs / #30
    GlobalArgs: "4.8",
    Image: "4.8", // PODLET volume.rs / #30
    ServiceName: "5.3", // RN 5.3
  },
  Pod: {
    // 5.0 — `.pod` files (RN 5.0), PODLET pod.rs
    ContainersConfModule: "5.0",
    GlobalArgs: "5.0",
    Network: "5.0",
    PodName: "5.0",
    PodmanArgs: "5.0",
    PublishPort: "5.0",
    Volume: "5.0",
    NetworkAlias: "5.2", // RN 5.2
    // 5.3 — RN 5.3, PODLET #175
    AddHost: "5.3",
    DNS: "5.3",
    DNSOption: "5.3",
    DNSSearch: "5.3",
    GIDMap: "5.3",
    IP: "5.3",
    IP6: "5.3",
    RemapGid: "5.3", // ? deprecated; dated with UIDMap (G54 proves only ≤ 5.4)
    RemapUid: "5.3", // ?
    RemapUidSize: "5.3", // ?
    RemapUsers: "5.3", // ?
    ServiceName: "5.3",
    SubGIDMap: "5.3",
    SubUIDMap: "5.3",
    UIDMap: "5.3",
    UserNS: "5.3",
    ShmSize: "5.4", // RN 5.4
    HostName: "5.5", // RN 5.5; rejected by G54
    ExitPolicy: "5.6", // RN 5.6
    Label: "5.6", // RN 5.6
    StopTimeout: "5.7", // RN 5.7
  },
};

/** Quadlet file types → first Podman version whose generator reads them. */
export const FILE_SINCE: Record<string, string> = {
  ".container": "4.4", // RN 4.4.0 "Introduce Quadlet"
  ".volume": "4.4",
  ".network": "4.4", // ? SRC 4bbe2ee0 has ConvertNetwork; PODLET treats it as 4.4
  ".kube": "4.4", // ? SRC 4bbe2ee0 has ConvertKube
  ".image": "4.8", // RN 4.8
  ".pod": "5.0", // RN 5.0
  ".build": "5.2", // RN 5.2
  ".artifact": "5.7", // RN 5.7
};

/** Value-level features (a key that existed earlier but gained a form). */
export const VALUE_SINCE: Record<string, string> = {
  "Container.Notify=healthy": "5.0", // RN 5.0 (#18189)
  "Container.Volume=x.volume": "4.4", // SRC 4bbe2ee0 (→ systemd-x, Requires x-volume.service)
  "Container.Network=x.network": "4.4", // SRC 4bbe2ee0 (→ systemd-x, Requires x-network.service)
  "Container.Network=x.network honours NetworkName=": "4.7", // NetworkName exists from 4.7
  "Container.Volume=x.volume honours VolumeName=": "4.7",
  "Container.Volume relative host path": "4.5", // RN 4.5 (#17418)
  "Container.Secret type=env": "4.5", // passthrough to `podman run --secret`
  "Container.Image=x.image": "4.8", // ? with `.image` files (RN 4.8)
  "Container.Image=x.build": "5.2", // with `.build` files (RN 5.2)
  "Container.Pod=x.pod": "5.0", // RN 5.0
  "Container.Ulimit repeated": "5.0", // RN 5.0
  "Container.Network=x.container": "5.3", // RN 5.3
  "Container.Mount=type=image,source=x.image": "5.3", // RN 5.3
  "Container.PublishPort with variables": "5.3", // RN 5.3 (#24081)
  "Container.Mount=type=artifact": "5.5", // RN 5.5 (podman run --mount type=artifact)
  "Container.Environment=NAME (value from host)": "5.6", // RN 5.6 (#26247)
  "Pod.Network=x.network": "5.0",
  "Quadlet.DefaultDependencies": "5.3", // RN 5.3: [Quadlet] group key
  "Unit dependencies on x.container etc. (Wants=x.container)": "5.5", // RN 5.5
  "drop-in directories": "5.0", // RN 5.0
  "templated units": "5.0", // RN 5.0
};

/** Every Podman minor release lychd knows about, ascending. */
export const SUPPORTED_VERSIONS: string[] = [
  "4.4",
  "4.5",
  "4.6",
  "4.7",
  "4.8",
  "4.9",
  "5.0",
  "5.1",
  "5.2",
  "5.3",
  "5.4",
  "5.5",
  "5.6",
  "5.7",
  "5.8",
];

/** The newest release in the table. */
export const NEWEST = "5.8";

function parts(v: string): [number, number] {
  const m = /^\s*(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return [NaN, NaN];
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** Compare `major.minor[.patch]` versions numerically (patch ignored): <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const [am, an] = parts(a);
  const [bm, bn] = parts(b);
  return am - bm || an - bn;
}

/** `"podman version 5.4.2"`, `"5.4.2"`, `"5.4"`, `"5.4.2+ds1"` → `"5.4"`; nothing → undefined. */
export function parseVersion(s: string): string | undefined {
  const m = /(?:^|[^\d.])(\d+)\.(\d+)(?:\.\d+)?/.exec(s);
  return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

/** Whether Podman `target` accepts `key` in the `[section]` group. Unknown keys → false. */
export function supports(target: string, section: keyof typeof KEY_SINCE, key: string): boolean {
  const table = KEY_SINCE[section];
  return Object.hasOwn(table, key) && compareVersions(target, table[key]) >= 0;
}

/** Whether Podman `target` reads the file type (`.pod`, …). Unknown → false. */
export function supportsFile(target: string, ext: string): boolean {
  return Object.hasOwn(FILE_SINCE, ext) && compareVersions(target, FILE_SINCE[ext]) >= 0;
}
