/**
 * Docker's health command forms, by meaning. Compose files and Dockerfiles write
 * `["CMD", "curl", "-f", URL]` (exec form), `["CMD-SHELL", "curl -f URL || exit 1"]` (shell form)
 * and `["NONE"]` (no check). lychd's own spellings are a shell string or an argv array; a pasted
 * Docker form must not become `HealthCmd=["CMD","CMD",…]`, a check that can never pass. Pure.
 *
 * @module
 */

/** What a `health.cmd` means. */
export type HealthMeaning =
  | { kind: "exec"; argv: string[] }
  | { kind: "shell"; cmd: string }
  | { kind: "none" }
  | { kind: "error"; message: string; hint: string };

const EXAMPLE_EXEC = 'e.g. ["CMD", "curl", "-f", "http://localhost:8000/health"]';

/** Read `health.cmd` (a shell string or an array, possibly in a Docker form). */
export function healthMeaning(cmd: string | string[]): HealthMeaning {
  if (typeof cmd === "string") return { kind: "shell", cmd };
  const [head, ...rest] = cmd;
  if (head === "CMD") {
    if (rest.length === 0) {
      return { kind: "error", message: '["CMD"] names no command to run', hint: EXAMPLE_EXEC };
    }
    return { kind: "exec", argv: rest };
  }
  if (head === "CMD-SHELL") {
    if (rest.length !== 1 || rest[0] === "") {
      return {
        kind: "error",
        message: '"CMD-SHELL" takes exactly one shell string',
        hint: 'e.g. ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"], or cmd = "curl -f …"',
      };
    }
    return { kind: "shell", cmd: rest[0] };
  }
  if (head === "NONE") {
    if (rest.length) {
      return {
        kind: "error",
        message: '["NONE"] takes nothing after it (it means: no health check)',
        hint: 'write cmd = ["NONE"], or remove the health table',
      };
    }
    return { kind: "none" };
  }
  return { kind: "exec", argv: cmd };
}
