/**
 * The one statement of lychd's Podman requirement, used by the README, `doctor` and the
 * "podman not found" line alike. Derived from the version table: Quadlet's `.container` files
 * arrived in 4.4 (the minimum); `Notify=healthy` and `.pod` files in 5.0 (recommended).
 *
 * @module
 */
import { FILE_SINCE, VALUE_SINCE } from "./versions.ts";

/** The oldest Podman lychd renders for (Quadlet `.container` files). */
export const PODMAN_MINIMUM: string = FILE_SINCE[".container"] ?? "4.4";

/** The Podman release from which soulstones wait for health and `network = "pod"` works. */
export const PODMAN_RECOMMENDED: string = VALUE_SINCE["Container.Notify=healthy"] ?? "5.0";

/** `Podman ≥ 4.4 with its Quadlet generator (≥ 5.0 recommended: Notify=healthy, .pod)`. */
export function podmanRequirement(): string {
  return `Podman ≥ ${PODMAN_MINIMUM} with its Quadlet generator (≥ ${PODMAN_RECOMMENDED} recommended: Notify=healthy, .pod)`;
}
