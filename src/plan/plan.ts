/**
 * Codex + CDI registry → Plan: every unit, its dependency and conflict edges, its device claims.
 * Pure.
 *
 * @module
 */
import type { Codex, Service } from "../codex/model.ts";
import { CodexError, type CodexIssue, q } from "../codex/errors.ts";
import { formatPort, portsCollide } from "../codex/quantities.ts";
import type { CdiRegistry } from "../cdi/registry.ts";
import { type ConflictGraph, conflictGraph } from "./exclusivity.ts";
import { serviceUnit, targetUnit } from "../quadlet/naming.ts";
import { addWarning, type Warning } from "../warnings.ts";

/** `{ message, hint }` of a resolution, the hint only when there is one. */
function hinted(r: { message: string; hint?: string }): { message: string; hint?: string } {
  return r.hint ? { message: r.message, hint: r.hint } : { message: r.message };
}

/** A claim of one device, resolved to physical nodes where a CDI spec knows it. */
export interface Claim {
  device: string;
  physical: string[];
  byName: boolean;
}

/** One service with everything the renderer needs about its relations. */
export interface PlannedService {
  service: Service;
  /** `<stem>.service`. */
  unit: string;
  requires: string[];
  wants: string[];
  after: string[];
  conflicts: string[];
  onFailure?: string;
  /** `<prefix>.target` for autostart services. */
  partOf?: string;
  stopWhenUnneeded: boolean;
  claims: Claim[];
}

/** The plan of a whole Sepulcher. */
export interface Plan {
  codex: Codex;
  target: string;
  services: PlannedService[];
  /** Conflicting pairs of service names, `[earlier, later]`, sorted. */
  pairs: [string, string][];
  /** Soulstone pairs that share a device and fit on it by VRAM (see ConflictGraph.fits). */
  fits: ConflictGraph["fits"];
  warnings: Warning[];
}

/** Build the plan. @throws {CodexError} for host-dependent refusals (unknown CDI device, port clash). */
export function makePlan(codex: Codex, registry: CdiRegistry): Plan {
  const warnings: Warning[] = [];
  const issues: CodexIssue[] = [];
  const unitOf = new Map(codex.services.map((s) => [s.name, serviceUnit(s.stem)]));
  const target = targetUnit(codex.prefix);

  // What the host's specs say even when nothing claims it (files skipped, conflicts, overrides).
  warnings.push(...registry.warnings());
  // Devices the host can judge: a device podman could not resolve is refused (a kind with a spec
  // that lacks the device, a kind only broken specs declare, a device two files define).
  const noSpecKinds = new Set<string>();
  for (const s of codex.services) {
    (s.raw.devices ?? []).forEach((d, i) => {
      if (d.startsWith("/")) return;
      const r = registry.resolve(d);
      if (r.ok) return;
      if (r.reason !== "no-spec") {
        issues.push({ path: `${s.path}.devices[${i}]`, message: r.message, hint: r.hint });
      } else {
        const kind = d.split("=")[0];
        if (!noSpecKinds.has(kind)) {
          noSpecKinds.add(kind);
          warnings.push({ code: "cdi-kind-without-spec", path: `${s.path}.devices[${i}]`, ...hinted(r) });
        }
      }
    });
  }

  const stones = codex.services.filter((s) => s.role === "soulstone");
  const graph = conflictGraph(
    stones.map((s) => ({
      name: s.name,
      devices: (s.raw.devices ?? []).filter((d) => !d.startsWith("/")),
      exclusive: s.exclusive,
      coexistsWith: s.raw.coexists_with ?? [],
      vramGib: s.raw.vram_gib,
    })),
    registry,
    codex.vramGib,
  );
  // vram_gib fits stones together only against a capacity: without any [gpu.vram_gib] it changes
  // nothing (they conflict as if it were unset), which the Codex would otherwise not show.
  const sized = stones.find((s) => s.raw.vram_gib !== undefined && (s.raw.devices ?? []).length > 0);
  if (sized && Object.keys(codex.vramGib).length === 0) {
    addWarning(warnings, {
      code: "vram-without-capacity",
      path: `${sized.path}.vram_gib`,
      message: "vram_gib counts only against a GPU's memory, and [gpu.vram_gib] names none: " +
        "soulstones sharing a GPU conflict as if it were unset",
      hint: 'give each GPU its memory, e.g. [gpu.vram_gib] "nvidia.com/gpu=0" = 24 (docs/codex.md)',
    });
  }
  for (const w of graph.warnings) {
    // The loop above gave every kind without a spec its warning, with the field path (the same
    // registry judged the same devices): the graph's unplaced one would repeat it.
    if (w.code === "cdi-kind-without-spec") continue;
    addWarning(warnings, w);
  }

  // Explicit conflicts_with edges, for any service, join the generated ones (whose pairs and
  // per-stone lists come sorted); only the few new ones need merging.
  let pairs: [string, string][] = graph.pairs;
  let conflictsOf = (name: string): readonly string[] => graph.conflicts.get(name) ?? [];
  const extra = new Map<string, string[]>();
  const added: [string, string][] = [];
  for (const s of codex.services) {
    for (const o of s.raw.conflicts_with ?? []) {
      const [x, y] = s.name < o ? [s.name, o] : [o, s.name];
      if (graph.conflicts.get(x)?.includes(y) || extra.get(x)?.includes(y)) continue;
      added.push([x, y]);
      for (const [a, b] of [[x, y], [y, x]]) {
        if (!extra.has(a)) extra.set(a, []);
        extra.get(a)!.push(b);
      }
    }
  }
  if (added.length) {
    pairs = [...graph.pairs, ...added].sort((p, r) =>
      p[0] < r[0] ? -1 : p[0] > r[0] ? 1 : p[1] < r[1] ? -1 : p[1] > r[1] ? 1 : 0
    );
    const merged = new Map<string, string[]>();
    conflictsOf = (name) => {
      const more = extra.get(name);
      if (!more) return graph.conflicts.get(name) ?? [];
      let list = merged.get(name);
      if (!list) merged.set(name, list = [...(graph.conflicts.get(name) ?? []), ...more].sort());
      return list;
    };
  }

  // Host ports: two services may share one only when they can never run together.
  const published: { s: Service; i: number; port: Service["ports"][number] }[] = [];
  for (const s of codex.services) {
    s.ports.forEach((port, i) => published.push({ s, i, port }));
    if (s.onDemand) {
      published.push({
        s,
        i: -1,
        port: {
          ip: s.onDemand.ip,
          explicitIp: true,
          host: s.onDemand.port,
          container: s.onDemand.port,
          proto: "tcp",
        },
      });
    }
  }
  const byPort = new Map<number, typeof published>();
  for (const p of published) {
    const list = byPort.get(p.port.host) ?? [];
    for (const o of list) {
      if (o.s === p.s || !portsCollide(o.port, p.port)) continue;
      if (conflictsOf(o.s.name).includes(p.s.name) && p.i >= 0 && o.i >= 0) continue;
      const field = p.i >= 0 ? `${p.s.path}.ports[${p.i}]` : `${p.s.path}.on_demand.listen`;
      issues.push({
        path: field,
        message: `host port ${q(formatPort(p.port))} is already published by ${o.s.path}`,
        hint: "give each service its own host port (soulstones that conflict on a GPU may share one)",
      });
    }
    list.push(p);
    byPort.set(p.port.host, list);
  }
  const gw = codex.gateway;
  if (gw?.port) {
    const mine = { ip: gw.ip, explicitIp: true, host: gw.port, container: gw.port, proto: "tcp" as const };
    const hit = published.find((p) => portsCollide(p.port, mine));
    if (hit) {
      issues.push({
        path: "gateway.listen",
        message: `host port ${q(formatPort(mine))} is already published by ${hit.s.path}`,
        hint: "give the gateway its own port",
      });
    }
  }
  if (issues.length) throw new CodexError(codex.file, issues);

  const services: PlannedService[] = codex.services.map((s) => {
    const r = s.raw;
    const req = (r.requires ?? []).map((n) => unitOf.get(n)!);
    const wants = (r.wants ?? []).map((n) => unitOf.get(n)!);
    const after = new Set([...req, ...wants, ...(r.after ?? []).map((n) => unitOf.get(n)!)]);
    const mine = conflictsOf(s.name);
    // One ordering edge per conflicting pair: the later name after the earlier.
    for (const o of mine) if (o < s.name) after.add(unitOf.get(o)!);
    return {
      service: s,
      unit: unitOf.get(s.name)!,
      requires: req,
      wants,
      after: [...after],
      conflicts: mine.map((n) => unitOf.get(n)!),
      onFailure: r.fallback ? unitOf.get(r.fallback) : undefined,
      partOf: s.autostart ? target : undefined,
      stopWhenUnneeded: s.onDemand !== undefined,
      claims: graph.claims.get(s.name) ?? [],
    };
  });
  return { codex, target, services, pairs, fits: graph.fits, warnings };
}
