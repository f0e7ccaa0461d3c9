/**
 * Podman versions: the supported minors, comparison and parsing, and questions answered from the
 * key table (`keys.ts`, whose dates come from probing every minor's own generator).
 *
 * @module
 */
import { FILE_KINDS, quadletKey } from "./keys.ts";
import { kindOfFile } from "./naming.ts";

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

const PARTS = new Map<string, [number, number]>();

function parts(v: string): [number, number] {
  // Asked once per key of every Rune (the downgrade pass): a few distinct strings, parsed once.
  let p = PARTS.get(v);
  if (!p) {
    const m = /^\s*(\d+)(?:\.(\d+))?/.exec(v);
    p = m ? [Number(m[1]), Number(m[2] ?? 0)] : [NaN, NaN];
    PARTS.set(v, p);
  }
  return p;
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
export function supports(target: string, section: string, key: string): boolean {
  const spec = quadletKey(section, key);
  return spec !== undefined && compareVersions(target, spec.since) >= 0;
}

/** Whether Podman `target` reads the file type (`.pod`, `x.pod`, …). Unknown → false. */
export function supportsFile(target: string, ext: string): boolean {
  const kind = kindOfFile(ext.startsWith(".") ? `x${ext}` : ext);
  return kind !== undefined && compareVersions(target, FILE_KINDS[kind].since) >= 0;
}
