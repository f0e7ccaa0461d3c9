/**
 * The shape of a verb, and the errors the CLI maps to exit codes.
 *
 * @module
 */
import type { Host } from "../host/host.ts";

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

/** Global and verb flags, parsed: name → value. */
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
   * What the positional arguments are, for the shell completion scripts: names of the Codex's
   * services or soulstones, or fixed words; `max` arguments at most (default: any number).
   */
  operands?: { names: "services" | "soulstones" | string[]; max?: number };
  /** The shape of the `--json` output, for verbs that have one (shown in help). */
  json?: string;
  /** Returns the exit code. */
  run(inv: Invocation): Promise<number>;
}

/** Bad command line: exit 2. */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A refusal or failure that is not about the Codex: exit 1, one line. */
export class LychdError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "LychdError";
  }
}
