/**
 * `deno task bench`: lychd measured against references taken in the same run.
 *
 * 0. The headline (`--only quadlet`): lychd against the Quadlet generator on two Codexes, `render`
 *    to stdout vs `quadlet -dryrun -user` and `render --out` vs the generator writing a directory;
 *    pairs of runs, median of the pairs' ratios; peak RSS; `lychd --version` (see versusQuadlet).
 * 1. In-process (`deno bench --json bench/`): parse, schema, load, plan, render at 10/100/1,000
 *    services → per-service time and its growth (1,000 vs 10); the conflict graph's shapes.
 * 2. Whole process, alternating run by run with its references: `lychd render` of a 1,000-service
 *    Codex against the real Quadlet generator (`quadlet -dryrun -user`, QUADLET_UNIT_DIRS = the
 *    same Runes), the floors `deno run` of an empty file and `lychd --version`, and `render --out`
 *    on disk against a minimal Deno process doing the same atomic writes. Wall time, CPU time and
 *    peak RSS of every run (`/usr/bin/time`, when installed). Then the same pipeline stage by stage
 *    in fresh processes (bench/cold.ts), to show where the whole-process time goes.
 * 3. Bind, in-process on the real file system (temp dirs on disk; `daemonReload` a no-op): cold
 *    against a minimal loop of the same atomic writes; no change against reading + hashing the
 *    same files, with proof that it wrote nothing (inode, size, mtime, ctime of every file).
 *
 * Timing claims are ratios of medians against a reference measured in the same run. Inputs are
 * generated into temp dirs at run time and removed afterwards (`--keep` keeps them).
 *
 * Usage: deno run -A scripts/bench.ts [--runs N] [--quick] [--only quadlet,inproc,render,cold,bind]
 *        [--root DIR] [--baseline DIR] [--json FILE] [--keep] [--bundle]
 *   --only quadlet   just the headline table of BENCHMARKS.md (lychd vs the Quadlet generator)
 *   --bundle         also measure `deno bundle` of main.ts in the quadlet table
 *   --root DIR       measure the lychd checkout in DIR (default: this one)
 *   --baseline DIR   also measure the checkout in DIR, alternating with --root run by run, for
 *                    before/after figures (e.g. `git worktree add /tmp/before <commit>`)
 * bench/*.ts always come from this checkout.
 *
 * This file parses the flags and runs the chosen sections; each section is a module of
 * scripts/bench/ (quadlet.ts, inproc.ts, render.ts, cold.ts, bind.ts), sharing context.ts (the
 * flags, temp dirs and results) and measure.ts (process timing, medians, formatting).
 *
 * @module
 */
import { genCodex } from "../bench/gen.ts";
import { type Ctx, N, parseOptions, say } from "./bench/context.ts";
import { describe, rmrf, text, TIME } from "./bench/measure.ts";
import { versusQuadlet } from "./bench/quadlet.ts";
import { inProcess } from "./bench/inproc.ts";
import { wholeProcess } from "./bench/render.ts";
import { coldStages } from "./bench/cold.ts";
import { bindFigures } from "./bench/bind.ts";

const opts = parseOptions(Deno.args);
const { only: ONLY, runs: RUNS, here: HERE, root: ROOT, base: BASE } = opts;
const cpuModel = (Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "?")
  .trim();
const memLine = text("free", ["-h"]).split("\n").find((l) => l.startsWith("Mem:"))?.replace(/\s+/g, " ");
say(`# lychd bench — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`);
say();
say(`- machine: ${cpuModel}, nproc ${text("nproc", [])}; free -h: ${memLine ?? "?"}`);
say(`- load average at start: ${Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")}`);
say(
  `- Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); /usr/bin/time: ${TIME ? "yes" : "no (no CPU/RSS)"}`,
);
say(`- lychd: ${describe(ROOT)}${BASE ? `; baseline: ${describe(BASE)}` : ""}`);
say(`- whole-process figures: ${RUNS} runs each, alternating, after one warm-up each; medians`);

const tmp = Deno.makeTempDirSync({ prefix: "lychd-bench-" });
let shm: string | undefined;
try {
  shm = Deno.makeTempDirSync({ dir: "/dev/shm", prefix: "lychd-bench-" });
} catch { /* no tmpfs: disk only */ }
const results: Record<string, unknown> = {};
const ctx: Ctx = { ...opts, tmp, shm, results };
try {
  const codexPath = `${tmp}/codex.toml`;
  Deno.writeTextFileSync(codexPath, genCodex(N));
  Deno.mkdirSync(`${tmp}/cdi`);
  Deno.copyFileSync(`${HERE}/tests/fixtures/cdi/nvidia.yaml`, `${tmp}/cdi/nvidia.yaml`);
  Deno.writeTextFileSync(`${tmp}/empty.ts`, "");
  const common = ["--codex", codexPath, "--cdi-dir", `${tmp}/cdi`, "--podman-version", "5.4", "--quiet"];
  const env = { NO_COLOR: "1", HOME: tmp, XDG_CONFIG_HOME: `${tmp}/config` };

  if (ONLY.has("quadlet")) await versusQuadlet(ctx, env);
  if (ONLY.has("inproc")) await inProcess(ctx);
  if (ONLY.has("render")) await wholeProcess(ctx, common, env);
  if (ONLY.has("cold")) await coldStages(ctx, codexPath);
  if (ONLY.has("bind")) await bindFigures(ctx, codexPath);
} finally {
  if (!opts.keep) {
    rmrf(tmp);
    if (shm) rmrf(shm);
  } else console.log(`kept ${tmp}${shm ? ` and ${shm}` : ""}`);
}
if (opts.json) Deno.writeTextFileSync(opts.json, JSON.stringify(results, null, 2) + "\n");
