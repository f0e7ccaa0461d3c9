/**
 * The stack's one network: `network_mode` host/none for every service or one bridge; top-level
 * networks whose settings the bridge cannot carry, and services on different networks (refused,
 * or merged under --lenient). Per service: `container_name`, the compose name and network aliases
 * become DNS aliases on the bridge.
 *
 * Pure.
 *
 * @module
 */
import type { Warning } from "../warnings.ts";
import { ComposeError, type Obj, type Project } from "./project.ts";
import { type ConvertOptions, refuse, type ServiceCtx } from "./model.ts";

/** The stack's network mode, plus the comments for the `[sepulcher]` table. */
export function stackNetwork(
  p: Project,
  opts: ConvertOptions,
  warnings: Warning[],
): { network: "bridge" | "host" | "none"; networkNotes: string[] } {
  const modes = new Set(Object.values(p.services).map((s) => s.network_mode ?? "bridge"));
  let network: "bridge" | "host" | "none" = "bridge";
  const networkNotes: string[] = [];
  for (const [n, s] of Object.entries(p.services)) {
    const m = s.network_mode;
    if (m === undefined || m === "bridge" || m === "default") continue;
    if (m === "host" || m === "none") {
      if (modes.size > 1) {
        refuse(
          p.origin[n],
          n,
          "network_mode",
          `network_mode: ${m} on some services and not others cannot be expressed (lychd has one network for the stack)`,
          `move ${n} to its own import, or drop network_mode`,
        );
      }
      network = m;
      continue;
    }
    refuse(
      p.origin[n],
      n,
      "network_mode",
      `network_mode: ${m} shares another container's network namespace, which lychd does not do`,
      "drop it and reach the other service by its name on the shared bridge",
    );
  }
  for (const [net, cfg] of Object.entries((p.networks ?? {}) as Obj)) {
    if (!cfg) continue;
    const driver = cfg.driver;
    const odd = [
      ...(driver && driver !== "bridge" && driver !== "default" ? [`driver: ${driver}`] : []),
      ...(cfg.external === true ? ["external: true"] : []),
      ...(cfg.internal === true ? ["internal: true"] : []),
      ...(cfg.ipam ? ["ipam"] : []),
      ...(cfg.driver_opts ? ["driver_opts"] : []),
      ...(cfg.enable_ipv6 ? ["enable_ipv6"] : []),
    ];
    if (!odd.length) continue;
    const msg = `network ${net} has ${odd.join(", ")}, which lychd's one bridge does not carry over`;
    if (!opts.lenient) {
      throw new ComposeError(p.files[0], `networks.${net}`, msg, "drop those settings, or pass --lenient");
    }
    warnings.push({ code: "compose-network-settings-dropped", path: "", message: `dropped ${msg}` });
    networkNotes.push(`# lychd import: dropped ${msg}`);
  }
  if (network === "bridge") {
    const sets = Object.entries(p.services).map((
      [n, s],
    ) => [n, Object.keys(s.networks ?? { default: null }).sort().join(",")]);
    const distinct = new Set(sets.map(([, k]) => k));
    const all = [
      ...new Set(Object.values(p.services).flatMap((s) => Object.keys(s.networks ?? { default: null }))),
    ];
    if (distinct.size > 1) {
      const msg = `services are on different networks (${sets.map(([n, k]) => `${n}: ${k}`).join("; ")})`;
      if (!opts.lenient) {
        throw new ComposeError(
          p.files[0],
          "networks",
          `${msg}; lychd puts the whole stack on one bridge, so that isolation would be lost`,
          "put every service on the same networks, or pass --lenient to merge them into one bridge",
        );
      }
      warnings.push({
        code: "compose-networks-merged",
        path: "",
        message: `merged networks ${all.join(", ")} into one bridge: ${msg}`,
      });
      networkNotes.push(`# lychd import: dropped network isolation: ${msg}; all share one bridge now`);
    } else if (all.length > 1 || (all.length === 1 && all[0] !== "default")) {
      networkNotes.push(
        `# compose networks ${all.join(", ")} → the one lychd bridge (every service was on the same ones)`,
      );
    }
  }
  return { network, networkNotes };
}

/** container_name and names that differ from the Codex name stay reachable by DNS. */
export function aliasesOf(ctx: ServiceCtx): void {
  const { n, s, e, drop, note } = ctx;
  const aliases = new Set<string>();
  if (s.container_name) {
    aliases.add(String(s.container_name));
    note(`container_name ${s.container_name} → a network alias (lychd names containers after their unit)`);
  }
  if (n !== e.name) aliases.add(n);
  for (const [net, cfg] of Object.entries((s.networks ?? {}) as Obj)) {
    for (const a of cfg?.aliases ?? []) aliases.add(String(a));
    if (cfg?.ipv4_address || cfg?.ipv6_address) {
      drop(`networks.${net}.ipv4_address`, "static addresses on the bridge", "reach the service by name");
    }
  }
  if (aliases.size) e.fields.aliases = [...aliases];
}
