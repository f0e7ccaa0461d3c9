/**
 * The gateway's units (socket, socket-proxyd service, gateway service) and the soulstones'
 * admission guard pass `systemd-analyze --user verify` together with the services the real
 * Quadlet generator makes from the container Runes. Rendered the way `bind` renders them from a
 * checkout (`deno run` with the gateway's flags), so every ExecStart*= names a real program.
 */
import assert from "node:assert/strict";
import { goldenCases, registryOf } from "./lib/golden.ts";
import {
  quadletCommand,
  quadletDryrun,
  REQUIRE_ORACLE,
  systemdAnalyzeCommand,
  warnMissing,
} from "./lib/quadlet.ts";
import { splitDryrun } from "./lib/systemd.ts";
import { loadCodex } from "../src/codex/load.ts";
import { makePlan } from "../src/plan/plan.ts";
import { renderPlan } from "../src/quadlet/render.ts";
import { invocationFor } from "../src/cli/invocation.ts";
import { gatewayFlags } from "../src/gateway/permissions.ts";
import { ROOT } from "./lib/cli.ts";

const analyze = systemdAnalyzeCommand();
const available = analyze !== undefined && quadletCommand() !== undefined;
if (!available && !REQUIRE_ORACLE) warnMissing("tests/gateway_units_test.ts (systemd-analyze)");

const PROXYD = ["/usr/lib/systemd/systemd-socket-proxyd", "/lib/systemd/systemd-socket-proxyd"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

function rendered() {
  const c = goldenCases().find((g) => g.name === "gateway")!;
  const codex = loadCodex(c.codexText, `${c.dir}/codex.toml`);
  const paths = {
    codex: codex.file,
    unitDir: "/x",
    systemdDir: "/y",
    cdiDirs: [`${c.dir}/cdi`],
    system: false,
  };
  const inv = invocationFor({ exec: Deno.execPath(), main: `file://${ROOT}/main.ts` }, paths, codex.file);
  return {
    inv,
    runes:
      renderPlan(makePlan(codex, registryOf(c)), { podmanVersion: "5.4", lychd: inv, socketProxyd: PROXYD })
        .runes,
  };
}

Deno.test("from a checkout, units run deno with the gateway's (or binder's) exact permission set", () => {
  const { inv, runes } = rendered();
  assert.deepEqual(inv.gateway, [
    Deno.execPath(),
    "run",
    "--quiet",
    `--config=${ROOT}/deno.json`,
    ...gatewayFlags("@LYCHD_GATEWAY_SOCKET@"),
    `${ROOT}/gateway.ts`,
  ]);
  assert.deepEqual(inv.binder.slice(-1), [`${ROOT}/main.ts`]);
  assert.ok(inv.binder.includes("--deny-net"));
  assert.ok(inv.context.includes("--cdi-dir"));
  const svc = runes.find((r) => r.name === "gw-gateway.service")!.text;
  assert.match(svc, /"--allow-net=127\.0\.0\.1,\[::1\],unix:%t\/lychd\/gw-gateway\/gateway\.sock"/);
  assert.match(svc, /gateway\.ts --socket %t\/lychd\/gw-gateway\/gateway\.sock --codex /);
  // The installed tree (scripts/build_js.ts): its main.js and gateway.js, its config.
  const js = invocationFor({ exec: Deno.execPath(), main: "file:///i/bin/.lychd/main.js" }, {
    codex: "/c.toml",
    unitDir: "/x",
    systemdDir: "/y",
    cdiDirs: ["/etc/cdi", "/var/run/cdi"],
    system: false,
  }, "/c.toml");
  assert.deepEqual(js.binder.slice(-1), ["/i/bin/.lychd/main.js"]);
  assert.deepEqual(js.gateway.slice(-1), ["/i/bin/.lychd/gateway.js"]);
  assert.ok(js.gateway.includes("--config=/i/bin/.lychd/deno.json"));
  // Compiled: the binary itself and lychd-gateway beside it.
  const bin = invocationFor({ exec: "/opt/lychd/lychd", main: "file:///x/main.ts" }, {
    codex: "/c.toml",
    unitDir: "/x",
    systemdDir: "/y",
    cdiDirs: ["/etc/cdi", "/var/run/cdi"],
    system: true,
  }, "/c.toml");
  assert.deepEqual(bin, {
    binder: ["/opt/lychd/lychd"],
    gateway: ["/opt/lychd/lychd-gateway"],
    context: ["--codex", "/c.toml", "--system"],
  });
});

Deno.test({
  name: "gateway: socket, proxy and service units and the admission guard pass systemd-analyze verify",
  ignore: (!available || !PROXYD) && !REQUIRE_ORACLE,
  async fn() {
    const { runes } = rendered();
    const quadletDir = await Deno.makeTempDir({ prefix: "lychd-gw-q-" });
    const unitDir = await Deno.makeTempDir({ prefix: "lychd-gw-u-" });
    const runtime = await Deno.makeTempDir({ prefix: "lychd-gw-rt-" });
    try {
      for (const r of runes) {
        await Deno.writeTextFile(`${r.dir === "quadlet" ? quadletDir : unitDir}/${r.name}`, r.text);
      }
      const gen = await quadletDryrun(quadletDir);
      assert.equal(gen.code, 0, gen.stderr);
      const generated = splitDryrun(gen.stdout);
      for (const [name, text] of generated) await Deno.writeTextFile(`${unitDir}/${name}`, text);
      const guarded = [...generated].filter(([, t]) => /^ExecCondition=.* admit /m.test(t)).map(([n]) => n)
        .sort();
      assert.deepEqual(guarded, [
        "gw-soulstone-embed.service",
        "gw-soulstone-vllm.service",
        "gw-soulstone-whisper.service",
      ]);
      const verify = async (names: string[]) => {
        const out = await new Deno.Command(analyze![0], {
          args: [...analyze!.slice(1), "--user", "verify", ...names.map((n) => `${unitDir}/${n}`)],
          env: { XDG_RUNTIME_DIR: runtime, SYSTEMD_UNIT_PATH: `${unitDir}:` },
          stdout: "piped",
          stderr: "piped",
        }).output();
        return { code: out.code, err: new TextDecoder().decode(out.stderr) };
      };
      const gw = await verify(["gw-gateway.socket", "gw-gateway-proxy.service", "gw-gateway.service"]);
      assert.equal(gw.code, 0, gw.err);
      assert.doesNotMatch(gw.err, /error|invalid|unknown|not loaded|not executable/i, gw.err);
      // The guarded services: every ExecStart*= must resolve; only podman itself may be missing
      // on a machine without it (the e2e root has it).
      const guards = await verify(guarded);
      const other = guards.err.split("\n").filter((l) =>
        l.trim() && !/Command \/usr\/bin\/podman is not executable/.test(l)
      );
      assert.deepEqual(other, [], guards.err);
    } finally {
      for (const d of [quadletDir, unitDir, runtime]) await Deno.remove(d, { recursive: true });
    }
  },
});
