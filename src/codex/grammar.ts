/**
 * Naming rules of the Codex that other modules share, each defined once: environment variable
 * names (here) and CDI qualified device names (src/cdi/name.ts, re-exported).
 *
 * @module
 */
export { isQualifiedName, QUALIFIED_NAME_RE } from "../cdi/name.ts";

/** An environment variable name, unanchored (for scanners such as compose's `${NAME}`). */
export const ENV_NAME_PART = "[A-Za-z_][A-Za-z0-9_]*";
/** Environment variable names: letters, digits and "_", not starting with a digit. */
export const ENV_NAME_RE: RegExp = new RegExp(`^${ENV_NAME_PART}$`);

/** Whether `s` is an environment variable name. */
export function isEnvName(s: string): boolean {
  return ENV_NAME_RE.test(s);
}
