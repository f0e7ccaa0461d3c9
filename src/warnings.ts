/**
 * Warnings: what lychd tells the user and goes on. Each has a `code` (what kind of warning, for
 * de-duplication and for tests), a `path` (the field it is about, as its line begins with: a Codex
 * field path, or for `lychd import` a compose service; empty when the line names its subject
 * itself, e.g. a CDI spec file), a one-line `message`, an optional `hint`, and an optional `file`
 * (the Codex file, for a warning that stands where an error would: bind's secret check).
 * `warningLine()` is the one renderer: the text after `lychd: warning: ` and the string
 * `check --json` lists.
 *
 * Pure: no `Deno.*`.
 *
 * @module
 */

/**
 * Every kind of warning the plan, the renderer, bind's secret check, `lychd import` and
 * `lychd export kubernetes` give.
 */
export type WarningCode =
  /** A CDI spec file fails to load; podman skips it too. */
  | "cdi-spec-skipped"
  /** Two spec files of one directory define one device; the CDI library drops it. */
  | "cdi-device-conflict"
  /** A spec of a later CDI directory overrides devices of an earlier one. */
  | "cdi-spec-override"
  /** A `*.yml` file in a CDI directory, which CDI never reads. */
  | "cdi-yml-ignored"
  /** No CDI spec defines a device's kind: overlap is judged by name. */
  | "cdi-kind-without-spec"
  /** A device is missing from the specs of its kind: overlap is judged by name. */
  | "cdi-device-not-in-spec"
  /** `[gpu.vram_gib]` keys that name one device disagree: the smaller wins. */
  | "vram-key-conflict"
  /** A `[gpu.vram_gib]` key that is not a CDI device name: ignored. */
  | "vram-key-not-cdi"
  /** Soulstones that fit pairwise on a device but not together: the admission guard decides. */
  | "vram-overfull-group"
  /** A Quadlet option the target Podman lacks, left out. */
  | "quadlet-option-omitted"
  // `lychd import` (path: the compose service, when the line begins with one)
  /** A compose key lychd cannot express, dropped (--lenient). */
  | "compose-key-dropped"
  /** A whole compose service dropped (--lenient: `build:` without `image:`). */
  | "compose-service-dropped"
  /** `deploy` GPUs by count, mapped to the first N CDI devices. */
  | "compose-gpu-count"
  /** A `depends_on` on a dropped service, dropped. */
  | "compose-depends-on-dropped"
  /** Variables used without a value, substituted with "" as compose does. */
  | "compose-variables-unset"
  /** Network settings lychd's one bridge does not carry over, dropped (--lenient). */
  | "compose-network-settings-dropped"
  /** Services on different networks, merged into one bridge (--lenient). */
  | "compose-networks-merged"
  /** Interpolation saw only .env / --env-file: this lychd may read few environment variables. */
  /** The gateway's permission set may not read the Codex or its api_key_file (path: gateway…). */
  | "gateway-read-refused"
  /** A soulstone sets vram_gib but [gpu.vram_gib] names no GPU memory: it changes nothing. */
  | "vram-without-capacity"
  /** The target Podman is newer than the newest lychd knows: rendered as for that one. */
  | "podman-newer-than-known"
  | "import-env-limited"
  /** Printed to stdout, the Codex would be refused if saved in this (the compose project's) directory. */
  | "import-codex-place"
  // `lychd bind --dry-run` (file: the Codex; a real bind refuses instead)
  /** A secret the Codex names does not exist in podman (path: the service's `secrets`). */
  | "secret-missing"
  /** podman could not be asked whether a secret exists (path empty: the line names the secret). */
  | "secret-unchecked"
  // The first `lychd bind` (path empty: the line names its subject)
  /** Root without `--system`: lychd binds into root's own user manager. */
  | "bind-root-user-manager"
  /** Rootless, a gateway on the bridge: containers cannot reach it by name (docs/gateway.md). */
  | "bind-rootless-gateway-unreachable"
  /** A compiled lychd names `lychd-gateway` beside it for the gateway units, and it is not there. */
  | "gateway-program-missing"
  // `lychd export kubernetes` (path: the Codex field the line begins with; empty for a summary line)
  /** A field (or part of one) with no Kubernetes counterpart, not exported: restart, a host device, … */
  | "kube-field-dropped"
  /** A field exported as the nearest Kubernetes setting, which behaves differently (hostIPC, …). */
  | "kube-field-approximated"
  /** Exported, but it ties pods to nodes: a hostPath volume, a ReadWriteOnce claim several mount. */
  | "kube-pins-node"
  /** A named volume without `size`: its PersistentVolumeClaim requests the default size. */
  | "kube-volume-size-default"
  /** An env value names the Podman host (host.containers.internal), which a pod does not have. */
  | "kube-podman-host-named"
  /**
   * What the host does for the whole Sepulcher and a cluster does not: start order, GPU
   * turn-taking, published host ports. One summary line each.
   */
  | "kube-host-behaviour-dropped"
  /** A gateway setting only the host's gateway has (listen address, default, pinned, idle_stop). */
  | "kube-gateway-host-only"
  /** No `--gateway-image`: the default gateway image has to be built and pushed for the cluster. */
  | "kube-gateway-image-default"
  /** `--gateway-image` given for a Codex without a gateway: nothing uses it. */
  | "kube-gateway-image-unused"
  /** Soulstones the gateway routes to are exported at replicas 0: nothing starts them on demand. */
  | "kube-gateway-stone-scaled-down"
  /** A `[gpu.mig_profiles]` key no export uses: a whole GPU, or a slice no soulstone claims. */
  | "kube-mig-profile-unused";

/** One warning. */
export interface Warning {
  code: WarningCode;
  /** The Codex field path the line begins with; empty when the message names its subject. */
  path: string;
  message: string;
  hint?: string;
  /** The file the line begins with, before the path (bind's secret check: the Codex). */
  file?: string;
}

/** The line for stderr (after `lychd: warning: `): `[FILE: ]PATH: MESSAGE (hint: …)`. */
export function warningLine(w: Warning): string {
  return `${w.file ? `${w.file}: ` : ""}${w.path ? `${w.path}: ` : ""}${w.message}${
    w.hint ? ` (hint: ${w.hint})` : ""
  }`;
}

/**
 * Add `w` to `list` unless the list already says it: same code and path (for a warning without a
 * path, the same code and message). Returns whether it was added.
 */
export function addWarning(list: Warning[], w: Warning): boolean {
  const same = (o: Warning) =>
    o.code === w.code && o.path === w.path && (w.path !== "" || o.message === w.message);
  if (list.some(same)) return false;
  list.push(w);
  return true;
}
