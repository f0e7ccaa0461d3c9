/**
 * argv → verb → exit code. A `LychdError` (src/errors.ts) becomes its one stderr line and its exit
 * status (1 refusal or failure, 2 usage error); anything else is an internal error. 0 is success.
 * Never exits the process (main.ts does).
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import { asLychdError } from "../errors.ts";
import { didYouMean } from "../similar.ts";
import { type Command, type Flag, type Flags, UsageError } from "./command.ts";
import { loadCommands, VERBS } from "./commands/index.ts";
import { type ArgOption, ArgvError, parseArgv } from "./argv.ts";
import { argvUsage, checkFlagValues, checkOperands } from "./arguments.ts";
import { GLOBAL_FLAGS } from "./flags.ts";
import { VERSION, versionLine } from "../version.ts";

/** Flags every verb accepts (defined in flags.ts, shared with the completion scripts). */
export { GLOBAL_FLAGS };

function flagLine(f: Flag): string {
  const name = `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.arg ? ` ${f.arg}` : ""}`;
  const def = f.default ? ` (default: ${f.default})` : "";
  return `  ${name.padEnd(28)} ${f.help}${def}`;
}

/** `lychd --help`. */
export async function mainHelp(): Promise<string> {
  const verbs = (await loadCommands()).map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join("\n");
  return `lychd ${VERSION} — compile a Codex into Podman Quadlets and let systemd run them

Usage: lychd <verb> [flags]

Verbs:
${verbs}

Global flags:
${GLOBAL_FLAGS.map(flagLine).join("\n")}

Exit status: 0 success, 1 refusal or failure, 2 usage error.
Run \`lychd <verb> --help\` for a verb's flags and examples.
`;
}

/** Words of `text` on lines of at most `width` characters: the first after `first`, the rest after `indent`. */
function wrapWords(text: string, width: number, first = "", indent = "  "): string {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(" ")) {
    if (line.trim() && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line.trim() ? `${line} ${word}` : line + word;
  }
  return [...lines, line].join("\n");
}

/** `lychd <verb> --help`. */
export function verbHelp(c: Command): string {
  const flags = c.flags.length ? `\nFlags:\n${c.flags.map(flagLine).join("\n")}\n` : "";
  const json = c.json
    ? `\nWith --json, stdout is one JSON document:\n${wrapWords(c.json, 100, "  ", "    ")}\n`
    : "";
  return `lychd ${c.name} — ${c.summary}

Usage: ${c.usage}
${c.details ? `\n${c.details}\n` : ""}${flags}${json}
${wrapWords(`Global flags: ${GLOBAL_FLAGS.map((f) => `--${f.name}`).join(", ")} (see lychd --help)`, 100)}

Exit status: ${c.exitCodes ?? "0 success, 1 refusal or failure, 2 usage error"}

Examples:
${c.examples.map((e) => `  ${e}`).join("\n")}
`;
}

type Options = Record<string, ArgOption>;

function optionsOf(flags: Flag[]): Options {
  const o: Options = {};
  for (const f of flags) {
    o[f.name] = {
      type: f.type,
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  }
  return o;
}

/** The verbs (other than `verb`) that have the flag `given` (`--name` or `-x`). */
async function ownersOf(given: string, verb: string | undefined): Promise<string[]> {
  const long = given.startsWith("--");
  const bare = given.replace(/^-+/, "").replace(/=.*$/, "");
  return (await loadCommands()).filter((c) =>
    c.name !== verb && c.flags.some((f) => (long ? f.name === bare : f.short === bare))
  ).map((c) => `\`${c.name}\``);
}

async function parse(argv: string[], flags: Flag[], verb?: string) {
  try {
    return checkFlagValues(parseArgv(argv, optionsOf(flags)), flags);
  } catch (e) {
    if (!(e instanceof ArgvError)) throw e;
    const msg = e.message;
    const m = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    if (m) {
      const what = `unknown flag ${m[1]}${verb ? ` for \`lychd ${verb}\`` : ""}`;
      const owners = await ownersOf(m[1], verb);
      if (owners.length) {
        throw new UsageError(
          what,
          `${m[1]} is a flag of ${owners.join(", ")}${verb ? `, not \`${verb}\`` : ""}`,
        );
      }
      const guess = didYouMean(m[1].replace(/^-+/, ""), flags.map((f) => f.name));
      throw new UsageError(
        what,
        guess ? `did you mean --${guess}?` : `see lychd ${verb ?? ""}${verb ? " " : ""}--help`,
      );
    }
    throw argvUsage(e, flags);
  }
}

/** Index of the verb in argv, skipping global flags and their values. */
function findVerb(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-") || a === "-") return i;
    const name = a.replace(/^-+/, "");
    const f = GLOBAL_FLAGS.find((g) => g.name === name || g.short === name);
    if (f?.type === "string" && !a.includes("=")) i++;
  }
  return -1;
}

/** Run lychd with `argv` (without the program name). Returns the exit code. */
export async function run(argv: string[], host: Host): Promise<number> {
  const err = (line: string) => host.stderr.write(`lychd: ${line}\n`);
  try {
    const verbAt = findVerb(argv);
    const verbName = verbAt >= 0 ? argv[verbAt] : undefined;
    if (verbName === undefined) {
      const { values } = await parse(argv, GLOBAL_FLAGS);
      if (values.version) {
        host.stdout.write(`${versionLine()}\n`);
        return 0;
      }
      host.stdout.write(await mainHelp());
      return values.help ? 0 : 2;
    }
    const verb = VERBS.find((v) => v.name === verbName);
    if (!verb) {
      const guess = didYouMean(verbName, VERBS.filter((v) => !v.hidden).map((v) => v.name));
      throw new UsageError(
        `unknown verb ${JSON.stringify(verbName)}`,
        guess ? `did you mean \`lychd ${guess}\`?` : "see lychd --help",
      );
    }
    const cmd = await verb.load();
    const rest = [...argv.slice(0, verbAt), ...argv.slice(verbAt + 1)];
    const { values, positionals } = await parse(rest, [...GLOBAL_FLAGS, ...cmd.flags], cmd.name);
    if (values.help) {
      host.stdout.write(verbHelp(cmd));
      return 0;
    }
    if (values.version) {
      host.stdout.write(`${versionLine()}\n`);
      return 0;
    }
    await checkOperands(host, cmd, positionals);
    return await cmd.run({
      host,
      flags: values as Flags,
      positionals,
    });
  } catch (e) {
    // Two cases: a refusal or failure lychd reports (one line, its exit status), or a bug.
    const known = asLychdError(e);
    if (known) {
      const line = known.oneLine();
      if (line) err(line);
      return known.exitCode;
    }
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    err(`internal error: ${msg} (hint: please report it; LYCHD_DEBUG=1 shows the stack)`);
    if (host.env("LYCHD_DEBUG") && e instanceof Error && e.stack) host.stderr.write(e.stack + "\n");
    return 1;
  }
}
