/**
 * The fake executables in tests/fakes/bin, driven through the real runner and the typed
 * wrappers: what the CLI end-to-end tests will see.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Runner, RunOptions } from "./host.ts";
import { denoRunner } from "./runner.ts";
import { systemctl } from "./systemctl.ts";
import { podman } from "./podman.ts";
import { journal } from "./journal.ts";
import { loginctl } from "./loginctl.ts";

const BIN = fileURLToPath(new URL("../../tests/fakes/bin/", import.meta.url));

async function withFakes(
  env: Record<string, string>,
  f: (runner: Runner, log: () => string[]) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  const logPath = `${dir}/calls.log`;
  const real = denoRunner();
  // The fakes are found first on the child's PATH (Deno resolves the program with it);
  // everything else the runner does is real.
  const path = `${BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
  const runner: Runner = {
    run: (cmd: string, args: string[], opts: RunOptions = {}) =>
      real.run(cmd, args, {
        ...opts,
        inherit: false,
        env: { ...env, PATH: path, LYCHD_FAKE_LOG: logPath, ...opts.env },
      }),
  };
  try {
    await f(runner, () => (Deno.readTextFileSync(logPath).trimEnd().split("\n")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("tests/fakes/bin answer like systemctl, podman, journalctl and loginctl", async () => {
  await withFakes(
    { LYCHD_FAKE_MISSING_SECRETS: "db-pass other", LYCHD_FAKE_ACTIVE: "b.service" },
    async (runner, log) => {
      const sc = systemctl(runner, { user: true });
      await sc.daemonReload();
      assert.equal(await sc.isActive("a.service"), "inactive");
      assert.equal(await sc.isActive("b.service"), "active");
      assert.deepEqual(await sc.show(["a.service", "b.service"], ["ActiveState", "SubState"]), {
        "a.service": { ActiveState: "inactive", SubState: "dead" },
        "b.service": { ActiveState: "active", SubState: "running" },
      });
      assert.equal((await sc.ping()).reachable, true);
      const p = podman(runner);
      assert.equal(await p.version(), "5.4.2");
      assert.equal(await p.secretExists("db-pass"), false);
      assert.equal(await p.secretExists("api-key"), true);
      await journal(runner, { user: true }).logs("a.service", { lines: 3 });
      assert.equal(await loginctl(runner).lingerEnabled("root"), true);
      assert.deepEqual(log(), [
        "systemctl\t--user\tdaemon-reload",
        "systemctl\t--user\tis-active\ta.service",
        "systemctl\t--user\tis-active\tb.service",
        "systemctl\t--user\tshow\t-p\tActiveState,SubState\ta.service\tb.service",
        "systemctl\t--user\tshow-environment",
        "podman\t--version",
        "podman\tsecret\texists\tdb-pass",
        "podman\tsecret\texists\tapi-key",
        "journalctl\t--user\t-u\ta.service\t-n\t3\t--no-pager",
        "loginctl\tshow-user\troot\t-p\tLinger",
      ]);
    },
  );
});

Deno.test("tests/fakes/bin/systemctl fails the verbs listed in LYCHD_FAKE_FAIL", async () => {
  await withFakes({ LYCHD_FAKE_FAIL: "systemctl:daemon-reload" }, async (runner) => {
    await assert.rejects(
      systemctl(runner, { user: true }).daemonReload(),
      /daemon-reload` failed with exit code 1: Failed to daemon-reload: fake failure/,
    );
  });
});
