/**
 * Section `inproc` of scripts/bench.ts: `deno bench --json bench/` (parse, schema, load, plan,
 * render at 10/100/1,000 services; the conflict graph's shapes) as per-service times and growth.
 *
 * @module
 */
import { type Ctx, DENO, say } from "./context.ts";
import { ms, ratio, rmrf } from "./measure.ts";

/**
 * `deno bench --json` of this checkout's bench/ against `root`'s src/ (copied in when `root` is
 * another checkout), with BASE's n=1000 stages in the same process: name → mean ms.
 */
async function denoBench(ctx: Ctx, root: string): Promise<Map<string, number>> {
  const { here: HERE, base: BASE } = ctx;
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

export async function inProcess(ctx: Ctx): Promise<void> {
  const { root: ROOT, base: BASE, results } = ctx;
  say();
  say("## In-process (deno bench, mean per iteration)");
  say();
  const all = await denoBench(ctx, ROOT);
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
