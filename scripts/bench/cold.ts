/**
 * Section `cold` of scripts/bench.ts: bench/cold.ts in fresh processes, the render pipeline stage
 * by stage, to show where the whole-process time goes.
 *
 * @module
 */
import { type Ctx, DENO, say } from "./context.ts";
import { median, ms, ratio, rmrf } from "./measure.ts";

/** bench/cold.ts in fresh processes: the render pipeline stage by stage, cold. */
export async function coldStages(ctx: Ctx, codexPath: string): Promise<void> {
  const { runs: RUNS, root: ROOT, base: BASE, here: HERE, tmp, shm, results } = ctx;
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
