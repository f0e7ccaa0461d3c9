/**
 * A property of conflictGraph(): on random soulstones (seeded PRNG) it agrees with a naive
 * comparison of every pair through the registry. The cases one by one are in exclusivity_test.ts;
 * the shared fixtures in _exclusivity_rig.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { conflictGraph, type StoneClaim } from "./exclusivity.ts";
import { g, registry, SPEC } from "./_exclusivity_rig.ts";

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
  const reg = registry(await Deno.readTextFile(SPEC));
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
