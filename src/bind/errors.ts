/**
 * Errors of the bind transaction.
 *
 * @module
 */

import { FsError } from "../host/host.ts";
import { LychdError } from "../errors.ts";

/**
 * A bind/unbind refused or failed. One-line `message` naming the file(s) with quoted values;
 * `hint` says what to do. A refusal (collision, bad manifest) has written nothing; a failure
 * during apply says in its message whether the previous Runes were restored.
 */
export class BindError extends LychdError {
  override readonly name: string = "BindError";
  constructor(message: string, hint?: string, options?: { cause?: unknown; paths?: string[] }) {
    super(message, { hint, cause: options?.cause });
    this.paths = options?.paths ?? [];
  }
  /** The files the error is about (e.g. every colliding path). */
  readonly paths: string[];
}

/** `"a", "b"`: each item in double quotes, comma-separated. */
export function quoteList(items: string[]): string {
  return items.map((i) => `"${i}"`).join(", ");
}

/** The message of an `Error`, or the value as a string. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `writing "X" failed: No space left on device` (the OS error number dropped). */
export function failure(err: unknown, op: string, path: string): string {
  if (err instanceof FsError) {
    return `${err.op} "${err.path}" failed: ${err.reason.replace(/ \(os error \d+\)$/, "")}`;
  }
  return `${op} "${path}" failed: ${messageOf(err)}`;
}
