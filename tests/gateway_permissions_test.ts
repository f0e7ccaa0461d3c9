/**
 * The gateway's own permission set (src/gateway/permissions.ts): loopback only, proved by running
 * code under exactly those flags. The binder's set stays free of network (tests/permissions_test.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileFlags } from "../src/permissions.ts";
import { policyOf } from "./lib/permissions.ts";
import { GATEWAY_POLICY } from "../src/gateway/permissions.ts";
import { FAKE_BIN, linesOf, ROOT } from "./lib/cli.ts";
import { fakeOpenAi } from "./fixtures/fake_openai.ts";
import { freePort } from "./lib/gateway.ts";
import { fakeHost } from "../src/host/_fake.ts";
import { run } from "../src/cli/run.ts";

const GW_FLAGS = compileFlags(GATEWAY_POLICY);
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/root"}/.cache`}/deno`;

function command(args: string[], env: Record<string, string>): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { DENO_DIR, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("the gateway's set: loopback only for net, systemctl only for run, each entry with a reason", () => {
  const net = GATEWAY_POLICY.find((p) => p.kind === "net")!;
  assert.deepEqual(net.grants.map((g) => g.value), ["127.0.0.1", "[::1]"]);
  assert.ok(GW_FLAGS.includes("--allow-net=127.0.0.1,[::1]"), GW_FLAGS.join(" "));
  assert.ok(!GW_FLAGS.some((f) => f === "-A" || f === "--allow-all" || /^--allow-(ffi|import|sys)/.test(f)));
  assert.ok(GW_FLAGS.includes("--allow-run=systemctl"));
  assert.ok(GW_FLAGS.includes("--no-prompt"));
  for (const p of GATEWAY_POLICY) {
    for (const g of [...p.grants, ...(p.ignored ?? [])]) assert.ok(g.why.length > 10, `${p.kind} ${g.value}`);
  }
  // The binder's set did not gain network.
  assert.equal(policyOf("net").grants.length, 0);
  assert.ok(compileFlags().includes("--deny-net"));
});

Deno.test("under the gateway's flags: loopback works, a dial outside loopback is refused before any connect", async () => {
  const out = await command(["run", "--quiet", ...GW_FLAGS, "tests/fixtures/gateway_net_probe.ts"], {})
    .output();
  const lines = linesOf(new TextDecoder().decode(out.stdout));
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, err);
  assert.equal(lines.length, 5, lines.join("\n") + err);
  assert.match(lines[0], /^fetch http:\/\/127\.0\.0\.1:\d+\/ allowed$/);
  assert.deepEqual(lines.slice(1), [
    "fetch http://10.255.255.1:80/ refused",
    "connect tcp 10.255.255.1:80 refused",
    "resolve example.com refused",
    "gateway forward to 10.255.255.1:80 refused",
  ]);
  // Control: the same probe under -A would be allowed to dial out (asked, never dialled).
  const ctl = await command(["run", "--quiet", "-A", "tests/fixtures/gateway_net_probe.ts", "control"], {})
    .output();
  assert.deepEqual(linesOf(new TextDecoder().decode(ctl.stdout)).map((l) => l.replace(/:\d+\//, ":P/")), [
    "fetch http://127.0.0.1:P/ allowed",
    "query net 10.255.255.1:80 granted",
  ]);
});

Deno.test("the real gateway.ts serves a request end to end under exactly the gateway's flags", async () => {
  let dir: string;
  try {
    dir = await Deno.makeTempDir({ dir: "/home", prefix: "lychd-gw-test-" });
  } catch {
    return assert.fail("/home is not writable: the gateway's set reads Codexes under /home");
  }
  const up = freePort();
  const fake = fakeOpenAi({ port: up, name: "u" });
  await fake.ready;
  const codex = `${dir}/.config/lychd/codex.toml`;
  await Deno.mkdir(`${dir}/.config/lychd`, { recursive: true });
  await Deno.writeTextFile(
    codex,
    `version = 1\n[soulstones.u]\nimage = "i"\nports = ["127.0.0.1:${up}:8000"]\nmodels = ["u"]\nserved_name = "org/U"\n`,
  );
  const gw = command([
    "run",
    "--quiet",
    ...GW_FLAGS,
    "gateway.ts",
    "--listen",
    "127.0.0.1:0",
    "--codex",
    codex,
  ], {
    HOME: dir,
    PATH: `${FAKE_BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    LYCHD_FAKE_LOG: `${dir}/fake.log`,
  }).spawn();
  try {
    const reader = gw.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += value;
    }
    const m = /serving 1 model id on 127\.0\.0\.1:(\d+)/.exec(line);
    assert.ok(m, line);
    const r = await fetch(`http://127.0.0.1:${m[1]}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "u", messages: [] }),
    });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.model, "org/U");
    const log = await Deno.readTextFile(`${dir}/fake.log`);
    assert.match(log, /systemctl\t--user\tstart\tlychd-soulstone-u\.service/);
    reader.releaseLock();
  } finally {
    gw.kill("SIGTERM");
    await gw.status;
    await gw.stdout.cancel().catch(() => {});
    await gw.stderr.cancel().catch(() => {});
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lychd permissions shows the gateway's set beside the binder's", async () => {
  const h = fakeHost({ env: { HOME: "/home/u" } });
  const out: string[] = [];
  h.stdout.write = (t: string) => void out.push(t);
  await run(["permissions", "--json"], h);
  const j = JSON.parse(out.join(""));
  assert.deepEqual(j.gateway.flags, GW_FLAGS);
  assert.ok(
    j.gateway.grants.some((g: { kind: string; value: string; why: string }) =>
      g.kind === "net" && g.value === "127.0.0.1" && g.why
    ),
  );
  const text: string[] = [];
  const h2 = fakeHost({ env: { HOME: "/home/u" } });
  h2.stdout.write = (t: string) => void text.push(t);
  await run(["permissions"], h2);
  assert.match(text.join(""), /lychd-gateway[\s\S]*--allow-net=127\.0\.0\.1,\[::1\]/);
});
