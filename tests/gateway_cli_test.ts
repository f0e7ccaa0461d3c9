/**
 * The gateway in the CLI: check and status show it and the model ids, doctor checks its units and
 * key, completions know model ids, summon takes a model id and evicts by admission (VRAM as a
 * set, LRU, never pinned) with the reason, admit refuses a start that would oversubscribe.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type FakeHost, fakeHost } from "../src/host/_fake.ts";
import { runInProcess } from "./lib/cli.ts";
import { GOLDEN_DIR } from "./lib/golden.ts";

const CODEX = "/home/u/.config/lychd/codex.toml";

async function gwHost(state: Record<string, Record<string, string>> = {}): Promise<FakeHost> {
  const h = fakeHost({
    env: { HOME: "/home/u", USER: "u", PATH: "/usr/bin:/bin" },
    cwd: "/home/u",
    implicitDirs: true,
  });
  h.fs.put(CODEX, await Deno.readTextFile(`${GOLDEN_DIR}gateway/codex.toml`));
  h.fs.put("/etc/cdi/nvidia.yaml", await Deno.readTextFile(`${GOLDEN_DIR}gateway/cdi/nvidia.yaml`));
  h.runner.handler = (cmd, args) => {
    if (cmd === "podman" && args[0] === "--version") return { stdout: "podman version 5.4.2\n" };
    if (cmd !== "systemctl") return undefined;
    const i = args.indexOf("show");
    if (i >= 0) {
      const props = args[i + 1] === "-p" ? args[i + 2].split(",") : ["ActiveState"];
      const units = args.slice(args[i + 1] === "-p" ? i + 3 : i + 1);
      return {
        stdout: units.map((u) =>
          props.map((p) =>
            `${p}=${state[u]?.[p] ?? (p === "ActiveState" ? "inactive" : "")}`
          ).join("\n")
        )
          .join("\n\n") + "\n",
      };
    }
    const verb = args.find((a) => ["start", "stop"].includes(a));
    if (verb) {
      for (const u of args.slice(args.indexOf(verb) + 1)) {
        state[u] = { ...state[u], ActiveState: verb === "start" ? "active" : "inactive" };
      }
    }
    return undefined;
  };
  return h;
}

Deno.test("check --json and the check table show the gateway and every model id", async () => {
  const h = await gwHost();
  const r = await runInProcess(h, ["check", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.gateway.listen, "127.0.0.1:4000");
  assert.equal(j.gateway.from_containers, "lychd-gateway:4000");
  assert.equal(j.gateway.unit, "gw-gateway.service");
  assert.deepEqual(j.gateway.models.map((m: { id: string }) => m.id), [
    "qwen2.5-7b",
    "qwen",
    "bge-m3",
    "whisper-large-v3",
    "qwen2.5-32b",
  ]);
  assert.deepEqual(j.services.find((s: { name: string }) => s.name === "vllm").models, [
    "qwen2.5-7b",
    "qwen",
  ]);
  const t = await runInProcess(await gwHost(), ["check"]);
  assert.match(t.stdout, /^gateway 127\.0\.0\.1:4000 \(gw-gateway\.service\) serves 5 model ids:$/m);
  assert.match(t.stdout, /^ {2}containers: http:\/\/lychd-gateway:4000\/v1$/m);
  assert.match(t.stdout, /^ {2}bge-m3 → embed \(pinned\)$/m);
});

Deno.test("summon takes a model id, evicts the least recently started stone by VRAM and says why", async () => {
  const state: Record<string, Record<string, string>> = {
    "gw-soulstone-vllm.service": { ActiveState: "active", ActiveEnterTimestampMonotonic: "100" },
    "gw-soulstone-embed.service": { ActiveState: "active", ActiveEnterTimestampMonotonic: "50" },
  };
  const h = await gwHost(state);
  const r = await runInProcess(h, ["summon", "whisper-large-v3", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  // embed is older but pinned: vllm goes.
  assert.deepEqual(j.evicted.map((e: { unit: string }) => e.unit), ["gw-soulstone-vllm.service"]);
  assert.match(j.evicted[0].why, /least recently used on "nvidia\.com\/gpu=0".*30 GiB of 24 GiB/);
  assert.deepEqual(j.displaced, ["gw-soulstone-vllm.service"]);
  const lines = h.runner.lines().filter((l) => / (start|stop) /.test(l));
  assert.deepEqual(lines, [
    "systemctl --user stop gw-soulstone-vllm.service",
    "systemctl --user start gw-soulstone-whisper.service",
  ]);
  assert.match(r.stderr, /evicting gw-soulstone-vllm\.service: least recently used/);
});

Deno.test("admit (the ExecCondition= guard) refuses a start that would oversubscribe, and stops nothing", async () => {
  const state: Record<string, Record<string, string>> = {
    "gw-soulstone-embed.service": { ActiveState: "active", ActiveEnterTimestampMonotonic: "50" },
    "gw-soulstone-whisper.service": { ActiveState: "active", ActiveEnterTimestampMonotonic: "60" },
  };
  const h = await gwHost(state);
  const a = await runInProcess(h, ["admit", "vllm"]);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /^lychd: "vllm" does not fit beside the running set: "whisper" least recently used/);
  assert.ok(!h.runner.lines().some((l) => / (start|stop) /.test(l)), "admit never stops anything");
  state["gw-soulstone-whisper.service"] = { ActiveState: "inactive" };
  assert.equal((await runInProcess(h, ["admit", "vllm"])).code, 0);
});

Deno.test("doctor checks the gateway's units and the key file's mode", async () => {
  const h = await gwHost({
    "gw-gateway.socket": { LoadState: "loaded", ActiveState: "active" },
    "gw-gateway.service": { LoadState: "loaded", ActiveState: "failed", Result: "exit-code" },
  });
  h.fs.put("/home/u/.config/lychd/gateway.key", "k\n", 0o644);
  const r = await runInProcess(h, ["doctor", "--json"]);
  const f = JSON.parse(r.stdout).findings.filter((x: { check: string }) => x.check.startsWith("gateway"));
  assert.deepEqual(f.map((x: { check: string; level: string }) => `${x.check} ${x.level}`), [
    "gateway fail",
    "gateway from containers warn",
    "gateway key fail",
  ]);
  assert.match(f[0].detail, /gw-gateway\.service failed \(exit-code\)/);
  assert.equal(f[0].fix, "lychd logs gateway");
  assert.match(f[2].detail, /mode 644/);
});

Deno.test("completions: soulstone operands include the model ids; logs knows gateway", async () => {
  const h = await gwHost();
  const s = await runInProcess(h, ["__complete-names", "--soulstones"]);
  assert.deepEqual(s.stdout.trim().split("\n"), [
    "vllm",
    "embed",
    "whisper",
    "big",
    "qwen2.5-7b",
    "qwen",
    "bge-m3",
    "whisper-large-v3",
    "qwen2.5-32b",
  ]);
  const all = await runInProcess(h, ["__complete-names"]);
  assert.ok(all.stdout.trim().split("\n").includes("gateway"));
});

Deno.test("doctor: can containers reach the gateway (rootless: no; a network with another subnet: no)", async () => {
  const find = async (h: FakeHost) => {
    const r = await runInProcess(h, ["doctor", "--json"]);
    return JSON.parse(r.stdout).findings.find((x: { check: string }) =>
      x.check === "gateway from containers"
    );
  };
  const rootless = await gwHost();
  const w = await find(rootless);
  assert.equal(w.level, "warn");
  assert.match(w.detail, /^rootless Podman: .* cannot reach the gateway's 10\.87\.0\.1 \(lychd-gateway\)/);

  let subnet: string | undefined = "10.89.4.0/24";
  const root = await gwHost();
  root.setUid(0);
  const inner = root.runner.handler;
  root.runner.handler = (cmd, args, opts) => {
    if (cmd === "podman" && args[0] === "network" && args[1] === "inspect") {
      return subnet === undefined
        ? { code: 125, stderr: "Error: network not found\n" }
        : { stdout: JSON.stringify([{ name: args[2], subnets: [{ subnet, gateway: "x" }] }]) };
    }
    return inner(cmd, args, opts);
  };
  const f = await find(root);
  assert.equal(f.level, "fail");
  assert.match(f.detail, /^network gw has 10\.89\.4\.0\/24, not 10\.87\.0\.0\/24/);
  assert.equal(f.fix, "lychd stop && podman network rm gw && lychd start");
  subnet = "10.87.0.0/24";
  assert.equal((await find(root)).level, "ok");
  subnet = undefined;
  assert.match((await find(root)).detail, /not created yet/);
});

Deno.test("bind warns a rootless user that containers cannot reach lychd-gateway; rootful binds do not", async () => {
  const warning = /^lychd: warning: rootless Podman: containers cannot reach the gateway as lychd-gateway/m;
  const rootless = await gwHost();
  const r = await runInProcess(rootless, ["bind"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, warning);
  const root = await gwHost();
  root.setUid(0); // root's user manager: rootful Podman
  const s = await runInProcess(root, ["bind"]);
  assert.equal(s.code, 0, s.stderr);
  assert.doesNotMatch(s.stderr, warning);
});
