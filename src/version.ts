/**
 * The version, from deno.json (one source of truth; embedded in the compiled binary).
 *
 * @module
 */
import meta from "../deno.json" with { type: "json" };

/** lychd's version. */
export const VERSION: string = meta.version;
