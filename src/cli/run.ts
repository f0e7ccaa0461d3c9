/**
 * argv → verb → exit code. Maps every error class to one stderr line and an exit status:
 * 0 success, 1 refusal or failure, 2 usage error. Never exits the process (main.ts does).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Host } from "../host/host.ts";
import { HostError } from "../host/host.ts";
import { CodexError, didYouMean } from "../codex/errors.ts";
import { RenderError } from "../quadlet/render.ts";
import { CdiError } from "../cdi/errors.ts";
import { BindError } from "../bind/errors.ts";
import { type Command, type Flag, LychdError, UsageError } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { VERSION } from "../version.ts";

/** Flags every verb accepts. */
export const GLOBAL_FLAGS: Flag[] = [
  {
    name: "codex",
    type: "string",
    arg: "FILE",
    help: "the Codex (env LYCHD_CODEX)",
    default: "$XDG_CONFIG_HOME/lychd/codex.toml",
  },
  {
    name: "unit-dir",
    type: "string",
    arg: "DIR",
    help: "where Quadlet files go",
    default: "$XDG_CONFIG_HOME/containers/systemd",
  },
  {
    name: "systemd-dir",
    type: "string",
    arg: "DIR",
    help: "where plain units go",
    default: "$XDG_CONFIG_HOME/systemd/user",
  },
  {
    name: "cdi-dir",
    type: "string",
    arg: "DIR",
    multiple: true,
    help: "CDI spec directory (repeatable)",
    default: "/etc/cdi, /var/run/cdi",
  },
  {
    name: "system",
    type: "boolean",
    help: "root-managed host: /etc/containers/systemd, systemctl without --user",
  },
  {
    name: "podman-version",
    type: "string",
    arg: "X.Y",
    help: "render for this Podman",
    default: "detected `podman --version`",
  },
  { name: "json", type: "boolean", help: "machine-readable output (where a verb has it)" },
  { name: "quiet", type: "boolean", short: "q", help: "only errors and requested output" },
  { name: "help", type: "boolean", short: "h", help: "show help" },
  { name: "version", type: "boolean", short: "V", help: "print the version" },
];

function flagLine(f: Flag): string {
  const name = `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.arg ? ` ${f.arg}` : ""}`;
  const def = f.default ? ` (default: ${f.default})` : "";
  return `  ${name.padEnd(28)} ${f.help}${def}`;
}

/** `lychd --help`. */
export function mainHelp(): string {
  const verbs = COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join("\n");
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

/** `lychd <verb> --help`. */
export function verbHelp(c: Command): string {
  const flags = c.flags.length ? `\nFlags:\n${c.flags.map(flagLine).join("\n")}\n` : "";
  return `lychd ${c.name} — ${c.summary}

Usage: ${c.usage}
${c.details ? `\n${c.details}\n` : ""}${flags}
Global flags: ${GLOBAL_FLAGS.map((f) => `--${f.name}`).join(", ")} (see lychd --help)

Exit status: ${c.exitCodes ?? "0 success, 1 refusal or failure, 2 usage error"}

Examples:
${c.examples.map((e) => `  ${e}`).join("\n")}
`;
}

type Options = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

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

function parse(argv: string[], flags: Flag[]) {
  try {
    return parseArgs({ args: argv, options: optionsOf(flags), allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    if (m) {
      const guess = didYouMean(m[1].replace(/^-+/, ""), flags.map((f) => f.name));
      throw new UsageError(`unknown flag ${m[1]}`, guess ? `did you mean --${guess}?` : "see --help");
    }
    throw new UsageError(msg.split("\n")[0].replace(/\. To specify.*$/, ""));
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
      const { values } = parse(argv, GLOBAL_FLAGS);
      if (values.version) {
        host.stdout.write(`lychd ${VERSION}\n`);
        return 0;
      }
      host.stdout.write(mainHelp());
      return values.help ? 0 : 2;
    }
    const cmd = COMMANDS.find((c) => c.name === verbName);
    if (!cmd) {
      const guess = didYouMean(verbName, COMMANDS.map((c) => c.name));
      throw new UsageError(
        `unknown verb ${JSON.stringify(verbName)}`,
        guess ? `did you mean \`lychd ${guess}\`?` : "see lychd --help",
      );
    }
    const rest = [...argv.slice(0, verbAt), ...argv.slice(verbAt + 1)];
    const { values, positionals } = parse(rest, [...GLOBAL_FLAGS, ...cmd.flags]);
    if (values.help) {
      host.stdout.write(verbHelp(cmd));
      return 0;
    }
    if (values.version) {
      host.stdout.write(`lychd ${VERSION}\n`);
      return 0;
    }
    return await cmd.run({
      host,
      flags: values as Record<string, string | boolean | string[] | undefined>,
      positionals,
    });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}${e.hint ? ` (hint: ${e.hint})` : ""}`);
      return 2;
    }
    if (e instanceof CodexError) {
      err(e.oneLine());
      return 1;
    }
    if (e instanceof RenderError) {
      err(`${e.path}: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ""}`);
      return 1;
    }
    if (
      e instanceof LychdError || e instanceof HostError || e instanceof BindError || e instanceof CdiError
    ) {
      const hint = (e as { hint?: string }).hint;
      err(`${e.message}${hint ? ` (hint: ${hint})` : ""}`);
      return 1;
    }
    if (e instanceof Error && (e.name === "PermissionDenied" || e.name === "NotCapable")) {
      err(
        `not permitted: ${
          e.message.split("\n")[0]
        } (hint: this lychd binary may only touch its own directories; see \`lychd permissions\`)`,
      );
      return 1;
    }
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    err(`internal error: ${msg} (hint: please report it; LYCHD_DEBUG=1 shows the stack)`);
    if (host.env("LYCHD_DEBUG") && e instanceof Error && e.stack) host.stderr.write(e.stack + "\n");
    return 1;
  }
}
