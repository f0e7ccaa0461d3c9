/**
 * The Codex fields added for `lychd import compose`, through the real Quadlet generator (5.4):
 * each becomes the podman argument it names, natively for 5.4 and through PodmanArgs= for a target
 * that predates the Quadlet key.
 */
import assert from "node:assert/strict";
import { loadCodex } from "../src/codex/load.ts";
import { makePlan } from "../src/plan/plan.ts";
import { renderPlan } from "../src/quadlet/render.ts";
import { CdiRegistry } from "../src/cdi/registry.ts";
import { quadletCommand, quadletDryrun, REQUIRE_ORACLE, warnMissing } from "./lib/quadlet.ts";
import { execWords, flagValues, lastValue, splitDryrun } from "./lib/systemd.ts";

const available = quadletCommand() !== undefined;
if (!available && !REQUIRE_ORACLE) warnMissing("tests/import_fields_test.ts");

const CODEX = `version = 1
[sepulcher]
name = "nf"

[services.db]
image = "docker.io/library/postgres:16"
health = { cmd = "pg_isready", interval = "2s" }
notify_healthy = true
working_dir = "/var/lib/postgresql"
hostname = "db.local"
aliases = ["postgres", "pg.internal"]
init = true
stop_signal = "SIGINT"
group_add = ["video", "render"]
ulimits = { nofile = "65535:65535", memlock = -1 }
sysctls = { "net.core.somaxconn" = "1024" }

[services.seed]
image = "docker.io/library/busybox:latest"
command = ["true"]
oneshot = true
restart = "no"
`;

async function generated(version: string): Promise<Map<string, string>> {
  const codex = loadCodex(CODEX, "codex.toml");
  const { runes } = renderPlan(makePlan(codex, CdiRegistry.fromSpecs([], () => undefined)), {
    podmanVersion: version,
  });
  const dir = await Deno.makeTempDir({ prefix: "lychd-fields-" });
  try {
    for (const r of runes) await Deno.writeTextFile(`${dir}/${r.name}`, r.text);
    const res = await quadletDryrun(dir);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stderr, /unsupported|error/i, res.stderr);
    return splitDryrun(res.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const version of ["5.4", "4.6"]) {
  Deno.test({
    name: `new Codex fields reach podman (target ${version})`,
    ignore: !available && !REQUIRE_ORACLE,
    async fn() {
      const units = await generated(version);
      const db = units.get("nf-db.service")!;
      const w = execWords(lastValue(db, "ExecStart")!);
      const flag = (f: string) => flagValues(w, f);
      assert.deepEqual(flag("--workdir").concat(flag("-w")), ["/var/lib/postgresql"]);
      assert.deepEqual(flag("--hostname"), ["db.local"]);
      assert.deepEqual(flag("--network-alias").sort(), ["db", "pg.internal", "postgres"]);
      assert.ok(w.includes("--init"), w.join(" "));
      assert.deepEqual(flag("--stop-signal"), ["SIGINT"]);
      assert.deepEqual(flag("--group-add").sort(), ["render", "video"]);
      assert.deepEqual(flag("--ulimit").sort(), ["memlock=-1", "nofile=65535:65535"]);
      assert.deepEqual(flag("--sysctl"), ["net.core.somaxconn=1024"]);
      if (version === "5.4") assert.deepEqual(flag("--sdnotify"), ["healthy"]);
      const seed = units.get("nf-seed.service")!;
      assert.equal(lastValue(seed, "Type"), "oneshot");
      assert.equal(lastValue(seed, "RemainAfterExit"), "yes");
      assert.equal(lastValue(seed, "Restart"), "no");
    },
  });
}

Deno.test("new Codex fields: a oneshot that restarts always, or notify_healthy without health, is refused", () => {
  assert.throws(
    () => loadCodex(`version = 1\n[services.a]\nimage = "x"\noneshot = true\n`, "c.toml"),
    /oneshot service cannot have restart = "always"/,
  );
  assert.throws(
    () => loadCodex(`version = 1\n[services.a]\nimage = "x"\nnotify_healthy = true\n`, "c.toml"),
    /notify_healthy needs a health check/,
  );
});
