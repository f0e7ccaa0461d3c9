/**
 * Section `render` of scripts/bench.ts: `lychd render` of a 1,000-service Codex as a whole
 * process, alternating run by run with its references (the Quadlet generator, `deno run` of an
 * empty file, `lychd --version`, a minimal Deno process doing the same atomic writes).
 *
 * @module
 */
import { type Ctx, DENO, lychd, N, say } from "./context.ts";
import {
  alternate,
  countFiles,
  medianOf,
  ms,
  quadletCommand,
  ratio,
  rmrf,
  type Spawn,
  total,
} from "./measure.ts";

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

export async function wholeProcess(ctx: Ctx, common: string[], env: Record<string, string>): Promise<void> {
  const { runs: RUNS, root: ROOT, base: BASE, tmp, shm, results } = ctx;
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

  const samples = await alternate(specs, RUNS);
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
