import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import fc from "fast-check";
import { CdiRegistry } from "../cdi/registry.ts";
import { loadCodex } from "../codex/load.ts";
import { makePlan } from "./plan.ts";
import { admissionModel, admit, needsGuard, type RunningStone } from "./admission.ts";

// The CDI spec of the topology8 golden case: two GPUs, MIG slices on GPU 0.
const SPEC = new URL("../../tests/golden/topology8/cdi/nvidia.yaml", import.meta.url);

async function model(stones: string, gpu = `"nvidia.com/gpu=0" = 24\n"nvidia.com/gpu=1" = 24`) {
  const reg = CdiRegistry.fromSpecs(
    [{ path: "/etc/cdi/nvidia.yaml", text: await Deno.readTextFile(SPEC) }],
    parseYaml,
  );
  const text = `version = 1\n[gpu.vram_gib]\n${gpu}\n${stones}`;
  return admissionModel(makePlan(loadCodex(text, "codex.toml"), reg));
}

const stone = (name: string, device: string, extra = "") =>
  `[soulstones.${name}]\nimage = "localhost/x"\ndevices = ["nvidia.com/gpu=${device}"]\n${extra}\n`;

const THREE = stone("a", "0", "vram_gib = 10") + stone("b", "0", "vram_gib = 10") +
  stone("c", "0", "vram_gib = 10");

Deno.test("admit(): three 10 GiB stones on a 24 GiB GPU: the third evicts the least recently used", async () => {
  const m = await model(THREE);
  assert.deepEqual(m.get("a")!.conflicts, [], "pairwise they fit: no Conflicts=");
  assert.deepEqual(admit(m, "b", [{ name: "a", lastUsed: 1 }]), { ok: true, evict: [] });
  const r = admit(m, "c", [{ name: "b", lastUsed: 5 }, { name: "a", lastUsed: 1 }]);
  assert.equal(r.ok, true);
  assert.deepEqual(r.ok && r.evict.map((e) => e.name), ["a"]);
  assert.match(r.ok ? r.evict[0].why : "", /least recently used on "nvidia.com\/gpu=0".*30 GiB of 24 GiB/);
  const r2 = admit(m, "c", [{ name: "b", lastUsed: 1 }, { name: "a", lastUsed: 5 }]);
  assert.deepEqual(r2.ok && r2.evict.map((e) => e.name), ["b"]);
});

Deno.test("admit(): whatever the order of requests, never all three 10 GiB stones at once on 24 GiB", async () => {
  const m = await model(THREE);
  fc.assert(
    fc.property(fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 40 }), (wants) => {
      let running: RunningStone[] = [];
      wants.forEach((w, t) => {
        const r = admit(m, w, running);
        assert.ok(r.ok);
        const gone = new Set(r.evict.map((e) => e.name));
        running = running.filter((x) => !gone.has(x.name) && x.name !== w);
        running.push({ name: w, lastUsed: t });
        assert.ok(running.length <= 2, JSON.stringify(running));
      });
    }),
  );
});

Deno.test("admit(): pinned stones survive; when only pinned stones block, it refuses naming them", async () => {
  const m = await model(
    stone("a", "0", 'vram_gib = 10\nports = ["127.0.0.1:8001:8000"]\nmodels = ["a"]\npinned = true') +
      stone("b", "0", 'vram_gib = 10\nports = ["127.0.0.1:8002:8000"]\nmodels = ["b"]') +
      stone("c", "0", 'vram_gib = 10\nports = ["127.0.0.1:8003:8000"]\nmodels = ["c"]\npinned = true'),
  );
  // a is least recently used but pinned: b goes.
  const r = admit(m, "c", [{ name: "a", lastUsed: 1 }, { name: "b", lastUsed: 2 }]);
  assert.deepEqual(r.ok && r.evict.map((e) => e.name), ["b"]);
  // a and c pinned and running: b cannot start.
  const no = admit(m, "b", [{ name: "a", lastUsed: 1 }, { name: "c", lastUsed: 2 }]);
  assert.equal(no.ok, false);
  assert.deepEqual(!no.ok && no.blockers, ["a", "c"]);
  assert.match(!no.ok ? no.reason : "", /pinned "a" and "c" hold 20 GiB/);
});

Deno.test("admit(): a pinned conflicting stone blocks; an unpinned one is evicted", async () => {
  const m = await model(
    stone("x", "0", 'ports = ["127.0.0.1:8001:8000"]\nmodels = ["x"]\npinned = true') +
      stone("y", "all", 'ports = ["127.0.0.1:8002:8000"]\nmodels = ["y"]') + stone("z", "0"),
  );
  assert.deepEqual(m.get("y")!.conflicts, ["x", "z"]);
  const no = admit(m, "y", [{ name: "x", lastUsed: 1 }]);
  assert.equal(no.ok, false);
  assert.match(!no.ok ? no.reason : "", /conflicts with pinned "x"/);
  const yes = admit(m, "y", [{ name: "z", lastUsed: 1 }]);
  assert.deepEqual(yes.ok && yes.evict.map((e) => e.name), ["z"]);
});

Deno.test("admit(): MIG slices of one GPU and stones on separate GPUs start in parallel", async () => {
  const m = await model(stone("m0", "0:0") + stone("m1", "0:1") + stone("g1", "1") + stone("g0", "0"));
  assert.deepEqual(admit(m, "m1", [{ name: "m0", lastUsed: 1 }, { name: "g1", lastUsed: 2 }]), {
    ok: true,
    evict: [],
  });
  assert.deepEqual(admit(m, "g1", [{ name: "g0", lastUsed: 1 }]), { ok: true, evict: [] });
  // The whole GPU 0 and a slice of it do conflict.
  const r = admit(m, "g0", [{ name: "m0", lastUsed: 1 }, { name: "g1", lastUsed: 2 }]);
  assert.deepEqual(r.ok && r.evict.map((e) => e.name), ["m0"]);
});

Deno.test("admit(): noEvict (the ExecCondition= guard) refuses instead of evicting", async () => {
  const m = await model(THREE);
  const r = admit(m, "c", [{ name: "a", lastUsed: 1 }, { name: "b", lastUsed: 2 }], { noEvict: true });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : "", /"c" does not fit beside the running set: "a" least recently used/);
  assert.deepEqual(admit(m, "c", [{ name: "a", lastUsed: 1 }], { noEvict: true }), { ok: true, evict: [] });
});

Deno.test("needsGuard(): only stones that fit pairwise but can oversubscribe as a set", async () => {
  const three = await model(THREE);
  assert.deepEqual(["a", "b", "c"].map((n) => needsGuard(three, n)), [true, true, true]);
  const two = await model(
    stone("a", "0", "vram_gib = 10") + stone("b", "0", "vram_gib = 10") + stone("c", "1"),
  );
  assert.deepEqual(["a", "b", "c"].map((n) => needsGuard(two, n)), [false, false, false]);
});

Deno.test("vram_gib without [gpu.vram_gib] changes nothing, and the plan says so", async () => {
  const spec = await Deno.readTextFile(new URL("../../tests/fixtures/cdi/nvidia.yaml", import.meta.url));
  const reg = CdiRegistry.fromSpecs([{ path: "/etc/cdi/nvidia.yaml", text: spec }], parseYaml);
  const stones = `[soulstones.a]\nimage = "x"\ndevices = ["nvidia.com/gpu=0"]\nvram_gib = 10\n` +
    `[soulstones.b]\nimage = "x"\ndevices = ["nvidia.com/gpu=0"]\nvram_gib = 8\n`;
  const bare = makePlan(loadCodex(`version = 1\n${stones}`, "codex.toml"), reg);
  assert.deepEqual(
    bare.warnings.filter((w) => w.code === "vram-without-capacity").map((w) => w.path),
    ["soulstones.a.vram_gib"],
  );
  assert.deepEqual(bare.pairs, [["a", "b"]], "they still conflict");
  const sized = makePlan(
    loadCodex(`version = 1\n[gpu.vram_gib]\n"nvidia.com/gpu=0" = 24\n${stones}`, "codex.toml"),
    reg,
  );
  assert.deepEqual(sized.warnings.filter((w) => w.code === "vram-without-capacity"), []);
  assert.deepEqual(sized.pairs, [], "they fit together");
});
