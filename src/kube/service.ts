/**
 * Service → headless Kubernetes Service: the name resolves to the pod itself, as on the Podman
 * bridge network; the declared container ports are listed for discovery.
 *
 * @module
 */
import type { Service as IService, ServicePort as IServicePort } from "./types.ts";
import type { Service } from "../codex/model.ts";
import type { Ctx } from "./context.ts";
import { selectorOf } from "./names.ts";

/** The headless Service of one Codex service. */
export function headlessService(ctx: Ctx, s: Service): IService {
  const prefix = ctx.plan.codex.prefix;
  const workload = ctx.plan.codex.network === "pod" ? prefix : s.name;
  const seen = new Set<string>();
  const ports: IServicePort[] = [];
  for (const p of s.ports) {
    const name = `${p.proto}-${p.container}`;
    if (seen.has(name)) continue;
    seen.add(name);
    ports.push({
      name,
      port: p.container,
      targetPort: p.container,
      protocol: p.proto.toUpperCase() as "TCP" | "UDP" | "SCTP",
    });
  }
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: ctx.meta(s.name, { "app.kubernetes.io/name": workload, "app.kubernetes.io/component": s.role }),
    spec: {
      // Headless: the name resolves to the pod itself, so every port answers on it, as on the
      // bridge network; declared ports are listed for discovery.
      clusterIP: "None",
      selector: selectorOf(prefix, workload),
      ...(ports.length ? { ports } : {}),
    },
  };
}
