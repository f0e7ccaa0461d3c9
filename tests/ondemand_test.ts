/**
 * On-demand soulstones: the socket and proxy units pass `systemd-analyze --user verify` together
 * with the services the real Quadlet generator makes from the container Runes.
 */
import assert from "node:assert/strict";
import { goldenCases, renderCase } from "./lib/golden.ts";
import {
  quadletCommand,
  quadletDryrun,
  REQUIRE_ORACLE,
  systemdAnalyzeCommand,
  warnMissing,
} from "./lib/quadlet.ts";
import { splitDryrun } from "./lib/systemd.ts";

const analyze = systemdAnalyzeCommand();
const available = analyze !== undefined && quadletCommand() !== undefined;
if (!available && !REQUIRE_ORACLE) warnMissing("tests/ondemand_test.ts (systemd-analyze)");

Deno.test({
  name: "on-demand: socket and proxy units pass systemd-analyze verify with the generated services",
  ignore: !available && !REQUIRE_ORACLE,
  async fn() {
    const c = goldenCases().find((g) => g.name === "on-demand")!;
    const { runes } = renderCase(c);
    const quadletDir = await Deno.makeTempDir({ prefix: "lychd-od-q-" });
    const unitDir = await Deno.makeTempDir({ prefix: "lychd-od-u-" });
    const runtime = await Deno.makeTempDir({ prefix: "lychd-od-rt-" });
    try {
      for (const r of runes) {
        await Deno.writeTextFile(`${r.dir === "quadlet" ? quadletDir : unitDir}/${r.name}`, r.text);
      }
      const gen = await quadletDryrun(quadletDir);
      assert.equal(gen.code, 0, gen.stderr);
      for (const [name, text] of splitDryrun(gen.stdout)) {
        await Deno.writeTextFile(`${unitDir}/${name}`, text);
      }
      const targets = runes.filter((r) => r.dir === "systemd" && r.name.includes("-proxy.")).map((r) =>
        `${unitDir}/${r.name}`
      );
      assert.equal(targets.length, 4);
      const out = await new Deno.Command(analyze![0], {
        args: [...analyze!.slice(1), "--user", "verify", ...targets],
        env: { XDG_RUNTIME_DIR: runtime, SYSTEMD_UNIT_PATH: `${unitDir}:` },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, err);
      assert.doesNotMatch(err, /error|invalid|unknown|not loaded/i, err);
    } finally {
      for (const d of [quadletDir, unitDir, runtime]) await Deno.remove(d, { recursive: true });
    }
  },
});
