/**
 * The measuring helpers of scripts/bench.ts: medians and their formatting, whole-process runs
 * timed with wall time, CPU time and peak RSS (`/usr/bin/time`, when installed), runs alternated
 * command by command, and the small file and process helpers the sections share.
 *
 * @module
 */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const ms = (x: number) =>
  Number.isNaN(x) ? "n/a" : (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + " ms";
export const ratio = (a: number, b: number) => (Number.isNaN(a / b) ? "n/a" : (a / b).toFixed(2));

export function text(cmd: string, argv: string[]): string {
  try {
    const o = new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "null" }).outputSync();
    return new TextDecoder().decode(o.stdout).trim();
  } catch {
    return "";
  }
}

export function rmrf(p: string): void {
  try {
    Deno.removeSync(p, { recursive: true });
  } catch { /* absent */ }
}

export function countFiles(dir: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) if (e.isFile) n++;
  return n;
}

export interface Spawn {
  cmd: string[];
  env?: Record<string, string>;
  /** Pipe stdout and read it to the end (as a shell pipe would), instead of /dev/null. */
  drain?: boolean;
  /** Run before each measured run, outside the timing (e.g. remove the output dir). */
  before?: () => void;
}

/** One run: wall time (ms, measured here); CPU time (ms, user + sys) and peak RSS (KiB). */
export interface Sample {
  wall: number;
  cpu?: number;
  rss?: number;
}

/** `/usr/bin/time`, if installed: CPU time and peak RSS of each run come from it. */
export const TIME = (() => {
  try {
    return Deno.statSync("/usr/bin/time").isFile ? "/usr/bin/time" : undefined;
  } catch {
    return undefined;
  }
})();
const MARK = "@@lychd-bench";

export async function timeSpawn(s: Spawn): Promise<Sample> {
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
export async function alternate(
  specs: Record<string, Spawn>,
  runs: number,
): Promise<Record<string, Sample[]>> {
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

export function medianOf(xs: Sample[] | undefined, k: keyof Sample): number {
  const v = (xs ?? []).map((x) => x[k]).filter((x): x is number => x !== undefined);
  return v.length ? median(v) : NaN;
}

/** The Quadlet generator (same search as tests/lib/quadlet.ts). */
export function quadletCommand(): string[] | undefined {
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

export function describe(root: string): string {
  const commit = text("git", ["-C", root, "rev-parse", "--short", "HEAD"]);
  if (!commit) return root;
  const dirty = text("git", ["-C", root, "status", "--porcelain", "--untracked-files=no", "src"]);
  return `${root} (${commit}${dirty ? " + uncommitted src/ changes" : ""})`;
}

export function total(dir: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) if (e.isFile) n += Deno.statSync(`${dir}/${e.name}`).size;
  return n;
}

/**
 * The installed `lychd` of checkout `root` (`deno task install --root dir`): the words after `deno`
 * of its shim's `exec` line (its config, node_modules mode, V8 flags, lazily loaded verbs and the
 * code it runs), with its permission flags replaced by `-A`: benches write on /dev/shm, which Deno
 * allows only with `--allow-all`, and the flags themselves measured no cost. Throws when the install
 * fails.
 */
export function installedArgv(root: string, dir: string): string[] {
  const o = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/scripts/install.ts`, "--root", dir],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).outputSync();
  if (!o.success) {
    throw new Error(`deno task install failed: ${new TextDecoder().decode(o.stderr).split("\n")[0]}`);
  }
  const line = Deno.readTextFileSync(`${dir}/bin/lychd`).split("\n").find((l) => l.startsWith("exec "))!;
  const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2]);
  const permission = (w: string) => /^--(allow|deny|ignore)-|^--no-prompt$/.test(w);
  return ["run", "-A", ...words.slice(3, -1).filter((w) => !permission(w))];
}

/**
 * The headline's input in `dir`: `codex.toml` with `text`, `cdi/` holding the CDI fixture when `cdi`;
 * returns the render flags that name them (`--podman-version 5.4 --quiet`, as every row renders).
 */
export function benchInput(dir: string, text: string, cdi: boolean): string[] {
  Deno.mkdirSync(`${dir}/cdi`, { recursive: true });
  if (cdi) {
    Deno.copyFileSync(
      new URL("../../tests/fixtures/cdi/nvidia.yaml", import.meta.url),
      `${dir}/cdi/nvidia.yaml`,
    );
  }
  Deno.writeTextFileSync(`${dir}/codex.toml`, text);
  return ["--codex", `${dir}/codex.toml`, "--cdi-dir", `${dir}/cdi`, "--podman-version", "5.4", "--quiet"];
}
