/**
 * Section `quadlet` of scripts/bench.ts, the headline table of BENCHMARKS.md: lychd against the
 * Quadlet generator, whole processes, pairs of runs, median of the pairs' ratios.
 *
 * @module
 */
import { genCodex } from "../../bench/gen.ts";
import { V8_FLAGS } from "../v8_flags.ts";
import { type Ctx, DENO, lychd, N, say } from "./context.ts";
import {
  benchInput,
  installedArgv,
  median,
  medianOf,
  ms,
  quadletCommand,
  rmrf,
  type Sample,
  type Spawn,
  text,
  timeSpawn,
} from "./measure.ts";

/**
 * `deno bundle --code-splitting` of main.ts into `dir` (the verbs' dynamic imports stay separate
 * chunks), or undefined when bundling fails (reported).
 */
function bundle(root: string, dir: string): string | undefined {
  const out = `${dir}/bundle`;
  const o = new Deno.Command(DENO, {
    args: ["bundle", "--quiet", "--code-splitting", "--minify", "--outdir", out, `${root}/main.ts`],
    cwd: root,
  }).outputSync();
  if (o.success) return `${out}/main.js`;
  say(`(deno bundle failed: ${new TextDecoder().decode(o.stderr).split("\n")[0]})`);
  return undefined;
}

/**
 * The headline: lychd against the Quadlet generator, whole processes, on two Codexes (bench/gen.ts's
 * 1,000 services with 250 soulstones and a CDI spec; 1,000 plain services, no CDI spec), two
 * comparisons each: `render` to stdout vs `quadlet -dryrun -user` (both stdouts piped and read to the
 * end; quadlet's stderr to a pipe, it syncs stderr per line), and `render --out DIR` vs the
 * generator writing its units into a directory, both on the same file system. Each run of lychd
 * is paired with a run of quadlet right before or after it (the order flips every round); the
 * ratio is the median of the pairs' ratios, so load that drifts across the run cancels out.
 */
export async function versusQuadlet(ctx: Ctx, env: Record<string, string>): Promise<void> {
  const { runs: RUNS, root: ROOT, tmp, shm, results } = ctx;
  say();
  say("## lychd vs the Quadlet generator (whole processes; median of pair ratios)");
  say();
  const q = quadletCommand();
  if (!q) {
    say(
      "The Quadlet generator was not found: no ratio (set LYCHD_QUADLET, or LYCHD_E2E=1 scripts/e2e-host.sh build).",
    );
    return;
  }
  const qVersion = text(q[0], [...q.slice(1), "-version"]);
  const base = shm ?? tmp;
  const fsName = shm ? "tmpfs" : "disk";
  const bundled = ctx.bundle ? bundle(ROOT, tmp) : undefined;
  // "installed": the command `deno task install` puts on PATH (its shim's line: the permission set,
  // the install's config and node_modules, the shipped V8 flags of scripts/v8_flags.ts); the
  // headline's definition stays `deno run -A main.ts`.
  const variants: [string, string[]][] = [["main.ts", lychd(ROOT)]];
  try {
    variants.push(["installed", installedArgv(ROOT, `${tmp}/install`)]);
  } catch (err) {
    say(`(${(err as Error).message})`);
  }
  if (bundled) variants.push(["bundle", ["run", "-A", bundled]]);
  const codexes = [
    { label: "gen.ts (1,000 services, 250 soulstones, CDI)", text: genCodex(N), cdi: true },
    { label: "services only (1,000 services, no CDI)", text: genCodex(N, { stoneShare: 0 }), cdi: false },
  ];
  const loadStart = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  interface Row {
    codex: string;
    comparison: string;
    variant: string;
    lychd: Sample[];
    quadlet: Sample[];
  }
  const rows: Row[] = [];
  const pairs = async (codex: string, comparison: string, variant: string, a: Spawn, b: Spawn) => {
    await timeSpawn(a);
    await timeSpawn(b);
    const row: Row = { codex, comparison, variant, lychd: [], quadlet: [] };
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        row.lychd.push(await timeSpawn(a));
        row.quadlet.push(await timeSpawn(b));
      } else {
        row.quadlet.push(await timeSpawn(b));
        row.lychd.push(await timeSpawn(a));
      }
    }
    rows.push(row);
  };
  let k = 0;
  for (const c of codexes) {
    const dir = `${tmp}/vs-${k}`;
    const runes = `${base}/vs-runes-${k++}`;
    const common = benchInput(dir, c.text, c.cdi);
    // The Runes quadlet reads, written once (not timed).
    const o = await new Deno.Command(DENO, {
      args: [...lychd(ROOT), "render", "--out", runes, ...common],
      env,
    })
      .output();
    if (!o.success) throw new Error(`lychd render failed: ${new TextDecoder().decode(o.stderr)}`);
    const qenv = { QUADLET_UNIT_DIRS: runes };
    const lOut = `${base}/vs-out-lychd`;
    const qOut = `${base}/vs-out-quadlet`;
    for (const [variant, argv] of variants) {
      await pairs(
        c.label,
        "stdout",
        variant,
        { cmd: [DENO, ...argv, "render", ...common], env, drain: true },
        {
          cmd: [...q, "-dryrun", "-user"],
          env: qenv,
          drain: true,
        },
      );
      await pairs(c.label, `--out DIR (${fsName})`, variant, {
        cmd: [DENO, ...argv, "render", "--out", lOut, ...common],
        env,
        before: () => rmrf(lOut),
      }, {
        cmd: [...q, "-user", qOut],
        env: qenv,
        before: () => {
          rmrf(qOut);
          Deno.mkdirSync(qOut);
        },
      });
    }
    rmrf(lOut);
    rmrf(qOut);
  }
  // Start-up: `lychd --version` paired with quadlet's dry run of the first Codex.
  const qenv0 = { QUADLET_UNIT_DIRS: `${base}/vs-runes-0` };
  for (const [variant, argv] of variants) {
    await pairs("—", "`--version` (start-up only) vs quadlet's dry run of gen.ts", variant, {
      cmd: [DENO, ...argv, "--version"],
      env,
      drain: true,
    }, { cmd: [...q, "-dryrun", "-user"], env: qenv0, drain: true });
  }
  for (let i = 0; i < k; i++) rmrf(`${base}/vs-runes-${i}`);
  const loadEnd = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  const pairMedian = (r: Row, key: "wall" | "cpu") =>
    median(r.lychd.map((x, i) => (x[key] ?? NaN) / (r.quadlet[i][key] ?? NaN)));
  const mib = (xs: Sample[]) => {
    const v = medianOf(xs, "rss");
    return Number.isNaN(v) ? "n/a" : `${(v / 1024).toFixed(0)} MiB`;
  };
  say(
    `quadlet: \`${q[q.length - 1]}\` (${
      qVersion || "version ?"
    }); output dirs and quadlet's input on ${fsName}; ` +
      `${RUNS} pairs per row after one warm-up each; load average ${loadStart} at start, ${loadEnd} at end.`,
  );
  say();
  say(
    "| Codex | comparison | lychd | lychd wall | quadlet wall | **ratio, wall** | ratio, CPU | lychd peak RSS | quadlet peak RSS |",
  );
  say("|---|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    say(
      `| ${r.codex} | ${r.comparison} | ${r.variant} | ${ms(medianOf(r.lychd, "wall"))} | ${
        ms(medianOf(r.quadlet, "wall"))
      } | **${pairMedian(r, "wall").toFixed(2)}** | ${pairMedian(r, "cpu").toFixed(2)} | ${mib(r.lychd)} | ${
        mib(r.quadlet)
      } |`,
    );
  }
  say();
  say(
    "lychd = `deno run -A main.ts` (main.ts), the command `deno task install` puts on PATH " +
      `(installed: its shim's line, with \`${V8_FLAGS}\`, its permission flags replaced by -A for /dev/shm) ` +
      "or `deno run -A` of `deno bundle main.ts` (bundle). Ratios = median over " +
      "the pairs of lychd's time / quadlet's time in the same pair; wall and CPU (user + sys, /usr/bin/time); " +
      "peak RSS = median of the runs' maxima.",
  );
  results.versusQuadlet = { loadStart, loadEnd, rows };
}
