import assert from "node:assert/strict";
import { HostError } from "./host.ts";
import { fakeHost } from "./_fake.ts";
import { parseShow, systemctl } from "./systemctl.ts";

Deno.test("systemctl() adds --user and runs each verb once", async () => {
  const host = fakeHost();
  const sc = systemctl(host.runner, { user: true });
  await sc.daemonReload();
  await sc.start(["lychd.target"]);
  await sc.stop(["a.service", "b.service"]);
  await sc.restart(["a.service"]);
  await sc.resetFailed(["a.service"]);
  await sc.stop([]);
  assert.deepEqual(host.runner.lines(), [
    "systemctl --user daemon-reload",
    "systemctl --user start lychd.target",
    "systemctl --user stop a.service b.service",
    "systemctl --user restart a.service",
    "systemctl --user reset-failed a.service",
  ]);
});

Deno.test("systemctl() without user talks to the system manager", async () => {
  const host = fakeHost();
  await systemctl(host.runner, { user: false }).start(["lychd.target"]);
  assert.deepEqual(host.runner.lines(), ["systemctl start lychd.target"]);
});

Deno.test("systemctl() turns a non-zero exit into a HostError with command, code and stderr", async () => {
  const host = fakeHost();
  host.runner.handler = () => ({ code: 1, stderr: "Job for a.service failed.\nSee logs.\n" });
  await assert.rejects(systemctl(host.runner, { user: true }).start(["a.service"]), (e) => {
    assert.ok(e instanceof HostError);
    assert.equal(
      e.message,
      "`systemctl --user start a.service` failed with exit code 1: Job for a.service failed. See logs.",
    );
    return true;
  });
});

Deno.test("systemctl().show() parses one block per unit, in unit order", async () => {
  const host = fakeHost();
  host.runner.handler = () => ({
    stdout: "ActiveState=active\nSubState=running\nExecMainStatus=0\n\n" +
      "ActiveState=failed\nSubState=failed\nEnvironment=A=1 B=2\n",
  });
  const got = await systemctl(host.runner, { user: true }).show(
    ["a.service", "b.service"],
    ["ActiveState", "SubState", "Environment"],
  );
  assert.deepEqual(got, {
    "a.service": { ActiveState: "active", SubState: "running", Environment: "", ExecMainStatus: "0" },
    "b.service": { ActiveState: "failed", SubState: "failed", Environment: "A=1 B=2" },
  });
  assert.deepEqual(host.runner.lines(), [
    "systemctl --user show -p ActiveState,SubState,Environment a.service b.service",
  ]);
  assert.deepEqual(await systemctl(host.runner, { user: true }).show([], ["ActiveState"]), {});
});

Deno.test("parseShow() refuses output whose block count does not match the units", () => {
  assert.throws(
    () => parseShow("ActiveState=active\n", ["a.service", "b.service"], ["ActiveState"]),
    /1 blocks for 2 units/,
  );
});

Deno.test("systemctl().isActive() returns the printed state even on a non-zero exit", async () => {
  const host = fakeHost();
  host.runner.handler = (_c, args) =>
    args.includes("a.service")
      ? { code: 0, stdout: "active\n" }
      : args.includes("b.service")
      ? { code: 3, stdout: "failed\n" }
      : { code: 1, stderr: "Failed to connect to bus: No medium found" };
  const sc = systemctl(host.runner, { user: true });
  assert.equal(await sc.isActive("a.service"), "active");
  assert.equal(await sc.isActive("b.service"), "failed");
  await assert.rejects(sc.isActive("c.service"), /exit code 1: Failed to connect to bus/);
});

Deno.test("systemctl().ping() reports reachability and the command asked", async () => {
  const host = fakeHost();
  const sc = systemctl(host.runner, { user: true });
  assert.deepEqual(await sc.ping(), {
    reachable: true,
    command: "systemctl --user show-environment",
    detail: "",
  });
  host.runner.handler = () => ({ code: 1, stderr: "Failed to connect to bus: No medium found\n" });
  assert.deepEqual(await sc.ping(), {
    reachable: false,
    command: "systemctl --user show-environment",
    detail: "Failed to connect to bus: No medium found",
  });
});

Deno.test("systemctl().stop({ allowUnloaded }) accepts exit 5 (unit not loaded) and nothing else", async () => {
  const host = fakeHost();
  const sc = systemctl(host.runner, { user: true });
  host.runner.handler = () => ({ code: 5, stderr: "Failed to stop a.service: Unit a.service not loaded.\n" });
  await sc.stop(["a.service"], { allowUnloaded: true });
  await assert.rejects(sc.stop(["a.service"]), (e) => {
    assert.ok(e instanceof HostError);
    assert.equal(
      e.message,
      "`systemctl --user stop a.service` failed with exit code 5: Failed to stop a.service: Unit a.service not loaded.",
    );
    return true;
  });
  host.runner.handler = () => ({ code: 1, stderr: "Access denied\n" });
  await assert.rejects(
    sc.stop(["a.service"], { allowUnloaded: true }),
    /^HostError: `systemctl --user stop a.service` failed with exit code 1: Access denied$/,
  );
  assert.deepEqual(host.runner.lines(), [
    "systemctl --user stop a.service",
    "systemctl --user stop a.service",
    "systemctl --user stop a.service",
  ]);
});

Deno.test("systemctl().tryStart() returns the exit code and stderr instead of throwing", async () => {
  const host = fakeHost();
  const sc = systemctl(host.runner, { user: false });
  host.runner.handler = () => ({ code: 1, stderr: "Job for a.service failed.\n" });
  assert.deepEqual(await sc.tryStart(["a.service"], { timeoutMs: 5_000 }), {
    code: 1,
    stderr: "Job for a.service failed.\n",
  });
  host.runner.handler = () => ({ code: 0 });
  assert.deepEqual(await sc.tryStart(["b.service"]), { code: 0, stderr: "" });
  assert.deepEqual(await sc.tryStart([]), { code: 0, stderr: "" });
  assert.deepEqual(host.runner.lines(), ["systemctl start a.service", "systemctl start b.service"]);
});
