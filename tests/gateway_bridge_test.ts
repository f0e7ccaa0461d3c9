import assert from "node:assert/strict";
/**
 * Reaching the gateway from containers (docs/gateway.md): `sepulcher.subnet`, the pinned bridge
 * network, the gateway socket's second listener and the `lychd-gateway` name in every container.
 * The real generators judge these Runes in tests/oracle_test.ts (golden cases default and
 * gateway); the real host in tests/e2e/gateway_scenarios.ts (step 1b).
 */
import { DEFAULT_SUBNET, parseSubnet } from "../src/codex/subnet.ts";
import { loadCodex } from "../src/codex/load.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { makePlan } from "../src/plan/plan.ts";
import { renderPlan } from "../src/quadlet/render.ts";
import { goldenCases, registryOf } from "./lib/golden.ts";

Deno.test("parseSubnet: the bridge address is the first host; bad forms refused", () => {
  assert.deepEqual(parseSubnet("10.87.0.0/24"), {
    ok: true,
    value: { cidr: "10.87.0.0/24", gateway: "10.87.0.1" },
  });
  assert.deepEqual(parseSubnet("172.31.255.248/29"), {
    ok: true,
    value: { cidr: "172.31.255.248/29", gateway: "172.31.255.249" },
  });
  assert.equal(parseSubnet("192.168.0.0/16").ok, true);
  for (
    const bad of [
      "10.87.0.0",
      "10.87.0/24",
      "10.87.0.0/15",
      "10.87.0.0/30",
      "172.32.0.0/16",
      "8.8.8.0/24",
      "10.87.0.1/24",
      "10.087.0.0/24",
      "fd00::/64",
      " 10.87.0.0/24",
    ]
  ) {
    assert.equal(parseSubnet(bad).ok, false, bad);
  }
  assert.equal(parseSubnet(DEFAULT_SUBNET).ok, true);
});

function render(text: string, version = "5.4") {
  const codex = loadCodex(text, "/c/codex.toml");
  const reg = registryOf(goldenCases().find((g) => g.name === "default")!);
  return renderPlan(makePlan(codex, reg), { podmanVersion: version }).runes;
}
const text = (runes: { name: string; text: string }[], name: string) =>
  runes.find((r) => r.name === name)!.text;

Deno.test("bridge + gateway: pinned subnet, socket on loopback and the bridge address, lychd-gateway everywhere", () => {
  const runes = render(DEFAULT_CODEX);
  assert.match(text(runes, "lychd.network"), /\nSubnet=10\.87\.0\.0\/24\nGateway=10\.87\.0\.1\n/);
  assert.match(
    text(runes, "lychd-gateway.socket"),
    /\nListenStream=127\.0\.0\.1:4000\nListenStream=10\.87\.0\.1:4000\nFreeBind=yes\n/,
  );
  for (const r of runes.filter((r) => r.name.endsWith(".container"))) {
    assert.match(r.text, /\nAddHost=lychd-gateway:10\.87\.0\.1\n/, r.name);
  }
  // The default vessel reaches the stones by service name, which works rootless too (lychd-gateway does
  // not: a host socket is not reachable from a rootless network); the comment names the gateway URL.
  assert.match(text(runes, "lychd-vessel.container"), /OPENAI_API_BASE_URLS=.*http:\/\/vllm:8000\/v1/);
  assert.match(DEFAULT_CODEX, /OPENAI_API_BASE_URL = "http:\/\/lychd-gateway:4000\/v1"/);
  // Before 5.3 AddHost= is not a key: the downgrade pass moves it into PodmanArgs=.
  assert.match(
    text(render(DEFAULT_CODEX, "5.2"), "lychd-vessel.container"),
    /--add-host=lychd-gateway:10\.87\.0\.1/,
  );
});

Deno.test("a written subnet is used; a wildcard listen needs no second listener; no gateway, no pin", () => {
  const custom = DEFAULT_CODEX.replace(
    'bind_address = "127.0.0.1"',
    'bind_address = "127.0.0.1"\nsubnet = "192.168.77.0/28"',
  );
  const runes = render(custom);
  assert.match(text(runes, "lychd.network"), /Subnet=192\.168\.77\.0\/28\nGateway=192\.168\.77\.1\n/);
  assert.match(text(runes, "lychd-gateway.socket"), /ListenStream=192\.168\.77\.1:4000\n/);
  const any = render(DEFAULT_CODEX.replace('listen = "4000"', 'listen = "0.0.0.0:4000"'));
  const sock = text(any, "lychd-gateway.socket");
  assert.equal(sock.match(/ListenStream=/g)?.length, 1, sock);
  assert.doesNotMatch(sock, /FreeBind/);
  const noGw = DEFAULT_CODEX.slice(0, DEFAULT_CODEX.indexOf("# One OpenAI-compatible endpoint"))
    .replace("lychd-gateway:4000", "localhost:4000");
  const plain = render(noGw);
  assert.doesNotMatch(text(plain, "lychd.network"), /Subnet=/);
  assert.doesNotMatch(text(plain, "lychd-vessel.container"), /AddHost=/);
});
