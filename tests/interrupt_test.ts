/**
 * Crashes, measured against the real entry point.
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
 *
 * A full disk is in interrupt_disk_test.ts, concurrency in interrupt_concurrency_test.ts.
 *
 * `LYCHD_KILL_TRIALS` changes the number of kill trials (default 200).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./lib/cli.ts";
import { realHost } from "../src/host/real.ts";
import { recover } from "../src/bind/_testing.ts";
import { JOURNAL_FILE } from "../src/bind/manifest.ts";
import {
  codexA,
  codexB,
  incomplete,
  lychd,
  lychdCommand,
  normalized,
  readState,
  sameState,
  sleep,
  type World,
  world,
} from "./lib/interrupt.ts";

const TRIALS = Number(Deno.env.get("LYCHD_KILL_TRIALS") ?? 200);
const WORKERS = 2;

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
