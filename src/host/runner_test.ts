import assert from "node:assert/strict";
import { CommandNotFoundError, HostError } from "./host.ts";
import { commandLine, denoRunner, exitError } from "./runner.ts";

Deno.test("denoRunner() captures stdout, stderr and the exit code", async () => {
  const result = await denoRunner().run("sh", ["-c", "echo out; echo err >&2; exit 4"]);
  assert.deepEqual(result, { code: 4, stdout: "out\n", stderr: "err\n" });
});

Deno.test("denoRunner() passes stdin and extra env", async () => {
  const result = await denoRunner().run("sh", ["-c", 'read line; echo "$line $LYCHD_X"'], {
    stdin: "hello\n",
    env: { LYCHD_X: "world" },
  });
  assert.equal(result.stdout, "hello world\n");
});

Deno.test("denoRunner() kills a child that outlives its timeout", async () => {
  const started = Date.now();
  await assert.rejects(
    denoRunner().run("sh", ["-c", "sleep 5"], { timeoutMs: 200 }),
    (e) => e instanceof HostError && e.message === "`sh -c 'sleep 5'` timed out after 0.2s",
  );
  assert.ok(Date.now() - started < 4000);
});

Deno.test("denoRunner() names the reason when a program is missing", async () => {
  await assert.rejects(denoRunner().run("lychd-no-such-program", []), (e) => {
    assert.ok(e instanceof CommandNotFoundError);
    assert.equal(e.message, `"lychd-no-such-program" not found: it is not installed or not on PATH`);
    return true;
  });
  const path = Deno.env.get("PATH");
  Deno.env.set("PATH", "/nonexistent");
  try {
    await assert.rejects(
      denoRunner().run("systemctl", ["--user", "daemon-reload"]),
      { message: "systemctl not found: lychd needs systemd (install it or run on a systemd host)" },
    );
  } finally {
    Deno.env.set("PATH", path ?? "");
  }
});

Deno.test("denoRunner() with inherit resolves with the code and empty captures", async () => {
  const result = await denoRunner().run("sh", ["-c", "exit 2"], { inherit: true });
  assert.deepEqual(result, { code: 2, stdout: "", stderr: "" });
});

Deno.test("commandLine() and exitError() quote words and fold stderr into one line", () => {
  assert.equal(
    commandLine("systemctl", ["--user", "start", "a b", "it's"]),
    `systemctl --user start 'a b' 'it'"'"'s'`,
  );
  const err = exitError("systemctl", ["--user", "start", "lychd.target"], {
    code: 1,
    stdout: "",
    stderr: 'Job for lychd.target failed.\n  See "journalctl -xe".\n',
  });
  assert.equal(
    err.message,
    '`systemctl --user start lychd.target` failed with exit code 1: Job for lychd.target failed. See "journalctl -xe".',
  );
});
