/**
 * One Codex service → the part of a pod it contributes: its container (image, command, env,
 * ports, resources and GPUs, probes, securityContext), its volumes, its pod-level fields
 * (host network and IPC, host aliases, grace period, resource claims), labels and annotations,
 * and a warning for each field a Deployment cannot carry. ./workload.ts merges the parts.
 *
 * @module
 */
import type {
  Container as IContainer,
  EnvVar as IEnvVar,
  HostAlias as IHostAlias,
  PodSpec as IPodSpec,
  Volume as IVolume,
  VolumeMount as IVolumeMount,
} from "./types.ts";
import type { Service } from "../codex/model.ts";
import { parseSize } from "../codex/quantities.ts";
import { type Ctx, warn as warnOn } from "./context.ts";
import type { WarningCode } from "../warnings.ts";
import { deviceLimits, draRequests, type GpuNeed, gpuNeeds } from "./gpu.ts";
import { escapeExpansion, isLabel, label63, quantity } from "./names.ts";
import { envFromFiles, mapMounts, mapSecrets } from "./volumes.ts";
import { applyProbes, securityContext } from "./probes.ts";

/** The part of a pod that one service contributes. */
export interface Part {
  container: IContainer;
  volumes: IVolume[];
  podSpec: Partial<IPodSpec>;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  needsRecreate: boolean;
}

/** Maps one service; `volPrefix` keeps volume names apart in a shared pod. @throws {KubeError} */
export function buildPart(ctx: Ctx, s: Service, workload: string, volPrefix: string): Part {
  const codex = ctx.plan.codex;
  const r = s.raw;
  const p = (f: string) => `${s.path}.${f}`;
  const warn = (code: WarningCode, field: string, msg: string) => warnOn(ctx, code, p(field), msg);
  const podSpec: Partial<IPodSpec> = {};
  const volumes: IVolume[] = [];
  const mounts: IVolumeMount[] = [];
  const annotations: Record<string, string> = {};
  const labels: Record<string, string> = {};
  let needsRecreate = s.role === "soulstone";

  const c: IContainer = { name: s.name, image: r.image };
  if (r.pull) {
    c.imagePullPolicy =
      ({ always: "Always", missing: "IfNotPresent", never: "Never", newer: "Always" } as const)[
        r.pull
      ];
  }
  if (r.entrypoint) c.command = r.entrypoint.map(escapeExpansion);
  if (r.command?.length) c.args = r.command.map(escapeExpansion);

  // Environment: env files (ConfigMaps) first, then env and env secrets, which win, as in Podman.
  const envFrom = envFromFiles(ctx, s, workload);
  const env: IEnvVar[] = Object.entries(r.env ?? {}).map(([name, value]) => ({
    name,
    value: escapeExpansion(value),
  }));
  mapSecrets(ctx, s, volPrefix, env, volumes, mounts);
  for (const [k, v] of Object.entries(r.env ?? {})) {
    if (/\bhost\.(containers|docker)\.internal\b/.test(v)) {
      warn(
        "kube-podman-host-named",
        `env.${k}`,
        "names the Podman host, which a pod does not have: point it at a Service (http://<service>:<port>)",
      );
    }
  }
  if (envFrom.length) c.envFrom = envFrom;
  if (env.length) c.env = env;

  // Ports: the container side; the host side is a Podman matter.
  if (s.ports.length) {
    const seen = new Set<string>();
    c.ports = [];
    for (const port of s.ports) {
      const key = `${port.proto}-${port.container}`;
      if (seen.has(key)) continue;
      seen.add(key);
      c.ports.push({
        name: key,
        containerPort: port.container,
        protocol: port.proto.toUpperCase() as "TCP" | "UDP" | "SCTP",
      });
    }
  }

  // Volumes.
  if (mapMounts(ctx, s, volPrefix, warn, volumes, mounts)) needsRecreate = true;
  if (mounts.length) c.volumeMounts = mounts;

  // Resources.
  const limits: Record<string, string> = {};
  if (r.memory !== undefined) {
    const mib = parseSize(r.memory);
    if (mib.ok) limits.memory = quantity(mib.value.mib);
  }
  if (r.cpus !== undefined) {
    limits.cpu = Number.isInteger(r.cpus) ? String(r.cpus) : `${Math.ceil(r.cpus * 1000)}m`;
  }
  const needs: GpuNeed[] = s.role === "soulstone" ? gpuNeeds(codex, s, ctx.registry) : [];
  const resources: NonNullable<IContainer["resources"]> = {};
  if (needs.length && ctx.opts.gpu === "device-plugin") Object.assign(limits, deviceLimits(s, needs));
  if (needs.length && ctx.opts.gpu === "dra") {
    const requests = draRequests(needs);
    const tmpl = `${s.stem}-gpu`;
    const claim = label63(`${volPrefix}gpu`);
    ctx.claimTemplates.push({
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaimTemplate",
      metadata: ctx.meta(tmpl, { "app.kubernetes.io/name": workload }),
      spec: { spec: { devices: { requests } } },
    });
    podSpec.resourceClaims = [{ name: claim, resourceClaimTemplateName: tmpl }];
    resources.claims = [{ name: claim }];
  }
  if (needs.length) needsRecreate = true;
  if (Object.keys(limits).length) resources.limits = limits;
  if (Object.keys(resources).length) c.resources = resources;
  for (const d of r.devices ?? []) {
    if (d.startsWith("/")) {
      warn(
        "kube-field-dropped",
        "devices",
        `${d} is not exported (a Kubernetes device plugin hands out host devices)`,
      );
    }
  }

  // Health → probes. Podman's defaults: interval 30s, timeout 30s, retries 3.
  if (r.health) applyProbes(c, r.health);

  // Security context.
  const sc = securityContext(s);
  if (Object.keys(sc).length) c.securityContext = sc;

  // Pod-level fields.
  if (codex.network === "host") podSpec.hostNetwork = true;
  if (r.ipc === "host") {
    podSpec.hostIPC = true;
    warn(
      "kube-field-approximated",
      "ipc",
      "host IPC becomes hostIPC: true (the pod shares the node's IPC namespace)",
    );
  }
  if (r.stop_timeout !== undefined) podSpec.terminationGracePeriodSeconds = r.stop_timeout;
  if (r.add_hosts?.length) {
    const aliases: IHostAlias[] = [];
    for (const [i, h] of r.add_hosts.entries()) {
      const at = h.indexOf(":");
      const host = h.slice(0, at);
      const ip = h.slice(at + 1);
      if (ip === "host-gateway") {
        warn(
          "kube-field-dropped",
          `add_hosts[${i}]`,
          `${host}:host-gateway is not exported (a pod has no host gateway address)`,
        );
        continue;
      }
      const prev = aliases.find((a) => a.ip === ip);
      if (prev) prev.hostnames!.push(host);
      else aliases.push({ ip, hostnames: [host] });
    }
    if (aliases.length) podSpec.hostAliases = aliases;
  }

  for (const [k, v] of Object.entries(r.labels ?? {})) {
    if (isLabel(k, v)) labels[k] = v;
    else {
      annotations[k] = v;
      warn(
        "kube-field-approximated",
        `labels.${k}`,
        "not a valid Kubernetes label; exported as a pod annotation instead",
      );
    }
  }
  for (const [k, v] of Object.entries(r.annotations ?? {})) annotations[k] = v;

  // What has no place in a Deployment.
  if (s.restart !== "always") {
    warn(
      "kube-field-dropped",
      "restart",
      `${JSON.stringify(s.restart)} is not exported: a Deployment always restarts its containers`,
    );
  }
  if (r.restart_sec !== undefined) {
    warn("kube-field-dropped", "restart_sec", "not exported: Kubernetes restarts with its own back-off");
  }
  if (r.fallback) {
    warn(
      "kube-field-dropped",
      "fallback",
      "not exported: Kubernetes has no OnFailure= (scale the fallback up by hand)",
    );
  }
  if (s.onDemand) {
    warn("kube-field-dropped", "on_demand", "not exported: scale-to-zero on a cluster needs KEDA or Knative");
  }
  if (r.userns) {
    warn("kube-field-dropped", "userns", "not exported (hostUsers: false is the nearest Kubernetes setting)");
  }
  if (r.podman_args?.length) warn("kube-field-dropped", "podman_args", "not exported (Podman flags)");
  if (r.auto_update) {
    warn("kube-field-dropped", "auto_update", "not exported (use an image automation tool on the cluster)");
  }

  return { container: c, volumes, podSpec, annotations, labels, needsRecreate };
}
