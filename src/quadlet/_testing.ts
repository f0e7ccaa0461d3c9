/**
 * Test-only answers from the key table and the naming rules (std's `_` prefix: not part of
 * lychd, which asks `downgrade.ts` instead): the Podman minors lychd knows, whether a target
 * accepts a key or reads a file kind, and the name Quadlet gives an object without a name key.
 * Used by versions_test.ts and the oracle tests.
 *
 * @module
 */
import { FILE_KINDS, quadletKey } from "./keys.ts";
import { kindOfFile, objectName } from "./naming.ts";
import { compareVersions } from "./versions.ts";

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

/** Whether Podman `target` accepts `key` in the `[section]` group. Unknown keys → false. */
export function supports(target: string, section: string, key: string): boolean {
  const spec = quadletKey(section, key);
  return spec !== undefined && compareVersions(target, spec.since) >= 0;
}

/** Whether Podman `target` reads the file type (`.pod`, `x.pod`, …). Unknown → false. */
export function supportsFile(target: string, ext: string): boolean {
  const kind = kindOfFile(ext.startsWith(".") ? `x${ext}` : ext);
  return kind !== undefined && compareVersions(target, FILE_KINDS[kind].since) >= 0;
}

/** The name Quadlet gives the object when the name key is absent (Podman < 4.7): `systemd-<stem>`. */
export function defaultObjectName(file: string): string {
  return `systemd-${objectName(file)}`;
}
