/**
 * Tests of the compose project loader (merge order, !reset, !override, extends, include,
 * profiles; unknown keys refused at file:line:col by the official schema) and of convert's rules
 * (depends_on, healthcheck, restart, GPUs, secrets; refusals and --lenient). The grammars and
 * the end-to-end `lychd import compose` tests are in compose_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ComposeError, loadProject } from "./project.ts";
import { convertProject } from "./convert.ts";
import { composeSchemaCheck } from "./schema.ts";
import { loadCodex } from "../codex/load.ts";
import { files } from "./_testing.ts";

Deno.test("project: merge order, !reset, !override, extends (same and other file), include, profiles", async () => {
  const read = files({
    "/p/compose.yaml": `
include:
  - inc/compose.yaml
services:
  base: &b
    image: busybox
    environment: [X=1]
    ports: ["8000:80"]
  app:
    extends: base
    command: echo hi
    volumes: ["./data:/data", "named:/n"]
  other:
    extends: { file: lib/common.yaml, service: common }
  gpu:
    image: busybox
    profiles: [gpu]
`,
    "/p/compose.override.yaml": `
services:
  app:
    environment: { Y: "2" }
    ports: !override ["9000:80"]
    command: ["echo", "bye"]
    volumes: ["./other:/data"]
  base:
    ports: !reset []
`,
    "/p/lib/common.yaml": `services:\n  common:\n    image: alpine\n    volumes: ["./here:/here"]\n`,
    "/p/inc/compose.yaml":
      `services:\n  included:\n    image: nginx\n    env_file: [{ path: missing.env, required: false }]\n`,
  });
  const p = await loadProject(
    {
      files: [],
      projectDir: "/p",
      envFiles: [],
      profiles: [],
      env: () => undefined,
    },
    read,
    composeSchemaCheck,
  );
  assert.deepEqual(Object.keys(p.services).sort(), ["app", "base", "included", "other"]);
  assert.deepEqual(p.disabled, ["gpu"]);
  assert.deepEqual(p.services.app.environment, { X: "1", Y: "2" });
  assert.deepEqual(p.services.app.command, ["echo", "bye"]);
  assert.deepEqual(p.services.app.ports, [{
    host_ip: undefined,
    published: 9000,
    target: 80,
    protocol: "tcp",
  }]);
  assert.equal(p.services.base.ports, undefined);
  assert.deepEqual(p.services.app.volumes.map((v: { source: string }) => v.source), ["/p/other", "named"]);
  assert.equal(p.services.other.volumes[0].source, "/p/lib/here");
  const c = await convertProject(p, read, { roles: {}, lenient: false });
  const codex = loadCodex(c.toml, "x.toml");
  assert.ok(codex.services.length === 4);
});

Deno.test("project: a malformed .env of an include is refused naming that file", async () => {
  const read = files({
    "/p/compose.yaml": "include:\n  - inc/compose.yaml\nservices:\n  a:\n    image: x\n",
    "/p/inc/compose.yaml": "services:\n  b:\n    image: y\n",
    "/p/inc/.env": "not a pair\n",
  });
  const input = { files: [], projectDir: "/p", envFiles: [], profiles: [], env: () => undefined };
  await assert.rejects(
    () => loadProject(input, read, composeSchemaCheck),
    (e: ComposeError) => {
      assert.equal(e.name, "ComposeError");
      assert.equal(e.oneLine(), `/p/inc/.env: line 1: "not a pair" is not KEY=VALUE`);
      return true;
    },
  );
});

Deno.test("project: unknown keys are refused with file:line:col from the official schema", async () => {
  const read = files({ "/p/compose.yaml": "services:\n  a:\n    image: x\n    imagee: y\n" });
  await assert.rejects(
    () =>
      loadProject(
        { files: ["/p/compose.yaml"], envFiles: [], profiles: [], env: () => undefined },
        read,
        composeSchemaCheck,
      ),
    (e: ComposeError) =>
      e.line === 4 && /unknown key "imagee"/.test(e.message) && e.path === "services.a.imagee",
  );
});

Deno.test("convert: depends_on conditions, healthcheck, restart, GPUs, secrets", async () => {
  const read = files({
    "/p/compose.yaml": `
services:
  db:
    image: postgres:16
    healthcheck: { test: "pg_isready", interval: 5s }
  init:
    image: busybox
    command: ["true"]
  app:
    image: ghcr.io/open-webui/open-webui:main
    restart: unless-stopped
    depends_on:
      db: { condition: service_healthy }
      init: { condition: service_completed_successfully }
    secrets: [tok]
  llm:
    image: vllm/vllm-openai
    gpus: all
    devices: ["/dev/ttyUSB0"]
secrets:
  tok: { file: ./tok.txt }
`,
  });
  const p = await loadProject(
    {
      files: ["/p/compose.yaml"],
      envFiles: [],
      profiles: [],
      env: () => undefined,
    },
    read,
    composeSchemaCheck,
  );
  const c = await convertProject(p, read, { roles: {}, lenient: false });
  const codex = loadCodex(c.toml, "x.toml");
  const by = (n: string) => codex.services.find((s) => s.path === c.paths[n])!;
  assert.equal(by("db").role, "phylactery");
  assert.equal(by("db").raw.notify_healthy, true);
  assert.equal(by("init").raw.oneshot, true);
  assert.equal(by("init").restart, "no");
  assert.deepEqual(by("app").raw.requires, ["phylactery", "init"]);
  assert.equal(by("app").restart, "always");
  assert.match(c.toml, /unless-stopped → always/);
  assert.equal(by("llm").role, "soulstone");
  assert.deepEqual(by("llm").raw.devices, ["nvidia.com/gpu=all", "/dev/ttyUSB0"]);
  assert.deepEqual(c.nextSteps, ["podman secret create tok /p/tok.txt"]);
});

Deno.test("convert: refusals name service and key; --lenient drops with a comment and a warning", async () => {
  const text =
    "services:\n  a:\n    image: x\n    network_mode: service:b\n  b:\n    image: y\n    links: [a]\n";
  const read = files({ "/p/compose.yaml": text });
  const p = await loadProject(
    {
      files: ["/p/compose.yaml"],
      envFiles: [],
      profiles: [],
      env: () => undefined,
    },
    read,
    composeSchemaCheck,
  );
  await assert.rejects(
    () => convertProject(p, read, { roles: {}, lenient: false }),
    (e: ComposeError) => e.path === "services.a.network_mode",
  );
  const text2 = "services:\n  b:\n    image: y\n    links: [c]\n  c:\n    image: z\n";
  const read2 = files({ "/p/compose.yaml": text2 });
  const p2 = await loadProject(
    {
      files: ["/p/compose.yaml"],
      envFiles: [],
      profiles: [],
      env: () => undefined,
    },
    read2,
    composeSchemaCheck,
  );
  await assert.rejects(() => convertProject(p2, read2, { roles: {}, lenient: false }), /links are legacy/);
  const c = await convertProject(p2, read2, { roles: {}, lenient: true });
  assert.match(c.toml, /# lychd import: dropped links: /);
  assert.equal(c.warnings.length, 1);
});
