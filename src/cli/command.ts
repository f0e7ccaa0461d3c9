/**
 * The shape of a verb, and the usage error (exit 2). Every other error is a `LychdError`
 * (src/errors.ts).
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import { LychdError } from "../errors.ts";

/** A flag of a verb (global flags live in flags.ts). */
export interface Flag {
  name: string;
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  help: string;
  default?: string;
  /** Placeholder in help, e.g. `DIR`. */
  arg?: string;
}

/** Parsed flags, global and the verb's, by long name. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** What a verb receives. */
export interface Invocation {
  host: Host;
  /** Global and verb flags, parsed. */
  flags: Flags;
  positionals: string[];
}

/** One verb. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: Flag[];
  /** Longer description, examples. */
  details?: string;
  examples: string[];
  exitCodes?: string;
  /**
   * The positional arguments the verb takes: names of the Codex's services or soulstones, or fixed
   * words (for the completion scripts); `max` arguments at most (default: any number). Without
   * `operands` the verb takes none: run.ts refuses any other word (src/cli/arguments.ts). `then:
   * "files"`: the first operand is one of `names`, the ones after it are files (`import compose FILE…`).
   */
  operands?: { names: "services" | "soulstones" | string[]; max?: number; then?: "files" };
  /** The shape of the `--json` output, for verbs that have one (shown in help). */
  json?: string;
  /** Returns the exit code. */
  run(inv: Invocation): Promise<number>;
}

/** Bad command line: exit 2. `(message, hint?)`. */
export class UsageError extends LychdError {
  override readonly name: string = "UsageError";
  override readonly exitCode: number = 2;
}
