/**
 * Warnings: what lychd tells the user and goes on. Each has a `code` (what kind of warning, for
 * de-duplication and for tests), a `path` (the field it is about, as its line begins with: a Codex
 * field path, or for `lychd import` a compose service; empty when the line names its subject
 * itself, e.g. a CDI spec file), a one-line `message` and
 * an optional `hint`. `warningLine()` is the one renderer: the text after `lychd: warning: ` and
 * the string `check --json` lists.
 *
 * Pure: no `Deno.*`.
 *
 * @module
 */

/** Every kind of warning the plan, the renderer and `lychd import` give. */
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
  | "import-env-limited";

/** One warning. */
export interface Warning {
  code: WarningCode;
  /** The Codex field path the line begins with; empty when the message names its subject. */
  path: string;
  message: string;
  hint?: string;
}

/** The line for stderr (after `lychd: warning: `): `PATH: MESSAGE (hint: …)`. */
export function warningLine(w: Warning): string {
  return `${w.path ? `${w.path}: ` : ""}${w.message}${w.hint ? ` (hint: ${w.hint})` : ""}`;
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
