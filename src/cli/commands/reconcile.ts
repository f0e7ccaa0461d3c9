import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { doBind, summary } from "./bind.ts";
import { parseDurationFlag } from "../../codex/quantities.ts";

/** `lychd reconcile`: restore owned Runes that vanished or drifted; reload only on change. */
export const reconcile: Command = {
  name: "reconcile",
  summary: "restore owned Runes that vanished or drifted; reload only on change",
  usage: "lychd reconcile [--every 30s]",
  flags: [{
    name: "every",
    type: "string",
    arg: "DURATION",
    help: "keep reconciling at this interval (e.g. 30s, or 30 for seconds) until stopped",
  }],
  details:
    "The same transaction as `bind`, meant to run unattended: silent when nothing changed (with --every,\n" +
    "a warning is said once, not at every interval).\n" +
    "As a systemd timer: see docs/operations.md (lychd-reconcile.timer) or run `lychd reconcile --every 30s`\n" +
    "as a user service.",
  exitCodes: "0 in sync (or restored), 1 refusal or failure, 2 usage error",
  examples: ["lychd reconcile", "lychd reconcile --every 30s", "lychd reconcile --quiet   # from a timer"],
  async run({ host, flags }) {
    const every = typeof flags.every === "string" ? parseDurationFlag(flags.every) : undefined;
    if (every && !every.ok) throw new UsageError(`--every: ${every.message}`, every.hint);
    // A warning (a CDI spec missing, a secret not found) is said once, not at every interval.
    const said = new Set<string>();
    for (;;) {
      const { report } = await doBind(host, flags, false, { rootNote: false, said });
      const changed = report.added.length + report.changed.length + report.restored.length +
        report.removed.length;
      if (changed && flags.quiet !== true) host.stderr.write(`lychd: reconcile: ${summary(report, false)}\n`);
      if (!every) return 0;
      await host.sleep(every.value.seconds * 1000);
    }
  },
};
