/**
 * The one error base of lychd. Every refusal or failure lychd means to report (a bad Codex, a bad
 * command line, a host that fails, a bind that is refused) is a {@linkcode LychdError}: a one-line
 * `message`, an optional `hint` (what to do), an optional `cause`, an optional `place` (file, field
 * path, line:column) and the exit status it ends a run with. `oneLine()` is the line lychd prints
 * after `lychd: `; subclasses that print their place differently override it.
 *
 * Anything else that reaches the CLI is a bug in lychd ("internal error"). The only exceptions
 * translated here are the platform's own (`asLychdError`): a reader that went away, and Deno's
 * permission refusals outside the host seam.
 *
 * Pure: no `Deno.*` (platform errors are recognized by name).
 *
 * @module
 */

/** Where a problem sits: a file, a field path in it, a line:column. Every part optional. */
export interface Place {
  file?: string;
  /** Dotted field path, e.g. `soulstones.vllm.memory`. */
  path?: string;
  line?: number;
  column?: number;
}

/** The optional parts of a {@linkcode LychdError}. */
export interface LychdErrorOptions {
  /** One line telling the user what to do about it. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
  place?: Place;
}

/**
 * A refusal or failure lychd reports in one line and exit status 1 (a usage error: 2).
 * The second argument is the options, or just the hint (the shape most call sites use).
 */
export class LychdError extends Error {
  override readonly name: string = "LychdError";
  /** What to do about it, when lychd knows. */
  declare readonly hint?: string;
  declare readonly place?: Place;
  /** The exit status a run that ends with this error returns. */
  readonly exitCode: number = 1;

  constructor(message: string, options: string | LychdErrorOptions = {}) {
    const o: LychdErrorOptions = typeof options === "string" ? { hint: options } : options;
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    if (o.hint !== undefined) this.hint = o.hint;
    if (o.place !== undefined) this.place = o.place;
  }

  /** The line for stderr (after `lychd: `): `MESSAGE (hint: …)`. */
  oneLine(): string {
    return `${this.message}${this.hint ? ` (hint: ${this.hint})` : ""}`;
  }
}

/** The reader of stdout went away (`lychd render | head`): the run ends quietly, exit 0. */
export class ReaderGone extends LychdError {
  override readonly name: string = "ReaderGone";
  override readonly exitCode: number = 0;
  constructor(cause?: unknown) {
    super("the reader of the output went away", { cause });
  }
  /** Nothing to print: the reader is gone, and stopping is what it asked for. */
  override oneLine(): string {
    return "";
  }
}

/**
 * `e` as a {@linkcode LychdError}: itself, or the platform error it stands for (Deno's
 * `BrokenPipe` → {@linkcode ReaderGone}; `PermissionDenied`/`NotCapable` that escaped the host
 * seam → "not permitted"); `undefined` for anything else (a bug).
 */
export function asLychdError(e: unknown): LychdError | undefined {
  if (e instanceof LychdError) return e;
  if (!(e instanceof Error)) return undefined;
  if (e.name === "BrokenPipe") return new ReaderGone(e);
  if (e.name === "PermissionDenied" || e.name === "NotCapable") {
    return new LychdError(
      `not permitted: ${
        e.message.split("\n")[0].replace(/, (?:run again|specify the required permissions).*$/, "")
      }`,
      { hint: "this lychd may only touch what `lychd permissions` lists", cause: e },
    );
  }
  return undefined;
}
