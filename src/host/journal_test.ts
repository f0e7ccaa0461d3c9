import assert from "node:assert/strict";
import { fakeHost } from "./_fake.ts";
import { journal, journalArgs } from "./journal.ts";

Deno.test("journal().logs() streams journalctl for the unit with --no-pager", async () => {
  const host = fakeHost();
  await journal(host.runner, { user: true }).logs("lychd-vessel.service", { lines: 50 });
  await journal(host.runner, { user: true }).logs("lychd-vessel.service", { follow: true, user: false });
  assert.deepEqual(host.runner.calls, [
    {
      cmd: "journalctl",
      args: ["--user", "-u", "lychd-vessel.service", "-n", "50", "--no-pager"],
      opts: { inherit: true },
    },
    {
      cmd: "journalctl",
      args: ["-u", "lychd-vessel.service", "-f", "--no-pager"],
      opts: { inherit: true, timeoutMs: 0 },
    },
  ]);
});

Deno.test("journal().logs() rejects when journalctl exits non-zero", async () => {
  const host = fakeHost();
  host.runner.handler = () => ({ code: 1 });
  await assert.rejects(journal(host.runner, { user: true }).logs("x.service"), {
    message: "`journalctl --user -u x.service --no-pager` failed with exit code 1",
  });
});

Deno.test("journalArgs() orders the flags", () => {
  assert.deepEqual(journalArgs("u.service", { user: false, follow: true, lines: 5 }), [
    "-u",
    "u.service",
    "-f",
    "-n",
    "5",
    "--no-pager",
  ]);
});
