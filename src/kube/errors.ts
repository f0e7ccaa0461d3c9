/**
 * A Codex the Kubernetes export cannot express faithfully: a field path, one message, a hint.
 *
 * @module
 */
import { LychdError } from "../errors.ts";

/** Refusal of the export; the CLI places `path` in the Codex and prints one line. */
export class KubeError extends LychdError {
  override readonly name: string = "KubeError";
  constructor(readonly path: string, message: string, hint?: string) {
    super(message, { hint, place: { path } });
  }
  /** `PATH: MESSAGE (hint: …)`. */
  override oneLine(): string {
    return `${this.path}: ${super.oneLine()}`;
  }
}
