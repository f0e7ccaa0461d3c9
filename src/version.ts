/**
 * The version, from deno.json (one source of truth; embedded in the compiled binary), and the
 * `lychd --version` line that also names the Deno runtime and the target it was built for (in a
 * compiled binary both are those of the embedded denort: `Deno.version` and `Deno.build` are
 * constants of the runtime, read without any permission and without loading anything).
 *
 * @module
 */
import meta from "../deno.json" with { type: "json" };

/** lychd's version. */
export const VERSION: string = meta.version;

/** The runtime a binary runs on: Deno's version and the target triple. */
export interface Runtime {
  deno: string;
  target: string;
}

/** `lychd 0.1.0 (deno 2.9.6, x86_64-unknown-linux-gnu)`: what `lychd --version` prints. */
export function versionLine(
  runtime: Runtime = { deno: Deno.version.deno, target: Deno.build.target },
): string {
  return `lychd ${VERSION} (deno ${runtime.deno}, ${runtime.target})`;
}
