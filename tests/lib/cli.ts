/**
 * Helpers for the CLI tests: running lychd in-process against `fakeHost()` (the bad-input
 * corpus) and spawning the real entry point with the fake host tools on PATH (tests/cli_test.ts).
 *
 * @module
 */
import { type FakeHost, fakeHost } from "../../src/host/_fake.ts";
import { run } from "../../src/cli/run.ts";

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
/** The bad-input corpus directory. */
export const BAD_DIR = `${ROOT}/tests/bad`;
/** The fake systemctl/podman/journalctl/loginctl. */
export const FAKE_BIN = `${ROOT}/tests/fakes/bin`;
/** The NVIDIA CDI spec fixture (two GPUs, GPU 0 in MIG mode). */
export const NVIDIA_SPEC = `${ROOT}/tests/fixtures/cdi/nvidia.yaml`;

/** Fixed locations inside the fake host. */
export const FAKE_HOME = "/home/u";
export const FAKE_UNIT_DIR = `${FAKE_HOME}/.config/containers/systemd`;
export const FAKE_SYSTEMD_DIR = `${FAKE_HOME}/.config/systemd/user`;

/** One corpus file: its expectations (`# expect:` lines) and where its Codex sits. */
export interface BadCase {
  name: string;
  /** The real file. */
  file: string;
  text: string;
  /** Every leading `# expect: …` substring (the first line is always one). */
  expects: string[];
  /** Where the Codex is put in the fake fs: `# codex-at: PATH`, else the real path. */
  codexAt: string;
}

/** Parse the header of a corpus file; throws when the first line is not `# expect: …`. */
export function parseBadCase(file: string, text: string): BadCase {
  const lines = text.split("\n");
  const expects: string[] = [];
  let codexAt = file;
  for (const line of lines) {
    const e = /^# expect: (.+)$/.exec(line);
    const c = /^# codex-at: (\/\S+)$/.exec(line);
    if (e) expects.push(e[1]);
    else if (c) codexAt = c[1];
    else break;
  }
  if (!/^# expect: ./.test(lines[0])) throw new Error(`${file}: the first line is not "# expect: …"`);
  return { name: file.slice(file.lastIndexOf("/") + 1), file, text, expects, codexAt };
}

/** Every corpus file, sorted by name. */
export async function badCases(): Promise<BadCase[]> {
  const out: BadCase[] = [];
  for await (const e of Deno.readDir(BAD_DIR)) {
    if (!e.isFile || !e.name.endsWith(".toml")) continue;
    const file = `${BAD_DIR}/${e.name}`;
    out.push(parseBadCase(file, await Deno.readTextFile(file)));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A real temp directory holding a copy of the NVIDIA CDI spec fixture. */
export async function cdiFixtureDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lychd-cdi-" });
  await Deno.copyFile(NVIDIA_SPEC, `${dir}/nvidia.yaml`);
  return dir;
}

/** A fake host with HOME, the Codex at `codexAt` and the CDI spec of `cdiDir` (same paths). */
export async function hostFor(codexAt: string, text: string, cdiDir: string): Promise<FakeHost> {
  const host = fakeHost({
    env: { HOME: FAKE_HOME, PATH: "/usr/bin:/bin", USER: "u" },
    cwd: FAKE_HOME,
  });
  host.fs.put(codexAt, text);
  host.fs.put(`${cdiDir}/nvidia.yaml`, await Deno.readTextFile(`${cdiDir}/nvidia.yaml`));
  host.runner.handler = (cmd, args) =>
    cmd === "podman" && args[0] === "--version" ? { stdout: "podman version 5.4.2\n" } : undefined;
  return host;
}

/** The argv of an in-process run against the fixed fake directories. */
export function argvFor(verb: string, codex: string, cdiDir: string, extra: string[] = []): string[] {
  return [
    verb,
    "--codex",
    codex,
    "--unit-dir",
    FAKE_UNIT_DIR,
    "--systemd-dir",
    FAKE_SYSTEMD_DIR,
    "--cdi-dir",
    cdiDir,
    ...extra,
  ];
}

/** Run lychd in-process; returns the exit code and the captured output. */
export async function runInProcess(
  host: FakeHost,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const o0 = host.stdout.text.length;
  const e0 = host.stderr.text.length;
  const code = await run(argv, host);
  return { code, stdout: host.stdout.text.slice(o0), stderr: host.stderr.text.slice(e0) };
}

/** What a spawned lychd left behind. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A sandbox for spawning lychd: a temp HOME, a fake-tool log, an env. */
export interface Sandbox {
  dir: string;
  home: string;
  config: string;
  unitDir: string;
  systemdDir: string;
  codex: string;
  log: string;
  env: Record<string, string>;
  /** Run `deno run -A main.ts …args` with the sandbox env (plus `extraEnv`). */
  lychd(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  /** The fake tools' calls so far, one `cmd arg arg…` string each (tabs turned into spaces). */
  calls(): Promise<string[]>;
  /** Forget the calls so far. */
  clearCalls(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Create a sandbox: `$HOME` and `$XDG_CONFIG_HOME` under a fresh temp dir, fake tools first on PATH. */
export async function sandbox(): Promise<Sandbox> {
  const dir = await Deno.makeTempDir({ prefix: "lychd-cli-" });
  const home = `${dir}/home`;
  const config = `${home}/.config`;
  await Deno.mkdir(config, { recursive: true });
  const log = `${dir}/fake.log`;
  await Deno.writeTextFile(log, "");
  const env: Record<string, string> = {
    PATH: `${FAKE_BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    HOME: home,
    XDG_CONFIG_HOME: config,
    LYCHD_FAKE_LOG: log,
    NO_COLOR: "1",
    // The child's HOME is the sandbox: point it at the module cache this process uses.
    DENO_DIR: Deno.env.get("DENO_DIR") ??
      `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/root"}/.cache`}/deno`,
    DENO_NO_UPDATE_CHECK: "1",
  };
  const sb: Sandbox = {
    dir,
    home,
    config,
    unitDir: `${config}/containers/systemd`,
    systemdDir: `${config}/systemd/user`,
    codex: `${config}/lychd/codex.toml`,
    log,
    env,
    async lychd(args, extraEnv = {}) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", "main.ts", ...args],
        cwd: ROOT,
        env: { ...env, ...extraEnv },
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
    async calls() {
      const text = await Deno.readTextFile(log);
      return text.split("\n").filter(Boolean).map((l) => l.replaceAll("\t", " "));
    },
    clearCalls: () => Deno.writeTextFile(log, ""),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
  return sb;
}

/** Lines of a text, without the trailing empty one. */
export function linesOf(text: string): string[] {
  return text.split("\n").filter((l, i, a) => !(l === "" && i === a.length - 1));
}
