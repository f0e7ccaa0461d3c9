import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { CdiError } from "./errors.ts";
import { normalizeNode, parseSpec } from "./spec.ts";

const fixture = (p: string) => new URL(`../../tests/fixtures/cdi/${p}`, import.meta.url);

Deno.test("parseSpec(, parseYaml) reads device nodes from containerEdits", async () => {
  const text = await Deno.readTextFile(fixture("nvidia.yaml"));
  const spec = parseSpec("/etc/cdi/nvidia.yaml", text, parseYaml);
  assert.equal(spec.path, "/etc/cdi/nvidia.yaml");
  assert.equal(spec.kind, "nvidia.com/gpu");
  assert.equal(spec.cdiVersion, "0.5.0");
  assert.deepEqual(spec.devices.map((d) => d.name), [
    "0",
    "0:0",
    "0:1",
    "1",
    "GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c",
    "GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a",
    "MIG-6d2f3a41-5e9b-5c1a-8f2e-0b7c9d4e1a23",
    "all",
  ]);
  assert.deepEqual(spec.devices[0].nodes, ["/dev/nvidia0", "/dev/dri/card1", "/dev/dri/renderD128"]);
  assert.deepEqual(spec.devices[2].nodes, [
    "/dev/nvidia0",
    "/dev/nvidia-caps/nvidia-cap30",
    "/dev/nvidia-caps/nvidia-cap31",
  ]);
  assert.equal(spec.devices[7].nodes.length, 10);
});

Deno.test("parseSpec(, parseYaml) keeps spec-wide device nodes apart from the devices'", async () => {
  const spec = parseSpec("nvidia.yaml", await Deno.readTextFile(fixture("nvidia.yaml")), parseYaml);
  assert.deepEqual(spec.sharedNodes, [
    "/dev/nvidia-modeset",
    "/dev/nvidia-uvm",
    "/dev/nvidia-uvm-tools",
    "/dev/nvidiactl",
  ]);
  for (const d of spec.devices) assert.ok(!d.nodes.includes("/dev/nvidiactl"), d.name);
});

Deno.test("parseSpec(, parseYaml) reads JSON and prefers hostPath over path", async () => {
  const spec = parseSpec(
    "/var/run/cdi/nvidia.json",
    await Deno.readTextFile(fixture("run/nvidia.json")),
    parseYaml,
  );
  assert.equal(spec.cdiVersion, "0.6.0");
  assert.deepEqual(spec.devices.map((d) => [d.name, d.nodes]), [
    ["1", ["/run/nvidia/driver/dev/nvidia1"]],
    ["GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a", ["/run/nvidia/driver/dev/nvidia1"]],
  ]);
  assert.deepEqual(spec.sharedNodes, ["/run/nvidia/driver/dev/nvidiactl"]);
});

Deno.test("parseSpec(, parseYaml) normalizes and deduplicates nodes; a device without nodes has none", () => {
  const spec = parseSpec(
    "x.json",
    JSON.stringify({
      cdiVersion: "0.6.0",
      kind: "example.com/dev",
      devices: [
        { name: "a", containerEdits: { deviceNodes: [{ path: "/dev//a/./b/" }, { path: "/dev/a/b" }] } },
        { name: "b", containerEdits: { env: ["X=1"] } },
        { name: "c" },
      ],
    }),
    parseYaml,
  );
  assert.deepEqual(spec.devices, [
    { name: "a", nodes: ["/dev/a/b"] },
    { name: "b", nodes: [] },
    { name: "c", nodes: [] },
  ]);
  assert.deepEqual(spec.sharedNodes, []);
  assert.equal(normalizeNode("/dev/../dev/nvidia0"), "/dev/nvidia0");
  assert.equal(normalizeNode("relative/x"), "relative/x");
});

Deno.test("parseSpec(, parseYaml) refuses malformed specs, naming the file and the field", () => {
  const ok = { cdiVersion: "0.6.0", kind: "nvidia.com/gpu", devices: [{ name: "0" }] };
  const cases: [string, string, RegExp][] = [
    ["bad.json", '{"cdiVersion": "0.6.0", "kind": ', /is not valid JSON: /],
    ["bad.yaml", "kind: a\nkind: b\n", /is not valid YAML: Map keys must be unique at line 2, column 1$/],
    ["two.yaml", "a: 1\n---\nb: 2\n", /is not valid YAML: Source contains multiple documents/],
    ["empty.yaml", "", /is empty/],
    ["list.yaml", "- 1\n", /must be a mapping at the top level, found a list/],
    ["v.json", JSON.stringify({ ...ok, cdiVersion: undefined }), /has no "cdiVersion"/],
    [
      "v.yaml",
      "cdiVersion: 0.6\nkind: nvidia.com/gpu\ndevices: [{name: a}]",
      /"cdiVersion" must be a string/,
    ],
    ["k.json", JSON.stringify({ ...ok, kind: undefined }), /has no "kind"/],
    ["k.json", JSON.stringify({ ...ok, kind: "nvidia" }), /"kind": CDI kind "nvidia" is not of the form/],
    ["d.json", JSON.stringify({ ...ok, devices: undefined }), /has no "devices"/],
    ["d.json", JSON.stringify({ ...ok, devices: [] }), /"devices" is empty/],
    ["d.json", JSON.stringify({ ...ok, devices: {} }), /"devices" must be a list, found a mapping/],
    ["d.json", JSON.stringify({ ...ok, devices: ["0"] }), /"devices\[0\]" must be a mapping/],
    ["n.yaml", "cdiVersion: 0.6.0\nkind: a/b\ndevices:\n- name: 0\n", /"devices\[0\].name" must be a string/],
    [
      "n.json",
      JSON.stringify({ ...ok, devices: [{ name: "-x" }] }),
      /"devices\[0\].name" has an invalid device/,
    ],
    [
      "dup.json",
      JSON.stringify({ ...ok, devices: [{ name: "0" }, { name: "0" }] }),
      /defines device "0" twice \(at "devices\[1\]"\)/,
    ],
    [
      "p.json",
      JSON.stringify({ ...ok, devices: [{ name: "0", containerEdits: { deviceNodes: [{}] } }] }),
      /"devices\[0\].containerEdits.deviceNodes\[0\].path" must be a non-empty string/,
    ],
    [
      "h.json",
      JSON.stringify({ ...ok, containerEdits: { deviceNodes: [{ path: "/dev/x", hostPath: 3 }] } }),
      /"containerEdits.deviceNodes\[0\].hostPath" must be a non-empty string, found number 3/,
    ],
    [
      "e.json",
      JSON.stringify({ ...ok, devices: [{ name: "0", containerEdits: { deviceNodes: {} } }] }),
      /"devices\[0\].containerEdits.deviceNodes" must be a list/,
    ],
  ];
  for (const [path, text, re] of cases) {
    assert.throws(() => parseSpec(path, text, parseYaml), (e: unknown) => {
      assert.ok(e instanceof CdiError, `${path}: ${e}`);
      assert.ok(e.message.startsWith(`CDI spec "${path}": `), e.message);
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
      assert.equal(e.path, path);
      return true;
    });
  }
});

Deno.test("parseSpec(, parseYaml) hints how to quote a numeric device name", () => {
  assert.throws(
    () => parseSpec("n.yaml", "cdiVersion: 0.6.0\nkind: a/b\ndevices:\n- name: 0\n", parseYaml),
    (e: unknown) => e instanceof CdiError && e.hint === 'quote it: name: "0"',
  );
});
