/**
 * The command-line parser: the semantics of Node's `util.parseArgs` in strict mode with
 * positionals allowed (long and short flags, `--flag=value`, `-fVALUE`, groups of short booleans
 * `-qv`, `--` ends the flags, `multiple` collects, otherwise the last value wins), with the same
 * error messages (their first line). Beyond parseArgs it keeps every value given per flag (`given`)
 * and says what went wrong in a structured `ArgvError`, so the CLI can refuse a flag given twice or
 * an empty value and word each error its own way (src/cli/arguments.ts). Written here rather than imported because `node:util` is the
 * only `node:` module on lychd's start-up path and loading it costs ≈ 10 ms per run (see
 * BENCHMARKS.md); tests/argv_test.ts checks it against `node:util`'s parseArgs on a generated
 * corpus.
 *
 * @module
 */
import { UsageError } from "./command.ts";

/** One flag as the parser sees it. */
export interface ArgOption {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

/** Parsed flags (by long name) and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** Every value given for each flag, in order (`true` for a boolean), also for a flag that is not `multiple`. */
  given: Record<string, (string | boolean)[]>;
}

/**
 * A command line the parser refuses; `message` is parseArgs' own. `kind`: `unknown` flag, string
 * flag with its value `missing`, a value that looks like a flag (`ambiguous`), a value for a
 * boolean (`valued`). `flag` is the flag as written (`-n`, `--codex`), `name` its long name.
 */
export class ArgvError extends UsageError {
  override readonly name: string = "ArgvError";
  constructor(
    message: string,
    readonly kind: "unknown" | "missing" | "ambiguous" | "valued",
    readonly flag: string,
    readonly long: string,
    readonly value?: string,
  ) {
    super(message);
  }
}

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function longOf(short: string, options: Record<string, ArgOption>): string {
  for (const name of Object.keys(options)) if (options[name].short === short) return name;
  return short;
}

/** Parse `args` against `options` (strict; positionals allowed). @throws {UsageError} */
export function parseArgv(args: string[], options: Record<string, ArgOption>): ParsedArgs {
  const values: ParsedArgs["values"] = Object.create(null);
  const given: ParsedArgs["given"] = Object.create(null);
  const positionals: string[] = [];
  const remaining = [...args];
  const typeOf = (name: string) => (own(options, name) ? options[name].type : undefined);

  const store = (name: string, rawName: string, value: string | undefined, inline: boolean) => {
    if (!own(options, name)) {
      throw new ArgvError(
        `Unknown option '${rawName}'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- ${
          JSON.stringify(rawName)
        }`,
        "unknown",
        rawName,
        name,
      );
    }
    const o = options[name];
    const shortAndLong = `${o.short ? `-${o.short}, ` : ""}--${name}`;
    if (o.type === "string" && typeof value !== "string") {
      throw new ArgvError(`Option '${shortAndLong} <value>' argument missing`, "missing", rawName, name);
    }
    if (o.type === "boolean" && value !== undefined) {
      throw new ArgvError(
        `Option '${shortAndLong}' does not take an argument`,
        "valued",
        rawName,
        name,
        value,
      );
    }
    if (!inline && value !== undefined && value.length > 1 && value[0] === "-") {
      const example = rawName.startsWith("--") ? `'${rawName}=-XYZ'` : `'--${name}=-XYZ' or '${rawName}-XYZ'`;
      throw new ArgvError(
        `Option '${rawName}' argument is ambiguous.\nDid you forget to specify the option argument for '${rawName}'?\nTo specify an option argument starting with a dash use ${example}.`,
        "ambiguous",
        rawName,
        name,
        value,
      );
    }
    if (name === "__proto__") return;
    const v = value ?? true;
    (given[name] ??= []).push(v);
    if (o.multiple) {
      const list = (values[name] ??= []) as (string | boolean)[];
      list.push(v);
    } else values[name] = v;
  };

  while (remaining.length) {
    const arg = remaining.shift()!;
    if (arg === "--") {
      positionals.push(...remaining);
      break;
    }
    if (arg.length === 2 && arg[0] === "-" && arg[1] !== "-") {
      // -x [value]
      const name = longOf(arg[1], options);
      const value = typeOf(name) === "string" && remaining.length ? remaining.shift() : undefined;
      store(name, arg, value, false);
      continue;
    }
    if (arg.length > 2 && arg[0] === "-" && arg[1] !== "-") {
      const name = longOf(arg[1], options);
      if (typeOf(name) === "string") {
        // -fVALUE
        store(name, `-${arg[1]}`, arg.slice(2), true);
        continue;
      }
      // -abc → -a -b -c; a string flag inside takes the rest as its value: -abfFILE → -a -b -fFILE
      const expanded: string[] = [];
      for (let i = 1; i < arg.length; i++) {
        const short = arg[i];
        if (typeOf(longOf(short, options)) !== "string" || i === arg.length - 1) expanded.push(`-${short}`);
        else {
          expanded.push(`-${arg.slice(i)}`);
          break;
        }
      }
      remaining.unshift(...expanded);
      continue;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=", 3);
      if (eq === -1) {
        const name = arg.slice(2);
        const value = typeOf(name) === "string" && remaining.length ? remaining.shift() : undefined;
        store(name, arg, value, false);
      } else store(arg.slice(2, eq), arg.slice(0, eq), arg.slice(eq + 1), true);
      continue;
    }
    positionals.push(arg);
  }
  return { values, positionals, given };
}
