/**
 * Podman's `--env-file` format, read at export time so an `env_files` entry can become a
 * ConfigMap. Pure: text in, pairs out.
 *
 * Written by hand on purpose: the npm `dotenv` parsers strip quotes, expand `${VAR}` and accept
 * `export KEY=…`, which Podman does not. Podman (pkg/env `ParseFile`) reads one `KEY=value` per
 * line, skips blank lines and lines starting with `#` (after leading white space), keeps the
 * value byte for byte (quotes included), and takes a bare `KEY` (or `KEY*`) from the environment
 * of the `podman` process. That last form has no meaning on a cluster, so it is refused here.
 *
 * @module
 */
import { LychdError } from "../errors.ts";

/** A line the export cannot turn into a ConfigMap entry. */
export class EnvFileError extends LychdError {
  override readonly name: string = "EnvFileError";
  constructor(readonly line: number, message: string, hint?: string) {
    super(message, { hint, place: { line } });
  }
}

/** Parse an env file into `[name, value]` pairs in file order; a later duplicate wins, as in Podman. */
export function parseEnvFile(text: string): [string, string][] {
  const out = new Map<string, string>();
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").replace(/^[ \t\n\v\f\r]+/, "");
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq < 0) {
      throw new EnvFileError(
        i + 1,
        `${
          JSON.stringify(line)
        } takes its value from the environment of podman, which a cluster does not have`,
        "write KEY=value in the file",
      );
    }
    const name = line.slice(0, eq);
    if (name === "" || /\s/.test(name)) {
      throw new EnvFileError(i + 1, `${JSON.stringify(name)} is not a variable name`, "write KEY=value");
    }
    out.delete(name);
    out.set(name, line.slice(eq + 1));
  });
  return [...out];
}
