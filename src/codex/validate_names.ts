/**
 * Whole-Codex checks of names and what refers to them: service names unique across roles, the
 * unit names they produce, references between services (requires, wants, after, conflicts_with,
 * coexists_with, fallback), what the graph checks of src/plan/graph.ts find (fallback loops,
 * dependency cycles) and `[volumes.NAME]` tables no service mounts.
 *
 * @module
 */
import { q } from "./errors.ts";
import { didYouMean } from "../similar.ts";
import type { Codex, Service } from "./model.ts";
import { fallbackLoop, findCycle } from "../plan/graph.ts";
import {
  gatewayUnits,
  networkFile,
  podFile,
  proxyUnits,
  serviceUnit,
  targetUnit,
  unitOfFile,
} from "../quadlet/naming.ts";
import type { At, RawIssue } from "./validate.ts";

/** The hint for an unknown name: the closest known one, else the list. */
export function hintName(n: string, known: Iterable<string>): string {
  const list = [...known];
  const best = didYouMean(n, list);
  return best
    ? `did you mean ${q(best)}?`
    : list.length
    ? `known: ${list.join(", ")}`
    : "this Codex has none";
}

/** Names are unique across roles: the services by name (first wins) and the clashes. */
export function uniqueNames(codex: Codex, at: At): { byName: Map<string, Service>; issues: RawIssue[] } {
  const issues: RawIssue[] = [];
  const byName = new Map<string, Service>();
  for (const s of codex.services) {
    const prev = byName.get(s.name);
    if (prev) {
      issues.push({
        path: at(s),
        message: `the name ${q(s.name)} is already used by ${prev.path}`,
        hint: "names are unique across vessel, phylactery, oculus, soulstones and services",
      });
    } else byName.set(s.name, s);
  }
  return { byName, issues };
}

/** The unit names services produce are unique, and clash with none lychd writes itself. */
export function unitClashIssues(codex: Codex, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  const units = new Map<string, string>();
  const claim = (unit: string, owner: string, path: (string | number)[]) => {
    const prev = units.get(unit);
    if (prev && prev !== owner) {
      issues.push({
        path,
        message: `${owner} would produce the unit ${q(unit)}, which ${prev} already produces`,
        hint: "rename one of them",
      });
    } else units.set(unit, owner);
  };
  if (codex.network === "bridge") units.set(unitOfFile(networkFile(codex.prefix))!, "the sepulcher network");
  if (codex.network === "pod") units.set(unitOfFile(podFile(codex.prefix))!, "the sepulcher pod");
  units.set(targetUnit(codex.prefix), "the sepulcher target");
  if (codex.gateway) {
    const g = gatewayUnits(codex.prefix);
    for (const u of [g.service, g.socket, g.proxy]) units.set(u, "the gateway");
  }
  for (const s of codex.services) {
    claim(serviceUnit(s.stem), s.path, at(s));
    if (s.onDemand) {
      claim(proxyUnits(s.stem).service, `${s.path}.on_demand`, at(s, "on_demand"));
      claim(proxyUnits(s.stem).socket, `${s.path}.on_demand`, at(s, "on_demand"));
    }
  }
  return issues;
}

const REFERENCE_FIELDS = ["requires", "wants", "after", "conflicts_with"] as const;

/** `requires`, `wants`, `after`, `conflicts_with` name other services of this Codex. */
export function referenceIssues(s: Service, at: At, byName: Map<string, Service>): RawIssue[] {
  const issues: RawIssue[] = [];
  for (let f = 0; f < REFERENCE_FIELDS.length; f++) {
    const field = REFERENCE_FIELDS[f];
    s.raw[field]?.forEach((n, i) => {
      if (n === s.name) {
        issues.push({ path: at(s, field, i), message: `${s.path} cannot name itself in ${field}` });
      } else if (!byName.has(n)) {
        issues.push({
          path: at(s, field, i),
          message: `${q(n)} is not a service of this Codex`,
          hint: hintName(n, byName.keys()),
        });
      }
    });
  }
  return issues;
}

/** A soulstone's `coexists_with` and `fallback` name other soulstones. */
export function soulstoneReferenceIssues(s: Service, at: At, soulstones: Set<string>): RawIssue[] {
  const r = s.raw;
  const issues: RawIssue[] = [];
  (r.coexists_with ?? []).forEach((n, i) => {
    if (n === s.name) {
      issues.push({ path: at(s, "coexists_with", i), message: `${s.path} cannot coexist with itself` });
    } else if (!soulstones.has(n)) {
      issues.push({
        path: at(s, "coexists_with", i),
        message: `${q(n)} is not a soulstone`,
        hint: hintName(n, soulstones),
      });
    }
  });
  if (r.fallback !== undefined) {
    if (r.fallback === s.name) {
      issues.push({ path: at(s, "fallback"), message: `${s.path} cannot be its own fallback` });
    } else if (!soulstones.has(r.fallback)) {
      issues.push({
        path: at(s, "fallback"),
        message: `${q(r.fallback)} is not a soulstone`,
        hint: hintName(r.fallback, soulstones),
      });
    }
  }
  return issues;
}

/** Fallback chains must end (the first loop found, see `fallbackLoop`). */
export function fallbackLoopIssues(codex: Codex, at: At, byName: Map<string, Service>): RawIssue[] {
  const loop = fallbackLoop(codex, byName);
  if (!loop) return [];
  return [{
    path: at(loop.stone, "fallback"),
    message: `fallback loop: ${[...loop.chain, loop.stone.name].join(" → ")}`,
    hint: "a failing stone would start its fallback forever; end the chain",
  }];
}

/** requires, wants and after must not loop (the first cycle found, see `findCycle`). */
export function cycleIssues(codex: Codex, byName: Map<string, Service>): RawIssue[] {
  const cycle = findCycle(codex, byName);
  if (!cycle) return [];
  const s = byName.get(cycle[0])!;
  return [{
    path: [...s.path.split("."), cycle.field],
    message: `dependency cycle: ${cycle.join(" → ")}`,
    hint: "requires, wants and after must not loop; systemd would break the loop arbitrarily",
  }];
}

/** `[volumes.NAME]` configures a named volume some service mounts; anything else is a typo. */
export function volumeSettingIssues(codex: Codex): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const v of Object.keys(codex.volumeSettings)) {
    if (codex.volumes.includes(v)) continue;
    const guess = didYouMean(v, codex.volumes);
    issues.push({
      path: ["volumes", v],
      message: `no service mounts a named volume ${q(v)}`,
      hint: guess
        ? `did you mean ${q(guess)}?`
        : codex.volumes.length
        ? `named volumes: ${codex.volumes.join(", ")}`
        : 'name it in a service\'s volumes, e.g. "NAME:/data"',
    });
  }
  return issues;
}
