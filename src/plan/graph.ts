/**
 * Graph checks over the Codex's service references: fallback chains that loop, and cycles in the
 * ordering graph of `requires`/`wants`/`after`. Pure (no runtime effects); `validateCodex` reports what
 * they find.
 *
 * @module
 */
import type { Codex, Service } from "../codex/model.ts";

/**
 * The first soulstone (in Codex order) whose fallback chain leads back to itself: the stone and
 * the chain of names from it up to (not including) its repetition, or undefined when every chain
 * ends.
 */
export function fallbackLoop(
  codex: Codex,
  byName: Map<string, Service>,
): { stone: Service; chain: string[] } | undefined {
  for (const s of codex.services) {
    if (s.role !== "soulstone" || !s.raw.fallback) continue;
    const chain = [s.name];
    let cur = byName.get(s.raw.fallback);
    while (cur && cur.raw.fallback && !chain.includes(cur.name)) {
      chain.push(cur.name);
      cur = byName.get(cur.raw.fallback);
    }
    if (cur && chain.includes(cur.name) && cur.name === s.name) return { stone: s, chain };
  }
  return undefined;
}

/** A cycle in the ordering graph of requires/wants/after (names in order, first repeated last). */
export function findCycle(
  codex: Codex,
  byName: Map<string, Service>,
): (string[] & { field: string }) | undefined {
  const edges = new Map<string, { to: string; field: string }[]>();
  for (const s of codex.services) {
    const list: { to: string; field: string }[] = [];
    for (const field of ["requires", "wants", "after"] as const) {
      for (const to of s.raw[field] ?? []) if (byName.has(to) && to !== s.name) list.push({ to, field });
    }
    edges.set(s.name, list);
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  let found: (string[] & { field: string }) | undefined;
  const visit = (n: string): boolean => {
    state.set(n, 1);
    stack.push(n);
    for (const e of edges.get(n) ?? []) {
      const st = state.get(e.to);
      if (st === 1) {
        const cyc = stack.slice(stack.indexOf(e.to));
        const field = edges.get(cyc[0])!.find((x) => x.to === (cyc[1] ?? e.to))?.field ?? e.field;
        found = Object.assign([...cyc, e.to], { field });
        return true;
      }
      if (!st && visit(e.to)) return true;
    }
    stack.pop();
    state.set(n, 2);
    return false;
  };
  for (const s of codex.services) if (!state.has(s.name) && visit(s.name)) break;
  return found;
}
