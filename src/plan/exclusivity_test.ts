import assert from "node:assert/strict";
import { warningLine } from "../warnings.ts";
import { parse as parseYaml } from "yaml";
import { CdiRegistry } from "../cdi/registry.ts";
import { conflictGraph, type StoneClaim } from "./exclusivity.ts";
import { g, MIG00, registry, SPEC, stone, UUID0, UUID1 } from "./_exclusivity_rig.ts";

Deno.test("conflictGraph() finds exactly the conflicts of eight soulstones on two GPUs", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const stones = [
    stone("hotel", [UUID1]),
    stone("alpha", [g("all")]),
    stone("bravo", [g("0")], { vramGib: 10 }),
    stone("charlie", [UUID0], { vramGib: 12 }), // bravo + charlie = 22 ≤ 24 on GPU 0: they fit
    stone("delta", [g("1")], { vramGib: 30 }),
    stone("echo", [g("1")], { vramGib: 20 }), // delta + echo = 50 > 48 on GPU 1
    stone("foxtrot", [g("1"), g("all")], { exclusive: false }),
    stone("golf", [g("0")], { vramGib: 16, coexistsWith: ["alpha"] }),
  ];
  const graph = conflictGraph(stones, reg, { [g("0")]: 24, [UUID1]: 48 });
  assert.deepEqual(graph.pairs, [
    ["alpha", "bravo"],
    ["alpha", "charlie"],
    ["alpha", "delta"],
    ["alpha", "echo"],
    ["alpha", "hotel"],
    ["bravo", "golf"],
    ["charlie", "golf"],
    ["delta", "echo"],
    ["delta", "hotel"],
    ["echo", "hotel"],
  ]);
  assert.deepEqual(Object.fromEntries(graph.conflicts), {
    alpha: ["bravo", "charlie", "delta", "echo", "hotel"],
    bravo: ["alpha", "golf"],
    charlie: ["alpha", "golf"],
    delta: ["alpha", "echo", "hotel"],
    echo: ["alpha", "delta", "hotel"],
    foxtrot: [],
    golf: ["bravo", "charlie"],
    hotel: ["alpha", "delta", "echo"],
  });
  assert.deepEqual(graph.claims.get("charlie"), [
    { device: UUID0, physical: ["/dev/dri/card1", "/dev/dri/renderD128", "/dev/nvidia0"], byName: false },
  ]);
  assert.deepEqual(graph.claims.get("foxtrot")?.map((c) => c.physical.length), [3, 6]);
  assert.deepEqual(graph.warnings, []);
});

Deno.test("conflictGraph() keeps MIG slices of one GPU apart but not from the GPU", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const graph = conflictGraph(
    [
      stone("m0", [g("0:0")]),
      stone("m1", [g("0:1")]),
      stone("mu", [MIG00]),
      stone("full", [g("0")]),
      stone("other", [g("1")]),
      stone("every", [g("all")], { coexistsWith: ["full", "other"] }),
    ],
    reg,
    {},
  );
  assert.deepEqual(graph.pairs, [
    ["every", "m0"],
    ["every", "m1"],
    ["every", "mu"],
    ["full", "m0"],
    ["full", "m1"],
    ["full", "mu"],
    ["m0", "mu"],
  ]);
  assert.deepEqual(graph.claims.get("m1"), [{ device: g("0:1"), physical: ["/dev/nvidia0"], byName: false }]);
});

Deno.test("conflictGraph() checks stones sharing a MIG slice against the slice's capacity", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const caps = { [g("0")]: 80, [g("0:0")]: 10 };
  const small = conflictGraph(
    [stone("a", [g("0:0")], { vramGib: 4 }), stone("b", [MIG00], { vramGib: 6 })],
    reg,
    caps,
  );
  assert.deepEqual(small.pairs, []);
  const big = conflictGraph(
    [stone("a", [g("0:0")], { vramGib: 6 }), stone("b", [MIG00], { vramGib: 6 })],
    reg,
    caps,
  );
  assert.deepEqual(big.pairs, [["a", "b"]]);
  // Without a capacity for the slice nothing provably fits.
  const none = conflictGraph(
    [stone("a", [g("0:0")], { vramGib: 1 }), stone("b", [MIG00], { vramGib: 1 })],
    reg,
    {
      [g("0")]: 80,
    },
  );
  assert.deepEqual(none.pairs, [["a", "b"]]);
  // A slice and its whole GPU share the GPU: checked against the GPU's capacity.
  const gpu = conflictGraph(
    [stone("a", [g("0:0")], { vramGib: 30 }), stone("b", [g("0")], { vramGib: 50 })],
    reg,
    caps,
  );
  assert.deepEqual(gpu.pairs, []);
});

Deno.test("conflictGraph() fits VRAM only when both declare it and every shared GPU has room", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const caps = { [g("0")]: 24, [g("1")]: 24 };
  const run = (a: Partial<StoneClaim>, b: Partial<StoneClaim>, capacity = caps) =>
    conflictGraph([stone("a", [g("all")], a), stone("b", [g("all")], b)], reg, capacity).pairs.length;
  assert.equal(run({ vramGib: 12 }, { vramGib: 12 }), 0);
  assert.equal(run({ vramGib: 12 }, { vramGib: 12.5 }), 1);
  assert.equal(run({ vramGib: 12 }, {}), 1);
  assert.equal(run({}, {}), 1);
  assert.equal(run({ vramGib: 1 }, { vramGib: 1 }, { [g("0")]: 24 }), 1, "GPU 1 has no capacity");
  assert.equal(run({ vramGib: 12 }, { vramGib: 12 }, { [g("all")]: 24 }), 0, "all gives every GPU");
  assert.equal(
    run({ vramGib: 12 }, { vramGib: 12 }, { [g("all")]: 24, [UUID1]: 20 }),
    1,
    "specific beats all",
  );
  assert.equal(run({ vramGib: 0.1 }, { vramGib: 0.2 }, { [g("all")]: 0.3 }), 0, "float sums");
  assert.equal(run({ vramGib: 12, exclusive: false }, {}), 0);
  assert.equal(run({ coexistsWith: ["b"] }, {}), 0);
  assert.equal(run({}, { coexistsWith: ["a"] }), 0);
});

Deno.test("conflictGraph() warns when disagreeing capacity keys name one GPU and uses the smaller", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const graph = conflictGraph(
    [stone("a", [g("0")], { vramGib: 10 }), stone("b", [g("0")], { vramGib: 10 })],
    reg,
    { [g("0")]: 24, [UUID0]: 16, "gpu0": 3 },
  );
  assert.deepEqual(graph.pairs, [["a", "b"]]);
  assert.deepEqual(graph.warnings.map(warningLine), [
    '[gpu.vram_gib] key "gpu0" is not a CDI device name: ignored',
    `[gpu.vram_gib] keys "${g("0")}" (24 GiB) and "${UUID0}" (16 GiB) name the same device "${
      g("0")
    }": using the smaller`,
  ]);
});

Deno.test("conflictGraph() falls back to names without a spec, warning once per kind", () => {
  const reg = CdiRegistry.fromSpecs([], parseYaml);
  const a = (n: string) => `amd.com/gpu=${n}`;
  const graph = conflictGraph(
    [
      stone("z0", [a("0"), "/dev/fuse"]),
      stone("z1", [a("1")]),
      stone("zall", [a("all")]),
      stone("y0", [a("0")], { vramGib: 8 }),
      stone("x0", [a("0")], { vramGib: 8 }),
      stone("w1", [a("1")], { vramGib: 8 }),
      stone("v1", [a("1")], { vramGib: 9 }),
    ],
    reg,
    { [a("0")]: 16, [a("all")]: 16.5 },
  );
  assert.deepEqual(graph.pairs, [
    ["v1", "w1"], // 17 > 16.5 ("amd.com/gpu=all" gives every device its capacity)
    ["v1", "z1"],
    ["v1", "zall"],
    ["w1", "z1"],
    ["w1", "zall"],
    ["x0", "z0"], // x0 + y0 = 16 fits "amd.com/gpu=0"
    ["x0", "zall"],
    ["y0", "z0"],
    ["y0", "zall"],
    ["z0", "zall"],
    ["z1", "zall"],
  ]);
  assert.deepEqual(graph.warnings.map(warningLine), [
    'no CDI spec defines kind "amd.com/gpu": soulstone device overlap is judged by name (same name, or either is "all")',
  ]);
  assert.deepEqual(graph.claims.get("z0"), [{ device: a("0"), physical: [a("0")], byName: true }]);
});

Deno.test("conflictGraph() judges a device missing from its spec by name", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const graph = conflictGraph(
    [stone("a", [g("7")]), stone("b", [g("all")]), stone("c", [g("0")]), stone("d", [g("7")])],
    reg,
    {},
  );
  assert.deepEqual(graph.pairs, [["a", "b"], ["a", "d"], ["b", "c"], ["b", "d"]]);
  assert.deepEqual(graph.warnings.map(warningLine), [
    `CDI device "${
      g("7")
    }" is not in the specs for "nvidia.com/gpu": its overlap with other soulstones is judged by name`,
  ]);
});

Deno.test("conflictGraph() warns when three stones fit pairwise but not together", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const graph = conflictGraph(
    [
      stone("a", [g("0")], { vramGib: 10 }),
      stone("b", [UUID0], { vramGib: 10 }),
      stone("c", [g("0")], { vramGib: 10 }),
      stone("d", [g("1")], { vramGib: 10 }),
      stone("e", [g("1")], { vramGib: 10 }),
    ],
    reg,
    { [g("0")]: 24, [g("1")]: 24 },
  );
  assert.deepEqual(graph.pairs, []);
  assert.deepEqual(graph.warnings.map(warningLine), [
    `soulstones "a", "b" and "c" fit pairwise on "${g("0")}" (24 GiB) but together need 30 GiB: ` +
    "no Conflicts= keeps them apart, so each gets the admission guard (ExecCondition=lychd admit)",
  ]);
  const fine = conflictGraph(
    [
      stone("a", [g("0")], { vramGib: 8 }),
      stone("b", [g("0")], { vramGib: 8 }),
      stone("c", [g("0")], { vramGib: 8 }),
    ],
    reg,
    { [g("0")]: 24 },
  );
  assert.deepEqual(fine.warnings, []);
});

Deno.test("conflictGraph() handles 1,000 soulstones on two GPUs", async () => {
  const reg = registry(await Deno.readTextFile(SPEC));
  const kinds = [g("all"), g("0"), g("1"), UUID0];
  const stones = Array.from(
    { length: 1000 },
    (_, i) => stone(`s${String(i).padStart(4, "0")}`, [kinds[i % 4]]),
  );
  const graph = conflictGraph(stones, reg, { [g("0")]: 24 });
  // 250 per claim: all×all, all×rest, 0×0, uuid0×uuid0, 0×uuid0, 1×1.
  const c2 = (n: number) => (n * (n - 1)) / 2;
  assert.equal(graph.pairs.length, 4 * c2(250) + 250 * 750 + 250 * 250);
  assert.equal(graph.conflicts.get("s0000")?.length, 999);
  assert.equal(graph.conflicts.get("s0002")?.length, 249 + 250);
  assert.deepEqual(graph.pairs[0], ["s0000", "s0001"]);
  for (let k = 1; k < graph.pairs.length; k++) {
    const [p, q] = [graph.pairs[k - 1], graph.pairs[k]];
    assert.ok(p[0] < q[0] || (p[0] === q[0] && p[1] < q[1]), `pairs not sorted at ${k}`);
  }
  // Fitting stones: 1,000 small models that all fit pairwise on 24 GiB but not together.
  const small = Array.from(
    { length: 1000 },
    (_, i) => stone(`t${String(i).padStart(4, "0")}`, [i % 2 ? g("1") : UUID0], { vramGib: 1 }),
  );
  const fit = conflictGraph(small, reg, { [g("0")]: 24, [g("1")]: 24 });
  assert.equal(fit.pairs.length, 0);
  assert.equal(fit.warnings.length, 2);
  assert.match(
    warningLine(fit.warnings[0]),
    /fit pairwise on "nvidia.com\/gpu=0" \(24 GiB\) but together need 25 GiB/,
  );
});

Deno.test("conflictGraph() finds overlap across kinds by shared GPU nodes, and a node-less device conflicts with itself", async () => {
  const management = JSON.stringify({
    cdiVersion: "0.5.0",
    kind: "management.nvidia.com/gpu",
    devices: [{
      name: "all",
      containerEdits: {
        deviceNodes: ["/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia-caps/nvidia-cap1"].map((path) => ({
          path,
        })),
      },
    }],
  });
  const kmsg = JSON.stringify({
    cdiVersion: "0.3.0",
    kind: "vendor.com/device",
    devices: [{
      name: "myKmsg",
      containerEdits: { mounts: [{ hostPath: "/dev/kmsg", containerPath: "/dev/kmsg1" }] },
    }],
  });
  const reg = CdiRegistry.fromSpecs([
    { path: "/etc/cdi/nvidia.yaml", text: await Deno.readTextFile(SPEC) },
    { path: "/etc/cdi/management.json", text: management },
    { path: "/etc/cdi/kmsg.json", text: kmsg },
  ], parseYaml);
  const graph = conflictGraph(
    [
      stone("mgmt", ["management.nvidia.com/gpu=all"], { vramGib: 1 }),
      stone("gpu0", [g("0")], { vramGib: 1 }),
      stone("slice", [g("0:1")]),
      stone("gpu1", [g("1")]),
      stone("k1", ["vendor.com/device=myKmsg"]),
      stone("k2", ["vendor.com/device=myKmsg"]),
    ],
    reg,
    { "nvidia.com/gpu=0": 40 },
  );
  assert.deepEqual(graph.pairs, [["gpu0", "slice"], ["k1", "k2"], ["mgmt", "slice"]]);
  assert.deepEqual(graph.warnings, []);
});
