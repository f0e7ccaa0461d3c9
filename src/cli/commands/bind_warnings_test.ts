import assert from "node:assert/strict";
import { checkSecrets } from "./bind.ts";
import { fakeHost } from "../../host/_fake.ts";
import { loadCodex } from "../../codex/load.ts";
import { LychdError } from "../../errors.ts";
import type { Paths } from "../context.ts";
import {
  firstBindWarnings,
  gatewayProgramWarnings,
  gatewayReadWarnings,
  newerPodmanWarnings,
} from "../host_warnings.ts";
import { invocationFor } from "../invocation.ts";
import { makePlan } from "../../plan/plan.ts";
import { CdiRegistry } from "../../cdi/registry.ts";
import { warningLine } from "../../warnings.ts";

const FILE = "/home/u/.config/lychd/codex.toml";
const codex = loadCodex(
  `version = 1\n[vessel]\nimage = "localhost/v"\nsecrets = ["api-key", "db-pass", "there"]\n`,
  FILE,
);

/** podman answers: `there` exists, `api-key` does not, asking about `db-pass` fails. */
function host() {
  const h = fakeHost();
  h.runner.handler = (_cmd, args) =>
    args[2] === "there"
      ? { code: 0 }
      : args[2] === "api-key"
      ? { code: 1 }
      : { code: 125, stderr: "Error: cannot connect to Podman" };
  return h;
}

Deno.test("checkSecrets() --dry-run: structured warnings, the lines as bind prints them", async () => {
  const ws = await checkSecrets(host(), { codex }, true);
  assert.deepEqual(ws.map((w) => [w.code, w.file, w.path]), [
    ["secret-missing", FILE, "vessel.secrets"],
    ["secret-unchecked", undefined, ""],
  ]);
  assert.equal(
    warningLine(ws[0]),
    `${FILE}: vessel.secrets: podman secret "api-key" does not exist (hint: create it first: printf '%s' 'VALUE' | podman secret create api-key -)`,
  );
  assert.match(warningLine(ws[1]), /^could not check podman secret "db-pass": /);
});

Deno.test("checkSecrets() without --dry-run: a missing secret refuses with the same words", async () => {
  const h = host();
  h.runner.handler = (_cmd, args) => ({ code: args[2] === "api-key" ? 1 : 0 });
  await assert.rejects(
    () => checkSecrets(h, { codex }, false),
    (e) =>
      e instanceof LychdError &&
      e.message === `${FILE}: vessel.secrets: podman secret "api-key" does not exist` &&
      e.hint === "create it first: printf '%s' 'VALUE' | podman secret create api-key -",
  );
});

Deno.test("firstBindWarnings(): root into its own user manager; rootless with a gateway on the bridge", () => {
  const gw = loadCodex(
    Deno.readTextFileSync(new URL("../../../tests/golden/gateway/codex.toml", import.meta.url)),
    FILE,
  );
  const paths = { system: false } as Paths;
  const h = fakeHost();
  assert.deepEqual(firstBindWarnings(h, paths, gw).map((w) => [w.code, warningLine(w)]), [[
    "bind-rootless-gateway-unreachable",
    `rootless Podman: containers cannot reach the gateway as lychd-gateway (the bridge is in your own network namespace); see docs/gateway.md "Reaching the gateway from containers"`,
  ]]);
  assert.deepEqual(firstBindWarnings(h, paths, codex), [], "no gateway: nothing to say");
  h.setUid(0);
  assert.deepEqual(firstBindWarnings(h, paths, gw).map((w) => [w.code, warningLine(w)]), [[
    "bind-root-user-manager",
    "running as root without --system: binding into root's own user manager (use --system for /etc/containers/systemd)",
  ]]);
  assert.deepEqual(firstBindWarnings(h, { system: true } as Paths, gw), [], "--system: neither");
});

Deno.test("a compiled lychd says when lychd-gateway is not beside it, for a Codex with a gateway", async () => {
  const withGateway = loadCodex(
    `version = 1\n[soulstones.llm]\nimage = "localhost/llm"\nmodels = ["m"]\nports = ["8000:8000"]\n`,
    FILE,
  );
  const plan = makePlan(withGateway, CdiRegistry.fromSpecs([], () => ({})));
  const paths = { codex: FILE, unitDir: "/u", systemdDir: "/s", cdiDirs: [], system: false } as Paths;
  const h = fakeHost();
  h.program = () => ({ exec: "/home/u/bin/lychd", main: "file:///embedded/main.ts" });
  const inv = invocationFor(h.program(), paths, FILE);
  const ws = await gatewayProgramWarnings(h, plan, inv);
  assert.deepEqual(ws.map((w) => [w.code, w.path]), [["gateway-program-missing", "gateway"]]);
  assert.match(
    warningLine(ws[0]),
    /^gateway: the gateway's units run \/home\/u\/bin\/lychd-gateway, which is not there/,
  );
  // From Deno (a checkout, the installed command) the units run deno: nothing to check.
  const deno = invocationFor({ exec: "/usr/bin/deno", main: "file:///c/main.ts" }, paths, FILE);
  assert.deepEqual(await gatewayProgramWarnings(h, plan, deno), []);
  h.fs.put("/home/u/bin/lychd-gateway", "");
  assert.deepEqual(await gatewayProgramWarnings(h, plan, inv), [], "there: nothing to say");
  const noGateway = makePlan(codex, CdiRegistry.fromSpecs([], () => ({})));
  const bare = fakeHost();
  bare.program = h.program;
  assert.deepEqual(await gatewayProgramWarnings(bare, noGateway, inv), [], "no gateway: nothing to say");
});

Deno.test("the gateway's permission set may not read a Codex or key file outside it: said before bind", () => {
  const stone = '[soulstones.llm]\nimage = "localhost/llm"\nmodels = ["m"]\nports = ["8000:8000"]\n';
  const plan = (file: string, extra = "") =>
    makePlan(loadCodex(`version = 1\n${extra}${stone}`, file), CdiRegistry.fromSpecs([], () => ({})));
  const codes = (file: string, extra = "") =>
    gatewayReadWarnings(plan(file, extra)).map((w) => [w.code, w.path]);
  assert.deepEqual(codes("/home/u/.config/lychd/codex.toml"), []);
  assert.deepEqual(codes("/etc/lychd/codex.toml"), []);
  assert.deepEqual(codes("/tmp/x/codex.toml"), [["gateway-read-refused", "gateway"]]);
  assert.deepEqual(codes("/homer/codex.toml"), [["gateway-read-refused", "gateway"]], "a grant is a path");
  assert.deepEqual(codes("/home/u/../../srv/codex.toml"), [["gateway-read-refused", "gateway"]]);
  assert.deepEqual(
    codes("/home/u/codex.toml", '[gateway]\napi_key_file = "/srv/keys/gw"\n'),
    [["gateway-read-refused", "gateway.api_key_file"]],
  );
  const [w] = gatewayReadWarnings(plan("/tmp/x/codex.toml"));
  assert.match(
    warningLine(w),
    /^gateway: the gateway reads the Codex at \/tmp\/x\/codex\.toml when it starts, .*\/home, \/var\/home, \/root, \/etc\/lychd.*: it would not start/,
  );
  assert.deepEqual(
    gatewayReadWarnings(makePlan(codex, CdiRegistry.fromSpecs([], () => ({})))),
    [],
    "no gateway",
  );
});

Deno.test("a Podman newer than lychd knows renders as for the newest it knows, and says so", () => {
  assert.deepEqual(newerPodmanWarnings("5.8", "podman 5.8.2"), []);
  assert.deepEqual(newerPodmanWarnings("4.4", "--podman-version"), []);
  const [w] = newerPodmanWarnings("6.0", "podman 6.0.1");
  assert.equal(w.code, "podman-newer-than-known");
  assert.equal(
    warningLine(w),
    "Podman 6.0 (podman 6.0.1) is newer than any lychd knows (5.8): the Runes use what Podman 5.8 accepts " +
      "(hint: a newer lychd may use what Podman 6.0 added)",
  );
  assert.equal(newerPodmanWarnings("5.10", "x").length, 1, "minor 10 is newer than 8");
});
