import assert from "node:assert/strict";
import { fakeHost } from "../host/_fake.ts";
import { BindError } from "./errors.ts";
import { ownedFiles } from "./manifest.ts";
import { bind, unbind, unifiedDiff } from "./scribe.ts";
import {
  assertManifest,
  DIR,
  expected,
  FOREIGN,
  JOURNAL,
  MANIFEST,
  NET,
  OCULUS,
  PHYL,
  rig,
  rune,
  setA,
  setB,
  sorted,
  state,
  TARGET,
  VESSEL,
} from "./_scribe_rig.ts";

Deno.test("bind() writes Runes and reloads once", async () => {
  const { host, opts, events } = rig();
  const report = await bind(host, setA(), opts);
  assert.deepEqual(report.added, sorted([VESSEL, PHYL, NET, TARGET]));
  assert.deepEqual([report.changed, report.restored, report.removed, report.unchanged], [[], [], [], []]);
  assert.equal(report.reloaded, true);
  assert.equal(report.recovered, false);
  assert.deepEqual(events, ["reload"]);
  assert.deepEqual(state(host), { ...expected(setA()), [MANIFEST]: host.fs.text(MANIFEST)! });
  assertManifest(host, setA());
  assert.equal(host.fs.text(JOURNAL), undefined);
  assert.deepEqual(host.fs.locksHeld(), []);
  assert.deepEqual(host.runner.calls, []);
});

Deno.test("bind() of the same set touches nothing and does not reload", async () => {
  const { host, opts, events } = rig();
  await bind(host, setA(), opts);
  const writes = host.fs.writes;
  const before = await Promise.all(setA().map((f) => host.fs.stat(f.path)));
  const manifestBefore = await host.fs.stat(MANIFEST);
  const report = await bind(host, setA(), opts);
  assert.deepEqual(report.unchanged, sorted([VESSEL, PHYL, NET, TARGET]));
  assert.deepEqual([report.added, report.changed, report.restored, report.removed], [[], [], [], []]);
  assert.equal(report.reloaded, false);
  assert.equal(report.diff, "");
  assert.equal(host.fs.writes, writes);
  assert.deepEqual(await Promise.all(setA().map((f) => host.fs.stat(f.path))), before);
  assert.deepEqual(await host.fs.stat(MANIFEST), manifestBefore);
  assert.deepEqual(events, ["reload"]);
});

Deno.test("bind() prunes a Rune no longer desired, stopping its unit first, and reloads once", async () => {
  const { host, opts, events, reset } = rig();
  await bind(host, setA(), opts);
  reset();
  const fewer = setA().filter((f) => f.path !== PHYL);
  const report = await bind(host, fewer, opts);
  assert.deepEqual(report.removed, [PHYL]);
  assert.deepEqual(report.unchanged, sorted([VESSEL, NET, TARGET]));
  assert.deepEqual(events, ["stop lychd-phylactery.service (after 0 removes)", "reload"]);
  assert.equal(host.fs.text(PHYL), undefined);
  assertManifest(host, fewer);
  assert.match(
    report.diff,
    /^--- a\/home\/u\/\.config\/containers\/systemd\/lychd-phylactery\.container\n\+\+\+ \/dev\/null\n/,
  );
});

Deno.test("bind() reports changed, added and removed Runes together and reloads once", async () => {
  const { host, opts, events, reset } = rig();
  await bind(host, setA(), opts);
  reset();
  const report = await bind(host, setB(), opts);
  assert.deepEqual(report.added, [OCULUS]);
  assert.deepEqual(report.changed, [VESSEL]);
  assert.deepEqual(report.removed, [PHYL]);
  assert.deepEqual(report.unchanged, sorted([NET, TARGET]));
  assert.deepEqual(events, ["stop lychd-phylactery.service (after 0 removes)", "reload"]);
  assertManifest(host, setB());
  assert.ok(report.diff.includes("-Image=localhost/vessel:1\n+Image=localhost/vessel:2\n"), report.diff);
});

Deno.test("bind() leaves a foreign file named like a Rune alone through bind, prune and unbind", async () => {
  const { host, opts } = rig();
  host.fs.put(FOREIGN, "[Container]\nImage=mine\n");
  await bind(host, setA(), opts);
  await bind(host, setB(), opts);
  assert.equal(host.fs.text(FOREIGN), "[Container]\nImage=mine\n");
  const report = await unbind(host, opts);
  assert.ok(!report.removed.includes(FOREIGN));
  assert.deepEqual(state(host), { [FOREIGN]: "[Container]\nImage=mine\n" });
});

Deno.test("bind() refuses a collision with a file it did not write: nothing written, nothing run", async () => {
  const { host, opts, events } = rig();
  host.fs.put(VESSEL, "[Container]\nImage=hand-made\n");
  const before = host.fs.snapshot();
  await assert.rejects(bind(host, setA(), opts), (e) => {
    assert.ok(e instanceof BindError);
    assert.equal(e.message, `refusing to overwrite "${VESSEL}": lychd did not write it`);
    assert.equal(e.hint, "move it away or remove it; lychd never overwrites files it did not write");
    assert.deepEqual(e.paths, [VESSEL]);
    return true;
  });
  assert.deepEqual(host.fs.snapshot(), before); // not even a lock file or a manifest
  assert.equal(host.fs.writes, 0);
  assert.deepEqual(events, []);
  assert.deepEqual(host.runner.calls, []);

  // Also when lychd already owns other Runes: the whole bind is refused.
  host.fs.remove(VESSEL);
  await bind(host, setA(), opts);
  host.fs.put(OCULUS, "mine");
  const writes = host.fs.writes;
  events.length = 0;
  await assert.rejects(bind(host, setB(), opts), /refusing to overwrite ".*lychd-oculus\.container"/);
  assert.equal(host.fs.writes, writes);
  assert.deepEqual(events, []);
  assertManifest(host, setA());
});

Deno.test("bind() names every colliding file", async () => {
  const { host, opts } = rig();
  host.fs.put(VESSEL, "x");
  host.fs.put(TARGET, "y");
  await assert.rejects(bind(host, setA(), opts), (e) => {
    assert.ok(e instanceof BindError);
    assert.equal(
      e.message,
      `refusing to overwrite "${VESSEL}" (and 1 more: "${TARGET}"): lychd did not write it`,
    );
    assert.deepEqual(e.paths, [VESSEL, TARGET]);
    return true;
  });
});

Deno.test("bind() restores an owned Rune that vanished", async () => {
  const { host, opts, events } = rig();
  await bind(host, setA(), opts);
  await host.fs.remove(PHYL);
  events.length = 0;
  const report = await bind(host, setA(), opts);
  assert.deepEqual(report.restored, [PHYL]);
  assert.deepEqual(report.added, []);
  assert.deepEqual(events, ["reload"]);
  assertManifest(host, setA());
  assert.match(
    report.diff,
    /^--- \/dev\/null\n\+\+\+ b\/home\/u\/\.config\/containers\/systemd\/lychd-phylactery\.container\n/,
  );
});

Deno.test("bind() reports a hand-edited Rune as restored and rewrites it", async () => {
  const { host, opts, events } = rig();
  await bind(host, setA(), opts);
  host.fs.put(VESSEL, rune("vessel", "localhost/vessel:1") + "Environment=DEBUG=1\n");
  events.length = 0;
  const report = await bind(host, setA(), opts);
  assert.deepEqual(report.restored, [VESSEL]);
  assert.deepEqual(report.changed, []);
  assert.deepEqual(events, ["reload"]);
  assertManifest(host, setA());
  assert.ok(report.diff.includes("-Environment=DEBUG=1\n"), report.diff);
});

Deno.test("unbind() stops every owned unit before removing owned files, then reloads once", async () => {
  const { host, opts, events, reset } = rig();
  host.fs.put(FOREIGN, "foreign");
  await bind(host, setA(), opts);
  reset();
  const report = await unbind(host, opts);
  assert.deepEqual(report.removed, sorted([VESSEL, PHYL, NET, TARGET]));
  assert.deepEqual(events, [
    "stop lychd-network.service lychd-phylactery.service lychd-vessel.service lychd.target (after 0 removes)",
    "reload",
  ]);
  assert.deepEqual(state(host), { [FOREIGN]: "foreign" });
  assert.equal(await ownedFiles(host, DIR), undefined);

  events.length = 0;
  const again = await unbind(host, opts);
  assert.deepEqual(again.removed, []);
  assert.equal(again.reloaded, false);
  assert.deepEqual(events, []);
});

Deno.test("unbind() with nothing bound creates nothing", async () => {
  const { host, opts, events } = rig();
  const report = await unbind(host, opts);
  assert.deepEqual(report, {
    added: [],
    changed: [],
    restored: [],
    removed: [],
    unchanged: [],
    reloaded: false,
    recovered: false,
    diff: "",
  });
  assert.deepEqual(host.fs.snapshot(), {});
  assert.deepEqual(events, []);
});

Deno.test("bind() with dryRun writes nothing and returns the unified diff", async () => {
  const { host, opts, events } = rig();
  const first = await bind(host, setA(), { ...opts, dryRun: true });
  assert.deepEqual(first.added, sorted([VESSEL, PHYL, NET, TARGET]));
  assert.equal(first.reloaded, true, "would reload");
  assert.deepEqual(host.fs.snapshot(), {});
  assert.equal(await host.fs.stat(DIR), undefined, "no directory created");
  assert.ok(
    first.diff.includes(`--- /dev/null\n+++ b${VESSEL}\n@@ -0,0 +1,4 @@\n+# Generated by lychd`),
    first.diff,
  );

  await bind(host, setA(), opts);
  events.length = 0;
  const writes = host.fs.writes;
  const snap = host.fs.snapshot();
  const dry = await bind(host, setB(), { ...opts, dryRun: true });
  assert.deepEqual([dry.added, dry.changed, dry.removed], [[OCULUS], [VESSEL], [PHYL]]);
  assert.equal(host.fs.writes, writes);
  assert.deepEqual(host.fs.snapshot(), snap);
  assert.deepEqual(events, [], "dry run neither stops nor reloads");
  assert.equal(
    dry.diff,
    unifiedDiff(
      [
        {
          path: VESSEL,
          old: rune("vessel", "localhost/vessel:1"),
          new: rune("vessel", "localhost/vessel:2"),
        },
        { path: OCULUS, old: null, new: setB()[2].text },
        { path: PHYL, old: setA()[1].text, new: null },
      ].sort((a, b) => (a.path < b.path ? -1 : 1)).sort((a, b) =>
        Number(a.new === null) - Number(b.new === null)
      ),
    ),
  );
  assert.ok(dry.diff.includes(`--- a${PHYL}\n+++ /dev/null\n`), dry.diff);

  const dryUnbind = await unbind(host, { ...opts, dryRun: true });
  assert.deepEqual(dryUnbind.removed, sorted([VESSEL, PHYL, NET, TARGET]));
  assert.deepEqual(host.fs.snapshot(), snap);
  assert.deepEqual(events, []);
});

Deno.test("bind() refuses a collision in dryRun too", async () => {
  const { host, opts } = rig();
  host.fs.put(NET, "mine");
  await assert.rejects(bind(host, setA(), { ...opts, dryRun: true }), BindError);
});

Deno.test("bind() serializes eight concurrent binds: same state as one, one reload", async () => {
  const { host, opts, events } = rig();
  const reports = await Promise.all(Array.from({ length: 8 }, () => bind(host, setA(), opts)));
  assert.deepEqual(events, ["reload"]);
  assert.equal(reports.filter((r) => r.added.length === 4).length, 1);
  assert.equal(reports.filter((r) => r.unchanged.length === 4).length, 7);
  assertManifest(host, setA());
  assert.deepEqual(host.fs.locksHeld(), []);
});

Deno.test("bind() refuses a manifest it cannot read, naming it", async () => {
  const { host, opts } = rig();
  host.fs.put(MANIFEST, "{ not json");
  await assert.rejects(bind(host, setA(), opts), (e) => {
    assert.ok(e instanceof BindError);
    assert.match(
      e.message,
      /^"\/home\/u\/\.config\/containers\/systemd\/\.lychd-manifest\.json" is not a lychd manifest: /,
    );
    return true;
  });
  assert.equal(host.fs.writes, 0);
});

Deno.test("bind() refuses desired paths that are relative, repeated or reserved", async () => {
  const { host, opts } = rig();
  await assert.rejects(bind(host, [{ path: "lychd.network", text: "" }], opts), {
    message: `desired file "lychd.network" is not a normalized absolute path`,
  });
  await assert.rejects(bind(host, [setA()[0], setA()[0]], opts), {
    message: `desired file "${VESSEL}" is listed twice`,
  });
  await assert.rejects(bind(host, [{ path: MANIFEST, text: "{}" }], opts), /reserves for itself/);
});

Deno.test("bind() of an empty set removes what it owned and the manifest", async () => {
  const { host, opts, events, reset } = rig();
  await bind(host, setA(), opts);
  reset();
  const report = await bind(host, [], opts);
  assert.deepEqual(report.removed, sorted(setA().map((f) => f.path)));
  assert.deepEqual(state(host), {});
  assert.equal(events.at(-1), "reload");
});

Deno.test("bind() follows a symlinked unit directory without disowning its Runes", async () => {
  const host = fakeHost();
  host.fs.put("/dotfiles/containers/systemd/.keep", "");
  host.fs.symlink("/dotfiles/containers/systemd", DIR);
  const { opts, events } = rig(host);
  await bind(host, setA(), opts);
  assert.equal(host.fs.text("/dotfiles/containers/systemd/lychd-vessel.container"), setA()[0].text);
  const again = await bind(host, setA(), opts);
  assert.equal(again.unchanged.length, 4);
  assert.deepEqual(events, ["reload"]);
});
