/**
 * End-to-end test of the bind life cycle through the real entry point (`deno run -A main.ts …`,
 * the fake tools of tests/fakes/bin first on PATH, every call logged): bind, rebind, prune,
 * collisions, reconcile, secrets, status, the lifecycle verbs, unbind.
 *
 * @module
 */
import assert from "node:assert/strict";
import { NVIDIA_SPEC, sandbox } from "./lib/cli.ts";
import {
  assertOk,
  assertOneLine,
  errLines,
  identities,
  rawLog,
  toolCalls,
  tree,
  watchUnitDir,
} from "./lib/cli_checks.ts";

const CODEX = `version = 1

[sepulcher]
name = "tomb"

[vessel]
image = "docker.io/library/nginx:1.27"
ports = ["8080:80"]
volumes = ["webdata:/usr/share/nginx/html:ro"]
requires = ["cache"]

[services.cache]
image = "docker.io/library/redis:7"

[soulstones.vllm]
image = "docker.io/vllm/vllm-openai:v0.11.0"
devices = ["nvidia.com/gpu=0"]
ports = ["8000:8000"]
`;

/** The Codex without services.cache (and the vessel's dependency on it). */
const CODEX_NO_CACHE = CODEX
  .replace('requires = ["cache"]\n', "")
  .replace('\n[services.cache]\nimage = "docker.io/library/redis:7"\n', "");

Deno.test("bind, rebind, prune, collisions, reconcile, secrets, status, lifecycle verbs, unbind", async (t) => {
  const sb = await sandbox();
  await watchUnitDir(sb);
  const cdi = `${sb.dir}/cdi`;
  await Deno.mkdir(cdi);
  await Deno.copyFile(NVIDIA_SPEC, `${cdi}/nvidia.yaml`);
  await Deno.mkdir(`${sb.config}/lychd`, { recursive: true });
  await Deno.mkdir(sb.unitDir, { recursive: true });
  await Deno.writeTextFile(sb.codex, CODEX);
  const foreign = `${sb.unitDir}/tomb-foo.container`;
  const FOREIGN_TEXT = "[Container]\nImage=docker.io/library/busybox\n";
  await Deno.writeTextFile(foreign, FOREIGN_TEXT);

  const lychd = (args: string[], env?: Record<string, string>) => sb.lychd([...args, "--cdi-dir", cdi], env);
  const U = (n: string) => `${sb.unitDir}/${n}`;
  const runes = [
    U("tomb-cache.container"),
    U("tomb-soulstone-vllm.container"),
    U("tomb-vessel.container"),
    U("tomb-webdata.volume"),
    U("tomb.network"),
    `${sb.systemdDir}/tomb.target`,
  ];
  const both = async () => ({ ...(await tree(sb.unitDir)), ...(await tree(sb.systemdDir)) });

  try {
    await t.step("bind --dry-run prints a unified diff and writes nothing", async () => {
      const r = await lychd(["bind", "--dry-run"]);
      assertOk(r);
      for (const f of runes) {
        assert.ok(r.stdout.includes(`--- /dev/null\n+++ b${f}\n`), `diff lacks ${f}`);
      }
      assert.match(r.stdout, /^\+Image=docker\.io\/library\/nginx:1\.27$/m);
      assert.deepEqual(await both(), { [foreign]: FOREIGN_TEXT });
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      assert.match(errLines(r).join("\n"), /would bind: 6 added/);
    });

    let first: Record<string, string> = {};
    await t.step("first bind writes the Runes and reloads once", async () => {
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOk(r);
      first = await both();
      for (const f of runes) assert.ok(first[f]?.startsWith("# "), `${f} missing or without the header`);
      assert.ok(first[U("tomb-vessel.container")].includes("Image=docker.io/library/nginx:1.27"));
      assert.ok(first[U("tomb-vessel.container")].includes("Requires=tomb-cache.service"));
      assert.ok(
        first[U("tomb-vessel.container")].includes("Volume=tomb-webdata.volume:/usr/share/nginx/html:ro"),
      );
      assert.ok(first[U("tomb-soulstone-vllm.container")].includes("AddDevice=nvidia.com/gpu=0"));
      assert.equal(first[foreign], FOREIGN_TEXT);
      assert.ok(first[U(".lychd-manifest.json")]);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user daemon-reload"]);
      assert.match(errLines(r).join("\n"), /bound: 6 added, .*daemon-reload done/);
    });

    await t.step("a second bind of the same Codex changes nothing and does not reload", async () => {
      const ids = await identities(runes);
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOk(r);
      assert.deepEqual(await identities(runes), ids);
      assert.deepEqual(await both(), first);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      assert.match(errLines(r).join("\n"), /6 unchanged; no reload needed/);
    });

    await t.step("status --json lists the owned units, drift ok", async () => {
      const r = await lychd(["status", "--json"]);
      assertOk(r);
      const s = JSON.parse(r.stdout);
      assert.equal(s.bound, true);
      assert.equal(s.codex, sb.codex);
      const units = s.units.map((u: { unit: string }) => u.unit).sort();
      assert.deepEqual(units, [
        "tomb-cache.service",
        "tomb-network.service",
        "tomb-soulstone-vllm.service",
        "tomb-vessel.service",
        "tomb-webdata-volume.service",
        "tomb.target",
      ]);
      for (const u of s.units) assert.equal(u.drift, "ok", u.unit);
      assert.ok(!r.stdout.includes("tomb-foo"), "status lists the foreign file");
      const vllm = s.units.find((u: { unit: string }) => u.unit === "tomb-soulstone-vllm.service");
      assert.deepEqual(vllm.claims, ["nvidia.com/gpu=0"]);
    });

    await t.step("bind --dry-run of a removal shows it and touches nothing", async () => {
      await Deno.writeTextFile(sb.codex, CODEX_NO_CACHE);
      await sb.clearCalls();
      const r = await lychd(["bind", "--dry-run"]);
      assertOk(r);
      assert.ok(r.stdout.includes(`--- a${U("tomb-cache.container")}\n+++ /dev/null\n`), r.stdout);
      assert.match(r.stdout, /^-Requires=tomb-cache\.service$/m);
      assert.deepEqual(await both(), first);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
    });

    let pruned: Record<string, string> = {};
    await t.step("removing a service stops its unit, prunes only its file, reloads once", async () => {
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOk(r);
      pruned = await both();
      const gone = Object.keys(first).filter((f) => !(f in pruned));
      assert.deepEqual(gone, [U("tomb-cache.container")]);
      assert.equal(pruned[foreign], FOREIGN_TEXT);
      assert.ok(!pruned[U("tomb-vessel.container")].includes("tomb-cache"));
      const log = await rawLog(sb);
      const calls = log.filter((l) => l.startsWith("systemctl "));
      assert.deepEqual(calls, ["systemctl --user stop tomb-cache.service", "systemctl --user daemon-reload"]);
      // The unit was stopped while its file was still there.
      const stopAt = log.indexOf("systemctl --user stop tomb-cache.service");
      assert.ok(log[stopAt - 1].startsWith("files ") && log[stopAt - 1].includes("tomb-cache.container"));
      const reloadAt = log.indexOf("systemctl --user daemon-reload");
      assert.ok(!log[reloadAt - 1].includes("tomb-cache.container"), "reloaded before the removal");
    });

    await t.step("a foreign file where a Rune would go makes bind refuse, writing nothing", async () => {
      const squatter = U("tomb-cache.container");
      await Deno.writeTextFile(squatter, "# hand-written\n");
      await Deno.writeTextFile(sb.codex, CODEX);
      const before = await both();
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOneLine(r, 1, squatter, "lychd did not write it");
      assert.deepEqual(await both(), before);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      await Deno.remove(squatter);
      await Deno.writeTextFile(sb.codex, CODEX_NO_CACHE);
    });

    await t.step("a missing podman secret refuses bind with one line, writing nothing", async () => {
      await Deno.writeTextFile(
        sb.codex,
        CODEX_NO_CACHE.replace('ports = ["8080:80"]\n', 'ports = ["8080:80"]\nsecrets = ["api-key"]\n'),
      );
      await sb.clearCalls();
      const r = await lychd(["bind"], { LYCHD_FAKE_MISSING_SECRETS: "other,api-key" });
      assertOneLine(r, 1, sb.codex, "vessel.secrets", 'podman secret "api-key" does not exist');
      assert.deepEqual(await both(), pruned);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      assert.ok((await toolCalls(sb, "podman")).includes("podman secret exists api-key"));
      await Deno.writeTextFile(sb.codex, CODEX_NO_CACHE);
    });

    await t.step("reconcile restores a deleted owned Rune and reloads once", async () => {
      const vessel = U("tomb-vessel.container");
      await Deno.remove(vessel);
      await sb.clearCalls();
      const r = await lychd(["reconcile"]);
      assertOk(r);
      assert.deepEqual(await both(), pruned);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user daemon-reload"]);
      assert.match(errLines(r).join("\n"), /1 restored/);

      await sb.clearCalls();
      const again = await lychd(["reconcile"]);
      assertOk(again);
      assert.deepEqual(errLines(again), [], "a reconcile with nothing to do is silent");
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
    });

    await t.step("start, stop NAME, summon of a non-soulstone, logs -n", async () => {
      await sb.clearCalls();
      const start = await lychd(["start"]);
      assertOk(start);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user start tomb.target"]);

      await sb.clearCalls();
      const stop = await lychd(["stop", "vessel"]);
      assertOk(stop);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user stop tomb-vessel.service"]);

      await sb.clearCalls();
      const summon = await lychd(["summon", "vessel"]);
      assertOneLine(summon, 2, '"vessel" is not a soulstone', "vllm");
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);

      await sb.clearCalls();
      const logs = await lychd(["logs", "vessel", "-n", "5"]);
      assertOk(logs);
      assert.deepEqual(await toolCalls(sb), ["journalctl --user -u tomb-vessel.service -n 5 --no-pager"]);
      assert.ok(logs.stdout.includes("-- fake journal of tomb-vessel.service --"), logs.stdout);
    });

    await t.step(
      "a failed stop says systemctl's failure in the wrapper's words; nothing changed",
      async () => {
        const before = await both();
        const r = await lychd(["unbind"], { LYCHD_FAKE_FAIL: "systemctl:stop" });
        const line = assertOneLine(
          r,
          1,
          "lychd: stopping ",
          "failed: `systemctl --user stop ",
          "` failed with exit code 1: Failed to stop: fake failure (LYCHD_FAKE_FAIL); nothing changed",
        );
        assert.ok(line.includes('"tomb-vessel.service"'), line);
        assert.deepEqual(await both(), before);
      },
    );

    await t.step("unbind stops the owned units before removing them, keeps the foreign file", async () => {
      await sb.clearCalls();
      const r = await lychd(["unbind"]);
      assertOk(r);
      const left = await both();
      assert.deepEqual(Object.keys(left).filter((f) => !f.endsWith("/.lychd.lock")), [foreign]);
      assert.equal(left[foreign], FOREIGN_TEXT);
      const log = await rawLog(sb);
      const calls = log.filter((l) => l.startsWith("systemctl "));
      assert.equal(calls.length, 2, calls.join("\n"));
      const stopped = calls[0].split(" ");
      assert.deepEqual(stopped.slice(0, 3), ["systemctl", "--user", "stop"]);
      assert.deepEqual(stopped.slice(3).sort(), [
        "tomb-network.service",
        "tomb-soulstone-vllm.service",
        "tomb-vessel.service",
        "tomb-webdata-volume.service",
        "tomb.target",
      ]);
      assert.equal(calls[1], "systemctl --user daemon-reload");
      const stopAt = log.indexOf(calls[0]);
      assert.ok(log[stopAt - 1].includes("tomb-vessel.container"), "stopped after the files were removed");
      assert.ok(!log[log.indexOf(calls[1]) - 1].includes("tomb-vessel.container"));

      const status = await lychd(["status", "--json"]);
      assertOk(status);
      assert.deepEqual(JSON.parse(status.stdout), { bound: false, codex: null, units: [] });
    });
  } finally {
    await sb.cleanup();
  }
});
