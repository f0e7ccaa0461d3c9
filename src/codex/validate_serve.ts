/**
 * Whole-Codex checks of how services run and are reached: ipc/shm, published ports, notify and
 * oneshot, on_demand listen, soulstone-only keys, what the gateway serves (`models`), the
 * `[gateway]` table and `sepulcher.subnet` with the reserved name `lychd-gateway`.
 *
 * @module
 */
import { q } from "./errors.ts";
import type { Codex, Service } from "./model.ts";
import { isIP } from "./quantities.ts";
import { GATEWAY_HOST, parseSubnet } from "./subnet.ts";
import { hintName } from "./validate_names.ts";
import type { At, RawIssue } from "./validate.ts";

/**
 * Podman refuses the pair at start ("cannot set shmsize when running in the host IPC
 * Namespace", exit 125): a soulstone that can never start, found only when summoned.
 */
export function ipcShmIssues(codex: Codex, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const s of codex.services) {
    if (s.raw.ipc === "host" && s.raw.shm_size !== undefined) {
      issues.push({
        path: at(s, "shm_size"),
        message: 'shm_size cannot be combined with ipc = "host" (podman refuses to start the container)',
        hint: 'drop one of them: ipc = "host" shares the host\'s /dev/shm, shm_size sizes a private one',
      });
    }
  }
  return issues;
}

/** Ports: duplicates within one service (across services: plan.ts, which knows conflicts). */
export function portIssues(codex: Codex, s: Service, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  // One port cannot repeat itself: each against the earlier ones (a service publishes a few; a
  // Map and a key string per service cost more than the comparisons).
  const ports = s.ports;
  for (let i = 1; i < ports.length; i++) {
    const p = ports[i];
    for (let j = 0; j < i; j++) {
      const o = ports[j];
      if (o.host === p.host && o.proto === p.proto && o.ip === p.ip) {
        issues.push({
          path: at(s, "ports", i),
          message: `host port ${p.host}/${p.proto} is published twice by ${s.path}`,
        });
        break;
      }
    }
  }
  if ((codex.network === "host" || codex.network === "none") && s.ports.length) {
    issues.push({
      path: at(s, "ports"),
      message: `ports cannot be published with sepulcher.network = ${q(codex.network)}`,
      hint: codex.network === "host"
        ? "with host networking the container already listens on the host"
        : 'use "bridge"',
    });
  }
  return issues;
}

/** `notify_healthy` needs a health check; a oneshot cannot restart always. */
export function lifecycleIssues(s: Service, at: At): RawIssue[] {
  const r = s.raw;
  const issues: RawIssue[] = [];
  if (r.notify_healthy && !r.health) {
    issues.push({
      path: at(s, "notify_healthy"),
      message: "notify_healthy needs a health check",
      hint: "add health = { cmd = … }, or remove notify_healthy",
    });
  }
  if (r.oneshot && (r.restart ?? "always") === "always") {
    issues.push({
      path: at(s, "oneshot"),
      message: 'a oneshot service cannot have restart = "always" (the default)',
      hint: 'set restart = "no" or "on-failure"',
    });
  }
  return issues;
}

/** A soulstone's `on_demand.listen`, against the port it publishes. */
export function onDemandIssues(s: Service, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  if (!s.onDemand) return issues;
  const od = s.raw.on_demand!;
  if (!s.onDemand.port || !isIP(s.onDemand.ip)) {
    issues.push({
      path: at(s, "on_demand", "listen"),
      message: `${q(od.listen)} is not "ip:port"`,
      hint: 'e.g. "127.0.0.1:8000"',
    });
    return issues;
  }
  const target = s.ports.find((p) => p.proto === "tcp");
  if (!target) {
    issues.push({
      path: at(s, "on_demand"),
      message: `${s.path} has on_demand but publishes no TCP port for the proxy to reach`,
      hint: 'add e.g. ports = ["127.0.0.1:18000:8000"]',
    });
  } else if (target.host === s.onDemand.port) {
    issues.push({
      path: at(s, "on_demand", "listen"),
      message: `listen port ${s.onDemand.port} is the container's own published port`,
      hint: "publish the container on another loopback port; the socket takes the public one",
    });
  }
  return issues;
}

/** Soulstone-only keys on another role (the schema forbids them already; kept for safety). */
export function soulstoneOnlyIssues(s: Service, at: At): RawIssue[] {
  const r = s.raw;
  if (
    s.role !== "soulstone" &&
    (r.exclusive !== undefined || r.coexists_with || r.vram_gib !== undefined || r.fallback || r.on_demand)
  ) {
    return [{
      path: at(s),
      message: "exclusive, coexists_with, vram_gib, fallback and on_demand are for soulstones only",
    }];
  }
  return [];
}

const LOOPBACK_OR_ANY = (ip: string) => /^127\./.test(ip) || ip === "::1" || ip === "0.0.0.0" || ip === "::";

/** `models`, `served_name`, `pinned`, `idle_stop` of one soulstone. */
export function servedIssues(s: Service, at: At): RawIssue[] {
  const r = s.raw;
  const issues: RawIssue[] = [];
  if (!r.models) {
    for (const f of ["served_name", "pinned", "idle_stop"] as const) {
      if (r[f] !== undefined) {
        issues.push({
          path: at(s, f),
          message: `${f} needs models: only the gateway uses it`,
          hint: `add e.g. models = [${q(s.name)}] to serve ${s.path} through the gateway`,
        });
      }
    }
    return issues;
  }
  if (r.on_demand) {
    issues.push({
      path: at(s, "on_demand"),
      message: `${s.path} has both models and on_demand`,
      hint: "a stone is served by the gateway (models) or by its own socket (on_demand), not both",
    });
  }
  const tcp = s.ports.find((p) => p.proto === "tcp");
  if (!tcp) {
    issues.push({
      path: at(s, "models"),
      message: `${s.path} has models but publishes no TCP port for the gateway to reach`,
      hint: 'add e.g. ports = ["127.0.0.1:8001:8000"]; the first TCP port is the upstream',
    });
  } else if (!LOOPBACK_OR_ANY(tcp.ip)) {
    issues.push({
      path: at(s, "ports", s.ports.indexOf(tcp)),
      message: `the gateway dials loopback only, but ${s.path}'s first TCP port is published on ${q(tcp.ip)}`,
      hint: 'publish it on loopback, e.g. "127.0.0.1:8001:8000"',
    });
  }
  return issues;
}

/** Model ids unique across the Codex, `[gateway]` fields that need the whole Codex. */
export function gatewayIssues(codex: Codex, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  const owner = new Map<string, string>();
  for (const s of codex.services) {
    (s.served?.ids ?? []).forEach((id, i) => {
      const prev = owner.get(id);
      if (prev) {
        issues.push({
          path: at(s, "models", i),
          message: `model id ${q(id)} is already served by ${prev}`,
          hint: "model ids (aliases included) are unique across the Codex",
        });
      } else owner.set(id, s.path);
    });
  }
  const g = codex.gateway;
  if (!g) return issues;
  if (owner.size === 0) {
    issues.push({
      path: ["gateway"],
      message: "[gateway] is set but no soulstone has models",
      hint: 'add models = ["id"] to the soulstones the gateway should serve',
    });
  }
  if (!g.port || !isIP(g.ip)) {
    issues.push({
      path: ["gateway", "listen"],
      message: `${q(g.listen)} is not "ip:port" or a port`,
      hint: 'e.g. "127.0.0.1:4000" or "4000"',
    });
  }
  if (g.default !== undefined && !owner.has(g.default)) {
    issues.push({
      path: ["gateway", "default"],
      message: `${q(g.default)} is not a model id of this Codex`,
      hint: hintName(g.default, owner.keys()),
    });
  }
  return issues;
}

/**
 * `sepulcher.subnet` (a private IPv4 /16../29, bridge only) and the name `lychd-gateway`, which
 * every container of a bridge Sepulcher with a gateway resolves to the bridge's address.
 */
export function subnetIssues(codex: Codex, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  if (codex.subnet === undefined) return issues;
  if (codex.network !== "bridge") {
    issues.push({
      path: ["sepulcher", "subnet"],
      message: `subnet is set but network is ${q(codex.network)}`,
      hint: 'only network = "bridge" (the Sepulcher\'s own network) has a subnet lychd pins',
    });
    return issues;
  }
  const sn = parseSubnet(codex.subnet);
  if (!sn.ok) issues.push({ path: ["sepulcher", "subnet"], message: sn.message, hint: sn.hint });
  if (!codex.gateway) return issues;
  for (const s of codex.services) {
    if (s.name === GATEWAY_HOST) {
      issues.push({
        path: at(s),
        message: `the name ${q(GATEWAY_HOST)} is taken: every container reaches the gateway by it`,
        hint: "rename the service",
      });
    }
    (s.raw.aliases ?? []).forEach((a, i) => {
      if (a === GATEWAY_HOST) {
        issues.push({
          path: at(s, "aliases", i),
          message: `the alias ${q(GATEWAY_HOST)} is taken: every container reaches the gateway by it`,
          hint: "choose another alias",
        });
      }
    });
    (s.raw.add_hosts ?? []).forEach((h, i) => {
      if (h.slice(0, h.indexOf(":")) === GATEWAY_HOST) {
        issues.push({
          path: at(s, "add_hosts", i),
          message: `${q(h)} would hide the gateway: lychd adds ${q(GATEWAY_HOST)} to every container`,
          hint: "remove the entry or use another name",
        });
      }
    });
  }
  return issues;
}
