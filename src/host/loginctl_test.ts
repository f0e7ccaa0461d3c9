import assert from "node:assert/strict";
import { fakeHost } from "./_fake.ts";
import { loginctl } from "./loginctl.ts";

Deno.test("loginctl().lingerEnabled() reads Linger=yes/no", async () => {
  const host = fakeHost();
  host.runner.handler = (_c, args) => ({ stdout: args[1] === "alice" ? "Linger=yes\n" : "Linger=no\n" });
  assert.equal(await loginctl(host.runner).lingerEnabled("alice"), true);
  assert.equal(await loginctl(host.runner).lingerEnabled("bob"), false);
  assert.deepEqual(host.runner.lines()[0], "loginctl show-user alice -p Linger");
});

Deno.test("loginctl().lingerEnabled() answers undefined when logind cannot say", async () => {
  const host = fakeHost();
  host.runner.handler = () => ({
    code: 1,
    stderr: "Failed to get user: User ID 1000 is not logged in or lingering",
  });
  assert.equal(await loginctl(host.runner).lingerEnabled("carol"), undefined);
  assert.equal(await loginctl(fakeHost({ missing: ["loginctl"] }).runner).lingerEnabled("carol"), undefined);
});
