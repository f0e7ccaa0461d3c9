/**
 * Plan → Kubernetes objects, the export driver: a Deployment per service (one per Sepulcher with
 * `network = "pod"`), a headless Service per service so names resolve as on the bridge network, a
 * PersistentVolumeClaim per named volume, a ConfigMap per env file, and with `--gpu dra` a
 * ResourceClaimTemplate per soulstone with GPUs, and the gateway's Deployment, Service and routing
 * table (./gateway.ts). Pure and deterministic: same plan, same objects,
 * same key order. What cannot be expressed becomes a warning (approximations) or a KubeError
 * (where the result would be wrong); docs/kubernetes.md lists every field.
 *
 * This module checks names, runs the mappings in a fixed order and adds the whole-Codex
 * warnings: ./workload.ts and ./container.ts (Deployments and containers), ./volumes.ts
 * (claims, ConfigMaps, volumes), ./service.ts (Services), ./probes.ts (probes, securityContext),
 * ./names.ts (Kubernetes grammars).
 *
 * Types come from ./types.ts (checked against `kubernetes-models` by tests/kube_types_test.ts), so
 * a misspelt field is a type error; the tests validate every object against its schemas.
 *
 * @module
 */
import type {
  ConfigMap as IConfigMap,
  Deployment as IDeployment,
  PersistentVolumeClaim as IPersistentVolumeClaim,
  ResourceClaimTemplate as IResourceClaimTemplate,
  Service as IService,
} from "./types.ts";
import type { Plan } from "../plan/plan.ts";
import type { CdiRegistry } from "../cdi/registry.ts";
import { type Ctx, type ExportOptions, warn } from "./context.ts";
import type { Warning } from "../warnings.ts";
import { checkName, DNS_SUBDOMAIN, SECRET_KEY } from "./names.ts";
import { podDeployment, serviceDeployment } from "./workload.ts";
import { headlessService } from "./service.ts";
import { persistentVolumeClaims } from "./volumes.ts";
import { gatewayObjects } from "./gateway.ts";

export type { ExportOptions } from "./context.ts";

/** Every kind the export writes. */
export type KubeObject =
  | IConfigMap
  | IPersistentVolumeClaim
  | IResourceClaimTemplate
  | IService
  | IDeployment;

/** The export: objects in apply order, warnings, and the commands that create the secrets. */
export interface Exported {
  objects: KubeObject[];
  warnings: Warning[];
  secretCommands: string[];
}

/** Build every object of a plan. @throws {KubeError} */
export function exportPlan(plan: Plan, registry: CdiRegistry, opts: ExportOptions): Exported {
  const codex = plan.codex;
  const prefix = codex.prefix;
  const common = { "app.kubernetes.io/managed-by": "lychd", "app.kubernetes.io/part-of": prefix };
  const ctx: Ctx = {
    plan,
    registry,
    opts,
    warnings: [],
    meta: (name, extra) => ({
      name,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      // Ours last, so a Codex label cannot take over the selector or the ownership labels.
      labels: { ...common, ...(extra ?? {}), ...common },
    }),
    configMaps: [],
    claimTemplates: [],
    secrets: new Set(),
    pvcUsers: new Map(),
  };
  if (opts.namespace !== undefined) checkName("--namespace", opts.namespace, "namespace");

  for (const s of codex.services) checkName(s.path, s.name, "Service", true);
  for (const v of codex.volumes) checkName(`volumes.${v}`, v, "volume");
  for (const s of codex.services) {
    s.secrets.forEach((sec, i) => {
      if (!DNS_SUBDOMAIN.test(sec.name) || sec.name.length > 253) {
        checkName(`${s.path}.secrets[${i}]`, sec.name, "Secret");
      }
    });
  }

  const deployments: IDeployment[] = [];
  const services: IService[] = [];
  if (codex.network === "pod") deployments.push(podDeployment(ctx));
  else for (const ps of plan.services) deployments.push(serviceDeployment(ctx, ps.service));
  for (const ps of plan.services) services.push(headlessService(ctx, ps.service));

  const pvcs: IPersistentVolumeClaim[] = persistentVolumeClaims(ctx);

  const gw = gatewayObjects(ctx);
  if (gw) {
    ctx.configMaps.push(gw.configMap);
    services.push(gw.service);
    deployments.push(gw.deployment);
  }
  const claimed = new Set(codex.services.flatMap((s) => s.role === "soulstone" ? s.raw.devices ?? [] : []));
  for (const d of Object.keys(codex.migProfiles)) {
    const dev = registry.device(d);
    if (dev && !dev.caps.length) {
      warn(
        ctx,
        "kube-mig-profile-unused",
        `gpu.mig_profiles."${d}"`,
        `the CDI spec says ${d} is a whole GPU, not a MIG slice; unused`,
      );
    } else if (!claimed.has(d)) {
      warn(ctx, "kube-mig-profile-unused", `gpu.mig_profiles."${d}"`, `no soulstone claims ${d}; unused`);
    }
  }

  // One summary line each for what Kubernetes does differently as a whole.
  const withOrder = codex.services.filter((s) =>
    s.raw.requires?.length || s.raw.wants?.length || s.raw.after?.length
  );
  if (withOrder.length) {
    warn(
      ctx,
      "kube-host-behaviour-dropped",
      "",
      `requires/wants/after (${
        withOrder.map((s) => s.path).join(", ")
      }) are not exported: Kubernetes starts pods in any order, so each must retry what it needs`,
    );
  }
  if (plan.pairs.length) {
    warn(
      ctx,
      "kube-host-behaviour-dropped",
      "",
      `${plan.pairs.length} conflict pair(s) are not exported: the scheduler never gives one GPU to two pods, so stones that took turns on a GPU each need their own (or stay at replicas 0)`,
    );
  }
  if (codex.services.some((s) => s.ports.length)) {
    warn(
      ctx,
      "kube-host-behaviour-dropped",
      "",
      "published host ports are not exported: each Service is cluster-internal (kubectl port-forward, a LoadBalancer Service or an Ingress publishes one)",
    );
  }

  const byName = <T extends { metadata?: { name?: string } }>(a: T, b: T) =>
    a.metadata!.name! < b.metadata!.name! ? -1 : a.metadata!.name! > b.metadata!.name! ? 1 : 0;
  const objects: KubeObject[] = [
    ...ctx.configMaps.sort(byName),
    ...pvcs,
    ...ctx.claimTemplates.sort(byName),
    ...services.sort(byName),
    ...deployments.sort(byName),
  ];
  const ns = opts.namespace ? ` --namespace ${opts.namespace}` : "";
  const secretCommands = [...ctx.secrets].sort().map((n) =>
    `kubectl create secret generic ${n}${ns} --from-literal=${SECRET_KEY}="$(podman secret inspect --showsecret --format '{{.SecretData}}' ${n})"`
  );
  if (gw?.secretCommand) secretCommands.push(gw.secretCommand);
  return { objects, warnings: ctx.warnings, secretCommands };
}
