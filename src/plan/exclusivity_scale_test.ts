/**
 * Tests of conflictGraph() at scale: it agrees with a naive comparison of every pair through the
 * registry on random stones (seeded PRNG), and handles 1,000 soulstones on two GPUs. The cases
 * one by one are in exclusivity_test.ts; the shared fixtures in _exclusivity_rig.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { conflictGraph, type StoneClaim } from "./exclusivity.ts";
import { g, registry, stone, UUID0 } from "./_exclusivity_rig.ts";

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("conflictGraph() agrees with a naive comparison of every pair through the registry", async () => {
  const reg = await registry();
  const pool = [
    ...reg.knownNames("nvidia.com/gpu").map(g),
    g("7"),
    "amd.com/gpu=0",
    "amd.com/gpu=all",
    "/dev/fuse",
  ];
  for (let seed = 1; seed <= 20; seed++) {
    const r = rng(seed);
    const pick = () => pool[Math.floor(r() * pool.length)];
    const stones: StoneClaim[] = Array.from({ length: 40 }, (_, i) => ({
      name: `s${String(i).padStart(2, "0")}`,
      devices: Array.from({ length: 1 + Math.floor(r() * 3) }, pick),
      exclusive: r() < 0.85,
      coexistsWith: r() < 0.3 ? [`s${String(Math.floor(r() * 40)).padStart(2, "0")}`] : [],
    }));
    const expected: [string, string][] = [];
    for (let i = 0; i < stones.length; i++) {
      for (let j = i + 1; j < stones.length; j++) {
        const [a, b] = [stones[i], stones[j]];
        if (
          !a.exclusive || !b.exclusive || a.coexistsWith.includes(b.name) || b.coexistsWith.includes(a.name)
        ) {
          continue;
        }
        const cdi = (d: string) => !d.startsWith("/");
        const hit = a.devices.filter(cdi).some((x) =>
          b.devices.filter(cdi).some((y) => reg.overlap(x, y).overlap)
        );
        if (hit) expected.push([a.name, b.name]);
      }
    }
    assert.deepEqual(conflictGraph(stones, reg, {}).pairs, expected, `seed ${seed}`);
  }
});

Deno.test("conflictGraph() handles 1,000 soulstones on two GPUs", async () => {
  const reg = await registry();
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
  assert.match(fit.warnings[0], /fit pairwise on "nvidia.com\/gpu=0" \(24 GiB\) but together need 25 GiB/);
});
