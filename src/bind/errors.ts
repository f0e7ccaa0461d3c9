/**
 * Errors of the bind transaction.
 *
 * @module
 */

/**
 * A bind/unbind refused or failed. One-line `message` naming the file(s) with quoted values;
 * `hint` says what to do. A refusal (collision, bad manifest) has written nothing; a failure
 * during apply says in its message whether the previous Runes were restored.
 */
export class BindError extends Error {
  constructor(message: string, readonly hint?: string, options?: { cause?: unknown; paths?: string[] }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "BindError";
    this.paths = options?.paths ?? [];
  }
  /** The files the error is about (e.g. every colliding path). */
  readonly paths: string[];
}
