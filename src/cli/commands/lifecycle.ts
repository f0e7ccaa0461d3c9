/**
 * `start`, `stop`, `summon`, `logs`: thin verbs over systemctl and journalctl.
 *
 * @module
 */
import type { Command, Flags } from "../command.ts";
import { UsageError } from "../command.ts";
import { LychdError } from "../../errors.ts";
import { type Loaded, manager, type Paths, readCodex, resolvePaths } from "../context.ts";
import { didYouMean } from "../../codex/errors.ts";
import { journal } from "../../host/journal.ts";
import { type Host, HostError } from "../../host/host.ts";
import { parseDurationFlag } from "../../codex/quantities.ts";
import type { Systemctl } from "../../host/systemctl.ts";
import { Progress } from "../output.ts";
import { gatewayUnits, proxyUnits, serviceUnit } from "../../quadlet/naming.ts";
import { hostAdmit } from "../admission.ts";

/** Map service names (or unit names) to units, through the Codex. */
export function unitsFor(loaded: Loaded, names: string[]): string[] {
  const byName = new Map(loaded.codex.services.map((s) => [s.name, serviceUnit(s.stem)]));
  if (loaded.codex.gateway && !byName.has("gateway")) {
    byName.set("gateway", gatewayUnits(loaded.codex.prefix).service);
  }
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
function unitVerb(verb: "start" | "stop", summary: string, examples: string[]): Command {
  return {
    name: verb,
    summary,
    usage: `lychd ${verb} [NAME…]`,
    flags: [],
    operands: { names: "services" },
    details:
      `Without NAME: \`systemctl --user ${verb} <prefix>.target\`. A NAME is a service of the Codex\n` +
      "(vessel, phylactery, oculus, a soulstone or a [services.*] name; tab-completed from the Codex)\n" +
      "or a full unit name (ending in .service, .target, .socket or .timer).",
    exitCodes: `0 ${
      verb === "start" ? "started" : "stopped"
    }, 1 systemctl failed, 2 usage error (unknown NAME)`,
    examples: [`lychd ${verb}`, ...examples],
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
  ["lychd start vessel phylactery", "lychd bind && lychd start"],
);

/** `lychd stop`. */
export const stop = unitVerb(
  "stop",
  "stop <prefix>.target (and what is part of it) or the named services",
  ["lychd stop vllm", "sudo lychd stop --system"],
);

const BUSY = ["active", "activating", "deactivating", "reloading"];

/**
 * While the start job of a summon runs, keep a progress line up to date: which rival is still
 * stopping, then starting or waiting for health, with the elapsed time. Polls systemd once a
 * second; the line is redrawn about eight times a second.
 */
async function watchStart(
  host: Host,
  progress: Progress,
  job: Promise<unknown>,
  o: { sd: Systemctl; unit: string; rivals: string[]; health: boolean; started: number },
): Promise<void> {
  let done = false;
  const settled = job.then(() => void (done = true), () => void (done = true));
  const stopped = new Set<string>();
  const phase = (unitState: string) => {
    const still = o.rivals.filter((r) => !stopped.has(r));
    if (still.length) return `stopping ${still.join(", ")} (conflicts with ${o.unit})`;
    return o.health && unitState === "activating"
      ? `waiting for ${o.unit} to be healthy`
      : `starting ${o.unit}`;
  };
  let text = phase("");
  let nextPoll = host.now() + 1000;
  try {
    while (!done) {
      progress.update(text, host.now() - o.started);
      await Promise.race([settled, host.sleep(125)]);
      if (done || host.now() < nextPoll) continue;
      nextPoll = host.now() + 1000;
      let shown: Record<string, Record<string, string>> = {};
      try {
        shown = await o.sd.show([o.unit, ...o.rivals], ["ActiveState"]);
      } catch (e) {
        // a failed poll only delays the next update (a bug in lychd does not)
        if (!(e instanceof HostError)) throw e;
      }
      for (const r of o.rivals) {
        if (!stopped.has(r) && shown[r] && !BUSY.includes(shown[r].ActiveState ?? "")) {
          stopped.add(r);
          progress.log(`stopped ${r}`);
        }
      }
      text = phase(shown[o.unit]?.ActiveState ?? "");
    }
  } finally {
    progress.clear();
  }
}

/** `lychd summon`. */
export const summon: Command = {
  name: "summon",
  summary: "start a soulstone, report the stones it displaced, wait until active (healthy)",
  usage: "lychd summon NAME|MODEL [--timeout 15m]",
  operands: { names: "soulstones", max: 1 },
  flags: [{
    name: "timeout",
    type: "string",
    arg: "DURATION",
    help: "give up waiting after this long (e.g. 5m, or 300 for seconds)",
    default: "15m",
  }],
  details: "Admission first (VRAM summed over the running set per device; least recently started first,\n" +
    "never a pinned stone): what must go is stopped and reported with the reason. Then\n" +
    "systemd stops every stone that Conflicts= with NAME before starting it (the ordering edge makes\n" +
    "the stop finish first). With a health check the stone counts as active only once healthy.\n" +
    "On a terminal a progress line shows what is stopping, starting or waiting for health, and the\n" +
    "elapsed time; otherwise (and in logs) plain `lychd: …` lines.",
  json: "{ unit, active, displaced: [unit], evicted: [{ unit, why }], seconds }",
  exitCodes: "0 active, 1 it did not become active (see `lychd logs NAME`), 2 usage error (not a soulstone)",
  examples: [
    "lychd summon vllm",
    "lychd summon llamacpp --timeout 5m",
    "lychd summon vllm --json | jq .displaced",
  ],
  async run({ host, flags, positionals }) {
    if (positionals.length !== 1) {
      throw new UsageError("summon takes exactly one soulstone name", "lychd summon NAME");
    }
    const { paths, loaded } = await context(host, flags);
    // A model id of the gateway names its stone.
    const byModel = loaded.codex.services.find((s) => s.served?.ids.includes(positionals[0]));
    const name = byModel && !loaded.codex.services.some((s) => s.name === positionals[0])
      ? byModel.name
      : positionals[0];
    const stone = loaded.codex.services.find((s) => s.name === name);
    if (!stone || stone.role !== "soulstone") {
      const stones = loaded.codex.services.filter((s) => s.role === "soulstone").map((s) => s.name);
      const guess = didYouMean(name, stones);
      throw new UsageError(
        `${JSON.stringify(name)} is not a soulstone`,
        guess ? `did you mean ${JSON.stringify(guess)}?` : `soulstones: ${stones.join(", ") || "none"}`,
      );
    }
    const timeout = parseDurationFlag(typeof flags.timeout === "string" ? flags.timeout : "15m");
    if (!timeout.ok) throw new UsageError(`--timeout: ${timeout.message}`, timeout.hint);
    const unit = serviceUnit(stone.stem);
    const sd = manager(host, paths);

    const props = ["ActiveState", "SubState", "Conflicts"];
    const before = await sd.show([unit], props);
    const rivals = (before[unit]?.Conflicts ?? "").split(/\s+/).filter(Boolean).sort();
    // Admission as a set (VRAM summed per device, LRU, never a pinned stone): stop what must go
    // before the start, so Conflicts= and the ExecCondition= guard find room.
    const verdict = await hostAdmit(host, paths, loaded.codex, name);
    if (!verdict.ok) {
      throw new LychdError(verdict.reason, `stop ${verdict.blockers.join(", ")} by hand if you mean it`);
    }
    const byName = new Map(loaded.codex.services.map((s) => [s.name, `${s.stem}.service`]));
    // Rivals under Conflicts= are stopped by systemd itself (reported below); the rest go now.
    const evicted = verdict.evict.map((e) => ({ unit: byName.get(e.name)!, why: e.why }))
      .filter((e) => !rivals.includes(e.unit));
    const quietLog = new Progress(host, flags.quiet === true);
    for (const e of evicted) quietLog.log(`evicting ${e.unit}: ${e.why}`);
    if (evicted.length) await sd.stop(evicted.map((e) => e.unit));
    const rivalState = rivals.length ? await sd.show(rivals, ["ActiveState"]) : {};
    const active = rivals.filter((u) =>
      ["active", "activating", "reloading"].includes(rivalState[u]?.ActiveState ?? "")
    );
    const progress = new Progress(host, flags.quiet === true);
    const healthy = stone.raw.health ? " and waiting for it to be healthy" : "";
    if (!progress.live) {
      for (const r of active) progress.log(`stopping ${r} (conflicts with ${unit})`);
      progress.log(`starting ${unit}${healthy}`);
    }
    const started = host.now();
    // An on-demand stone stops as soon as nothing needs it: start its proxy, which needs it and
    // idles out after idle_stop like a socket-activated one.
    const startUnit = stone.onDemand ? proxyUnits(stone.stem).service : unit;
    const job = sd.tryStart([startUnit], { timeoutMs: timeout.value.seconds * 1000 });
    if (progress.live) {
      await watchStart(host, progress, job, { sd, unit, rivals: active, health: !!healthy, started });
    }
    const res = await job;
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
    const displaced = [
      ...new Set([
        ...evicted.map((e) => e.unit),
        ...active.filter((u) => after[u]?.ActiveState !== "active"),
      ]),
    ];
    const secs = ((host.now() - started) / 1000).toFixed(1);
    if (flags.json === true) {
      host.stdout.write(
        JSON.stringify({ unit, active: true, displaced, evicted, seconds: Number(secs) }, null, 2) + "\n",
      );
    } else {
      progress.log(
        `${unit} is active after ${secs}s${displaced.length ? `; displaced ${displaced.join(", ")}` : ""}`,
      );
    }
    return 0;
  },
};

/** `lychd logs`. */
export const logs: Command = {
  name: "logs",
  summary: "show a service's journal (journalctl --user -u UNIT)",
  usage: "lychd logs NAME [-f] [-n N]",
  operands: { names: "services", max: 1 },
  flags: [
    { name: "follow", type: "boolean", short: "f", help: "keep printing new entries" },
    { name: "lines", type: "string", short: "n", arg: "N", help: "the last N entries", default: "all" },
  ],
  details: "NAME is a service of the Codex or a unit name, as for `lychd start`. The journal is streamed\n" +
    "straight from journalctl (its paging and colours apply).",
  exitCodes: "0 success, 1 journalctl failed, 2 usage error (unknown NAME, -n not a number)",
  examples: ["lychd logs vllm -f", "lychd logs phylactery -n 100", "lychd logs vessel --codex ./codex.toml"],
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
