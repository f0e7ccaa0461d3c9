/**
 * The oracle: every golden case (and the embedded default) goes through the real Quadlet
 * generator (podman 5.4.2), which must accept it and turn each field into the podman argument it
 * calls for — compared after systemd's own unescaping, against the values written in the Codex.
 */
import assert from "node:assert/strict";
import { goldenCases, renderCase } from "./lib/golden.ts";
import { quadletCommand, quadletDryrun, REQUIRE_ORACLE, warnMissing } from "./lib/quadlet.ts";
import { execWords, flagValues, lastValue, splitDryrun } from "./lib/systemd.ts";
import { loadCodex } from "../src/codex/load.ts";
import { formatPort } from "../src/codex/quantities.ts";
import { compareVersions } from "../src/quadlet/versions.ts";

const available = quadletCommand() !== undefined;
if (!available && !REQUIRE_ORACLE) warnMissing("tests/oracle_test.ts");
const ORACLE = "5.4"; // the generator's version

for (const c of goldenCases()) {
  Deno.test({
    name: `oracle ${c.name}: the real Quadlet generator accepts the Runes and maps every field`,
    ignore: !available && !REQUIRE_ORACLE,
    async fn() {
      // Cases that target a newer Podman are rendered for the generator's own version here.
      const version = compareVersions(c.podmanVersion, ORACLE) > 0 ? ORACLE : c.podmanVersion;
      const { runes } = renderCase(c, version);
      const dir = await Deno.makeTempDir({ prefix: `lychd-oracle-${c.name}-` });
      try {
        for (const r of runes) await Deno.writeTextFile(`${dir}/${r.name}`, r.text);
        const res = await quadletDryrun(dir);
        assert.equal(res.code, 0, `quadlet exited ${res.code}:\n${res.stderr}`);
        assert.doesNotMatch(res.stderr, /converting|unsupported|error/i, res.stderr);
        const units = splitDryrun(res.stdout);
        const codex = loadCodex(c.codexText, "codex.toml");
        for (const s of codex.services) {
          const unit = units.get(`${s.stem}.service`);
          assert.ok(unit, `${s.stem}.service was not generated`);
          const words = execWords(lastValue(unit, "ExecStart")!);
          const r = s.raw;
          assert.deepEqual(flagValues(words, "--name"), [s.stem]);
          const imageAt = words.indexOf(r.image);
          assert.ok(imageAt > 0, `image ${r.image} missing`);
          assert.deepEqual(words.slice(imageAt + 1), r.command ?? [], `${s.path}.command`);
          const envs = flagValues(words, "--env");
          for (const [k, v] of Object.entries(r.env ?? {})) {
            assert.ok(envs.includes(`${k}=${v}`), `${s.path}.env.${k}: ${JSON.stringify(envs)}`);
          }
          const labels = flagValues(words, "--label");
          for (const [k, v] of Object.entries(r.labels ?? {})) {
            assert.ok(labels.includes(`${k}=${v}`), `${s.path}.labels.${k}`);
          }
          if (codex.network !== "pod") {
            assert.deepEqual(
              flagValues(words, "--publish").sort(),
              s.ports.map(formatPort).sort(),
              `${s.path}.ports`,
            );
          }
          for (const d of r.devices ?? []) {
            assert.ok(flagValues(words, "--device").includes(d), `${s.path}.devices ${d}`);
          }
          for (const e of r.env_files ?? []) {
            assert.ok(flagValues(words, "--env-file").includes(e), `${s.path}.env_files`);
          }
          if (r.health) {
            const [hc] = flagValues(words, "--health-cmd");
            const want = typeof r.health.cmd === "string"
              ? ["CMD-SHELL", r.health.cmd]
              : ["CMD", ...r.health.cmd];
            assert.deepEqual(JSON.parse(hc), want, `${s.path}.health.cmd`);
          }
          if (r.entrypoint) assert.deepEqual(JSON.parse(flagValues(words, "--entrypoint")[0]), r.entrypoint);
          if (s.memory) assert.deepEqual(flagValues(words, "--memory"), [s.memory]);
          if (r.read_only) assert.ok(words.includes("--read-only") || words.includes("--read-only=true"));
          if (s.noNewPrivileges) assert.ok(words.includes("--security-opt=no-new-privileges"));
          for (const a of r.podman_args ?? []) assert.ok(words.includes(a), `${s.path}.podman_args ${a}`);
          if (r.description) {
            const desc = lastValue(unit, "Description")!;
            assert.equal(desc.replaceAll("%%", "%"), r.description, `${s.path}.description`);
          }
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
