/**
 * Test-only helpers of the compose tests (std's `_` prefix: not part of lychd).
 *
 * @module
 */

/** A file reader over an in-memory map: path → text (undefined = missing). */
export function files(map: Record<string, string>) {
  return (p: string) => Promise.resolve(map[p]);
}
