/**
 * The error every `src/cdi` module throws for bad input: a malformed qualified device name or a
 * malformed CDI spec file.
 *
 * @module
 */
import { LychdError } from "../errors.ts";

/** Options for {@linkcode CdiError}. */
export interface CdiErrorOptions {
  /** One line telling the user what to do about it. */
  hint?: string;
  /** The spec file the error is about, when there is one. */
  path?: string;
  /** The underlying error (e.g. the YAML parser's). */
  cause?: unknown;
}

/**
 * A CDI name or spec is invalid. `message` is one line naming the quoted value (and the file, for
 * specs); `hint`, when present, says how to fix it.
 *
 * @example
 * ```ts
 * throw new CdiError(`CDI device name "gpu0" has no "/"`, { hint: 'write it as "nvidia.com/gpu=0"' });
 * ```
 */
export class CdiError extends LychdError {
  override readonly name: string = "CdiError";
  /** The spec file the error is about, when there is one. */
  readonly path?: string;

  /** Make an error with `message` and optional `hint`, `path` and `cause`. */
  constructor(message: string, options: CdiErrorOptions = {}) {
    super(message, {
      hint: options.hint,
      cause: options.cause,
      place: options.path === undefined ? undefined : { file: options.path },
    });
    if (options.path !== undefined) this.path = options.path;
  }
}
