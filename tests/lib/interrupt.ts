/**
 * What the crash, full-disk and concurrency tests share (interrupt_test.ts,
 * interrupt_disk_test.ts, interrupt_concurrency_test.ts): two Codexes between which Runes are added,
 * changed and removed; a sandbox (`World`) with a wrapped `systemctl` that logs begin/end and can be
 * slowed; reading and comparing the states of the unit dirs.
 *
 * @module
 */
import { join } from "node:path";
import { FAKE_BIN, ROOT } from "./cli.ts";
import { TEMP_PREFIX } from "../../src/host/real.ts";
import { JOURNAL_FILE, LOCK_FILE, MANIFEST_FILE, parseManifest, sha256 } from "../../src/bind/manifest.ts";

// ---- two Codexes: between them Runes are added, changed and removed ----

export function codexA(): string {
  const out = [
    "version = 1",
    "",
    "[sepulcher]",
    'podman_version = "5.4"',
    "",
    "[vessel]",
    'image = "docker.io/library/nginx:1.27"',
    'volumes = ["data:/data"]',
    "",
    "[phylactery]",
    'image = "docker.io/library/postgres:16"',
  ];
  for (let i = 1; i <= 12; i++) {
    out.push("", `[services.s${i}]`, 'image = "docker.io/library/alpine:3.20"', 'command = ["sleep", "1d"]');
  }
  return out.join("\n") + "\n";
}

export function codexB(): string {
  const out = [
    "version = 1",
    "",
    "[sepulcher]",
    'podman_version = "5.4"',
    "",
    "[vessel]",
    'image = "docker.io/library/nginx:1.28"',
    'volumes = ["cache:/cache"]',
    'description = "the vessel, changed"',
  ];
  for (let i = 5; i <= 16; i++) {
    const cmd = i === 8 ? '["sleep", "2d"]' : '["sleep", "1d"]';
    out.push("", `[services.s${i}]`, 'image = "docker.io/library/alpine:3.20"', `command = ${cmd}`);
  }
  return out.join("\n") + "\n";
}

// ---- a sandbox with a wrapped systemctl that logs begin/end and can be slowed ----

/**
 * `systemctl` wrapper: logs `begin|end VERB PID NANOS` to `$LYCHD_TX_LOG`; on `daemon-reload`
 * sleeps `$LYCHD_RELOAD_SLEEP` seconds and copies the unit dirs to `$LYCHD_SNAP_DIR/<nanos>/`
 * (taken inside the lock: the state a reload sees); then runs the fake.
 */
const WRAPPER = `#!/bin/sh
verb=""
for a in "$@"; do case "$a" in -*) ;; *) verb="$a"; break ;; esac; done
[ -n "$LYCHD_TX_LOG" ] && echo "begin $verb $$ $(date +%s%N)" >>"$LYCHD_TX_LOG"
# Proof that lychd holds its lock around the call: taking it must fail (flock(1), if present).
if [ -n "$LYCHD_CHECK_LOCK" ] && command -v flock >/dev/null; then
  flock -n "$LYCHD_SNAP_UNIT/.lychd.lock" true && echo "unlocked $verb $$" >>"$LYCHD_TX_LOG"
fi
if [ "$verb" = daemon-reload ]; then
  [ -n "$LYCHD_RELOAD_SLEEP" ] && sleep "$LYCHD_RELOAD_SLEEP"
  if [ -n "$LYCHD_SNAP_DIR" ]; then
    snap="$LYCHD_SNAP_DIR/$(date +%s%N)-$$"
    mkdir -p "$snap/u" "$snap/s"
    cp -p "$LYCHD_SNAP_UNIT"/* "$LYCHD_SNAP_UNIT"/.lychd-manifest.json "$snap/u/" 2>/dev/null
    cp -p "$LYCHD_SNAP_SYSTEMD"/* "$snap/s/" 2>/dev/null
  fi
fi
"${FAKE_BIN}/systemctl" "$@"
code=$?
[ -n "$LYCHD_TX_LOG" ] && echo "end $verb $$ $(date +%s%N)" >>"$LYCHD_TX_LOG"
exit $code
`;

export interface World {
  dir: string;
  codex: string;
  codexA: string;
  codexB: string;
  unitDir: string;
  systemdDir: string;
  txLog: string;
  env: Record<string, string>;
}

export async function world(): Promise<World> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "lychd-interrupt-" }));
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  await Deno.mkdir(join(dir, "cfg"));
  await Deno.mkdir(join(dir, "cdi"));
  await Deno.writeTextFile(join(bin, "systemctl"), WRAPPER, { mode: 0o755 });
  const w: World = {
    dir,
    codex: join(dir, "cfg", "codex.toml"),
    codexA: join(dir, "cfg", "a.toml"),
    codexB: join(dir, "cfg", "b.toml"),
    unitDir: join(dir, "units"),
    systemdDir: join(dir, "sd"),
    txLog: join(dir, "tx.log"),
    env: {
      PATH: `${bin}:${FAKE_BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      HOME: join(dir, "home"),
      XDG_CONFIG_HOME: join(dir, "home", ".config"),
      LYCHD_FAKE_LOG: join(dir, "fake.log"),
      LYCHD_TX_LOG: join(dir, "tx.log"),
      LYCHD_SNAP_UNIT: join(dir, "units"),
      LYCHD_SNAP_SYSTEMD: join(dir, "sd"),
      NO_COLOR: "1",
      DENO_DIR: Deno.env.get("DENO_DIR") ??
        `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/root"}/.cache`}/deno`,
      DENO_NO_UPDATE_CHECK: "1",
    },
  };
  await Deno.writeTextFile(w.codexA, codexA());
  await Deno.writeTextFile(w.codexB, codexB());
  return w;
}

export function lychdCommand(w: World, args: string[], extraEnv: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "main.ts",
      ...args,
      "--unit-dir",
      w.unitDir,
      "--systemd-dir",
      w.systemdDir,
      "--cdi-dir",
      join(w.dir, "cdi"),
    ],
    cwd: ROOT,
    env: { ...w.env, ...extraEnv },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

export async function lychd(w: World, args: string[], extraEnv: Record<string, string> = {}) {
  const out = await lychdCommand(w, args, extraEnv).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// ---- states ----

/** The files of both dirs (`u/NAME`, `s/NAME`), lock file and temp files left out. */
type State = Map<string, string>;

export async function readState(
  unitDir: string,
  systemdDir: string,
): Promise<{ state: State; temps: number }> {
  const state: State = new Map();
  let temps = 0;
  for (const [tag, dir] of [["u", unitDir], ["s", systemdDir]]) {
    let names: string[] = [];
    try {
      names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    } catch { /* missing dir: no files */ }
    for (const name of names.sort()) {
      if (name === LOCK_FILE) continue;
      if (name.startsWith(TEMP_PREFIX)) {
        temps++;
        continue;
      }
      state.set(`${tag}/${name}`, await Deno.readTextFile(join(dir, name)));
    }
  }
  return { state, temps };
}

export function sameState(a: State, b: State): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** `state` with the unit dirs' paths (in the manifest) replaced, to compare binds into other dirs. */
export function normalized(state: State, from: { unitDir: string; systemdDir: string }): State {
  return new Map(
    [...state].map(([k, v]) => [k, v.replaceAll(from.unitDir, "U").replaceAll(from.systemdDir, "S")]),
  );
}

/** Why `state` is not a complete bound set (manifest hashes = files, nothing else), or undefined. */
export function incomplete(state: State, unitDir: string, systemdDir: string): string | undefined {
  const text = state.get(`u/${MANIFEST_FILE}`);
  if (text === undefined) return "no manifest";
  if (state.has(`u/${JOURNAL_FILE}`)) return "a journal is present";
  const manifest = parseManifest(text, MANIFEST_FILE);
  const want = new Set<string>([`u/${MANIFEST_FILE}`]);
  for (const [path, hash] of Object.entries(manifest.files)) {
    const tag = path.startsWith(unitDir + "/") ? "u" : path.startsWith(systemdDir + "/") ? "s" : undefined;
    if (!tag) return `manifest lists ${path} outside the dirs`;
    const key = `${tag}/${path.slice(path.lastIndexOf("/") + 1)}`;
    want.add(key);
    const body = state.get(key);
    if (body === undefined) return `${key} is missing`;
    if (sha256(body) !== hash) return `${key} does not match its manifest hash`;
  }
  for (const key of state.keys()) if (!want.has(key)) return `${key} is not in the manifest`;
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Removes a directory that a killed process's last child may still be writing into. */
export async function removeSettled(dir: string): Promise<void> {
  for (let i = 0;; i++) {
    try {
      return await Deno.remove(dir, { recursive: true });
    } catch (e) {
      if (i === 20) throw e;
      await sleep(100);
    }
  }
}
