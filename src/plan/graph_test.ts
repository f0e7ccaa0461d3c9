import assert from "node:assert/strict";
import { loadCodex } from "../codex/load.ts";
import type { Codex, Service } from "../codex/model.ts";
import { fallbackLoop, findCycle } from "./graph.ts";

const BASE = 'version = 1\n[vessel]\nimage = "app"\n';

/** A Codex the loader accepts (no loops), with references rewired afterwards for the graph. */
function codexWith(stones: Record<string, { fallback?: string; requires?: string[]; after?: string[] }>): {
  codex: Codex;
  byName: Map<string, Service>;
} {
  let text = BASE;
  for (const name of Object.keys(stones)) text += `[soulstones.${name}]\nimage = "x"\n`;
  const codex = loadCodex(text, "/cfg/codex.toml");
  const byName = new Map(codex.services.map((s) => [s.name, s]));
  for (const [name, refs] of Object.entries(stones)) {
    Object.assign(byName.get(name)!.raw, refs);
  }
  return { codex, byName };
}

Deno.test("fallbackLoop() finds the first stone whose fallback chain returns to it", () => {
  const { codex, byName } = codexWith({ a: { fallback: "b" }, b: { fallback: "c" }, c: { fallback: "a" } });
  const loop = fallbackLoop(codex, byName);
  assert.equal(loop?.stone.name, "a");
  assert.deepEqual(loop?.chain, ["a", "b", "c"]);
});

Deno.test("fallbackLoop() lets a chain end, and skips a stone that only leads into a loop", () => {
  assert.equal(
    fallbackLoop(...args(codexWith({ a: { fallback: "b" }, b: { fallback: "c" }, c: {} }))),
    undefined,
  );
  const loop = fallbackLoop(
    ...args(codexWith({ a: { fallback: "b" }, b: { fallback: "c" }, c: { fallback: "b" } })),
  );
  assert.equal(loop?.stone.name, "b");
  assert.deepEqual(loop?.chain, ["b", "c"]);
});

Deno.test("findCycle() reports the loop in order, closed, with the first edge's field", () => {
  const { codex, byName } = codexWith({
    a: { after: ["b"] },
    b: { requires: ["c"] },
    c: { requires: ["b"] },
  });
  const cycle = findCycle(codex, byName);
  assert.deepEqual(cycle && [...cycle], ["b", "c", "b"]);
  assert.equal(cycle?.field, "requires");
});

Deno.test("findCycle() ignores self-references and unknown names, and finds none in a DAG", () => {
  const { codex, byName } = codexWith({
    a: { requires: ["a", "zz"], after: ["b"] },
    b: { after: ["c"] },
    c: {},
  });
  assert.equal(findCycle(codex, byName), undefined);
});

function args(x: { codex: Codex; byName: Map<string, Service> }): [Codex, Map<string, Service>] {
  return [x.codex, x.byName];
}
