/**
 * The one statement of lychd's Podman requirement, used by the README, `doctor` and the
 * "podman not found" line alike. Derived from the key table (src/quadlet/keys.ts): Quadlet's `.container` files
 * arrived in 4.4 (the minimum); `Notify=healthy` and `.pod` files in 5.0 (recommended).
 *
 * @module
 */
import { FILE_KINDS, QUADLET_KEYS } from "./keys.ts";

const NOTIFY_HEALTHY = QUADLET_KEYS.Container.Notify.forms.find((f) => f.name === "healthy")!;

/** The oldest Podman lychd renders for (Quadlet `.container` files). */
export const PODMAN_MINIMUM: string = FILE_KINDS.container.since;

/** The Podman release from which soulstones wait for health and `network = "pod"` works. */
export const PODMAN_RECOMMENDED: string = NOTIFY_HEALTHY.since;

/** `Podman ≥ 4.4 with its Quadlet generator (≥ 5.0 recommended: Notify=healthy, .pod)`. */
export function podmanRequirement(): string {
  return `Podman ≥ ${PODMAN_MINIMUM} with its Quadlet generator (≥ ${PODMAN_RECOMMENDED} recommended: Notify=healthy, .pod)`;
}
