/**
 * `lychd completions bash|zsh|fish`: shell completion scripts generated from the same verb and
 * flag tables that parse the command line and print the help (VERBS, GLOBAL_FLAGS), and the
 * hidden `lychd __complete-names` the scripts call back for the Codex's service names.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { GLOBAL_FLAGS } from "../flags.ts";
// A cycle (index.ts lists this verb); the table is only read when a script is generated.
import { loadCommands } from "./index.ts";
import { readCodex, resolvePaths } from "../context.ts";
import { type CompletionData, completionScript, type Shell, SHELLS } from "../completion_scripts.ts";

/** The live verb tables: every listed verb, loaded, and the global flags. */
export async function liveTables(): Promise<CompletionData> {
  return { commands: await loadCommands(), globals: GLOBAL_FLAGS };
}

/** `lychd completions SHELL`. */
export const completions: Command = {
  name: "completions",
  summary: "print a shell completion script (bash, zsh or fish)",
  usage: "lychd completions bash|zsh|fish",
  flags: [],
  operands: { names: [...SHELLS], max: 1 },
  details:
    "Completes verbs, flags (global and per verb) and, for summon, logs, start and stop, the service\n" +
    "and soulstone names of the current Codex (the script runs `lychd __complete-names`, honouring\n" +
    "--codex and --system on the command line being completed).\n" +
    "  bash: lychd completions bash > ~/.local/share/bash-completion/completions/lychd\n" +
    "  zsh:  lychd completions zsh > ~/.zfunc/_lychd   (with fpath=(~/.zfunc $fpath) before compinit)\n" +
    "  fish: lychd completions fish > ~/.config/fish/completions/lychd.fish",
  exitCodes: "0 printed, 2 usage error (no or unknown shell)",
  examples: [
    "lychd completions bash > ~/.local/share/bash-completion/completions/lychd",
    "source <(lychd completions zsh)",
    "lychd completions fish > ~/.config/fish/completions/lychd.fish",
  ],
  async run({ host, positionals }) {
    const shell = positionals[0];
    if (positionals.length !== 1 || !(SHELLS as readonly string[]).includes(shell)) {
      throw new UsageError(
        positionals.length ? `unknown shell ${JSON.stringify(shell)}` : "completions takes a shell name",
        `lychd completions ${SHELLS.join("|")}`,
      );
    }
    host.stdout.write(completionScript(shell as Shell, await liveTables()));
    return 0;
  },
};

/**
 * `lychd __complete-names [--soulstones]`: the service (or soulstone) names of the Codex, or of
 * the embedded default, one per line. For completion scripts: silent and exit 0 on any error.
 */
export const completeNames: Command = {
  name: "__complete-names",
  summary: "(for completion scripts) the Codex's service names (soulstones: and model ids), one per line",
  usage: "lychd __complete-names [--soulstones]",
  flags: [{ name: "soulstones", type: "boolean", help: "soulstones only" }],
  examples: ["lychd __complete-names", "lychd __complete-names --soulstones"],
  async run({ host, flags }) {
    try {
      const paths = resolvePaths(host, flags);
      const { codex } = await readCodex(host, paths, { allowDefault: true, quiet: true });
      const names = codex.services
        .filter((s) => flags.soulstones !== true || s.role === "soulstone")
        .map((s) => s.name);
      // summon also takes the gateway's model ids; logs/start/stop take "gateway".
      if (flags.soulstones === true) names.push(...codex.services.flatMap((s) => s.served?.ids ?? []));
      else if (codex.gateway && !names.includes("gateway")) names.push("gateway");
      if (names.length) host.stdout.write(names.join("\n") + "\n");
    } catch {
      // a bad or unreadable Codex completes nothing
    }
    return 0;
  },
};
