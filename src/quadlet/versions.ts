/**
 * Podman versions: the newest minor lychd knows, comparison and parsing. Whether a target accepts
 * a key is `downgrade.ts`'s question, answered from the key table (`keys.ts`); the test-only forms
 * of it are in `_testing.ts`.
 *
 * @module
 */

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
