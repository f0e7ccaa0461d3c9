import assert from "node:assert/strict";
import { compareVersions, NEWEST, parseVersion } from "./versions.ts";
import { SUPPORTED_VERSIONS, supports, supportsFile } from "./_testing.ts";
import { FILE_KINDS, type KeySpec, QUADLET_KEYS } from "./keys.ts";

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

Deno.test("supports answers from the key table", () => {
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
  assert.ok(supportsFile("5.0", "x.pod"));
  assert.ok(!supportsFile(NEWEST, ".nope"));
  assert.ok(!supports(NEWEST, "Kube", "Yaml")); // a group lychd does not write
});

// ---------------------------------------------------------------------------------------------
// The table itself (its dates are proven against every generator by tests/oracle_keys_test.ts)

Deno.test("SUPPORTED_VERSIONS is ascending, 4.4 … NEWEST, and every date is one of them", () => {
  assert.deepEqual(SUPPORTED_VERSIONS[0], "4.4");
  assert.deepEqual(SUPPORTED_VERSIONS.at(-1), NEWEST);
  for (let i = 1; i < SUPPORTED_VERSIONS.length; i++) {
    assert.ok(compareVersions(SUPPORTED_VERSIONS[i - 1], SUPPORTED_VERSIONS[i]) < 0);
  }
  const all: [string, string][] = [
    ...Object.entries(QUADLET_KEYS).flatMap(([g, keys]) =>
      Object.entries(keys as Record<string, KeySpec>).flatMap(([k, spec]) => [
        [`${g}.${k}`, spec.since] as [string, string],
        ...(spec.forms ?? []).map((f) => [`${g}.${k}=${f.name}`, f.since] as [string, string]),
      ])
    ),
    ...Object.entries(FILE_KINDS).map(([k, v]) => [`.${k}`, v.since] as [string, string]),
  ];
  for (const [what, v] of all) {
    assert.ok(SUPPORTED_VERSIONS.includes(v), `${what}: ${v} is not in SUPPORTED_VERSIONS`);
  }
});

Deno.test("a fallback flag exists only where the key has an escaping class (lychd writes it)", () => {
  for (const [g, keys] of Object.entries(QUADLET_KEYS)) {
    for (const [k, spec] of Object.entries(keys as Record<string, KeySpec>)) {
      if (spec.fallback) assert.ok(spec.escape, `${g}.${k} has a fallback but lychd never writes it`);
      if (spec.fallback && "flag" in spec.fallback) assert.match(spec.fallback.flag, /^--[a-z-]+$/);
    }
  }
});
