import type { Command } from "../command.ts";
import { manager, resolvePaths, stopTolerant, unitOfFile } from "../context.ts";
import { unbind as scribeUnbind } from "../../bind/scribe.ts";
import { summary } from "./bind.ts";

/** `lychd unbind`: stop and remove every owned unit, then reload. */
export const unbind: Command = {
  name: "unbind",
  summary: "stop every owned unit, remove the owned Runes, reload once",
  usage: "lychd unbind [--unit-dir DIR] [--system]",
  flags: [],
  details: "Only files listed in the ownership manifest are removed; anything else in the directories stays.",
  json: "{ added: [], changed: [], restored: [], removed: [path], unchanged: [], reloaded, recovered, diff }",
  examples: ["lychd unbind", "lychd unbind --json | jq -r '.removed[]'", "sudo lychd unbind --system"],
  async run({ host, flags }) {
    const paths = resolvePaths(host, flags);
    const sd = manager(host, paths);
    const report = await scribeUnbind(host, {
      manifestDir: paths.unitDir,
      codexPath: paths.codex,
      unitOf: unitOfFile,
      stopUnits: (units) => stopTolerant(host, paths, units),
      daemonReload: () => sd.daemonReload(),
    });
    if (flags.json === true) host.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else if (flags.quiet !== true) host.stderr.write(`lychd: un${summary(report, false)}\n`);
    return 0;
  },
};
