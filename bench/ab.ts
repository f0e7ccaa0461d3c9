/**
 * A/B of two lychd checkouts, whole processes: `render` (stdout, or `--out` on tmpfs) of the two
 * 1,000-service Codexes of the headline (bench/gen.ts with and without soulstones), the two
 * checkouts alternated run by run (the order flips each pair), median of the per-pair ratios
 * new / old for wall and CPU time (`perf stat`'s task-clock, else user + sys from /usr/bin/time). For judging one lever against the
 * commit before it on a shared machine: `git worktree add /tmp/before HEAD~1`, then
 *
 *     deno run -A bench/ab.ts --old /tmp/before --new . [--runs 15] [--only gen,svc] [--out]
 *       [--version] [--new-v8 FLAGS] [--old-v8 FLAGS] [--deno-flag=--no-code-cache]… [--installed]
 *
 * `--new-v8 FLAGS` runs the new checkout with `--v8-flags=FLAGS` (the same checkout as `--old`
 * measures the flags alone); `--old-v8 FLAGS` likewise for the old one (e.g. both with the shipped
 * flags of scripts/v8_flags.ts, the new one with more).
 *
 * `--installed`: each checkout as `deno task install` ships it (installed into a temp root; its shim's
 * command line, permissions `-A`), instead of `deno run -A main.ts`.
 *
 * Both checkouts' outputs are compared byte for byte first (a lever must not change the Runes).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { genCodex } from "./gen.ts";
import { benchInput, installedArgv } from "../scripts/bench/measure.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    old: { type: "string" },
    new: { type: "string", default: "." },
    runs: { type: "string", default: "15" },
    only: { type: "string", default: "gen,svc" },
    out: { type: "boolean" },
    version: { type: "boolean" },
    "new-v8": { type: "string" },
    "old-v8": { type: "string" },
    installed: { type: "boolean" },
    "deno-flag": { type: "string", multiple: true },
  },
  strict: true,
});
if (!args.values.old) throw new Error("--old DIR is required");
const OLD = Deno.realPathSync(args.values.old);
const NEW = Deno.realPathSync(args.values.new!);
const RUNS = Number(args.values.runs);
const DENO = Deno.execPath();
const base = (() => {
  try {
    return Deno.statSync("/dev/shm").isDirectory ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
})();
const tmp = Deno.makeTempDirSync({ dir: base, prefix: "lychd-ab-" });

interface Sample {
  wall: number;
  cpu: number;
}

/** `perf stat` (CPU time to the nanosecond) when installed, else `/usr/bin/time` (10 ms steps). */
const PERF = (() => {
  try {
    return new Deno.Command("perf", { args: ["stat", "-x,", "-e", "task-clock", "true"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/**
 * V8 rejects a code cache made under other V8 flags, and Deno then compiles and rewrites it: two
 * flag sets alternating on one cache would both pay that on every run. So when the sides' flags
 * differ, each side gets its own DENO_DIR: links to everything in the real one but its own
 * `v8_code_cache_v2*` (made by the side's first, untimed run).
 */
function ownDenoDir(side: string): string {
  const real = JSON.parse(
    new TextDecoder().decode(new Deno.Command(DENO, { args: ["info", "--json"] }).outputSync().stdout),
  ).denoDir as string;
  const dir = `${tmp}/deno-dir-${side}`;
  Deno.mkdirSync(dir);
  for (const e of Deno.readDirSync(real)) {
    if (!e.name.startsWith("v8_code_cache")) Deno.symlinkSync(`${real}/${e.name}`, `${dir}/${e.name}`);
  }
  return dir;
}
/** `--installed`: each side's shim command line (its own flags and code; V8 flags as shipped). */
const shipped = args.values.installed
  ? { old: installedArgv(OLD, `${tmp}/install-old`), new: installedArgv(NEW, `${tmp}/install-new`) }
  : undefined;
if (shipped) console.log("installed: each checkout as deno task install ships it");
const separate = (args.values["new-v8"] ?? "") !== (args.values["old-v8"] ?? "");
const denoDirs = separate ? { old: ownDenoDir("old"), new: ownDenoDir("new") } : undefined;
if (denoDirs) console.log("V8 flags differ: each side has its own code cache (DENO_DIR)");

async function run(
  argv: string[],
  before?: () => void,
  denoDir?: string,
): Promise<Sample & { out: Uint8Array }> {
  before?.();
  const t = performance.now();
  const child = new Deno.Command(PERF ? "perf" : "/usr/bin/time", {
    args: PERF ? ["stat", "-x,", "-e", "task-clock", DENO, ...argv] : ["-f", "@@ab %U %S", DENO, ...argv],
    env: denoDir ? { DENO_DIR: denoDir } : undefined,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const [status, stderr, out] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
    new Response(child.stdout).arrayBuffer(),
  ]);
  const wall = performance.now() - t;
  if (!status.success) throw new Error(`${argv.join(" ")}: ${stderr.slice(0, 400)}`);
  const cpu = PERF ? Number(/^([\d.]+),msec,task-clock/m.exec(stderr)![1]) : (() => {
    const m = /@@ab ([\d.]+) ([\d.]+)/.exec(stderr)!;
    return (Number(m[1]) + Number(m[2])) * 1000;
  })();
  return { wall, cpu, out: new Uint8Array(out) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const codexes: Record<string, { text: string; cdi: boolean }> = {
  gen: { text: genCodex(1000), cdi: true },
  svc: { text: genCodex(1000, { stoneShare: 0 }), cdi: false },
};
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.log(`old ${OLD}\nnew ${NEW}\n${RUNS} pairs per row; load ${load()}`);
for (const name of args.values.only!.split(",")) {
  const c = codexes[name];
  const dir = `${tmp}/${name}`;
  const common = benchInput(dir, c.text, c.cdi);
  const outDir = `${tmp}/out`;
  const rm = () => {
    try {
      Deno.removeSync(outDir, { recursive: true });
    } catch { /* absent */ }
  };
  const v8 = args.values["new-v8"];
  const oldV8 = args.values["old-v8"];
  const argv = (side: "old" | "new") => {
    const root = side === "old" ? OLD : NEW;
    const flags = side === "old" ? oldV8 : v8;
    const run = shipped ? shipped[side] : [
      "run",
      "-A",
      ...(args.values["deno-flag"] ?? []),
      ...(flags ? [`--v8-flags=${flags}`] : []),
      `${root}/main.ts`,
    ];
    return args.values.version
      ? [...run, "--version"]
      : args.values.out
      ? [...run, "render", "--out", outDir, ...common]
      : [...run, "render", ...common];
  };
  const a = await run(argv("old"), rm, denoDirs?.old);
  const b = await run(argv("new"), rm, denoDirs?.new);
  if (a.out.length !== b.out.length || !a.out.every((x, i) => x === b.out[i])) {
    throw new Error(`${name}: the two checkouts render different bytes`);
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  const olds: number[] = [];
  const news: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let o: Sample, n: Sample;
    if (i % 2 === 0) {
      o = await run(argv("old"), rm, denoDirs?.old);
      n = await run(argv("new"), rm, denoDirs?.new);
    } else {
      n = await run(argv("new"), rm, denoDirs?.new);
      o = await run(argv("old"), rm, denoDirs?.old);
    }
    wall.push(n.wall / o.wall);
    cpu.push(n.cpu / o.cpu);
    olds.push(o.wall);
    news.push(n.wall);
  }
  rm();
  console.log(
    `${name}${args.values.out ? " --out" : args.values.version ? " --version" : " stdout"}: old ${
      median(olds).toFixed(0)
    } ms, new ${median(news).toFixed(0)} ms; new/old wall ${median(wall).toFixed(3)}, cpu ${
      median(cpu).toFixed(3)
    }`,
  );
}
console.log(`load ${load()}`);
Deno.removeSync(tmp, { recursive: true });
