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
 * The tables themselves: `keys_container.ts`, `keys_volume_network.ts`, `keys_pod.ts`; this module
 * holds their types, the systemd sections, the file kinds and the lookups.
 *
 * @module
 */
import { Container } from "./keys_container.ts";
import { Network, Volume } from "./keys_volume_network.ts";
import { Pod } from "./keys_pod.ts";

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
