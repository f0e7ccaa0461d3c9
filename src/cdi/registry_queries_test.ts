/**
 * Tests of the registry's queries: device() (core nodes and MIG caps), knownNames(), resolve()
 * (known, unknown with did-you-mean, no spec for the kind), overlap() (physical nodes, spec-wide
 * nodes, names without a spec, across kinds), control nodes, and WSL's `all`. Reading spec
 * directories into a registry is in registry_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { CdiError } from "./errors.ts";
import { CdiRegistry, commonControlNodes, isControlNode, naturalCompare, splitNodes } from "./registry.ts";
import { distance } from "../similar.ts";

const FIXTURES = new URL("../../tests/fixtures/cdi/", import.meta.url).pathname;
const GPU0 = "nvidia.com/gpu=GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c";
const GPU1 = "nvidia.com/gpu=GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a";
const MIG00 = "nvidia.com/gpu=MIG-6d2f3a41-5e9b-5c1a-8f2e-0b7c9d4e1a23";

async function hostRegistry(): Promise<CdiRegistry> {
  const path = `${FIXTURES}nvidia.yaml`;
  return CdiRegistry.fromSpecs([{ path, text: await Deno.readTextFile(path) }], parseYaml);
}

Deno.test("CdiRegistry.device() splits core nodes from MIG caps", async () => {
  const reg = await hostRegistry();
  const mig = reg.device("nvidia.com/gpu=0:1");
  assert.ok(mig);
  assert.equal(mig.qualified, "nvidia.com/gpu=0:1");
  assert.deepEqual(mig.core, ["/dev/nvidia0"]);
  assert.deepEqual(mig.caps, ["/dev/nvidia-caps/nvidia-cap30", "/dev/nvidia-caps/nvidia-cap31"]);
  assert.deepEqual(reg.device("nvidia.com/gpu=0")?.core, [
    "/dev/dri/card1",
    "/dev/dri/renderD128",
    "/dev/nvidia0",
  ]);
  assert.deepEqual(reg.device("nvidia.com/gpu=0")?.caps, []);
  assert.equal(reg.device("not a name"), undefined);
  assert.equal(reg.device("amd.com/gpu=0"), undefined);
  assert.deepEqual(splitNodes(["/dev/nvidia-caps/nvidia-cap1", "/dev/b", "/dev/a", "/dev/a"]), {
    core: ["/dev/a", "/dev/b"],
    caps: ["/dev/nvidia-caps/nvidia-cap1"],
  });
});

Deno.test("CdiRegistry.knownNames() sorts naturally", async () => {
  const reg = await hostRegistry();
  assert.equal(reg.hasKind("nvidia.com/gpu"), true);
  assert.equal(reg.hasKind("amd.com/gpu"), false);
  assert.deepEqual(reg.knownNames("nvidia.com/gpu"), [
    "0",
    "0:0",
    "0:1",
    "1",
    "GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c",
    "GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a",
    "MIG-6d2f3a41-5e9b-5c1a-8f2e-0b7c9d4e1a23",
    "all",
  ]);
  assert.deepEqual(reg.knownNames("amd.com/gpu"), []);
  assert.deepEqual(["10", "2", "1", "0:10", "0:2", "a"].sort(naturalCompare), [
    "0:2",
    "0:10",
    "1",
    "2",
    "10",
    "a",
  ]);
  assert.equal(distance("kitten", "sitting"), 3);
});

Deno.test("CdiRegistry.resolve() returns the nodes of a known device", async () => {
  const reg = await hostRegistry();
  const r = reg.resolve(GPU1);
  assert.ok(r.ok);
  assert.deepEqual(r.nodes, ["/dev/nvidia1", "/dev/dri/card2", "/dev/dri/renderD129"]);
});

Deno.test("CdiRegistry.resolve() lists known names and suggests the closest on an unknown device", async () => {
  const reg = await hostRegistry();
  const typo = reg.resolve("nvidia.com/gpu=al");
  assert.equal(typo.ok, false);
  assert.ok(!typo.ok);
  assert.equal(typo.reason, "unknown-device");
  assert.equal(
    typo.message,
    'CDI device "nvidia.com/gpu=al" is not defined by the specs for "nvidia.com/gpu" (known: 0, 0:0, 0:1, 1, ' +
      "GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c, GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a, " +
      "MIG-6d2f3a41-5e9b-5c1a-8f2e-0b7c9d4e1a23, all)",
  );
  assert.equal(typo.hint, 'did you mean "nvidia.com/gpu=all"?');
  const uuid = reg.resolve("nvidia.com/gpu=GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16d");
  assert.ok(!uuid.ok);
  assert.equal(uuid.hint, `did you mean "${GPU0}"?`);
  const far = reg.resolve("nvidia.com/gpu=7");
  assert.ok(!far.ok);
  assert.equal(far.reason, "unknown-device");
  assert.match(far.hint, /may be stale: regenerate with `sudo nvidia-ctk cdi generate/);
});

Deno.test("CdiRegistry.resolve() says how to get a spec when the kind has none", async () => {
  const reg = await hostRegistry();
  const r = reg.resolve("nvidia.com/vgpu=0");
  assert.deepEqual(r, {
    ok: false,
    reason: "no-spec",
    message: 'no CDI spec defines kind "nvidia.com/vgpu", so "nvidia.com/vgpu=0" cannot be resolved',
    hint: "generate one with `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`",
  });
  const amd = CdiRegistry.fromSpecs([], parseYaml).resolve("amd.com/gpu=0");
  assert.ok(!amd.ok);
  assert.equal(amd.reason, "no-spec");
  assert.match(
    amd.hint,
    /^install the vendor's CDI spec for "amd.com\/gpu" in \/etc\/cdi or \/var\/run\/cdi/,
  );
  assert.throws(() => reg.resolve("gpu0"), CdiError);
});

Deno.test("CdiRegistry.overlap() compares physical nodes", async () => {
  const reg = await hostRegistry();
  const yes = { overlap: true, byName: false };
  const no = { overlap: false, byName: false };
  const g = (n: string) => `nvidia.com/gpu=${n}`;
  const table: [string, string, typeof yes][] = [
    [g("0"), g("0"), yes],
    [g("0"), GPU0, yes],
    [g("1"), GPU1, yes],
    [g("0"), GPU1, no],
    [g("0"), g("1"), no],
    [g("0:0"), g("0:1"), no],
    [g("0:0"), MIG00, yes],
    [g("0:1"), MIG00, no],
    [g("0:0"), g("0"), yes],
    [g("0:1"), GPU0, yes],
    [g("0:0"), g("all"), yes],
    [g("0:1"), g("all"), yes],
    [g("0:0"), g("1"), no],
    [g("0:1"), GPU1, no],
  ];
  for (const name of reg.knownNames("nvidia.com/gpu")) table.push([g("all"), g(name), yes]);
  for (const [a, b, want] of table) {
    assert.deepEqual(reg.overlap(a, b), want, `${a} vs ${b}`);
    assert.deepEqual(reg.overlap(b, a), want, `${b} vs ${a}`);
  }
});

Deno.test("CdiRegistry.overlap() ignores spec-wide nodes", () => {
  const reg = CdiRegistry.fromSpecs([{
    path: "s.json",
    text: JSON.stringify({
      cdiVersion: "0.6.0",
      kind: "nvidia.com/gpu",
      containerEdits: { deviceNodes: [{ path: "/dev/nvidiactl" }] },
      devices: [
        { name: "0", containerEdits: { deviceNodes: [{ path: "/dev/nvidia0" }] } },
        { name: "1", containerEdits: { deviceNodes: [{ path: "/dev/nvidia1" }] } },
        { name: "ctl", containerEdits: { deviceNodes: [{ path: "/dev/nvidiactl" }] } },
        { name: "none", containerEdits: { env: ["A=1"] } },
      ],
    }),
  }], parseYaml);
  assert.deepEqual(reg.overlap("nvidia.com/gpu=0", "nvidia.com/gpu=1"), { overlap: false, byName: false });
  assert.deepEqual(reg.overlap("nvidia.com/gpu=0", "nvidia.com/gpu=ctl"), { overlap: false, byName: false });
  assert.deepEqual(reg.overlap("nvidia.com/gpu=none", "nvidia.com/gpu=0"), { overlap: false, byName: false });
  // The same fully-qualified name always overlaps itself, nodes or not.
  assert.deepEqual(reg.overlap("nvidia.com/gpu=none", "nvidia.com/gpu=none"), {
    overlap: true,
    byName: false,
  });
  assert.deepEqual(reg.overlap("nvidia.com/gpu=ctl", "nvidia.com/gpu=ctl"), { overlap: true, byName: false });
});

Deno.test("CdiRegistry.overlap() falls back to names without a spec", async () => {
  const reg = await hostRegistry();
  const a = (n: string) => `amd.com/gpu=${n}`;
  assert.deepEqual(reg.overlap(a("0"), a("0")), { overlap: true, byName: true });
  assert.deepEqual(reg.overlap(a("0"), a("all")), { overlap: true, byName: true });
  assert.deepEqual(reg.overlap(a("all"), a("1")), { overlap: true, byName: true });
  assert.deepEqual(reg.overlap(a("0"), a("1")), { overlap: false, byName: true });
  // A device missing from an existing spec is judged by name too.
  assert.deepEqual(reg.overlap("nvidia.com/gpu=7", "nvidia.com/gpu=all"), { overlap: true, byName: true });
  assert.deepEqual(reg.overlap("nvidia.com/gpu=7", "nvidia.com/gpu=0"), { overlap: false, byName: true });
  // By name, different kinds never overlap.
  assert.deepEqual(reg.overlap(a("all"), "nvidia.com/gpu=all"), { overlap: false, byName: true });
  assert.deepEqual(reg.overlap("amd.com/gpu=all", "amd.com/npu=all"), { overlap: false, byName: true });
  assert.throws(() => reg.overlap("gpu0", a("0")), CdiError);
});

const MANAGEMENT = JSON.stringify({
  // The layout of `nvidia-ctk cdi generate --mode=management` on the fixture's host: one `all`.
  cdiVersion: "0.5.0",
  kind: "management.nvidia.com/gpu",
  devices: [{
    name: "all",
    containerEdits: {
      deviceNodes: [
        "/dev/nvidia-modeset",
        "/dev/nvidia-uvm-tools",
        "/dev/nvidia-uvm",
        "/dev/nvidiactl",
        "/dev/nvidia0",
        "/dev/nvidia1",
        "/dev/nvidia-caps/nvidia-cap1",
        "/dev/nvidia-caps/nvidia-cap2",
      ].map((path) => ({ path })),
    },
  }],
});

Deno.test("CdiRegistry.overlap() compares hardware nodes across kinds; control nodes never count", async () => {
  const path = `${FIXTURES}nvidia.yaml`;
  const reg = CdiRegistry.fromSpecs([
    { path, text: await Deno.readTextFile(path) },
    { path: "/var/run/cdi/management.json", text: MANAGEMENT },
  ], parseYaml);
  const m = "management.nvidia.com/gpu=all";
  assert.deepEqual(reg.device(m)?.core, ["/dev/nvidia0", "/dev/nvidia1"]);
  assert.deepEqual(reg.device(m)?.caps, [], "MIG config/monitor caps are control nodes, not a slice");
  for (
    const other of ["nvidia.com/gpu=0", "nvidia.com/gpu=1", "nvidia.com/gpu=0:1", GPU1, "nvidia.com/gpu=all"]
  ) {
    assert.deepEqual(reg.overlap(m, other), { overlap: true, byName: false }, other);
  }
  assert.deepEqual(reg.overlap(m, m), { overlap: true, byName: false });
});

Deno.test("control nodes: the known ones, and those every device of a kind carries when each keeps its own", () => {
  for (const n of ["/dev/kfd", "/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/dxg"]) {
    assert.ok(isControlNode(n), n);
  }
  for (const n of ["/dev/nvidia0", "/dev/dri/renderD128", "/dev/nvidia-caps/nvidia-cap21"]) {
    assert.ok(!isControlNode(n), n);
  }
  const d = (...nodes: string[]) => ({ nodes });
  // Two GPUs that both list a vendor interface: it is shared.
  assert.deepEqual([
    ...commonControlNodes([
      d("/dev/x", "/dev/r0"),
      d("/dev/x", "/dev/r1"),
      d("/dev/x", "/dev/r0", "/dev/r1"),
    ]),
  ], [
    "/dev/x",
  ]);
  // One GPU under three names: its nodes ARE the hardware.
  assert.deepEqual([
    ...commonControlNodes([d("/dev/n0", "/dev/c1"), d("/dev/n0", "/dev/c1"), d("/dev/n0", "/dev/c1")]),
  ], []);
  // MIG slices of one GPU and the GPU itself: the GPU node is not a control node.
  assert.deepEqual(
    [...commonControlNodes([d("/dev/n0"), d("/dev/n0", "/dev/nvidia-caps/nvidia-cap21")])],
    [],
  );
  // A single device (WSL's `all`): nothing.
  assert.deepEqual([...commonControlNodes([d("/dev/q")])], []);
});

Deno.test("WSL: `all` with only /dev/dxg overlaps itself and nothing else", () => {
  const reg = CdiRegistry.fromSpecs([{
    path: "/etc/cdi/nvidia.json",
    text: JSON.stringify({
      cdiVersion: "0.3.0",
      kind: "nvidia.com/gpu",
      devices: [{ name: "all", containerEdits: { deviceNodes: [{ path: "/dev/dxg" }] } }],
    }),
  }], parseYaml);
  assert.deepEqual(reg.device("nvidia.com/gpu=all")?.core, []);
  assert.deepEqual(reg.overlap("nvidia.com/gpu=all", "nvidia.com/gpu=all"), { overlap: true, byName: false });
});
