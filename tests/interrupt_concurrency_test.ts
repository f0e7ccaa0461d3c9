/**
 * **Concurrency:** eight `lychd bind` processes at once end like one (one reload); `lychd
 * reconcile --every 1s` beside repeated binds of alternating Codexes never overlaps a transaction
 * (the wrapped `systemctl` logs begin/end of each call: inside the lock they must not interleave)
 * and every state seen at a reload (taken inside the lock) is a complete set.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  codexA,
  codexB,
  incomplete,
  lychd,
  lychdCommand,
  normalized,
  readState,
  removeSettled,
  sameState,
  sleep,
  world,
} from "./lib/interrupt.ts";

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
