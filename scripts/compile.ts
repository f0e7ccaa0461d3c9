/**
 * `deno task compile [--out DIR] [TARGET…]`: build the single binary for each target with
 * exactly the permission set of src/permissions.ts, smoke-test the one that runs here, and write
 * a `.sha256` beside each binary plus `SHA256SUMS`.
 *
 * `deno compile` appends the program to `denort`, a slim Deno runtime it downloads from
 * dl.deno.land into `$DENO_DIR/dl/release/v<deno version>/denort-<target>.zip` the first time.
 * Without that server, provide the runtime yourself:
 * - `DENORT_BIN=/path/to/denort` for the target of this machine, `DENORT_BIN_<TARGET>` (e.g.
 *   `DENORT_BIN_AARCH64_UNKNOWN_LINUX_GNU`) for any target. Deno itself would use `DENORT_BIN`
 *   for every `--target`, silently building a binary of the wrong architecture: this script
 *   passes it to the one target it belongs to.
 * - or a warm `DENO_DIR` holding the zip (copy `$DENO_DIR/dl` from a machine that compiled once).
 * When neither works the task fails with one line saying so. Nothing is embedded with
 * `--include`: the default Codex, the JSON Schema and the version are modules.
 *
 * @module
 */
import { compileFlags } from "../src/permissions.ts";
import { V8_FLAGS } from "./v8_flags.ts";
import { versionLine } from "../src/version.ts";

/** The targets built by default. */
export const TARGETS = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] as const;

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.execPath();

/** A failure of the task: one line, exit 1. */
class CompileError extends Error {}

/** The variable that names a runtime for `target`, e.g. `DENORT_BIN_AARCH64_UNKNOWN_LINUX_GNU`. */
export function denortVar(target: string): string {
  return `DENORT_BIN_${target.toUpperCase().replaceAll("-", "_")}`;
}

/** Where Deno caches the runtime zip for `target`. */
export function cachedZip(denoDir: string, target: string): string {
  return `${denoDir}/dl/release/v${Deno.version.deno}/denort-${target}.zip`;
}

/** How to provide the runtime, for the failure line. */
function howTo(target: string, denoDir: string): string {
  const own = target === Deno.build.target ? `DENORT_BIN=/path/to/denort or ` : "";
  return `provide it with ${own}${
    denortVar(target)
  }=/path/to/denort (denort ${Deno.version.deno}, ${target}), ` +
    `or put ${cachedZip(denoDir, target)} in place (a DENO_DIR warmed on a machine with internet)`;
}

async function output(cmd: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(cmd, { args, env, stdin: "null", stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function denoDir(): Promise<string> {
  const res = await output(DENO, ["info", "--json"]);
  try {
    return JSON.parse(res.stdout).denoDir;
  } catch {
    throw new CompileError(`\`deno info --json\` failed: ${res.stderr.trim().split("\n")[0]}`);
  }
}

/** The runtime for `target`: a file from the environment, or `undefined` (cache or download). */
async function runtimeOf(target: string): Promise<{ path: string; from: string } | undefined> {
  const own = Deno.env.get(denortVar(target));
  const generic = target === Deno.build.target ? Deno.env.get("DENORT_BIN") : undefined;
  const from = own ? denortVar(target) : generic ? "DENORT_BIN" : undefined;
  const path = own || generic;
  if (!path || !from) return undefined;
  if (!(await exists(path))) {
    throw new CompileError(
      `${from}=${path}: no such file; it must name the denort ${Deno.version.deno} runtime for ${target}`,
    );
  }
  if (target === Deno.build.target) {
    // The deno CLI is not a runtime: a binary built on it runs `deno` with lychd's arguments.
    const res = await output(path, ["--version"]).catch(() => undefined);
    if (res?.code === 0 && /^deno \d/.test(res.stdout)) {
      throw new CompileError(
        `${from}=${path} is the deno CLI, not denort (the runtime deno compile embeds); ` +
          `denort-${target}.zip comes from the Deno release page`,
      );
    }
  }
  return { path, from };
}

/** The one line for a failed `deno compile`. */
export function explainFailure(stderr: string, target: string, dir: string): string {
  // deno colours its output even into a pipe when asked to; strip the escapes.
  // deno-lint-ignore no-control-regex
  const text = stderr.replace(/\x1b\[[0-9;]*m/g, "");
  const sending = /error sending request for url \((\S+?)\):?\s*([^\n]*)/.exec(text);
  if (/Setting up base binary|dl\.deno\.land|denort/i.test(text)) {
    const cause = sending?.[2].replace(/^client error \(\w+\):\s*/, "").trim();
    const why = sending ? `download of ${sending[1]} failed (${cause || "no connection"})` : "not found";
    return `the denort runtime for ${target} is missing: ${why}; ${howTo(target, dir)}`;
  }
  if (/lockfile is out of date|--frozen/i.test(text)) {
    return "deno.lock does not match deno.json (the build uses a frozen lockfile): update it with `deno install --frozen=false` and commit it";
  }
  const first = text.split("\n").map((l) => l.trim()).find((l) => /^error:/.test(l)) ??
    text.trim().split("\n")[0] ?? "";
  return `deno compile for ${target} failed: ${first.replace(/^error:\s*/, "")}`;
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Build one target; returns the binary's path. */
async function build(target: string, outDir: string, dir: string): Promise<string> {
  const runtime = await runtimeOf(target);
  const out = `${outDir}/lychd-${target}`;
  const args = [
    "compile",
    "--frozen",
    "--quiet",
    "--target",
    target,
    ...compileFlags(),
    V8_FLAGS,
    "--output",
    out,
    `${ROOT}/main.ts`,
  ];
  // Deno reads DENORT_BIN for every target: the child gets it only for this target's runtime.
  const env = Deno.env.toObject();
  delete env.DENORT_BIN;
  if (runtime) env.DENORT_BIN = runtime.path;
  env.NO_COLOR = "1";
  const res = await new Deno.Command(DENO, {
    args,
    env,
    clearEnv: true,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (res.code !== 0) {
    throw new CompileError(explainFailure(new TextDecoder().decode(res.stderr), target, dir));
  }
  if (target === Deno.build.target) {
    const v = await output(out, ["--version"]).catch((e) => ({ code: -1, stdout: "", stderr: String(e) }));
    if (v.stdout.trim() !== versionLine({ deno: Deno.version.deno, target })) {
      await Deno.remove(out).catch(() => {});
      const got = (v.stdout || v.stderr).trim().split("\n")[0];
      throw new CompileError(
        `the binary for ${target} does not run (\`--version\` printed ${JSON.stringify(got)}); ` +
          `${
            runtime
              ? `${runtime.from} must name denort ${Deno.version.deno}`
              : "the cached denort may be damaged"
          }`,
      );
    }
    const p = await output(out, ["permissions", "--json"]);
    if (p.code !== 0) {
      throw new CompileError(
        `the binary for ${target} does not hold exactly the compile set: ${p.stderr.trim()}`,
      );
    }
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  let outDir = `${ROOT}/dist`;
  const targets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") outDir = argv[++i];
    else if (argv[i].startsWith("--out=")) outDir = argv[i].slice(6);
    else if ((TARGETS as readonly string[]).includes(argv[i])) targets.push(argv[i]);
    else {
      console.error(
        `compile: unknown argument ${JSON.stringify(argv[i])} (targets: ${TARGETS.join(", ")}; --out DIR)`,
      );
      return 2;
    }
  }
  if (!outDir) {
    console.error("compile: --out needs a directory");
    return 2;
  }
  try {
    const dir = await denoDir();
    await Deno.mkdir(outDir, { recursive: true });
    const built: { name: string; sum: string; size: number }[] = [];
    for (const target of targets.length ? targets : TARGETS) {
      const path = await build(target, outDir, dir);
      const name = path.slice(path.lastIndexOf("/") + 1);
      const sum = await sha256(path);
      await Deno.writeTextFile(`${path}.sha256`, `${sum}  ${name}\n`);
      built.push({ name, sum, size: (await Deno.stat(path)).size });
    }
    await Deno.writeTextFile(`${outDir}/SHA256SUMS`, built.map((b) => `${b.sum}  ${b.name}\n`).join(""));
    for (const b of built) {
      console.log(`${outDir}/${b.name}  ${(b.size / 2 ** 20).toFixed(1)} MiB  sha256 ${b.sum}`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    console.error(`compile: ${e.message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
