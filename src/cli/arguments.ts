/**
 * What a command line may hold beyond what the parser (argv.ts) checks, and the words for what
 * the parser refuses. Each rule ends a run with one usage line (exit 2):
 * - a verb takes only the positional arguments it declares (`Command.operands`: none without it,
 *   at most `max`); a stray word is named, with `--codex WORD` as the hint when it looks like a
 *   Codex file (ends in .toml, or is a file), else the verb's usage line;
 * - a string flag that is not repeatable is given once, and no string flag is given an empty value;
 * - a flag without its value, with a flag-like value, or a boolean with a value says so in lychd's
 *   words (`--codex needs a value`), not parseArgs'.
 * And `LYCHD_CODEX` set to the empty string is an error (exit 1), not "unset".
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import { LychdError } from "../errors.ts";
import type { ArgvError, ParsedArgs } from "./argv.ts";
import { type Command, type Flag, UsageError } from "./command.ts";

/** Verbs that read no Codex: a Codex file named to them is pointed at `lychd check`. */
const NO_CODEX = new Set(["schema", "permissions", "completions"]);

/** `word` as one shell word. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

const placeholder = (f: Flag | undefined) => f?.arg ?? "VALUE";

/** The parser's refusal (other than an unknown flag) in lychd's words. */
export function argvUsage(e: ArgvError, flags: Flag[]): UsageError {
  const f = flags.find((x) => x.name === e.long);
  const shape = `${e.flag} ${placeholder(f)}`;
  switch (e.kind) {
    case "missing":
      return new UsageError(`${e.flag} needs a value`, shape);
    case "ambiguous":
      return new UsageError(
        `${e.flag} needs a value, not the flag-like ${JSON.stringify(e.value)}`,
        `${shape}; a value that starts with "-" is written --${e.long}=${shellWord(e.value ?? "")}`,
      );
    case "valued":
      return new UsageError(
        `${e.flag} takes no value, got ${JSON.stringify(e.value)}`,
        `write ${e.flag} alone`,
      );
    default:
      return new UsageError(e.message.split("\n")[0].replace(/\. To specify.*$/, ""));
  }
}

/** `parsed`, once no string flag has an empty value and none but a repeatable one is given twice. */
export function checkFlagValues(parsed: ParsedArgs, flags: Flag[]): ParsedArgs {
  for (const name of Object.keys(parsed.given)) {
    const f = flags.find((x) => x.name === name);
    if (f?.type !== "string") continue;
    const values = parsed.given[name];
    if (values.includes("")) {
      throw new UsageError(
        `--${name} has an empty value`,
        `write --${name} ${placeholder(f)}, or leave --${name} out`,
      );
    }
    if (!f.multiple && values.length > 1) {
      throw new UsageError(
        `--${name} given ${values.length === 2 ? "twice" : `${values.length} times`}`,
        `it takes one ${placeholder(f)}: keep one of ${
          values.map((v) => `--${name} ${shellWord(String(v))}`).join(", ")
        }`,
      );
    }
  }
  return parsed;
}

/** Whether `word` looks like a file the user meant as the Codex: `*.toml`, or an existing file. */
async function looksLikeFile(host: Host, word: string): Promise<boolean> {
  if (word.endsWith(".toml")) return true;
  if (word === "" || word.includes("\0")) return false;
  try {
    const abs = word.startsWith("/") ? word : `${host.cwd().replace(/\/$/, "")}/${word}`;
    return (await host.fs.stat(abs))?.isFile === true;
  } catch {
    return false; // unreadable: not worth a refusal of its own here
  }
}

/** Refuse positional arguments beyond what `cmd` declares (`operands`). @throws {UsageError} */
export async function checkOperands(host: Host, cmd: Command, positionals: string[]): Promise<void> {
  const max = cmd.operands ? cmd.operands.max ?? Infinity : 0;
  if (positionals.length <= max) return;
  const word = positionals[max];
  const what = `unexpected argument ${JSON.stringify(word)} for \`lychd ${cmd.name}\``;
  if (await looksLikeFile(host, word)) {
    throw new UsageError(
      what,
      NO_CODEX.has(cmd.name)
        ? `\`lychd check --codex ${shellWord(word)}\` checks a Codex`
        : `name a Codex with --codex ${shellWord(word)}`,
    );
  }
  throw new UsageError(what, cmd.usage);
}

/** `LYCHD_CODEX`, or undefined when unset. @throws {LychdError} when it is set but empty. */
export function codexEnv(host: Host): string | undefined {
  const v = host.env("LYCHD_CODEX");
  if (v === "") {
    throw new LychdError("LYCHD_CODEX is set but empty", "unset LYCHD_CODEX, or set it to a Codex file");
  }
  return v;
}
