import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { CdiError } from "./errors.ts";
import { normalizeNode, parseSpec } from "./spec.ts";
import { goFormatFloat32 } from "./decode.ts";

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
        { name: "c", containerEdits: { mounts: [{ hostPath: "/x", containerPath: "/y" }] } },
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

const OK = {
  cdiVersion: "0.6.0",
  kind: "nvidia.com/gpu",
  devices: [{ name: "0", containerEdits: { deviceNodes: [{ path: "/dev/nvidia0" }] } }],
};
const dev = (extra: Record<string, unknown>) => JSON.stringify({ ...OK, ...extra });
const edits = (e: Record<string, unknown>) => dev({ devices: [{ name: "0", containerEdits: e }] });

Deno.test("parseSpec(, parseYaml) refuses what the CDI library refuses, naming the file, the field and the library's reason", () => {
  const cases: [string, string, RegExp][] = [
    ["bad.json", '{"cdiVersion": "0.6.0", "kind": ', /is not valid JSON: /],
    ["bad.yaml", "kind: a\nkind: b\n", /is not valid YAML: Map keys must be unique at line 2, column 1$/],
    ["two.yaml", "a: 1\n---\nb: 2\n", /is not valid YAML: Source contains multiple documents/],
    ["empty.yaml", "", /is empty \(no Spec data\)/],
    ["null.yaml", "~\n", /is empty \(no Spec data\)/],
    ["list.yaml", "- 1\n", /the document must be a mapping, found a list/],
    ["braces.json", "{}", /invalid version ""/],
    ["v.json", dev({ cdiVersion: undefined }), /invalid version ""/],
    ["v.yaml", "cdiVersion: 0.6\nkind: nvidia.com/gpu\ndevices: [{name: a}]", /invalid version "0.6"/],
    ["v9.json", dev({ cdiVersion: "9.9.9" }), /invalid version "9.9.9"/],
    ["old.json", dev({ cdiVersion: "0.4.0" }), /the spec version must be at least v0.5.0/],
    ["dot.json", dev({ cdiVersion: "0.5.0", kind: "vendor1.com/class.subclass" }), /at least v0.6.0/],
    ["gid.json", edits({ additionalGids: [44], env: ["A=1"] }), /at least v0.7.0/],
    ["net.json", edits({ netDevices: [{ hostInterfaceName: "eth1", name: "eth0" }] }), /at least v1.1.0/],
    ["k.json", dev({ kind: undefined }), /"kind" "": invalid vendor. empty name/],
    ["k.json", dev({ kind: "nvidia" }), /"kind" "nvidia": invalid vendor. empty name/],
    ["k.json", dev({ kind: "1vendor.com/gpu" }), /invalid vendor. "1vendor.com", should start with letter/],
    ["k.json", dev({ kind: "nvidia.com/gpu/x" }), /invalid class. invalid character '\/' in name "gpu\/x"/],
    ["u.json", dev({ kinds: "x" }), /"kinds" is an unknown field \(a CDI Spec has cdiVersion, kind/],
    [
      "u.yaml",
      "cdiVersion: 0.6.0\nkind: a.com/b\ndevices:\n- name: x\n  containerEdits:\n    deviceNodes:\n    - path: /dev/x\n      hostpath2: /y\n",
      /"devices\[0\].containerEdits.deviceNodes\[0\].hostpath2" is an unknown field/,
    ],
    ["d.json", dev({ devices: undefined }), /invalid spec, no devices/],
    ["d.json", dev({ devices: [] }), /invalid spec, no devices/],
    ["d.json", dev({ devices: {} }), /"devices" must be a list, found a mapping/],
    ["d.json", dev({ devices: ["0"] }), /"devices\[0\]" must be a mapping, found string "0"/],
    [
      "n.json",
      dev({ devices: [{ name: "-x", containerEdits: { env: ["A=1"] } }] }),
      /should start with a letter or digit/,
    ],
    [
      "n.json",
      dev({ devices: [{ name: "x" }] }),
      /failed add device "x": invalid device, empty device edits/,
    ],
    [
      "dup.json",
      dev({ devices: [OK.devices[0], OK.devices[0]] }),
      /invalid spec, multiple device "0" \(at "devices\[1\]"\)/,
    ],
    ["p.json", edits({ deviceNodes: [{}] }), /invalid \(empty\) device path/],
    [
      "t.json",
      edits({ deviceNodes: [{ path: "/dev/x", type: "x" }] }),
      /device "\/dev\/x": invalid type "x"/,
    ],
    ["pm.json", edits({ deviceNodes: [{ path: "/dev/x", permissions: "rx" }] }), /invalid permissions "rx"/],
    [
      "maj.json",
      edits({ deviceNodes: [{ path: "/dev/x", major: 1.5 }] }),
      /"devices\[0\].containerEdits.deviceNodes\[0\].major" must be an integer/,
    ],
    ["uid.json", edits({ deviceNodes: [{ path: "/dev/x", uid: -1 }] }), /-1 is out of range for uint32/],
    ["null.json", edits({ deviceNodes: [null] }), /deviceNodes\[0\]" is null/],
    ["env.json", edits({ env: ["=x"] }), /invalid environment variable "=x"/],
    ["hook.json", edits({ hooks: [{ hookName: "preStart", path: "/x" }] }), /invalid hook name "preStart"/],
    ["hook.json", edits({ hooks: [{ hookName: "prestart" }] }), /invalid hook "prestart" with empty path/],
    ["mnt.json", edits({ mounts: [{ hostPath: "/x" }] }), /invalid mount, empty container path/],
    ["e.json", edits({ deviceNodes: {} }), /"devices\[0\].containerEdits.deviceNodes" must be a list/],
    ["s.json", dev({ containerEdits: { env: ["nope"] } }), /"containerEdits": invalid container edits/],
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

Deno.test("parseSpec(, parseYaml) accepts what the CDI library accepts", () => {
  // YAML 1.1 as go-yaml v2 reads it, then Go's strict JSON decoding into the library's structs.
  const yaml = (devices: string, extra = "") =>
    `cdiVersion: 0.6.0\nkind: a.com/b\n${extra}devices:\n${devices}`;
  const node = "  containerEdits:\n    deviceNodes:\n    - path: /dev/x\n";
  const names = (text: string) => parseSpec("x.yaml", text, parseYaml).devices.map((d) => d.name);
  assert.deepEqual(names(yaml(`- name: 0\n${node}`)), ["0"], "a number becomes its text");
  assert.deepEqual(names(yaml(`- name: 0:1\n${node}`)), ["0:1"], "no sexagesimal numbers");
  assert.deepEqual(names(yaml(`- name: yes\n${node}`)), ["true"], "YAML 1.1 booleans");
  assert.deepEqual(names(yaml(`- name: 1.5\n${node}`)), ["1.5"]);
  assert.deepEqual(names(yaml(`- name: 2001-12-14\n${node}`)), ["2001-12-14"], "dates stay strings");
  assert.deepEqual(names(yaml(`- Name: x\n${node}`)), ["x"], "field names match case-insensitively");
  assert.deepEqual(names(yaml(`- name: x\n  annotations: {k: 1}\n${node}`)), ["x"]);
  const dotted = parseSpec("d.json", dev({ kind: "vendor1.com/class.subclass" }), parseYaml);
  assert.equal(dotted.kind, "vendor1.com/class.subclass");
  const v = parseSpec("v.json", dev({ cdiVersion: "v0.6.0" }), parseYaml);
  assert.equal(v.cdiVersion, "v0.6.0", "a leading v is allowed");
  const coerced = parseSpec(
    "h.json",
    dev({ containerEdits: { deviceNodes: [{ path: "/dev/x", hostPath: 3 }] } }),
    parseYaml,
  );
  assert.deepEqual(coerced.sharedNodes, ["3"]);
  const nulls = parseSpec("n.json", dev({ annotations: null, containerEdits: null }), parseYaml);
  assert.deepEqual(nulls.sharedNodes, []);
  const merged = parseSpec(
    "m.yaml",
    yaml(
      "- name: a\n  containerEdits: &e\n    deviceNodes: [{path: /dev/a}]\n- name: b\n  containerEdits:\n    <<: *e\n",
    ),
    parseYaml,
  );
  assert.deepEqual(merged.devices.map((d) => d.nodes), [["/dev/a"], ["/dev/a"]], "merge keys");
});

Deno.test("goFormatFloat32() formats like Go's FormatFloat(f, 'g', -1, 32)", () => {
  const cases: [number, string][] = [
    [1.5, "1.5"],
    [0.1, "0.1"],
    [1e6, "1e+06"],
    [123456, "123456"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [3.14159265358979, "3.1415927"],
    [-2.5, "-2.5"],
    [0, "0"],
    [1e21, "1e+21"],
  ];
  for (const [f, want] of cases) assert.equal(goFormatFloat32(f), want, String(f));
});
