import assert from "node:assert/strict";
import { fakeHost } from "./_fake.ts";
import { parsePodmanVersion, podman } from "./podman.ts";

Deno.test("parsePodmanVersion() reads the version podman prints", () => {
  assert.equal(parsePodmanVersion("podman version 5.4.2\n"), "5.4.2");
  assert.equal(parsePodmanVersion("podman version 4.3\n"), "4.3");
  assert.equal(parsePodmanVersion("podman-remote version 5.0.0-dev\n"), "5.0.0");
  assert.equal(parsePodmanVersion("hello\n"), undefined);
});

Deno.test("podman().version() answers undefined when podman is missing or fails", async () => {
  const host = fakeHost();
  host.runner.handler = () => ({ stdout: "podman version 5.4.2\n" });
  assert.equal(await podman(host.runner).version(), "5.4.2");
  host.runner.handler = () => ({ code: 125, stderr: "boom" });
  assert.equal(await podman(host.runner).version(), undefined);
  const missing = fakeHost({ missing: ["podman"] });
  assert.equal(await podman(missing.runner).version(), undefined);
  assert.deepEqual(host.runner.lines(), ["podman --version", "podman --version"]);
});

Deno.test("podman().secretExists() maps exit 0/1 and refuses anything else", async () => {
  const host = fakeHost();
  host.runner.handler = (_c, args) => ({
    code: args[2] === "db-pass" ? 0 : args[2] === "nope" ? 1 : 125,
    stderr: "broken",
  });
  const p = podman(host.runner);
  assert.equal(await p.secretExists("db-pass"), true);
  assert.equal(await p.secretExists("nope"), false);
  await assert.rejects(p.secretExists("x"), {
    message: "`podman secret exists x` failed with exit code 125: broken",
  });
});
