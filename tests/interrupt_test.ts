/**
 * Crashes, a full disk and concurrency, measured against the real entry point.
 *
 * - **SIGKILL at random moments.** `lychd bind` runs as a real process (`deno run -A main.ts`,
 *   fake `systemctl`/`podman` first on PATH) switching one target between Codex A and Codex B
 *   (Runes added, changed and removed in both Quadlet and systemd dirs) and is killed after a
 *   random delay tuned to land inside the transaction. After each kill the raw state is recorded
 *   (consistent already? journal present = killed mid-transaction?), then RECOVERY is the
 *   test-only `recover()` (src/bind/_testing.ts) in-process (what the next `bind`/`unbind`/`reconcile` does first under
 *   the lock: roll the journal forward, reload, delete it). The unit dirs must then hold exactly
 *   the complete old set or the complete new set, byte for byte, with a manifest whose hashes match
 *   the files — and the new set whenever a journal was left. The next trial's bind starts from
 *   there. `.lychd-tmp-*` files a kill leaves mid-write are counted (Quadlet ignores them).
 * - **Recovery through the CLI:** a bind killed while systemd reloads leaves its journal; the next
 *   `lychd bind` rolls it forward and says so.
 * - **Full disk** through `run()` in-process (fakeHost `failWrites`): each single failing write of
 *   a bind → exit 1, one line, the previous Runes restored; a disk that stays full → exit 1, one
 *   line, and the next bind after space is freed finishes the change.
 * - **Concurrency:** eight `lychd bind` processes at once end like one (one reload); `lychd
 *   reconcile --every 1s` beside repeated binds of alternating Codexes never overlaps a transaction
 *   (the wrapped `systemctl` logs begin/end of each call: inside the lock they must not interleave)
 *   and every state seen at a reload (taken inside the lock) is a complete set.
 *
 * `LYCHD_KILL_TRIALS` changes the number of kill trials (default 200).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FAKE_BIN, FAKE_HOME, FAKE_SYSTEMD_DIR, FAKE_UNIT_DIR, ROOT, runInProcess } from "./lib/cli.ts";
import { fakeHost } from "../src/host/_fake.ts";
import { realHost, TEMP_PREFIX } from "../src/host/real.ts";
import { recover } from "../src/bind/_testing.ts";
import { JOURNAL_FILE, LOCK_FILE, MANIFEST_FILE, parseManifest, sha256 } from "../src/bind/manifest.ts";

const TRIALS = Number(Deno.env.get("LYCHD_KILL_TRIALS") ?? 200);
const WORKERS = 2;

// ---- two Codexes: between them Runes are added, changed and removed ----

function codexA(): string {
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

function codexB(): string {
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

interface World {
  dir: string;
  codex: string;
  codexA: string;
  codexB: string;
  unitDir: string;
  systemdDir: string;
  txLog: string;
  env: Record<string, string>;
}

async function world(): Promise<World> {
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

function lychdCommand(w: World, args: string[], extraEnv: Record<string, string> = {}): Deno.Command {
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

async function lychd(w: World, args: string[], extraEnv: Record<string, string> = {}) {
  const out = await lychdCommand(w, args, extraEnv).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// ---- states ----

/** The files of both dirs (`u/NAME`, `s/NAME`), lock file and temp files left out. */
type State = Map<string, string>;

async function readState(unitDir: string, systemdDir: string): Promise<{ state: State; temps: number }> {
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

function sameState(a: State, b: State): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** `state` with the unit dirs' paths (in the manifest) replaced, to compare binds into other dirs. */
function normalized(state: State, from: { unitDir: string; systemdDir: string }): State {
  return new Map(
    [...state].map(([k, v]) => [k, v.replaceAll(from.unitDir, "U").replaceAll(from.systemdDir, "S")]),
  );
}

/** Why `state` is not a complete bound set (manifest hashes = files, nothing else), or undefined. */
function incomplete(state: State, unitDir: string, systemdDir: string): string | undefined {
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

// ---- kill trials ----

interface KillStats {
  trials: number;
  midTransaction: number;
  rawOld: number;
  rawNew: number;
  afterOld: number;
  afterNew: number;
  completed: number;
  tempFiles: number;
  failures: string[];
  delays: number[];
  timing: { begin: number; end: number; total: number }[];
  /** Trials whose delay counted from the transaction's first step, and how many left a journal. */
  aimed: number;
  aimedMid: number;
  /** Temp files left after a final uninterrupted bind (which sweeps them): 0. */
  tempsAtEnd: number;
}

/**
 * A `lychd bind --codex /dev/stdin` started ahead of time: it loads, then waits for its Codex on
 * stdin, so the kill delay counts from the moment the bind can begin (not from process start,
 * whose cost varies far more than a transaction lasts), and the next process starts while the
 * current trial is judged. `/dev/stdin` is the Codex path of every run: same bytes every time.
 */
function spawnBind(w: World): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "main.ts",
      "bind",
      "--quiet",
      "--codex",
      "/dev/stdin",
      "--unit-dir",
      w.unitDir,
      "--systemd-dir",
      w.systemdDir,
      "--cdi-dir",
      join(w.dir, "cdi"),
    ],
    cwd: ROOT,
    env: w.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/**
 * Hand `child` its Codex; SIGKILL it once `killAfter` resolves (unless it ends first; `killAfter`
 * gets a signal that aborts when it does).
 */
async function triggered(
  child: Deno.ChildProcess,
  text: string,
  killAfter?: (done: AbortSignal) => Promise<void>,
) {
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const t0 = performance.now();
  const done = new AbortController();
  killAfter?.(done.signal).then(() => {
    if (done.signal.aborted) return;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  });
  const [status, err] = await Promise.all([child.status, new Response(child.stderr).text()]);
  done.abort();
  return { exited: status.signal === null, code: status.code, stderr: err, t0, ms: performance.now() - t0 };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves `ms` after the wrapped systemctl logs `begin stop` (the transaction's first step). */
function afterStop(w: World, ms: number) {
  return async (done: AbortSignal) => {
    while (!done.aborted && !(await Deno.readTextFile(w.txLog)).includes("begin stop")) await sleep(1);
    await sleep(ms);
  };
}

async function runKillTrials(w: World, trials: number, stats: KillStats): Promise<void> {
  const texts = { A: codexA(), B: codexB() };
  let next = spawnBind(w);
  const run = async (target: "A" | "B", killAfter?: (done: AbortSignal) => Promise<void>) => {
    const child = next;
    await Deno.writeTextFile(w.txLog, "");
    const wait = triggered(child, texts[target], killAfter);
    next = spawnBind(w); // loads while this one runs
    return await wait;
  };
  try {
    // The complete sets, bound without interruption, and how long a bind takes once it has its
    // Codex: from then to the first systemctl call (the transaction begins) and to the end.
    const full = async (target: "A" | "B") => {
      const r = await run(target);
      assert.equal(r.code, 0, r.stderr);
      return await measured(r);
    };
    /** Where the systemctl calls of a finished run fell, from its Codex's arrival. */
    const measured = async (r: { t0: number; ms: number }) => {
      const t0 = performance.timeOrigin + r.t0;
      const stamps = (await Deno.readTextFile(w.txLog)).trim().split("\n").filter(Boolean).map((l) =>
        Number(BigInt(l.split(" ")[3]) / 1_000_000n) - t0
      );
      return { begin: Math.min(...stamps), end: Math.max(...stamps), total: r.ms };
    };
    await full("A");
    const setA = (await readState(w.unitDir, w.systemdDir)).state;
    await full("B");
    const setB = (await readState(w.unitDir, w.systemdDir)).state;
    assert.ok(!sameState(setA, setB));
    assert.equal(incomplete(setA, w.unitDir, w.systemdDir), undefined);
    const timing = [await full("A"), await full("B"), await full("A"), await full("B"), await full("A")];
    stats.timing.push(...timing);
    // Three kills in four aim at the transaction: a random delay after its first step (the stop of
    // removed units), up to a little past its median calibrated length. The fourth lands anywhere
    // from the Codex's arrival to a little past the median bind.
    // The windows follow the machine: medians of the last nine uninterrupted runs.
    const recent = [...timing];
    const median = (f: (t: (typeof timing)[number]) => number) =>
      recent.slice(-9).map(f).sort((a, b) => a - b)[Math.floor(Math.min(recent.length, 9) / 2)];
    let current: "A" | "B" = "A";
    let tempsBefore = 0;
    for (let i = 0; i < trials; i++) {
      const target: "A" | "B" = current === "A" ? "B" : "A";
      const inTxn = i % 4 !== 3;
      const delay = Math.random() * 1.3 * (inTxn ? median((t) => t.end - t.begin) : median((t) => t.total));
      stats.delays.push(delay);
      if (inTxn) stats.aimed++;
      const { exited, code, t0, ms } = await run(
        target,
        inTxn ? afterStop(w, delay) : () => sleep(delay),
      );
      stats.trials++;
      if (exited) {
        stats.completed++;
        if (code === 0) recent.push(await measured({ t0, ms }));
      }
      const raw = await readState(w.unitDir, w.systemdDir);
      stats.tempFiles += Math.max(0, raw.temps - tempsBefore);
      const journal = raw.state.has(`u/${JOURNAL_FILE}`);
      if (journal) stats.midTransaction++;
      if (journal && inTxn) stats.aimedMid++;
      const old = current === "A" ? setA : setB;
      const neu = target === "A" ? setA : setB;
      if (sameState(raw.state, old)) stats.rawOld++;
      else if (sameState(raw.state, neu)) stats.rawNew++;
      else if (!journal) {
        stats.failures.push(`trial ${i} (delay ${delay.toFixed(0)} ms): no journal, yet neither set`);
      }
      // Recovery: what the next bind/unbind/reconcile does first, under the lock.
      await recover(realHost(), { manifestDir: w.unitDir, daemonReload: () => Promise.resolve() });
      const after = await readState(w.unitDir, w.systemdDir);
      const why = incomplete(after.state, w.unitDir, w.systemdDir);
      if (why) stats.failures.push(`trial ${i} (delay ${delay.toFixed(0)} ms): after recovery ${why}`);
      if (sameState(after.state, neu)) {
        stats.afterNew++;
        current = target;
      } else if (sameState(after.state, old)) {
        stats.afterOld++;
        if (journal) {
          stats.failures.push(`trial ${i}: a journal was left, yet recovery did not reach the new set`);
        }
      } else stats.failures.push(`trial ${i} (delay ${delay.toFixed(0)} ms): after recovery neither set`);
      tempsBefore = after.temps;
    }
    // A kill mid-write leaves a temp file (Quadlet ignores it); the next bind sweeps them.
    const last = await run(current === "A" ? "B" : "A");
    assert.equal(last.code, 0, last.stderr);
    stats.tempsAtEnd += (await readState(w.unitDir, w.systemdDir)).temps;
  } finally {
    next.kill("SIGKILL");
    await Promise.all([next.status, next.stderr.cancel()]);
  }
}

Deno.test({
  name: `SIGKILL at random moments of a bind: the unit dirs end in the old or the new set (${TRIALS} kills)`,
  sanitizeResources: false,
  async fn() {
    const t0 = performance.now();
    const stats: KillStats = {
      trials: 0,
      midTransaction: 0,
      rawOld: 0,
      rawNew: 0,
      afterOld: 0,
      afterNew: 0,
      completed: 0,
      tempFiles: 0,
      failures: [],
      delays: [],
      timing: [],
      aimed: 0,
      aimedMid: 0,
      tempsAtEnd: 0,
    };
    const worlds = await Promise.all(Array.from({ length: WORKERS }, () => world()));
    try {
      await Promise.all(worlds.map((w, i) => {
        const n = Math.floor(TRIALS / WORKERS) + (i < TRIALS % WORKERS ? 1 : 0);
        return runKillTrials(w, n, stats);
      }));
    } finally {
      for (const w of worlds) await Deno.remove(w.dir, { recursive: true });
    }
    const pct = (n: number) => `${((100 * n) / stats.trials).toFixed(0)}%`;
    const d = stats.delays.sort((a, b) => a - b);
    const span = (f: (t: { begin: number; end: number; total: number }) => number) =>
      `${Math.min(...stats.timing.map(f)).toFixed(0)}–${Math.max(...stats.timing.map(f)).toFixed(0)}`;
    console.log(
      `uninterrupted binds from Codex to exit ${span((t) => t.total)} ms, systemctl calls at ` +
        `${span((t) => t.begin)}…${span((t) => t.end)} ms`,
    );
    console.log(
      `kill trials: ${stats.trials} (delays ${d[0].toFixed(0)}–${d[d.length - 1].toFixed(0)} ms); ` +
        `mid-transaction (journal left) ${stats.midTransaction} = ${pct(stats.midTransaction)} ` +
        `(${stats.aimedMid} of ${stats.aimed} aimed at the transaction); ` +
        `raw state already consistent ${stats.rawOld + stats.rawNew} = ${pct(stats.rawOld + stats.rawNew)} ` +
        `(old ${stats.rawOld}, new ${stats.rawNew}); finished before the kill ${stats.completed}; ` +
        `after recover(): old ${stats.afterOld}, new ${stats.afterNew}; ` +
        `temp files left by kills ${stats.tempFiles} (after a final bind ${stats.tempsAtEnd}); ` +
        `failures ${stats.failures.length}; ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    assert.deepEqual(stats.failures, []);
    assert.equal(stats.trials, TRIALS);
    assert.equal(stats.tempsAtEnd, 0, "a bind did not sweep the temp files of killed binds");
    assert.equal(stats.rawOld + stats.rawNew + stats.midTransaction, stats.trials);
  },
});

Deno.test("a bind killed while systemd reloads leaves its journal; the next lychd bind finishes it", async () => {
  const w = await world();
  try {
    assert.equal((await lychd(w, ["bind", "--quiet", "--codex", w.codexA])).code, 0);
    const setA = (await readState(w.unitDir, w.systemdDir)).state;
    await Deno.writeTextFile(w.txLog, "");
    // The reload hangs; kill the bind once it is inside it (all files written, journal present).
    const child = lychdCommand(w, ["bind", "--codex", w.codexB], { LYCHD_RELOAD_SLEEP: "5" }).spawn();
    const deadline = Date.now() + 30_000;
    while (!(await Deno.readTextFile(w.txLog)).includes("begin daemon-reload")) {
      assert.ok(Date.now() < deadline, "the bind never reached daemon-reload");
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await Promise.all([child.status, child.stdout.cancel(), child.stderr.cancel()]);
    // The orphaned wrapper (started by that bind) would sleep on: end it by its pid.
    const wrapper = (await Deno.readTextFile(w.txLog)).split("\n").find((l) =>
      l.startsWith("begin daemon-reload")
    );
    try {
      Deno.kill(Number(wrapper!.split(" ")[2]), "SIGKILL");
    } catch { /* gone */ }
    const raw = (await readState(w.unitDir, w.systemdDir)).state;
    assert.ok(raw.has(`u/${JOURNAL_FILE}`), "no journal after the kill");
    // status reads through the pending journal without finishing it.
    const status = await lychd(w, ["status", "--json", "--codex", w.codexB]);
    assert.equal(status.code === 0 || status.code === 1, true, status.stderr);
    assert.doesNotMatch(status.stderr, /internal error/);
    assert.ok((await readState(w.unitDir, w.systemdDir)).state.has(`u/${JOURNAL_FILE}`));
    // The next bind of the same target rolls the journal forward (and reloads), then has nothing to do.
    await Deno.writeTextFile(w.env.LYCHD_FAKE_LOG, "");
    const next = await lychd(w, ["bind", "--codex", w.codexB]);
    assert.equal(next.code, 0, next.stderr);
    // Every file was in place; only the reload was left: said as such, not as a recovery.
    assert.match(next.stderr, /daemon-reload done \(the last bind did not finish its reload\)/);
    const after = (await readState(w.unitDir, w.systemdDir)).state;
    assert.equal(incomplete(after, w.unitDir, w.systemdDir), undefined);
    assert.ok(!sameState(after, setA));
    const reloads = (await Deno.readTextFile(w.env.LYCHD_FAKE_LOG)).split("\n").filter((l) =>
      l.includes("daemon-reload")
    );
    assert.equal(reloads.length, 1);
    // …and binding B again from scratch elsewhere gives the same bytes (the roll-forward was exact).
    const fresh = { ...w, unitDir: join(w.dir, "units2"), systemdDir: join(w.dir, "sd2") };
    assert.equal((await lychd(fresh, ["bind", "--quiet", "--codex", w.codexB])).code, 0);
    const expected = (await readState(fresh.unitDir, fresh.systemdDir)).state;
    assert.ok(sameState(normalized(after, w), normalized(expected, fresh)));
  } finally {
    await Deno.remove(w.dir, { recursive: true });
  }
});

// ---- full disk, in-process ----

const CODEX_AT = `${FAKE_HOME}/.config/lychd/codex.toml`;
const ARGV = ["bind", "--codex", CODEX_AT, "--unit-dir", FAKE_UNIT_DIR, "--systemd-dir", FAKE_SYSTEMD_DIR];

function diskHost(text: string) {
  const host = fakeHost({ env: { HOME: FAKE_HOME, PATH: "/usr/bin:/bin" }, cwd: FAKE_HOME });
  host.fs.put(CODEX_AT, text);
  return host;
}

function owned(host: ReturnType<typeof diskHost>): Record<string, string> {
  const snap = { ...host.fs.snapshot(FAKE_UNIT_DIR), ...host.fs.snapshot(FAKE_SYSTEMD_DIR) };
  delete snap[`${FAKE_UNIT_DIR}/${LOCK_FILE}`];
  return snap;
}

Deno.test("full disk at any write of a bind: exit 1, one line, the previous Runes restored", async () => {
  // How many writes a clean A → B bind makes.
  const probe = diskHost(codexA());
  assert.equal((await runInProcess(probe, ARGV)).code, 0);
  const before = probe.fs.writes;
  probe.fs.put(CODEX_AT, codexB());
  assert.equal((await runInProcess(probe, ARGV)).code, 0);
  const writes = probe.fs.writes - before;
  const stateB = owned(probe);
  assert.ok(writes >= 8, `${writes} writes`);

  for (let k = 1; k <= writes; k++) {
    const host = diskHost(codexA());
    assert.equal((await runInProcess(host, ARGV)).code, 0);
    const stateA = owned(host);
    host.fs.put(CODEX_AT, codexB());
    const base = host.fs.writes;
    host.fs.failWrites = (_path, nth) => nth === base + k;
    const res = await runInProcess(host, ARGV);
    assert.equal(res.code, 1, `write ${k}: ${res.stderr}`);
    const lines = res.stderr.split("\n").filter(Boolean);
    assert.equal(lines.length, 1, `write ${k}: ${res.stderr}`);
    assert.match(
      lines[0],
      /^lychd: writing ".+" failed: No space left on device; (previous Runes restored|nothing changed)$/,
    );
    assert.deepEqual(owned(host), stateA, `write ${k}: the previous Runes are not restored`);
    assert.deepEqual(host.runner.lines().filter((l) => l.includes("daemon-reload")).length, 1, "reloaded");
  }

  // The disk stays full from some write on (the rollback cannot write either): one line, and the
  // next bind once space is free finishes the change from the journal.
  for (let k = 1; k <= writes; k++) {
    const host = diskHost(codexA());
    assert.equal((await runInProcess(host, ARGV)).code, 0);
    host.fs.put(CODEX_AT, codexB());
    const base = host.fs.writes;
    host.fs.failWrites = (_path, nth) => nth >= base + k;
    const res = await runInProcess(host, ARGV);
    assert.equal(res.code, 1);
    assert.equal(res.stderr.split("\n").filter(Boolean).length, 1, res.stderr);
    assert.match(res.stderr, /No space left on device/);
    host.fs.failWrites = undefined;
    const next = await runInProcess(host, ARGV);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(owned(host), stateB, `disk full from write ${k}: the next bind did not reach B`);
  }
});

// ---- concurrency through real processes ----

Deno.test("eight lychd bind processes at once end like one bind, with one daemon-reload", async () => {
  const w = await world();
  try {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => lychd(w, ["bind", "--codex", w.codexA])),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const summaries = results.map((r) => r.stderr.split("\n").find((l) => l.includes("bound:")) ?? "");
    assert.equal(
      summaries.filter((s) => /bound: 1[0-9] added, .*daemon-reload done/.test(s)).length,
      1,
      summaries.join("\n"),
    );
    assert.equal(
      summaries.filter((s) =>
        /0 added, 0 changed, 0 restored, 0 removed, 1[0-9] unchanged; no reload/.test(s)
      ).length,
      7,
    );
    const log = await Deno.readTextFile(w.env.LYCHD_FAKE_LOG);
    assert.equal(log.split("\n").filter((l) => l.includes("daemon-reload")).length, 1);
    const state = (await readState(w.unitDir, w.systemdDir)).state;
    assert.equal(incomplete(state, w.unitDir, w.systemdDir), undefined);
    const fresh = { ...w, unitDir: join(w.dir, "units2"), systemdDir: join(w.dir, "sd2") };
    assert.equal((await lychd(fresh, ["bind", "--quiet", "--codex", w.codexA])).code, 0);
    const one = (await readState(fresh.unitDir, fresh.systemdDir)).state;
    assert.ok(sameState(normalized(state, w), normalized(one, fresh)), "not the state of one bind");
  } finally {
    await Deno.remove(w.dir, { recursive: true });
  }
});

interface Span {
  verb: string;
  pid: string;
  begin: bigint;
  end?: bigint;
}

/** systemctl calls from the wrapper's log, paired by pid. */
function spans(log: string): Span[] {
  const open = new Map<string, Span>();
  const out: Span[] = [];
  for (const line of log.split("\n").filter(Boolean)) {
    const [kind, verb, pid, ns] = line.split(" ");
    if (kind === "unlocked") continue;
    if (kind === "begin") {
      const s = { verb, pid, begin: BigInt(ns) };
      open.set(pid, s);
      out.push(s);
    } else open.get(pid)!.end = BigInt(ns);
  }
  return out;
}

Deno.test("reconcile --every 1s beside repeated binds: transactions never interleave, every reload sees a complete set", async () => {
  const w = await world();
  const snaps = join(w.dir, "snaps");
  await Deno.mkdir(snaps);
  const env = { LYCHD_SNAP_DIR: snaps, LYCHD_RELOAD_SLEEP: "0.05", LYCHD_CHECK_LOCK: "1" };
  const put = async (text: string) => {
    // Atomic, so lychd never reads half a Codex.
    await Deno.writeTextFile(`${w.codex}.tmp`, text);
    await Deno.rename(`${w.codex}.tmp`, w.codex);
  };
  try {
    await put(codexA());
    assert.equal((await lychd(w, ["bind", "--quiet", "--codex", w.codex], env)).code, 0);
    const reconciler = lychdCommand(w, ["reconcile", "--every", "1s", "--codex", w.codex], env).spawn();
    const reconcileErr = new Response(reconciler.stderr).text();
    const t0 = Date.now();
    let binds = 0;
    let drifts = 0;
    try {
      while (Date.now() - t0 < 6_000) {
        await put(binds % 2 ? codexA() : codexB());
        const r = await lychd(w, ["bind", "--quiet", "--codex", w.codex], env);
        assert.equal(r.code, 0, r.stderr);
        binds++;
        // Drift for reconcile to repair: an owned Rune vanishes after every other bind.
        if (binds % 2 === 0) {
          // Under lychd's own lock: a reload snapshot must judge lychd's transactions, not catch
          // this outside edit half-way through another process's reload.
          using lock = await Deno.open(join(w.unitDir, ".lychd.lock"), { create: true, write: true });
          await lock.lock(true);
          await Deno.remove(join(w.unitDir, "lychd-s6.container")).catch(() => {});
          await lock.unlock();
          drifts++;
        }
        await sleep(100 + Math.random() * 900);
      }
      // Give reconcile one more tick (every 1s) to repair the last drift before stopping it; under
      // load the final sleep above can be shorter than the time to its next pass.
      if (binds % 2 === 0) await sleep(2_000);
    } finally {
      reconciler.kill("SIGTERM");
      await Promise.all([reconciler.status, reconciler.stdout.cancel()]);
    }
    const repairs = (await reconcileErr).split("\n").filter((l) => l.startsWith("lychd: reconcile:"));
    const reconcileErrors = (await reconcileErr).split("\n").filter((l) =>
      l.startsWith("lychd: ") && !l.startsWith("lychd: reconcile:") && !l.includes("warning:")
    );
    assert.deepEqual(reconcileErrors, []);
    // Every stop and daemon-reload ran while lychd held its lock…
    const txLog = await Deno.readTextFile(w.txLog);
    assert.deepEqual(txLog.split("\n").filter((l) => l.startsWith("unlocked")), []);
    // …and those of different processes never overlap.
    const calls = spans(txLog).filter((s) => s.verb === "daemon-reload" || s.verb === "stop");
    const sorted = calls.filter((s) => s.end !== undefined).sort((a, b) => (a.begin < b.begin ? -1 : 1));
    let overlaps = 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i].begin < sorted[i - 1].end!) overlaps++;
    // Every state seen by a reload (inside the lock, after the manifest) is a complete set.
    let snapshots = 0;
    const bad: string[] = [];
    for await (const e of Deno.readDir(snaps)) {
      const { state } = await readState(join(snaps, e.name, "u"), join(snaps, e.name, "s"));
      const why = incomplete(state, w.unitDir, w.systemdDir);
      snapshots++;
      if (why) bad.push(`${e.name}: ${why}`);
    }
    const reloads = calls.filter((s) => s.verb === "daemon-reload").length;
    console.log(
      `reconcile beside binds: ${binds} binds, ${drifts} drifts, ${repairs.length} reconcile runs that changed something, ${reloads} reloads, ` +
        `${calls.length} locked systemctl calls, ${overlaps} overlaps, ${snapshots} reload-time snapshots, ${bad.length} incomplete`,
    );
    assert.equal(overlaps, 0);
    assert.deepEqual(bad, []);
    assert.ok(reloads >= binds / 2, `${reloads} reloads for ${binds} binds`);
    assert.ok(repairs.length >= 1, "reconcile never had anything to do");
    // The loop may end on a drift the killed reconciler never saw: one more run repairs it.
    assert.equal((await lychd(w, ["reconcile", "--quiet", "--codex", w.codex], env)).code, 0);
    assert.equal(
      incomplete((await readState(w.unitDir, w.systemdDir)).state, w.unitDir, w.systemdDir),
      undefined,
    );
  } finally {
    await removeSettled(w.dir);
  }
});

/** Removes a directory that a killed process's last child may still be writing into. */
async function removeSettled(dir: string): Promise<void> {
  for (let i = 0;; i++) {
    try {
      return await Deno.remove(dir, { recursive: true });
    } catch (e) {
      if (i === 20) throw e;
      await sleep(100);
    }
  }
}
