/**
 * A Codex the Kubernetes export cannot express faithfully: a field path, one message, a hint.
 *
 * @module
 */

/** Refusal of the export; the CLI places `path` in the Codex and prints one line. */
export class KubeError extends Error {
  constructor(readonly path: string, message: string, readonly hint?: string) {
    super(message);
    this.name = "KubeError";
  }
}
