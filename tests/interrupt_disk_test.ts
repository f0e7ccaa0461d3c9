/**
 * **Full disk** through `run()` in-process (fakeHost `failWrites`): each single failing write of
 * a bind → exit 1, one line, the previous Runes restored; a disk that stays full → exit 1, one
 * line, and the next bind after space is freed finishes the change.
 *
 * @module
 */
import assert from "node:assert/strict";
import { FAKE_HOME, FAKE_SYSTEMD_DIR, FAKE_UNIT_DIR, runInProcess } from "./lib/cli.ts";
import { fakeHost } from "../src/host/_fake.ts";
import { LOCK_FILE } from "../src/bind/manifest.ts";
import { codexA, codexB } from "./lib/interrupt.ts";

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
