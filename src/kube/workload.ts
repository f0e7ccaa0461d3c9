/**
 * Services → Deployments: one per service, or one for the whole Sepulcher with
 * `network = "pod"`. Each service contributes a Part (./container.ts); this module merges the
 * parts into one pod spec (volumes once, host aliases and claims joined, the longest grace
 * period), records which Deployments mount each claim, and fixes the key order.
 *
 * @module
 */
import type { Deployment as IDeployment, PodSpec as IPodSpec, Volume as IVolume } from "./types.ts";
import type { Service } from "../codex/model.ts";
import { type Ctx, warn } from "./context.ts";
import { ANN, selectorOf } from "./names.ts";
import { buildPart, type Part } from "./container.ts";

/** The Deployment of one service. */
export function serviceDeployment(ctx: Ctx, s: Service): IDeployment {
  const name = s.stem;
  const part = buildPart(ctx, s, s.name, "");
  const annotations: Record<string, string> = {};
  if (s.raw.description) annotations[`${ANN}/description`] = s.raw.description;
  if (!s.autostart) annotations[`${ANN}/autostart`] = "false";
  return deployment(ctx, name, s.name, s.role, s.autostart ? 1 : 0, [part], annotations, part.labels);
}

/** The one Deployment of a Sepulcher with `network = "pod"`. */
export function podDeployment(ctx: Ctx): IDeployment {
  const codex = ctx.plan.codex;
  const prefix = codex.prefix;
  const parts = codex.services.map((s) => buildPart(ctx, s, prefix, `${s.name}-`));
  const auto = codex.services.filter((s) => s.autostart);
  const off = codex.services.filter((s) => !s.autostart);
  if (auto.length && off.length) {
    warn(
      ctx,
      "kube-field-approximated",
      "sepulcher.network",
      `"pod" becomes one Deployment, and a pod starts all its containers: ${
        off.map((s) => s.path).join(", ")
      } (autostart = false) will run with the others`,
    );
  }
  const annotations: Record<string, string> = {};
  if (!auto.length) annotations[`${ANN}/autostart`] = "false";
  const labels: Record<string, string> = {};
  for (const p of parts) Object.assign(labels, p.labels);
  return deployment(ctx, prefix, prefix, "pod", auto.length ? 1 : 0, parts, annotations, labels);
}

function deployment(
  ctx: Ctx,
  name: string,
  selectorName: string,
  component: string,
  replicas: number,
  parts: Part[],
  annotations: Record<string, string>,
  userLabels: Record<string, string>,
): IDeployment {
  const prefix = ctx.plan.codex.prefix;
  const selector = selectorOf(prefix, selectorName);
  const podAnnotations: Record<string, string> = {};
  for (const p of parts) Object.assign(podAnnotations, p.annotations);
  const spec: IPodSpec = { containers: parts.map((p) => p.container) };
  for (const p of parts) {
    for (const [k, v] of Object.entries(p.podSpec)) {
      const key = k as keyof IPodSpec;
      if (key === "hostAliases" || key === "resourceClaims") {
        // deno-lint-ignore no-explicit-any
        (spec as any)[key] = [...((spec as any)[key] ?? []), ...(v as unknown[])];
      } else if (key === "terminationGracePeriodSeconds") {
        spec[key] = Math.max(spec[key] ?? 0, v as number);
      } else {
        // deno-lint-ignore no-explicit-any
        (spec as any)[key] = v;
      }
    }
  }
  const volumes: IVolume[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    for (const v of p.volumes) {
      if (seen.has(v.name)) continue;
      seen.add(v.name);
      volumes.push(v);
    }
  }
  if (volumes.length) spec.volumes = volumes;
  for (const v of volumes) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim) {
      const vol = claim.slice(prefix.length + 1);
      ctx.pvcUsers.set(vol, [...(ctx.pvcUsers.get(vol) ?? []), name]);
    }
  }
  const ordered: IPodSpec = {
    ...(spec.hostNetwork ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
    ...(spec.hostIPC ? { hostIPC: true } : {}),
    ...(spec.hostAliases ? { hostAliases: spec.hostAliases } : {}),
    ...(spec.terminationGracePeriodSeconds !== undefined
      ? { terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds }
      : {}),
    containers: spec.containers,
    ...(spec.volumes ? { volumes: spec.volumes } : {}),
    ...(spec.resourceClaims ? { resourceClaims: spec.resourceClaims } : {}),
  };
  const recreate = parts.some((p) => p.needsRecreate);
  const metaLabels = { "app.kubernetes.io/name": selectorName, "app.kubernetes.io/component": component };
  const meta = ctx.meta(name, { ...userLabels, ...metaLabels });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { ...meta, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      replicas,
      ...(recreate ? { strategy: { type: "Recreate" } } : {}),
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...meta.labels },
          ...(Object.keys(podAnnotations).length ? { annotations: podAnnotations } : {}),
        },
        spec: ordered,
      },
    },
  };
}
