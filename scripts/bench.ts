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
 * @module
 */
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { genCodex } from "../bench/gen.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string" },
    quick: { type: "boolean" },
    root: { type: "string" },
    baseline: { type: "string" },
    only: { type: "string" },
    json: { type: "string" },
    keep: { type: "boolean" },
    bundle: { type: "boolean" },
  },
  strict: true,
});
const QUICK = args.values.quick === true;
const ONLY = new Set((args.values.only ?? "quadlet,inproc,render,cold,bind").split(","));
const RUNS = Number(args.values.runs ?? (QUICK ? 3 : 10));
const HERE = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const ROOT = args.values.root ? Deno.realPathSync(args.values.root) : HERE;
const BASE = args.values.baseline ? Deno.realPathSync(args.values.baseline) : undefined;
const N = 1000;
const DENO = Deno.execPath();
/**
 * `lychd` as the README runs it from a checkout. `-A` rather than `deno task demo`'s
 * `--allow-read --allow-env --allow-run` (+ `--allow-write`): Deno wants all permissions to
 * write under `/dev/shm`, the tmpfs output dir.
 */
const lychd = (root: string) => ["run", "-A", `${root}/main.ts`];

const FLOOR = "floor: minimal Deno process, same atomic writes (disk)";
const RENDER_SHM = "lychd render --out (tmpfs)";
const RENDER_DISK = "lychd render --out (disk)";
const RENDER_STDOUT = "lychd render (stdout)";
const QUADLET = "quadlet -dryrun -user";
const BEFORE = "baseline: ";

/** The write floor as a whole process: read each Rune, write it atomically elsewhere. */
const WRITE_FLOOR_SCRIPT = `
const [src, dst] = Deno.args;
const enc = new TextEncoder();
Deno.mkdirSync(dst, { recursive: true });
for (const e of Deno.readDirSync(src)) {
  const text = Deno.readTextFileSync(src + "/" + e.name);
  const tmp = dst + "/.tmp-" + e.name;
  const f = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o644 });
  const bytes = enc.encode(text);
  for (let off = 0; off < bytes.length;) off += f.writeSync(bytes.subarray(off));
  f.syncSync();
  f.close();
  Deno.renameSync(tmp, dst + "/" + e.name);
  const d = Deno.openSync(dst, { read: true });
  d.syncSync();
  d.close();
}
`;

const results: Record<string, unknown> = {};
const say = (line = "") => console.log(line);

// ---------------------------------------------------------------------------------------------
// Helpers

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ms = (x: number) =>
  Number.isNaN(x) ? "n/a" : (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + " ms";
const ratio = (a: number, b: number) => (Number.isNaN(a / b) ? "n/a" : (a / b).toFixed(2));

function text(cmd: string, argv: string[]): string {
  try {
    const o = new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "null" }).outputSync();
    return new TextDecoder().decode(o.stdout).trim();
  } catch {
    return "";
  }
}

function rmrf(p: string): void {
  try {
    Deno.removeSync(p, { recursive: true });
  } catch { /* absent */ }
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) if (e.isFile) n++;
  return n;
}

interface Spawn {
  cmd: string[];
  env?: Record<string, string>;
  /** Pipe stdout and read it to the end (as a shell pipe would), instead of /dev/null. */
  drain?: boolean;
  /** Run before each measured run, outside the timing (e.g. remove the output dir). */
  before?: () => void;
}

/** One run: wall time (ms, measured here); CPU time (ms, user + sys) and peak RSS (KiB). */
interface Sample {
  wall: number;
  cpu?: number;
  rss?: number;
}

/** `/usr/bin/time`, if installed: CPU time and peak RSS of each run come from it. */
const TIME = (() => {
  try {
    return Deno.statSync("/usr/bin/time").isFile ? "/usr/bin/time" : undefined;
  } catch {
    return undefined;
  }
})();
const MARK = "@@lychd-bench";

async function timeSpawn(s: Spawn): Promise<Sample> {
  s.before?.();
  const argv = TIME ? [TIME, "-f", `${MARK} %U %S %M`, ...s.cmd] : s.cmd;
  const t = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: s.env,
    stdout: s.drain ? "piped" : "null",
    stderr: "piped",
  })
    .spawn();
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
    s.drain ? new Response(child.stdout).arrayBuffer() : undefined,
  ]);
  const wall = performance.now() - t;
  if (!status.success) throw new Error(`${s.cmd.join(" ")} exited ${status.code}: ${stderr.slice(0, 400)}`);
  const m = new RegExp(`${MARK} ([\\d.]+) ([\\d.]+) (\\d+)`).exec(stderr);
  return m ? { wall, cpu: (Number(m[1]) + Number(m[2])) * 1000, rss: Number(m[3]) } : { wall };
}

/** Alternate the named commands run by run (one warm-up each, not counted). */
async function alternate(specs: Record<string, Spawn>, runs = RUNS): Promise<Record<string, Sample[]>> {
  const samples: Record<string, Sample[]> = {};
  for (const [name, s] of Object.entries(specs)) {
    await timeSpawn(s);
    samples[name] = [];
  }
  for (let i = 0; i < runs; i++) {
    for (const [name, s] of Object.entries(specs)) samples[name].push(await timeSpawn(s));
  }
  return samples;
}

function medianOf(xs: Sample[] | undefined, k: keyof Sample): number {
  const v = (xs ?? []).map((x) => x[k]).filter((x): x is number => x !== undefined);
  return v.length ? median(v) : NaN;
}

/** The Quadlet generator (same search as tests/lib/quadlet.ts). */
function quadletCommand(): string[] | undefined {
  const exists = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  const env = Deno.env.get("LYCHD_QUADLET");
  if (env) return [env];
  if (exists("/usr/libexec/podman/quadlet")) return ["/usr/libexec/podman/quadlet"];
  const root = Deno.env.get("LYCHD_E2E_ROOT") ?? "/var/cache/lychd-e2e/root";
  const bin = `${root}/usr/libexec/podman/quadlet`;
  const loader = `${root}/lib64/ld-linux-x86-64.so.2`;
  if (exists(bin) && exists(loader)) {
    return [loader, "--library-path", `${root}/usr/lib/x86_64-linux-gnu:${root}/lib/x86_64-linux-gnu`, bin];
  }
  return undefined;
}

function describe(root: string): string {
  const commit = text("git", ["-C", root, "rev-parse", "--short", "HEAD"]);
  if (!commit) return root;
  const dirty = text("git", ["-C", root, "status", "--porcelain", "--untracked-files=no", "src"]);
  return `${root} (${commit}${dirty ? " + uncommitted src/ changes" : ""})`;
}

// ---------------------------------------------------------------------------------------------
// Main

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
try {
  const codexPath = `${tmp}/codex.toml`;
  Deno.writeTextFileSync(codexPath, genCodex(N));
  Deno.mkdirSync(`${tmp}/cdi`);
  Deno.copyFileSync(`${HERE}/tests/fixtures/cdi/nvidia.yaml`, `${tmp}/cdi/nvidia.yaml`);
  Deno.writeTextFileSync(`${tmp}/empty.ts`, "");
  const common = ["--codex", codexPath, "--cdi-dir", `${tmp}/cdi`, "--podman-version", "5.4", "--quiet"];
  const env = { NO_COLOR: "1", HOME: tmp, XDG_CONFIG_HOME: `${tmp}/config` };

  if (ONLY.has("quadlet")) await versusQuadlet(env);
  if (ONLY.has("inproc")) await inProcess();
  if (ONLY.has("render")) await wholeProcess(common, env);
  if (ONLY.has("cold")) await coldStages(codexPath);
  if (ONLY.has("bind")) await bindFigures(codexPath);
} finally {
  if (!args.values.keep) {
    rmrf(tmp);
    if (shm) rmrf(shm);
  } else console.log(`kept ${tmp}${shm ? ` and ${shm}` : ""}`);
}
if (args.values.json) Deno.writeTextFileSync(args.values.json, JSON.stringify(results, null, 2) + "\n");

// ---------------------------------------------------------------------------------------------

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
async function versusQuadlet(env: Record<string, string>): Promise<void> {
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
  const bundled = args.values.bundle ? bundle(ROOT, tmp) : undefined;
  const variants: [string, string[]][] = [["main.ts", lychd(ROOT)]];
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
    Deno.mkdirSync(`${dir}/cdi`, { recursive: true });
    if (c.cdi) Deno.copyFileSync(`${HERE}/tests/fixtures/cdi/nvidia.yaml`, `${dir}/cdi/nvidia.yaml`);
    Deno.writeTextFileSync(`${dir}/codex.toml`, c.text);
    const common = [
      "--codex",
      `${dir}/codex.toml`,
      "--cdi-dir",
      `${dir}/cdi`,
      "--podman-version",
      "5.4",
      "--quiet",
    ];
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
    "lychd = `deno run -A main.ts` (main.ts) or `deno run -A` of `deno bundle main.ts` (bundle). Ratios = median over " +
      "the pairs of lychd's time / quadlet's time in the same pair; wall and CPU (user + sys, /usr/bin/time); " +
      "peak RSS = median of the runs' maxima.",
  );
  results.versusQuadlet = { loadStart, loadEnd, rows };
}

/**
 * `deno bench --json` of this checkout's bench/ against `root`'s src/ (copied in when `root` is
 * another checkout), with BASE's n=1000 stages in the same process: name → mean ms.
 */
async function denoBench(root: string): Promise<Map<string, number>> {
  let benchDir = `${HERE}/bench`;
  if (root !== HERE) {
    benchDir = `${root}/.bench-tmp`;
    rmrf(benchDir);
    Deno.mkdirSync(benchDir);
    for (const e of Deno.readDirSync(`${HERE}/bench`)) {
      Deno.copyFileSync(`${HERE}/bench/${e.name}`, `${benchDir}/${e.name}`);
    }
  }
  const o = await new Deno.Command(DENO, {
    args: ["bench", "-A", "--json", benchDir],
    cwd: root,
    env: BASE ? { LYCHD_BENCH_BASELINE: BASE } : {},
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (root !== HERE) rmrf(benchDir);
  if (!o.success) throw new Error(`deno bench failed: ${new TextDecoder().decode(o.stderr).slice(0, 2000)}`);
  const report = JSON.parse(new TextDecoder().decode(o.stdout)) as {
    benches: { name: string; results: { ok?: { avg: number } }[] }[];
  };
  const avg = new Map<string, number>();
  for (const b of report.benches) {
    const r = b.results[0]?.ok;
    if (r) avg.set(b.name, r.avg / 1e6); // ns → ms
  }
  return avg;
}

async function inProcess(): Promise<void> {
  say();
  say("## In-process (deno bench, mean per iteration)");
  say();
  const all = await denoBench(ROOT);
  const avg = new Map([...all].filter(([k]) => !k.endsWith(" baseline")));
  const before = BASE
    ? new Map([...all].filter(([k]) => k.endsWith(" baseline")).map(([k, v]) => [k.slice(0, -9), v]))
    : undefined;
  results.inProcess = Object.fromEntries(avg);
  if (before) results.inProcessBaseline = Object.fromEntries(before);
  const sizes = [10, 100, 1000];
  say(
    "| stage | n=10 | n=100 | n=1000 | µs per service at 10 / 100 / 1000 | growth per service, 1000 vs 10 |" +
      (before ? " baseline n=1000 | after / before |" : ""),
  );
  say("|---|---:|---:|---:|---:|---:|" + (before ? "---:|---:|" : ""));
  for (const stage of ["parse", "schema", "validator", "checks", "load", "plan", "render", "total"]) {
    const t = sizes.map((n) => avg.get(`${stage} n=${n}`) ?? NaN);
    const per = t.map((x, i) => (x / sizes[i]) * 1000);
    const b = before?.get(`${stage} n=1000`);
    say(
      `| ${stage} | ${t.map(ms).join(" | ")} | ${per.map((x) => x.toFixed(1)).join(" / ")} | ${
        (per[2] / per[0]).toFixed(2)
      } |` + (before ? ` ${ms(b ?? NaN)} | ${ratio(t[2], b ?? NaN)} |` : ""),
    );
  }
  say();
  say(
    "`parse` = smol-toml; `schema` = the zod schema alone; `validator` = the validator generated from it " +
      "alone (the success path's; zod only words a rejection); `checks` = the whole-Codex checks " +
      "(validate.ts) alone; `load` = parse + validator + checks + normalize; `total` = load + plan + render. At 1,000 services the plan holds the " +
      "conflict graph of 250 soulstones on two GPUs.",
  );
  say();
  say(
    "| conflict graph | n=100 | n=1000 | µs per stone at 100 / 1000 |" + (before ? " baseline n=1000 |" : ""),
  );
  say("|---|---:|---:|---:|" + (before ? "---:|" : ""));
  for (const shape of ["few GPUs", "many GPUs", "shared, not exclusive"]) {
    const find = (m: Map<string, number>, n: number) =>
      [...m.keys()].find((k) => k.startsWith(`conflict graph: ${shape}, n=${n} `));
    const k100 = find(avg, 100);
    const k1000 = find(avg, 1000);
    if (!k100 || !k1000) continue;
    const pairs = (k: string) => /\((\d+) pairs\)/.exec(k)?.[1] ?? "?";
    const a = avg.get(k100)!;
    const b = avg.get(k1000)!;
    const kb = before ? find(before, 1000) : undefined;
    say(
      `| ${shape} (${pairs(k100)} → ${pairs(k1000)} pairs) | ${ms(a)} | ${ms(b)} | ${(a * 10).toFixed(1)} / ${
        b.toFixed(1)
      } |` + (before ? ` ${ms(kb ? before.get(kb)! : NaN)} |` : ""),
    );
  }
}

async function wholeProcess(common: string[], env: Record<string, string>): Promise<void> {
  say();
  say("## Whole process: `lychd render` of 1,000 services vs the Quadlet generator");
  say();
  const q = quadletCommand();
  const outShm = shm ? `${shm}/runes` : undefined;
  const outDisk = `${tmp}/runes`;
  // Runes for Quadlet (and the write floor) to read, written once, not timed.
  const once = async (dir: string) => {
    const o = await new Deno.Command(DENO, { args: [...lychd(ROOT), "render", "--out", dir, ...common], env })
      .output();
    if (!o.success) throw new Error(`lychd render failed: ${new TextDecoder().decode(o.stderr)}`);
  };
  await once(outDisk);
  if (outShm) await once(outShm);
  const runes = countFiles(outDisk);
  const quadletDir = outShm ?? outDisk;
  say(
    `Codex: ${N} services (250 soulstones on the CDI fixture's two GPUs; ports, env, volumes, health) → ` +
      `${runes} files; ${(Deno.statSync(`${tmp}/codex.toml`).size / 1024).toFixed(0)} KiB of TOML in, ` +
      `${(total(outDisk) / 1024 / 1024).toFixed(1)} MiB of Runes out.`,
  );
  say();

  const floorScript = `${tmp}/write_floor.ts`;
  Deno.writeTextFileSync(floorScript, WRITE_FLOOR_SCRIPT);
  const specs: Record<string, Spawn> = {
    "deno run (empty file)": { cmd: [DENO, "run", `${tmp}/empty.ts`] },
    "lychd --version": { cmd: [DENO, ...lychd(ROOT), "--version"], env },
  };
  const renders = (root: string, label: string) => {
    specs[`${label}${RENDER_STDOUT}`] = { cmd: [DENO, ...lychd(root), "render", ...common], env };
    if (outShm) {
      const out = `${shm}/out-${label ? "b" : "a"}`;
      specs[`${label}${RENDER_SHM}`] = {
        cmd: [DENO, ...lychd(root), "render", "--out", out, ...common],
        env,
        before: () => rmrf(out),
      };
    }
  };
  renders(ROOT, "");
  if (BASE) renders(BASE, BEFORE);
  specs[RENDER_DISK] = {
    cmd: [DENO, ...lychd(ROOT), "render", "--out", `${tmp}/out`, ...common],
    env,
    before: () => rmrf(`${tmp}/out`),
  };
  specs[FLOOR] = {
    cmd: [DENO, "run", "-A", floorScript, quadletDir, `${tmp}/out-floor`],
    before: () => rmrf(`${tmp}/out-floor`),
  };
  if (q) specs[QUADLET] = { cmd: [...q, "-dryrun", "-user"], env: { QUADLET_UNIT_DIRS: quadletDir } };

  const samples = await alternate(specs);
  results.wholeProcess = samples;
  const wall = (k: string) => medianOf(samples[k], "wall");
  const cpu = (k: string) => medianOf(samples[k], "cpu");
  const rss = (k: string) => medianOf(samples[k], "rss");
  say(
    "| command | wall median | wall min … max | / quadlet (wall) | CPU median | / quadlet (CPU) | peak RSS |",
  );
  say("|---|---:|---:|---:|---:|---:|---:|");
  for (const [k, v] of Object.entries(samples)) {
    const w = v.map((x) => x.wall);
    say(
      `| ${k} | ${ms(wall(k))} | ${ms(Math.min(...w))} … ${ms(Math.max(...w))} | ${
        ratio(wall(k), wall(QUADLET))
      } | ${ms(cpu(k))} | ${ratio(cpu(k), cpu(QUADLET))} | ${
        Number.isNaN(rss(k)) ? "n/a" : `${(rss(k) / 1024).toFixed(0)} MiB`
      } |`,
    );
  }
  say();
  const primary = outShm ? RENDER_SHM : RENDER_DISK;
  if (q) {
    results.ratio = { wall: wall(primary) / wall(QUADLET), cpu: cpu(primary) / cpu(QUADLET) };
    say(
      `**${primary} / ${QUADLET}: ${ratio(wall(primary), wall(QUADLET))} wall, ${
        ratio(cpu(primary), cpu(QUADLET))
      } CPU** (ratios of medians)` +
        (BASE
          ? `; baseline ${ratio(wall(BEFORE + primary), wall(QUADLET))} wall, ${
            ratio(cpu(BEFORE + primary), cpu(QUADLET))
          } CPU`
          : "") +
        `. Start-up alone (\`lychd --version\`) is ${
          ratio(wall("lychd --version"), wall(QUADLET))
        } of quadlet's whole run, \`deno run\` of an empty file ${
          ratio(wall("deno run (empty file)"), wall(QUADLET))
        }.`,
    );
  } else say("The Quadlet generator was not found: no ratio (LYCHD_E2E=1 scripts/e2e-host.sh build).");
  say();
  say(
    `On disk, \`render --out\` vs a minimal Deno process doing the same ${runes} atomic writes (temp file, ` +
      `fsync, rename, fsync dir; its input read from the Runes dir): **${
        ratio(wall(RENDER_DISK), wall(FLOOR))
      }** wall.`,
  );
  say(
    `Quadlet reads the Runes from ${outShm ? "tmpfs" : "disk"} and writes its units to stdout (discarded), ` +
      "as `lychd render` without --out does. `deno run` does not type-check (Deno 2). CPU = user + sys of " +
      "all threads (/usr/bin/time); peak RSS = median of the runs' maxima.",
  );
}

function total(dir: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) if (e.isFile) n += Deno.statSync(`${dir}/${e.name}`).size;
  return n;
}

/** bench/cold.ts in fresh processes: the render pipeline stage by stage, cold. */
async function coldStages(codexPath: string): Promise<void> {
  say();
  say("## Where a cold 1,000-service render spends its time (fresh process per run, medians)");
  say();
  const roots: [string, string][] = [
    ["lychd", ROOT],
    ...(BASE ? [["baseline", BASE] as [string, string]] : []),
  ];
  const runs: Record<string, Record<string, number>[]> = Object.fromEntries(roots.map(([l]) => [l, []]));
  const out = `${shm ?? tmp}/cold-out`;
  const n = Math.max(3, Math.ceil(RUNS / 2));
  for (let i = 0; i <= n; i++) {
    for (const [label, root] of roots) {
      rmrf(out);
      const o = await new Deno.Command(DENO, {
        args: ["run", "-A", `${HERE}/bench/cold.ts`, root, codexPath, `${tmp}/cdi/nvidia.yaml`, out],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!o.success) throw new Error(`bench/cold.ts failed: ${new TextDecoder().decode(o.stderr)}`);
      if (i > 0) runs[label].push(JSON.parse(new TextDecoder().decode(o.stdout)));
    }
  }
  results.cold = runs;
  const stages = Object.keys(runs.lychd[0]);
  say(`| stage | lychd |${BASE ? " baseline | after / before |" : ""}`);
  say(`|---|---:|${BASE ? "---:|---:|" : ""}`);
  for (const s of [...stages, "sum"]) {
    const m = (label: string) =>
      median(runs[label].map((r) => s === "sum" ? Object.values(r).reduce((a, b) => a + b, 0) : r[s]));
    say(
      `| ${s} | ${ms(m("lychd"))} |${
        BASE ? ` ${ms(m("baseline"))} | ${ratio(m("lychd"), m("baseline"))} |` : ""
      }`,
    );
  }
  say();
  say(
    `Writing goes to ${
      shm ? "tmpfs" : "disk"
    } through lychd's own \`realFs().writeFile\` (as \`render --out\`); ` +
      '"import" is the lychd modules of the render path and smol-toml (zod only words a rejection; the YAML ' +
      "parser's import is under CDI specs).",
  );
}

async function bindFigures(codexPath: string): Promise<void> {
  say();
  say("## Bind (in-process, real file system, temp dirs on disk; daemon-reload a no-op)");
  say();
  const load = async (root: string) => {
    const url = (p: string) => new URL(`file://${root}/${p}`).href;
    return {
      ...(await import(url("src/codex/load.ts"))),
      ...(await import(url("src/cdi/registry.ts"))),
      ...(await import(url("src/plan/plan.ts"))),
      ...(await import(url("src/quadlet/render.ts"))),
      ...(await import(url("src/bind/scribe.ts"))),
      ...(await import(url("src/host/real.ts"))),
    };
  };
  const impls: [string, Awaited<ReturnType<typeof load>>][] = [["lychd", await load(ROOT)]];
  if (BASE) impls.push(["baseline", await load(BASE)]);
  const m = impls[0][1];
  const registry = m.CdiRegistry.fromSpecs([
    { path: "nvidia.yaml", text: Deno.readTextFileSync(`${HERE}/tests/fixtures/cdi/nvidia.yaml`) },
  ], parseYaml);
  const rendered = m.renderPlan(
    m.makePlan(m.loadCodex(Deno.readTextFileSync(codexPath), codexPath), registry),
    { podmanVersion: "5.4" },
  ) as { runes: { dir: string; name: string; text: string }[] };
  const desiredIn = (dir: string) =>
    rendered.runes.map((r) => ({
      path: `${dir}/${r.dir === "quadlet" ? "q" : "s"}/${r.name}`,
      text: r.text,
    }));
  const opts = (dir: string) => ({
    manifestDir: `${dir}/q`,
    codexPath,
    unitOf: (p: string) => p.slice(p.lastIndexOf("/") + 1),
    stopUnits: () => Promise.resolve(),
    daemonReload: () => Promise.resolve(),
  });
  const files = rendered.runes.length;
  const runs = Math.max(3, RUNS);
  const cold: Record<string, number[]> = { floor: [] };
  const same: Record<string, number[]> = { floor: [] };
  for (const [label] of impls) {
    cold[label] = [];
    same[label] = [];
  }
  let k = 0;
  const fresh = () => `${tmp}/bind-${k++}`;
  const lastDir: Record<string, string> = {};
  for (let i = 0; i <= runs; i++) {
    for (const [label, impl] of impls) {
      const d = fresh();
      const host = impl.realHost();
      const [desired, o] = [desiredIn(d), opts(d)];
      const t = performance.now();
      const report = await impl.bind(host, desired, o);
      const dt = performance.now() - t;
      if (report.added.length !== files) {
        throw new Error(`cold bind added ${report.added.length}, not ${files}`);
      }
      if (i > 0) cold[label].push(dt);
      if (lastDir[label]) rmrf(lastDir[label]);
      lastDir[label] = d;
    }
    const d = fresh();
    const desired = desiredIn(d);
    const t = performance.now();
    atomicWrites(desired);
    if (i > 0) cold.floor.push(performance.now() - t);
    rmrf(d);
  }
  // No change: each implementation binds again into its last cold bind's dir.
  const dir = lastDir.lychd;
  const before = snapshot(dir);
  for (let i = 0; i <= runs; i++) {
    for (const [label, impl] of impls) {
      const d = lastDir[label];
      const host = impl.realHost();
      const [desired, o] = [desiredIn(d), opts(d)];
      const t = performance.now();
      const report = await impl.bind(host, desired, o);
      const dt = performance.now() - t;
      if (report.unchanged.length !== files || report.reloaded) {
        throw new Error("no-change bind changed something");
      }
      if (i > 0) same[label].push(dt);
    }
    const paths = desiredIn(dir).map((f) => f.path);
    const t = performance.now();
    readAndHash(paths);
    if (i > 0) same.floor.push(performance.now() - t);
  }
  const after = snapshot(dir);
  const touched = [...new Set([...before.keys(), ...after.keys()])].filter((p) =>
    before.get(p) !== after.get(p)
  );
  for (const d of Object.values(lastDir)) rmrf(d);
  results.bind = { cold, same, touched };
  const med = (xs: number[]) => median(xs);
  say(
    "| operation | lychd median | reference, same run | reference median | ratio |" +
      (BASE ? " baseline median | baseline ratio |" : ""),
  );
  say("|---|---:|---|---:|---:|" + (BASE ? "---:|---:|" : ""));
  say(
    `| bind, cold: ${files} new files + manifest | ${
      ms(med(cold.lychd))
    } | ${files} atomic writes by a minimal loop | ${ms(med(cold.floor))} | **${
      ratio(med(cold.lychd), med(cold.floor))
    }** |` +
      (BASE ? ` ${ms(med(cold.baseline))} | ${ratio(med(cold.baseline), med(cold.floor))} |` : ""),
  );
  say(
    `| bind, no change: ${files} files | ${ms(med(same.lychd))} | read + sha256 of the same files | ${
      ms(med(same.floor))
    } | **${ratio(med(same.lychd), med(same.floor))}** |` +
      (BASE ? ` ${ms(med(same.baseline))} | ${ratio(med(same.baseline), med(same.floor))} |` : ""),
  );
  say();
  say(
    `No-change binds touched **${touched.length}** of ${before.size} files (inode, size, mtime and ctime ` +
      `of every file in the unit dirs compared before and after ${runs + 1} no-change binds)` +
      (touched.length ? `: ${touched.slice(0, 5).join(", ")}` : "."),
  );
  say(
    "Minimal loop, per file: Deno.openSync(tmp, createNew) → writeSync → fsync → close → rename → fsync(dir). " +
      "Read + hash, per file: Deno.readFileSync + node:crypto sha256.",
  );
}

/** The write floor: the same atomic writes, as plainly as Deno can do them. */
function atomicWrites(files: { path: string; text: string }[]): void {
  const enc = new TextEncoder();
  const made = new Set<string>();
  for (const f of files) {
    const dir = f.path.slice(0, f.path.lastIndexOf("/"));
    if (!made.has(dir)) {
      Deno.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const tmp = `${dir}/.tmp-${f.path.slice(dir.length + 1)}`;
    const file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o644 });
    const bytes = enc.encode(f.text);
    for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
    file.syncSync();
    file.close();
    Deno.renameSync(tmp, f.path);
    const d = Deno.openSync(dir, { read: true });
    d.syncSync();
    d.close();
  }
}

function readAndHash(paths: string[]): string[] {
  return paths.map((p) => createHash("sha256").update(Deno.readFileSync(p)).digest("hex"));
}

function snapshot(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else {
        const s = Deno.lstatSync(p);
        m.set(p, `${s.ino}:${s.size}:${s.mtime?.getTime()}:${s.ctime?.getTime()}`);
      }
    }
  };
  walk(dir);
  return m;
}
