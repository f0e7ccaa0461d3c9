/**
 * `start`, `stop`, `summon`, `logs`: thin verbs over systemctl and journalctl.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { LychdError, UsageError } from "../command.ts";
import { type Loaded, manager, type Paths, readCodex, resolvePaths } from "../context.ts";
import { didYouMean } from "../../codex/errors.ts";
import { journal } from "../../host/journal.ts";
import type { Host } from "../../host/host.ts";
import { parseDuration } from "../../codex/quantities.ts";

type Flags = Record<string, string | boolean | string[] | undefined>;

/** Map service names (or unit names) to units, through the Codex. */
export function unitsFor(loaded: Loaded, names: string[]): string[] {
  const byName = new Map(loaded.codex.services.map((s) => [s.name, `${s.stem}.service`]));
  return names.map((n) => {
    if (/\.(service|target|socket|timer)$/.test(n)) return n;
    const u = byName.get(n);
    if (!u) {
      const guess = didYouMean(n, byName.keys());
      throw new UsageError(
        `${JSON.stringify(n)} is not a service of ${loaded.codex.file}`,
        guess ? `did you mean ${JSON.stringify(guess)}?` : `known: ${[...byName.keys()].join(", ")}`,
      );
    }
    return u;
  });
}

async function context(host: Host, flags: Flags): Promise<{ paths: Paths; loaded: Loaded }> {
  const paths = resolvePaths(host, flags);
  const loaded = await readCodex(host, paths, { allowDefault: true, quiet: true });
  return { paths, loaded };
}

/** `start` and `stop` differ only in the systemctl verb. */
function unitVerb(verb: "start" | "stop", summary: string, example: string): Command {
  return {
    name: verb,
    summary,
    usage: `lychd ${verb} [NAME…]`,
    flags: [],
    examples: [`lychd ${verb}`, example],
    async run({ host, flags, positionals }) {
      const { paths, loaded } = await context(host, flags);
      const units = positionals.length ? unitsFor(loaded, positionals) : [`${loaded.codex.prefix}.target`];
      await manager(host, paths)[verb](units);
      if (flags.quiet !== true) {
        host.stderr.write(`lychd: ${verb === "start" ? "started" : "stopped"} ${units.join(" ")}\n`);
      }
      return 0;
    },
  };
}

/** `lychd start`. */
export const start = unitVerb(
  "start",
  "start <prefix>.target (every autostart service) or the named services",
  "lychd start vessel phylactery",
);

/** `lychd stop`. */
export const stop = unitVerb(
  "stop",
  "stop <prefix>.target (and what is part of it) or the named services",
  "lychd stop vllm",
);

/** `lychd summon`. */
export const summon: Command = {
  name: "summon",
  summary: "start a soulstone, report the stones it displaced, wait until active (healthy)",
  usage: "lychd summon NAME [--timeout 15m]",
  flags: [{
    name: "timeout",
    type: "string",
    arg: "DURATION",
    help: "give up waiting after this long",
    default: "15m",
  }],
  details:
    "systemd stops every stone that Conflicts= with NAME before starting it (the ordering edge makes\n" +
    "the stop finish first). With a health check the stone counts as active only once healthy.",
  examples: ["lychd summon vllm", "lychd summon llamacpp --timeout 5m"],
  async run({ host, flags, positionals }) {
    if (positionals.length !== 1) {
      throw new UsageError("summon takes exactly one soulstone name", "lychd summon NAME");
    }
    const { paths, loaded } = await context(host, flags);
    const name = positionals[0];
    const stone = loaded.codex.services.find((s) => s.name === name);
    if (!stone || stone.role !== "soulstone") {
      const stones = loaded.codex.services.filter((s) => s.role === "soulstone").map((s) => s.name);
      const guess = didYouMean(name, stones);
      throw new UsageError(
        `${JSON.stringify(name)} is not a soulstone`,
        guess ? `did you mean ${JSON.stringify(guess)}?` : `soulstones: ${stones.join(", ") || "none"}`,
      );
    }
    const timeout = parseDuration(typeof flags.timeout === "string" ? flags.timeout : "15m");
    if (!timeout.ok) throw new UsageError(`--timeout: ${timeout.message}`, timeout.hint);
    const unit = `${stone.stem}.service`;
    const sd = manager(host, paths);
    const props = ["ActiveState", "SubState", "Conflicts"];
    const before = await sd.show([unit], props);
    const rivals = (before[unit]?.Conflicts ?? "").split(/\s+/).filter(Boolean).sort();
    const rivalState = rivals.length ? await sd.show(rivals, ["ActiveState"]) : {};
    const active = rivals.filter((u) =>
      ["active", "activating", "reloading"].includes(rivalState[u]?.ActiveState ?? "")
    );
    const say = (s: string) => flags.quiet !== true && host.stderr.write(`lychd: ${s}\n`);
    for (const r of active) say(`stopping ${r} (conflicts with ${unit})`);
    say(`starting ${unit}${stone.raw.health ? " and waiting for it to be healthy" : ""}`);
    const started = host.now();
    const res = await host.runner.run("systemctl", [...(paths.system ? [] : ["--user"]), "start", unit], {
      timeoutMs: timeout.value.seconds * 1000,
    });
    const after = await sd.show([unit, ...active], ["ActiveState", "SubState", "Result"]);
    if (res.code !== 0 || after[unit]?.ActiveState !== "active") {
      throw new LychdError(
        `${unit} did not become active (${after[unit]?.ActiveState ?? "?"}/${
          after[unit]?.SubState ?? "?"
        }, result ${after[unit]?.Result ?? "?"})${
          res.stderr.trim() ? `: ${res.stderr.trim().split("\n")[0]}` : ""
        }`,
        `lychd logs ${name}`,
      );
    }
    const displaced = active.filter((u) => after[u]?.ActiveState !== "active");
    const secs = ((host.now() - started) / 1000).toFixed(1);
    if (flags.json === true) {
      host.stdout.write(
        JSON.stringify({ unit, active: true, displaced, seconds: Number(secs) }, null, 2) + "\n",
      );
    } else {say(
        `${unit} is active after ${secs}s${displaced.length ? `; displaced ${displaced.join(", ")}` : ""}`,
      );}
    return 0;
  },
};

/** `lychd logs`. */
export const logs: Command = {
  name: "logs",
  summary: "show a service's journal (journalctl --user -u UNIT)",
  usage: "lychd logs NAME [-f] [-n N]",
  flags: [
    { name: "follow", type: "boolean", short: "f", help: "keep printing new entries" },
    { name: "lines", type: "string", short: "n", arg: "N", help: "the last N entries" },
  ],
  examples: ["lychd logs vllm -f", "lychd logs phylactery -n 100"],
  async run({ host, flags, positionals }) {
    if (positionals.length !== 1) {
      throw new UsageError("logs takes exactly one name", "lychd logs NAME [-f] [-n N]");
    }
    const { paths, loaded } = await context(host, flags);
    const [unit] = unitsFor(loaded, positionals);
    let lines: number | undefined;
    if (typeof flags.lines === "string") {
      if (!/^\d+$/.test(flags.lines)) {
        throw new UsageError(`-n ${JSON.stringify(flags.lines)} is not a number`);
      }
      lines = Number(flags.lines);
    }
    await journal(host.runner, { user: !paths.system }).logs(unit, { follow: flags.follow === true, lines });
    return 0;
  },
};
