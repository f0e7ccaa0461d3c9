/**
 * Section `bind` of scripts/bench.ts: bind in-process on the real file system (temp dirs on disk;
 * `daemonReload` a no-op), cold against a minimal loop of the same atomic writes, no change
 * against reading + hashing the same files, with proof that it wrote nothing.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { createHash } from "node:crypto";
import { type Ctx, say } from "./context.ts";
import { median, ms, ratio, rmrf } from "./measure.ts";

export async function bindFigures(ctx: Ctx, codexPath: string): Promise<void> {
  const { runs: RUNS, root: ROOT, base: BASE, here: HERE, tmp, results } = ctx;
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
