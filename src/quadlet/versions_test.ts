import assert from "node:assert/strict";
import { quadletCommand } from "../../tests/lib/quadlet.ts";
import {
  compareVersions,
  FILE_SINCE,
  KEY_SINCE,
  NEWEST,
  parseVersion,
  SUPPORTED_VERSIONS,
  supports,
  supportsFile,
  VALUE_SINCE,
} from "./versions.ts";

type Group = keyof typeof KEY_SINCE;
const GROUPS: Group[] = ["Container", "Network", "Volume", "Pod"];

// ---------------------------------------------------------------------------------------------
// Helpers

Deno.test("compareVersions orders major.minor numerically and ignores the patch", () => {
  assert.ok(compareVersions("5.10", "5.9") > 0);
  assert.ok(compareVersions("5.9", "5.10") < 0);
  assert.ok(compareVersions("4.9", "5.0") < 0);
  assert.ok(compareVersions("5.0", "4.9") > 0);
  assert.deepEqual(compareVersions("5.4.2", "5.4"), 0);
  assert.deepEqual(compareVersions("5.4", "5.4.0"), 0);
  assert.ok(compareVersions("5.4.9", "5.5") < 0);
  assert.deepEqual(compareVersions("5", "5.0"), 0);
  const sorted = ["5.10", "4.4", "5.2", "5.9", "4.10"].sort(compareVersions);
  assert.deepEqual(sorted, ["4.4", "4.10", "5.2", "5.9", "5.10"]);
});

Deno.test("parseVersion extracts major.minor", () => {
  assert.deepEqual(parseVersion("podman version 5.4.2"), "5.4");
  assert.deepEqual(parseVersion("5.4.2"), "5.4");
  assert.deepEqual(parseVersion("5.4"), "5.4");
  assert.deepEqual(parseVersion("5.4.2+ds1-2+b2"), "5.4");
  assert.deepEqual(parseVersion("v5.10.1-rc2"), "5.10");
  assert.deepEqual(parseVersion("podman version 4.9.3\n"), "4.9");
  assert.deepEqual(parseVersion("quadlet 05.04"), "5.4");
  assert.deepEqual(parseVersion("podman version unknown"), undefined);
  assert.deepEqual(parseVersion(""), undefined);
  assert.deepEqual(parseVersion("5"), undefined);
});

Deno.test("supports answers from KEY_SINCE", () => {
  assert.ok(!supports("5.4", "Container", "Memory"));
  assert.ok(supports("5.5", "Container", "Memory"));
  assert.ok(supports("5.5.1", "Container", "Memory"));
  assert.ok(!supports("5.2", "Container", "AddHost"));
  assert.ok(supports("5.3", "Container", "AddHost"));
  assert.ok(supports("5.10", "Container", "AppArmor"));
  assert.ok(!supports("4.9", "Container", "Pod"));
  assert.ok(supports("4.4", "Container", "Image"));
  assert.ok(!supports("4.4", "Network", "NetworkName"));
  assert.ok(supports("4.7", "Network", "NetworkName"));
  assert.ok(!supports("5.4", "Pod", "HostName"));
  assert.ok(!supports(NEWEST, "Container", "NoSuchKey"));
  assert.ok(!supports(NEWEST, "Container", "constructor")); // not fooled by Object.prototype
  assert.ok(!supports(NEWEST, "Container", "toString"));
  assert.ok(supportsFile("5.0", ".pod"));
  assert.ok(!supportsFile("4.9", ".pod"));
  assert.ok(!supportsFile(NEWEST, ".nope"));
});

// ---------------------------------------------------------------------------------------------
// The table itself

Deno.test("SUPPORTED_VERSIONS is ascending, 4.4 … NEWEST, and every date is one of them", () => {
  assert.deepEqual(SUPPORTED_VERSIONS[0], "4.4");
  assert.deepEqual(SUPPORTED_VERSIONS.at(-1), NEWEST);
  for (let i = 1; i < SUPPORTED_VERSIONS.length; i++) {
    assert.ok(compareVersions(SUPPORTED_VERSIONS[i - 1], SUPPORTED_VERSIONS[i]) < 0);
  }
  const all = [
    ...GROUPS.flatMap((g) => Object.entries(KEY_SINCE[g]).map(([k, v]) => [`${g}.${k}`, v])),
    ...Object.entries(FILE_SINCE),
    ...Object.entries(VALUE_SINCE),
  ];
  for (const [what, v] of all) {
    assert.ok(SUPPORTED_VERSIONS.includes(v), `${what}: ${v} is not in SUPPORTED_VERSIONS`);
  }
});

Deno.test("every key lychd emits is dated", () => {
  const emitted: Record<Group, string[]> = {
    Container: [
      "Image",
      "ContainerName",
      "Exec",
      "Entrypoint",
      "Environment",
      "EnvironmentFile",
      "PublishPort",
      "Volume",
      "Tmpfs",
      "AddDevice",
      "AddHost",
      "ReadOnly",
      "NoNewPrivileges",
      "AddCapability",
      "DropCapability",
      "User",
      "UserNS",
      "Memory",
      "ShmSize",
      "Label",
      "Annotation",
      "Secret",
      "HealthCmd",
      "HealthInterval",
      "HealthTimeout",
      "HealthRetries",
      "HealthStartPeriod",
      "Notify",
      "StopTimeout",
      "Pull",
      "AutoUpdate",
      "PodmanArgs",
      "Network",
      "NetworkAlias",
      "HostName",
      "Pod",
      "RunInit",
      "StopSignal",
      "Ulimit",
      "Timezone",
      "LogDriver",
      "WorkingDir",
      "GroupAdd",
      "ReloadCmd",
    ],
    Network: [
      "NetworkName",
      "Driver",
      "Subnet",
      "Gateway",
      "IPRange",
      "DNS",
      "Internal",
      "DisableDNS",
      "IPv6",
      "Label",
      "Options",
      "PodmanArgs",
      "NetworkDeleteOnStop",
    ],
    Volume: [
      "VolumeName",
      "Driver",
      "Device",
      "Type",
      "Options",
      "Copy",
      "Label",
      "User",
      "Group",
      "Image",
      "PodmanArgs",
    ],
    Pod: ["PodName", "Network", "NetworkAlias", "PublishPort", "Volume", "PodmanArgs", "ServiceName"],
  };
  for (const g of GROUPS) {
    for (const k of emitted[g]) assert.ok(Object.hasOwn(KEY_SINCE[g], k), `${g}.${k} missing`);
  }
});

Deno.test("the dates the lead asked about", () => {
  const c = KEY_SINCE.Container;
  assert.deepEqual(c.Entrypoint, "5.0");
  assert.deepEqual(c.AddHost, "5.3");
  assert.deepEqual(c.Memory, "5.5");
  assert.deepEqual(c.StopTimeout, "5.0");
  assert.deepEqual(c.ShmSize, "4.7");
  assert.deepEqual(c.NetworkAlias, "5.2");
  assert.deepEqual(c.HostName, "4.6");
  assert.deepEqual(VALUE_SINCE["Container.Notify=healthy"], "5.0");
  assert.deepEqual(FILE_SINCE[".pod"], "5.0");
  assert.deepEqual(FILE_SINCE[".image"], "4.8");
  assert.deepEqual(FILE_SINCE[".build"], "5.2");
});

Deno.test("every key of the 5.6-era quadlet.go maps (podman commit 00b40dba) is dated ≤ 5.6", () => {
  // Copied from groupsInfo[...].SupportedKeys of that commit (Container, Network, Volume, Pod).
  const src56: Record<Group, string> = {
    Container: "AddCapability AddDevice AddHost Annotation AutoUpdate CgroupsMode ContainerName " +
      "ContainersConfModule DNS DNSOption DNSSearch DropCapability Environment EnvironmentFile " +
      "EnvironmentHost Entrypoint Exec ExposeHostPort GIDMap GlobalArgs Group GroupAdd HealthCmd " +
      "HealthInterval HealthOnFailure HealthLogDestination HealthMaxLogCount HealthMaxLogSize " +
      "HealthRetries HealthStartPeriod HealthStartupCmd HealthStartupInterval HealthStartupRetries " +
      "HealthStartupSuccess HealthStartupTimeout HealthTimeout HostName IP6 IP Image Label LogDriver " +
      "LogOpt Mask Memory Mount Network NetworkAlias NoNewPrivileges Notify PidsLimit Pod PodmanArgs " +
      "PublishPort Pull ReadOnly ReadOnlyTmpfs ReloadCmd ReloadSignal RemapGid RemapUid RemapUidSize " +
      "RemapUsers Retry RetryDelay Rootfs RunInit SeccompProfile Secret SecurityLabelDisable " +
      "SecurityLabelFileType SecurityLabelLevel SecurityLabelNested SecurityLabelType ServiceName " +
      "ShmSize StopSignal StartWithPod StopTimeout SubGIDMap SubUIDMap Sysctl Timezone Tmpfs UIDMap " +
      "Ulimit Unmask User UserNS VolatileTmp Volume WorkingDir",
    Volume: "ContainersConfModule Copy Device Driver GlobalArgs Group Image Label Options PodmanArgs " +
      "ServiceName Type User VolumeName",
    Network: "Label DNS ContainersConfModule GlobalArgs DisableDNS Driver Gateway IPAMDriver IPRange " +
      "IPv6 InterfaceName Internal NetworkName NetworkDeleteOnStop Options ServiceName Subnet PodmanArgs",
    Pod: "AddHost ContainersConfModule DNS DNSOption DNSSearch ExitPolicy GIDMap GlobalArgs HostName IP " +
      "IP6 Label Network NetworkAlias PodName PodmanArgs PublishPort RemapGid RemapUid RemapUidSize " +
      "RemapUsers ServiceName ShmSize SubGIDMap SubUIDMap UIDMap UserNS Volume",
  };
  for (const g of GROUPS) {
    const keys = src56[g].split(" ");
    for (const k of keys) {
      assert.ok(Object.hasOwn(KEY_SINCE[g], k), `${g}.${k} (in the 5.6 source) missing`);
      assert.ok(compareVersions(KEY_SINCE[g][k], "5.6") <= 0, `${g}.${k} dated after 5.6`);
    }
    for (const [k, v] of Object.entries(KEY_SINCE[g])) {
      if (compareVersions(v, "5.6") <= 0) {
        assert.ok(keys.includes(k), `${g}.${k} ≤ 5.6 but not in the 5.6 source`);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Ground truth: the real generator (podman 5.4.2 from the e2e root, or any other found)

/** argv prefix running a Quadlet generator, or undefined. */
function findGenerator(): string[] | undefined {
  const exists = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  const wrapper = new URL("../../scripts/quadlet.sh", import.meta.url).pathname;
  const candidates: string[][] = [];
  if (exists(wrapper)) candidates.push(["bash", wrapper]);
  const found = quadletCommand();
  if (found) candidates.push(found);
  for (const argv of candidates) {
    try {
      const out = new Deno.Command(argv[0], {
        args: [...argv.slice(1), "-version"],
        stdout: "piped",
        stderr: "piped",
      })
        .outputSync();
      if (out.success && parseVersion(new TextDecoder().decode(out.stdout))) return argv;
    } catch {
      // not runnable: next
    }
  }
  return undefined;
}

let generator: string[] | undefined;
let generatorVersion: string | undefined;
try {
  generator = findGenerator();
  if (generator) {
    const out = new Deno.Command(generator[0], { args: [...generator.slice(1), "-version"], stdout: "piped" })
      .outputSync();
    generatorVersion = parseVersion(new TextDecoder().decode(out.stdout));
  }
} catch {
  generator = undefined; // no --allow-run etc.
}
if (!generator || !generatorVersion) {
  console.warn(
    "\n!!!!!!!! versions_test: NO QUADLET GENERATOR FOUND — the KEY_SINCE ground-truth check is SKIPPED. " +
      "Set LYCHD_QUADLET, install podman, or build the e2e root (LYCHD_E2E=1 scripts/e2e-host.sh build). !!!!!!!!\n",
  );
}

/** Runs the generator on one tiny file; true when it reports `unsupported key '<key>'`. */
async function rejects(argv: string[], group: Group, key: string): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "lychd-qv-" });
  try {
    const ext = `.${group.toLowerCase()}`;
    const head = group === "Container" ? "[Container]\nImage=localhost/x\n" : `[${group}]\n`;
    await Deno.writeTextFile(`${dir}/t${ext}`, `${head}${key}=1\n`);
    const out = await new Deno.Command(argv[0], {
      args: [...argv.slice(1), "-dryrun", "-user"],
      env: { QUADLET_UNIT_DIRS: dir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.includes(`unsupported key '${key}' in group '${group}'`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const res: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      res[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  return res;
}

Deno.test({
  name: `KEY_SINCE matches the real Quadlet generator (${generatorVersion ?? "none found"})`,
  ignore: !generator || !generatorVersion,
  fn: async () => {
    const argv = generator!;
    const v = generatorVersion!;
    // Sanity: a bogus key is rejected, a bare container is accepted.
    assert.ok(await rejects(argv, "Container", "LychdNoSuchKey"), "bogus key not rejected: detection broken");
    assert.ok(!(await rejects(argv, "Container", "Image")));

    // Every dated key, plus every key name of any group (to find undated keys the generator takes).
    const universe = new Set(GROUPS.flatMap((g) => Object.keys(KEY_SINCE[g])));
    for (const k of ["Yaml", "ConfigMap", "AllTags", "Arch", "File", "ImageTag", "Policy", "UID", "GID"]) {
      universe.add(k);
    }
    const probes = GROUPS.flatMap((g) => [...universe].map((k) => ({ g, k })));
    const rejected = await pool(probes, 8, ({ g, k }) => rejects(argv, g, k));

    const wrong: string[] = [];
    probes.forEach(({ g, k }, i) => {
      const since = Object.hasOwn(KEY_SINCE[g], k) ? KEY_SINCE[g][k] : undefined;
      const accepted = !rejected[i];
      if (since === undefined) {
        if (accepted && compareVersions(v, NEWEST) <= 0) {
          wrong.push(`${g}.${k}: accepted by ${v} but not in KEY_SINCE`);
        }
        return;
      }
      const expected = compareVersions(v, since) >= 0;
      if (accepted !== expected) {
        wrong.push(
          `${g}.${k}: KEY_SINCE says ${since}, generator ${v} ${accepted ? "accepts" : "rejects"} it`,
        );
      }
    });
    assert.deepEqual(wrong, []);
  },
});
