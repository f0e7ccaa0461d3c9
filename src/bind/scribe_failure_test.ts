import assert from "node:assert/strict";
import { fakeHost } from "../host/_fake.ts";
import { BindError } from "./errors.ts";
import { ownedFiles, parseManifest, sha256 } from "./manifest.ts";
import { bind, type ScribeOptions } from "./scribe.ts";
import { recover } from "./_testing.ts";
import {
  assertManifest,
  boundA,
  CODEX,
  DIR,
  expected,
  FOREIGN,
  JOURNAL,
  MANIFEST,
  NET,
  OCULUS,
  PHYL,
  rig,
  setA,
  setB,
  sorted,
  state,
  VESSEL,
} from "./_scribe_rig.ts";

Deno.test("bind() restores the previous Runes when any single write fails", async () => {
  const probe = await boundA();
  await bind(probe.host, setB(), probe.opts);
  const total = probe.host.fs.writes - probe.base;
  assert.ok(total >= 5, `expected journal + 3 files + manifest, got ${total} writes`);

  for (let i = 1; i <= total; i++) {
    const { host, opts, events, base, before } = await boundA();
    host.fs.failWrites = (_path, nth) => nth === base + i;
    await assert.rejects(bind(host, setB(), opts), (e) => {
      assert.ok(e instanceof BindError, `write ${i}: ${e}`);
      assert.match(
        e.message,
        /^writing ".+" failed: No space left on device; (previous Runes restored|nothing changed)$/,
      );
      return true;
    });
    assert.deepEqual(state(host), before, `write ${i}: the old set`);
    const manifest = parseManifest(host.fs.text(MANIFEST)!, MANIFEST);
    assert.deepEqual(
      Object.keys(manifest.files),
      sorted(setA().map((f) => f.path)),
      `write ${i}: old manifest`,
    );
    for (const f of setA()) {
      if (f.path !== NET) {
        assert.equal(sha256(host.fs.text(f.path)!), manifest.files[f.path], `write ${i}: ${f.path}`);
      }
    }
    assert.equal(host.fs.text(JOURNAL), undefined, `write ${i}: journal deleted`);
    assert.equal(events.includes("reload"), false, `write ${i}: no reload`);
    assert.deepEqual(host.fs.locksHeld(), []);

    // With the disk fixed, the same bind goes through.
    host.fs.failWrites = undefined;
    await bind(host, setB(), opts);
    assert.deepEqual(state(host), {
      ...expected(setB(), { [FOREIGN]: "foreign" }),
      [MANIFEST]: host.fs.text(MANIFEST)!,
    });
    assertManifest(host, setB());
  }
});

Deno.test("bind() leaves the old set or a journal that finishes the change when the disk stays full", async () => {
  const probe = await boundA();
  await bind(probe.host, setB(), probe.opts);
  const total = probe.host.fs.writes - probe.base;
  let restored = 0;
  let kept = 0;
  for (let i = 1; i <= total; i++) {
    const { host, opts, events, base, before } = await boundA();
    host.fs.failWrites = (_path, nth) => nth >= base + i; // full from write i on
    let message = "";
    await assert.rejects(bind(host, setB(), opts), (e) => {
      assert.ok(e instanceof BindError);
      message = e.message;
      return true;
    });
    host.fs.failWrites = undefined;
    if (host.fs.text(JOURNAL) === undefined) {
      restored++;
      assert.deepEqual(state(host), before, `write ${i}: ${message}`);
    } else {
      kept++;
      assert.match(message, /restoring the previous Runes failed too/);
      assert.deepEqual(Object.keys((await ownedFiles(host, DIR))!.files), sorted(setB().map((f) => f.path)));
      // The next bind (of anything) first finishes the interrupted one.
      const report = await bind(host, setA(), opts);
      assert.equal(report.recovered, true);
      assert.equal(events.filter((e) => e === "reload").length, 1);
      assertManifest(host, setA());
      assert.equal(host.fs.text(OCULUS), undefined, "B's extra Rune pruned again");
      assert.equal(host.fs.text(JOURNAL), undefined);
    }
    assert.equal(host.fs.text(FOREIGN), "foreign");
  }
  assert.ok(restored > 0 && kept > 0, `restored ${restored}, kept ${kept}`);
});

Deno.test("bind() restores the previous Runes when removing a stale Rune fails", async () => {
  const { host, opts, events, before } = await boundA();
  host.fs.failRemoves = (path) => path === PHYL;
  await assert.rejects(bind(host, setB(), opts), {
    message: `removing "${PHYL}" failed: Input/output error; previous Runes restored`,
  });
  assert.deepEqual(state(host), before);
  assert.equal(events.includes("reload"), false);
});

Deno.test("bind() after a crash at any write ends in the desired set, rolling a journal forward", async () => {
  const probe = await boundA();
  await bind(probe.host, setB(), probe.opts);
  const total = probe.host.fs.writes - probe.base;
  let rolledForward = 0;
  for (let i = 1; i <= total; i++) {
    for (const next of [setA, setB]) {
      // Crash: the disk as it was just before write i, in a fresh process (a fresh host).
      const { host, opts, base } = await boundA();
      let disk: Record<string, string> | undefined;
      host.fs.failWrites = (_path, nth) => {
        if (nth === base + i) disk = host.fs.snapshot();
        return false;
      };
      await bind(host, setB(), opts);
      assert.ok(disk, `write ${i} happened`);
      const after = rig(fakeHost({ files: disk }));
      const report = await bind(after.host, next(), after.opts);
      const journaled = disk[JOURNAL] !== undefined;
      if (journaled) rolledForward++;
      assert.equal(report.recovered, journaled, `crash before write ${i}`);
      assertManifest(after.host, next());
      assert.deepEqual(state(after.host), {
        ...expected(next(), { [FOREIGN]: "foreign" }),
        [MANIFEST]: after.host.fs.text(MANIFEST)!,
      });
      assert.equal(after.reloads(), report.reloaded ? 1 : 0);
      assert.equal(report.reloaded, true, `crash before write ${i}: something changed or was recovered`);
    }
  }
  assert.ok(rolledForward > 0);
});

Deno.test("recover() rolls a journal forward, reloads once and deletes it", async () => {
  const { host, opts, events, reset } = rig();
  await bind(host, setA(), opts);
  reset();
  const oldManifest = parseManifest(host.fs.text(MANIFEST)!, MANIFEST);
  // An interrupted A → B: the journal is complete, only the vessel was rewritten.
  const b = setB();
  const journal = {
    version: 1,
    steps: [
      { path: VESSEL, old: setA()[0].text, new: b[0].text },
      { path: OCULUS, old: null, new: b[2].text },
      { path: PHYL, old: setA()[1].text, new: null },
    ],
    oldManifest,
    newManifest: {
      version: 1,
      codex: CODEX,
      files: Object.fromEntries(b.map((f) => [f.path, sha256(f.text)])),
    },
  };
  host.fs.put(JOURNAL, JSON.stringify(journal));
  host.fs.put(VESSEL, b[0].text);
  assert.deepEqual(Object.keys((await ownedFiles(host, DIR))!.files), sorted(b.map((f) => f.path)));
  assert.equal(await recover(host, opts), true);
  assert.deepEqual(events, ["reload"]);
  assertManifest(host, b);
  assert.equal(host.fs.text(PHYL), undefined);
  assert.equal(host.fs.text(JOURNAL), undefined);
  assert.equal(await recover(host, opts), false);
  assert.deepEqual(events, ["reload"]);
});

Deno.test("bind() keeps the journal when daemon-reload fails, so the next bind reloads", async () => {
  const { host, opts, events } = rig();
  let fail = true;
  const failing: ScribeOptions = {
    ...opts,
    daemonReload: () => {
      events.push("reload");
      return fail
        ? Promise.reject(new Error("`systemctl --user daemon-reload` failed with exit code 1"))
        : Promise.resolve();
    },
  };
  await assert.rejects(bind(host, setA(), failing), {
    message:
      "the Runes are written but reloading systemd failed: `systemctl --user daemon-reload` failed with exit code 1",
  });
  assertManifest(host, setA());
  assert.notEqual(host.fs.text(JOURNAL), undefined);
  fail = false;
  const report = await bind(host, setA(), failing);
  assert.deepEqual(report.unchanged.length, 4);
  // Nothing was interrupted: every file was written, only the reload is owed.
  assert.equal(report.recovered, false);
  assert.equal(report.reloaded, true);
  assert.deepEqual(events, ["reload", "reload"]);
  assert.equal(host.fs.text(JOURNAL), undefined);
  const third = await bind(host, setA(), failing);
  assert.equal(third.reloaded, false);
});

Deno.test("bind() changes nothing when stopping a stale unit fails", async () => {
  const { host, opts } = rig();
  await bind(host, setA(), opts);
  const before = state(host);
  await assert.rejects(
    bind(host, setB(), {
      ...opts,
      stopUnits: () => Promise.reject(new Error("Unit lychd-phylactery.service is masked")),
    }),
    {
      message:
        `stopping "lychd-phylactery.service" failed: Unit lychd-phylactery.service is masked; nothing changed`,
    },
  );
  assert.deepEqual(state(host), before);
});
