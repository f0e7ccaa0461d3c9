import type { Command, Flags } from "../command.ts";
import { LychdError } from "../../errors.ts";
import { build, type Built, manager, runePath, stopTolerant, unitOfFile } from "../context.ts";
import { painter, useColor, warnAll } from "../output.ts";
import { firstBindWarnings } from "../host_warnings.ts";
import { bind as scribeBind, type BindReport, type ScribeOptions } from "../../bind/scribe.ts";
import { podman } from "../../host/podman.ts";
import type { Host } from "../../host/host.ts";
import { MANIFEST_FILE } from "../../bind/manifest.ts";
import { unreachable } from "../unreachable.ts";
import { type Warning, warningLine } from "../../warnings.ts";

/** Scribe options wired to systemd. */
export function scribeOptions(host: Host, b: Pick<Built, "paths" | "codex">, dryRun: boolean): ScribeOptions {
  const sd = manager(host, b.paths);
  return {
    manifestDir: b.paths.unitDir,
    codexPath: b.codex.file,
    dryRun,
    unitOf: unitOfFile,
    stopUnits: (units) => stopTolerant(host, b.paths, units),
    daemonReload: async () => {
      try {
        await sd.daemonReload();
      } catch (e) {
        // Say "not reachable" in lychd's words (with a hint) rather than systemd's bus error.
        throw (await unreachable(host, b.paths, "so it was not reloaded")) ?? e;
      }
    },
  };
}

/**
 * Check every secret the Codex names exists in podman, before anything is written. A real bind
 * refuses a missing secret; `--dry-run` warns (`secret-missing`, placed in the Codex file) and
 * goes on, and warns too when podman cannot be asked (`secret-unchecked`).
 */
export async function checkSecrets(host: Host, b: Pick<Built, "codex">, dryRun: boolean): Promise<Warning[]> {
  const names = [...new Set(b.codex.services.flatMap((s) => s.secrets.map((x) => x.name)))].sort();
  const warnings: Warning[] = [];
  const pm = podman(host.runner);
  for (const name of names) {
    let exists: boolean;
    try {
      exists = await pm.secretExists(name);
    } catch (e) {
      if (dryRun) {
        warnings.push({
          code: "secret-unchecked",
          path: "",
          message: `could not check podman secret ${JSON.stringify(name)}: ${(e as Error).message}`,
        });
        continue;
      }
      throw e;
    }
    if (!exists) {
      const owner = b.codex.services.find((s) => s.secrets.some((x) => x.name === name))!;
      const w: Warning = {
        code: "secret-missing",
        file: b.codex.file,
        path: `${owner.path}.secrets`,
        message: `podman secret ${JSON.stringify(name)} does not exist`,
        hint: `create it first: printf '%s' 'VALUE' | podman secret create ${name} -`,
      };
      if (dryRun) warnings.push(w);
      else throw new LychdError(`${w.file}: ${w.path}: ${w.message}`, w.hint);
    }
  }
  return warnings;
}

/** One-line summary of a bind report. */
export function summary(r: BindReport, dryRun: boolean): string {
  const parts = [
    `${r.added.length} added`,
    `${r.changed.length} changed`,
    `${r.restored.length} restored`,
    `${r.removed.length} removed`,
    `${r.unchanged.length} unchanged`,
  ];
  const changed = r.added.length + r.changed.length + r.restored.length + r.removed.length > 0;
  // Reloading without a change: an earlier bind wrote its Runes but could not reload.
  const pending = r.reloaded && !changed && !r.recovered ? " (the last bind did not finish its reload)" : "";
  const reload = r.reloaded
    ? (dryRun ? "; would daemon-reload" : "; daemon-reload done") + pending
    : "; no reload needed";
  return `${dryRun ? "would bind" : "bound"}: ${parts.join(", ")}${reload}${
    r.recovered ? " (recovered an interrupted bind first)" : ""
  }`;
}

/** Colour a unified diff for a terminal. */
export function colorDiff(diff: string, on: boolean): string {
  if (!on) return diff;
  const paint = painter(true);
  return diff.split("\n").map((l) =>
    l.startsWith("+++") || l.startsWith("---")
      ? paint("bold", l)
      : l.startsWith("+")
      ? paint("green", l)
      : l.startsWith("-")
      ? paint("red", l)
      : l.startsWith("@@")
      ? paint("cyan", l)
      : l
  ).join("\n");
}

/**
 * Render and bind; shared by `bind` and `reconcile`. The root warning is said where it helps: on
 * the first bind (no manifest yet) of `bind`, not on every bind or reconcile tick (`doctor` says
 * it too).
 */
export async function doBind(
  host: Host,
  flags: Flags,
  dryRun: boolean,
  opts: { rootNote?: boolean; said?: Set<string> } = {},
): Promise<{ b: Built; report: BindReport }> {
  const b = await build(host, flags, { allowDefault: dryRun });
  // `said`: warnings already printed by an earlier pass (reconcile --every), not repeated each tick.
  const fresh = (ws: readonly Warning[]) => {
    if (!opts.said) return ws;
    const out = ws.filter((w) => !opts.said!.has(warningLine(w)));
    for (const w of out) opts.said.add(warningLine(w));
    return out;
  };
  warnAll(host, flags, fresh(b.warnings));
  warnAll(host, flags, fresh(await checkSecrets(host, b, dryRun)));
  const desired = b.rendered.runes.map((r) => ({ path: runePath(b.paths, r), text: r.text }));
  const first = !dryRun && opts.rootNote !== false &&
    (await host.fs.stat(`${b.paths.unitDir}/${MANIFEST_FILE}`)) === undefined;
  const report = await scribeBind(host, desired, scribeOptions(host, b, dryRun));
  // After the transaction, so a refusal stays one line.
  // Said where it helps: on the first bind (and by `lychd doctor`), not on every bind.
  if (first) warnAll(host, flags, firstBindWarnings(host, b.paths, b.plan.codex));
  return { b, report };
}

/** `lychd bind`. */
export const bind: Command = {
  name: "bind",
  summary: "write the Runes into the unit directories and daemon-reload once if anything changed",
  usage: "lychd bind [--dry-run] [--codex FILE] [--unit-dir DIR] [--systemd-dir DIR] [--system]",
  flags: [{
    name: "dry-run",
    type: "boolean",
    help: "print what would change as a unified diff; touch nothing",
  }],
  details:
    "Writes each changed Rune atomically, restores owned Runes that were edited or deleted, stops and\n" +
    "prunes owned Runes no longer in the Codex, and never touches a file lychd did not write (a\n" +
    "collision is a refusal). An ownership manifest (.lychd-manifest.json) sits beside the Runes.\n" +
    "Secrets named in the Codex must exist (`podman secret exists`) before anything is written.\n" +
    "The diff of --dry-run is coloured on a terminal (never with NO_COLOR); the summary goes to stderr.",
  json: "{ dryRun, added: [path], changed: [path], restored: [path], removed: [path], unchanged: [path], " +
    "reloaded, recovered, diff }",
  exitCodes: "0 bound (or nothing to do), 1 refusal (nothing written) or failure (the line says what was " +
    "written, e.g. Runes in place but daemon-reload failed), 2 usage error",
  examples: [
    "lychd bind --dry-run",
    "lychd bind && lychd start",
    "lychd bind --system --codex /etc/lychd/codex.toml",
  ],
  async run({ host, flags }) {
    const dryRun = flags["dry-run"] === true;
    const { report } = await doBind(host, flags, dryRun);
    const json = flags.json === true;
    if (dryRun && report.diff && !json) host.stdout.write(colorDiff(report.diff, useColor(host, "stdout")));
    if (json) host.stdout.write(JSON.stringify({ dryRun, ...report }, null, 2) + "\n");
    else if (flags.quiet !== true) host.stderr.write(`lychd: ${summary(report, dryRun)}\n`);
    return 0;
  },
};
