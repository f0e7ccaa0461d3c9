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

const ORDER_FIELDS = ["requires", "wants", "after"] as const;

/** A cycle in the ordering graph of requires/wants/after (names in order, first repeated last). */
export function findCycle(
  codex: Codex,
  byName: Map<string, Service>,
): (string[] & { field: string }) | undefined {
  // Only services that name another one have edges; a service without any cannot be on a cycle
  // (indexed loops and no per-service lists: this runs cold over every service of the Codex).
  const edges = new Map<string, { to: string; field: string }[]>();
  const services = codex.services;
  for (let i = 0; i < services.length; i++) {
    const s = services[i];
    let list: { to: string; field: string }[] | undefined;
    for (let f = 0; f < ORDER_FIELDS.length; f++) {
      const field = ORDER_FIELDS[f];
      const names = s.raw[field];
      if (!names) continue;
      for (let j = 0; j < names.length; j++) {
        const to = names[j];
        if (byName.has(to) && to !== s.name) (list ??= []).push({ to, field });
      }
    }
    if (list) edges.set(s.name, list);
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  let found: (string[] & { field: string }) | undefined;
  const visit = (n: string): boolean => {
    state.set(n, 1);
    stack.push(n);
    const list = edges.get(n);
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        const st = state.get(e.to);
        if (st === 1) {
          const cyc = stack.slice(stack.indexOf(e.to));
          const field = edges.get(cyc[0])!.find((x) => x.to === (cyc[1] ?? e.to))?.field ?? e.field;
          found = Object.assign([...cyc, e.to], { field });
          return true;
        }
        if (!st && visit(e.to)) return true;
      }
    }
    stack.pop();
    state.set(n, 2);
    return false;
  };
  for (let i = 0; i < services.length; i++) {
    const name = services[i].name;
    if (!edges.has(name)) continue; // no edge out: never on a cycle, nothing to visit
    if (!state.has(name) && visit(name)) break;
  }
  return found;
}
