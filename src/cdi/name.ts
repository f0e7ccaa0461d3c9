/**
 * CDI qualified device names (`vendor/class=name`), validated by the rules of the Container
 * Device Interface specification (the same rules as `pkg/parser` of
 * cncf-tags/container-device-interface (`tags.cncf.io/container-device-interface`)):
 *
 * - vendor: starts with a letter, ends with a letter or digit, letters, digits, `-`, `_`, `.`
 *   in between (so a domain such as `nvidia.com` is a vendor);
 * - class: the same rule as a vendor (dots allowed, so `vendor1.com/class.subclass` is a kind: CDI
 *   0.6.0 and later; `pkg/parser.ValidateClassName` has always used the vendor rule);
 * - name: starts and ends with a letter or digit, letters, digits, `-`, `_`, `.`, `:` in between
 *   (`:` for MIG slices such as `0:1`).
 *
 * @module
 */

import { CdiError } from "./errors.ts";

/** A vendor (and a class): starts with a letter, ends with a letter or digit. */
const VENDOR_PART = "[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?";
/** A device name: starts and ends with a letter or digit, `:` allowed inside. */
const NAME_PART = "[A-Za-z0-9](?:[A-Za-z0-9_.:-]*[A-Za-z0-9])?";
const VENDOR = new RegExp(`^${VENDOR_PART}$`);
const CLASS = VENDOR;
const NAME = new RegExp(`^${NAME_PART}$`);

/**
 * The whole qualified name `vendor/class=name` as one pattern (the Codex schema states it as a
 * JSON Schema pattern); `isQualifiedName` and `parseQualifiedName` apply the same rules.
 */
export const QUALIFIED_NAME_RE: RegExp = new RegExp(`^${VENDOR_PART}/${VENDOR_PART}=${NAME_PART}$`);

const EXAMPLE = 'write it as "vendor/class=name", e.g. "nvidia.com/gpu=0" or "nvidia.com/gpu=all"';

/** A parsed CDI qualified device name. */
export interface QualifiedName {
  /** e.g. `nvidia.com` */
  vendor: string;
  /** e.g. `gpu` */
  class: string;
  /** e.g. `0`, `all`, `GPU-4cf8…`, `0:1` */
  name: string;
  /** `vendor/class`, the spec `kind` this device belongs to, e.g. `nvidia.com/gpu` */
  kind: string;
}

function checkVendor(vendor: string, what: string): void {
  if (!VENDOR.test(vendor)) {
    throw new CdiError(`${what} has an invalid vendor ${JSON.stringify(vendor)}`, {
      hint:
        'a vendor starts with a letter, ends with a letter or digit, and holds only letters, digits, "-", "_" and "."',
    });
  }
}

function checkClass(cls: string, what: string): void {
  if (!CLASS.test(cls)) {
    throw new CdiError(`${what} has an invalid class ${JSON.stringify(cls)}`, {
      hint:
        'a class starts with a letter, ends with a letter or digit, and holds only letters, digits, "-", "_" and "."',
    });
  }
}

/**
 * Check a bare device name (the part after `=`), as found in a spec's `devices[].name`.
 *
 * @throws {CdiError} naming the quoted value when it breaks the CDI rules.
 */
export function checkDeviceName(name: string, what = `CDI device name ${JSON.stringify(name)}`): void {
  if (!NAME.test(name)) {
    throw new CdiError(`${what} has an invalid device name ${JSON.stringify(name)}`, {
      hint:
        'a device name starts and ends with a letter or digit, and holds only letters, digits, "-", "_", "." and ":"',
    });
  }
}

/**
 * Parse a CDI qualified device name `vendor/class=name`.
 *
 * @example
 * ```ts
 * parseQualifiedName("nvidia.com/gpu=0:1");
 * // { vendor: "nvidia.com", class: "gpu", name: "0:1", kind: "nvidia.com/gpu" }
 * ```
 *
 * @throws {CdiError} naming the quoted value and what is wrong with it, with a hint.
 */
export function parseQualifiedName(s: string): QualifiedName {
  const what = `CDI device name ${JSON.stringify(s)}`;
  if (s.startsWith("/")) {
    throw new CdiError(`${what} is a path, not "vendor/class=name"`, { hint: EXAMPLE });
  }
  const slash = s.indexOf("/");
  if (slash < 0) {
    throw new CdiError(`${what} has no "/" between vendor and class`, { hint: EXAMPLE });
  }
  const eq = s.indexOf("=", slash + 1);
  if (eq < 0) {
    throw new CdiError(`${what} has no "=" before the device name`, { hint: EXAMPLE });
  }
  const vendor = s.slice(0, slash);
  const cls = s.slice(slash + 1, eq);
  const name = s.slice(eq + 1);
  checkVendor(vendor, what);
  checkClass(cls, what);
  checkDeviceName(name, what);
  return { vendor, class: cls, name, kind: `${vendor}/${cls}` };
}

/** Whether `s` is a valid CDI qualified device name `vendor/class=name`. Never throws. */
export function isQualifiedName(s: string): boolean {
  return QUALIFIED_NAME_RE.test(s);
}
