/**
 * Plan → Kubernetes objects: a Deployment per service (one per Sepulcher with `network = "pod"`),
 * a headless Service per service so names resolve as on the bridge network, a
 * PersistentVolumeClaim per named volume, a ConfigMap per env file, and with `--gpu dra` a
 * ResourceClaimTemplate per soulstone with GPUs. Pure and deterministic: same plan, same objects,
 * same key order. What cannot be expressed becomes a warning (approximations) or a KubeError
 * (where the result would be wrong); docs/kubernetes.md lists every field.
 *
 * Types come from ./types.ts (checked against `kubernetes-models` by tests/kube_types_test.ts), so
 * a misspelt field is a type error; the tests validate every object against its schemas.
 *
 * @module
 */
import type {
  ConfigMap as IConfigMap,
  Container as IContainer,
  Deployment as IDeployment,
  EnvFromSource as IEnvFromSource,
  EnvVar as IEnvVar,
  HostAlias as IHostAlias,
  PersistentVolumeClaim as IPersistentVolumeClaim,
  PodSpec as IPodSpec,
  Probe as IProbe,
  ResourceClaimTemplate as IResourceClaimTemplate,
  Service as IService,
  ServicePort as IServicePort,
  Volume as IVolume,
  VolumeMount as IVolumeMount,
} from "./types.ts";
import type { Plan } from "../plan/plan.ts";
import type { Service } from "../codex/model.ts";
import type { CdiRegistry } from "../cdi/registry.ts";
import { parseDuration, parseSize } from "../codex/quantities.ts";
import { KubeError } from "./errors.ts";
import { EnvFileError, parseEnvFile } from "./envfile.ts";
import { deviceLimits, draRequests, type GpuMode, type GpuNeed, gpuNeeds } from "./gpu.ts";

/** Every kind the export writes. */
export type KubeObject =
  | IConfigMap
  | IPersistentVolumeClaim
  | IResourceClaimTemplate
  | IService
  | IDeployment;

/** Export options. */
export interface ExportOptions {
  namespace?: string;
  gpu: GpuMode;
  /** Text of each `env_files` path (read through the host seam); a missing file is refused. */
  envFiles: ReadonlyMap<string, string | undefined>;
}

/** The export: objects in apply order, warnings, and the commands that create the secrets. */
export interface Exported {
  objects: KubeObject[];
  warnings: string[];
  secretCommands: string[];
}

/** The default size of a PersistentVolumeClaim without `[volumes.NAME] size`. */
export const DEFAULT_VOLUME_SIZE = "10Gi";

/** The key of each Secret that holds a Podman secret's value. */
export const SECRET_KEY = "value";

/** Annotation prefix (the Podman labels use `io.lychd.*`). */
const ANN = "io.lychd";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Kubernetes expands `$(VAR)` in command, args and env values; `$$` stays one `$`. */
export function escapeExpansion(s: string): string {
  return s.replace(/\$(?=[$(])/g, "$$$$");
}

/** A label key and value Kubernetes accepts. */
export function isLabel(key: string, value: string): boolean {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  if (name.length > 63 || !LABEL_NAME.test(name)) return false;
  return value === "" || (value.length <= 63 && LABEL_NAME.test(value));
}

/** MiB as a Kubernetes quantity: `16Gi`, `512Mi`, `300Ki`. */
export function quantity(mib: number): string {
  if (Number.isInteger(mib / 1024)) return `${mib / 1024}Gi`;
  if (Number.isInteger(mib)) return `${mib}Mi`;
  const ki = mib * 1024;
  return Number.isInteger(ki) ? `${ki}Ki` : `${Math.ceil(ki * 1024)}`;
}

/**
 * A pod-internal name (volume, claim) as a DNS label: at most 63 characters. A longer one keeps
 * its first 54 and gets a hash of the whole, so names stay distinct and deterministic.
 */
export function label63(name: string): string {
  if (name.length <= 63) return name;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `${name.slice(0, 54).replace(/-+$/, "")}-${h.toString(16).padStart(8, "0")}`;
}

function seconds(v: string | number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const d = parseDuration(v);
  return d.ok ? Math.max(1, Math.ceil(d.value.seconds)) : dflt;
}

function checkName(path: string, name: string, what: string, dns1035 = false): void {
  const re = dns1035 ? DNS1035 : DNS_LABEL;
  if (name.length <= 63 && re.test(name)) return;
  throw new KubeError(
    path,
    `${JSON.stringify(name)} is not a valid Kubernetes ${what} name`,
    `Kubernetes names take a-z, 0-9 and "-" (no "_"), at most 63 characters${
      dns1035 ? ", starting with a letter" : ""
    }; rename it in the Codex`,
  );
}

interface Ctx {
  plan: Plan;
  registry: CdiRegistry;
  opts: ExportOptions;
  warnings: string[];
  meta: (name: string, extra?: Record<string, string>) => {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
  };
  configMaps: IConfigMap[];
  claimTemplates: IResourceClaimTemplate[];
  secrets: Set<string>;
  /** Volume name → Deployments that mount its claim. */
  pvcUsers: Map<string, string[]>;
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

  const pvcs: IPersistentVolumeClaim[] = codex.volumes.map((v) => {
    const size = codex.volumeSettings[v]?.size;
    if (!size) {
      ctx.warnings.push(
        `volumes.${v}: no size set; the PersistentVolumeClaim requests ${DEFAULT_VOLUME_SIZE} (set [volumes.${v}] size = "50Gi")`,
      );
    }
    const users = ctx.pvcUsers.get(v) ?? [];
    if (users.length > 1) {
      ctx.warnings.push(
        `volumes.${v}: mounted by ${users.length} Deployments (${
          users.join(", ")
        }); a ReadWriteOnce claim makes them share one node (or give the claim a ReadWriteMany storage class)`,
      );
    }
    return {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: ctx.meta(`${prefix}-${v}`, { "app.kubernetes.io/component": "volume" }),
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: size ?? DEFAULT_VOLUME_SIZE } },
      },
    };
  });

  gatewayHook(plan, ctx.warnings);
  const claimed = new Set(codex.services.flatMap((s) => s.role === "soulstone" ? s.raw.devices ?? [] : []));
  for (const d of Object.keys(codex.migProfiles)) {
    const dev = registry.device(d);
    if (dev && !dev.caps.length) {
      ctx.warnings.push(
        `gpu.mig_profiles."${d}": the CDI spec says ${d} is a whole GPU, not a MIG slice; unused`,
      );
    } else if (!claimed.has(d)) {
      ctx.warnings.push(`gpu.mig_profiles."${d}": no soulstone claims ${d}; unused`);
    }
  }

  // One summary line each for what Kubernetes does differently as a whole.
  const withOrder = codex.services.filter((s) =>
    s.raw.requires?.length || s.raw.wants?.length || s.raw.after?.length
  );
  if (withOrder.length) {
    ctx.warnings.push(
      `requires/wants/after (${
        withOrder.map((s) => s.path).join(", ")
      }) are not exported: Kubernetes starts pods in any order, so each must retry what it needs`,
    );
  }
  if (plan.pairs.length) {
    ctx.warnings.push(
      `${plan.pairs.length} conflict pair(s) are not exported: the scheduler never gives one GPU to two pods, so stones that took turns on a GPU each need their own (or stay at replicas 0)`,
    );
  }
  if (codex.services.some((s) => s.ports.length)) {
    ctx.warnings.push(
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
  return { objects, warnings: ctx.warnings, secretCommands };
}

/**
 * The gateway (#13, `[gateway]` and soulstone `models`) is not exported yet: docs/kubernetes.md
 * says what its export will be (a single-replica Deployment + Service routing by model to the
 * soulstones' Services). Until then a Codex that has it exports everything else and says so.
 */
export function gatewayHook(plan: Plan, warnings: string[]): void {
  const codex = plan.codex as unknown as Record<string, unknown>;
  const stones = plan.codex.services.filter((s) => (s.raw as Record<string, unknown>).models !== undefined);
  if (codex.gateway === undefined && !stones.length) return;
  warnings.push(
    `gateway: not exported yet (${
      ["gateway", ...stones.map((s) => `${s.path}.models`)].filter((x) => x !== "gateway" || codex.gateway)
        .join(", ")
    }); clients reach each soulstone by its Service name (docs/kubernetes.md, "The gateway")`,
  );
}

function selectorOf(prefix: string, name: string): Record<string, string> {
  return { "app.kubernetes.io/part-of": prefix, "app.kubernetes.io/name": name };
}

function headlessService(ctx: Ctx, s: Service): IService {
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

/** The part of a pod that one service contributes. */
interface Part {
  container: IContainer;
  volumes: IVolume[];
  podSpec: Partial<IPodSpec>;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  needsRecreate: boolean;
}

function serviceDeployment(ctx: Ctx, s: Service): IDeployment {
  const name = s.stem;
  const part = buildPart(ctx, s, s.name, "");
  const annotations: Record<string, string> = {};
  if (s.raw.description) annotations[`${ANN}/description`] = s.raw.description;
  if (!s.autostart) annotations[`${ANN}/autostart`] = "false";
  return deployment(ctx, name, s.name, s.role, s.autostart ? 1 : 0, [part], annotations, part.labels);
}

function podDeployment(ctx: Ctx): IDeployment {
  const codex = ctx.plan.codex;
  const prefix = codex.prefix;
  const parts = codex.services.map((s) => buildPart(ctx, s, prefix, `${s.name}-`));
  const auto = codex.services.filter((s) => s.autostart);
  const off = codex.services.filter((s) => !s.autostart);
  if (auto.length && off.length) {
    ctx.warnings.push(
      `sepulcher.network: "pod" becomes one Deployment, and a pod starts all its containers: ${
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

function buildPart(ctx: Ctx, s: Service, workload: string, volPrefix: string): Part {
  const codex = ctx.plan.codex;
  const prefix = codex.prefix;
  const r = s.raw;
  const p = (f: string) => `${s.path}.${f}`;
  const warn = (field: string, msg: string) => ctx.warnings.push(`${p(field)}: ${msg}`);
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
  const envFrom: IEnvFromSource[] = [];
  (r.env_files ?? []).forEach((file, i) => {
    const text = ctx.opts.envFiles.get(file);
    if (text === undefined) {
      throw new KubeError(
        p(`env_files[${i}]`),
        `cannot read ${file}`,
        "the export reads each env file into a ConfigMap",
      );
    }
    let pairs: [string, string][];
    try {
      pairs = parseEnvFile(text);
    } catch (e) {
      if (!(e instanceof EnvFileError)) throw e;
      throw new KubeError(p(`env_files[${i}]`), `${file}:${e.line}: ${e.message}`, e.hint);
    }
    for (const [k] of pairs) {
      if (!CONFIGMAP_KEY.test(k)) {
        throw new KubeError(
          p(`env_files[${i}]`),
          `${file}: ${JSON.stringify(k)} cannot be a ConfigMap key`,
          'variable names for Kubernetes take letters, digits, "-", "_" and "."',
        );
      }
    }
    const name = `${s.stem}-env-${i}`;
    ctx.configMaps.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        ...ctx.meta(name, { "app.kubernetes.io/name": workload }),
        annotations: { [`${ANN}/source`]: file },
      },
      data: Object.fromEntries(pairs),
    });
    envFrom.push({ configMapRef: { name } });
  });
  const env: IEnvVar[] = Object.entries(r.env ?? {}).map(([name, value]) => ({
    name,
    value: escapeExpansion(value),
  }));
  s.secrets.forEach((sec, i) => {
    ctx.secrets.add(sec.name);
    if (sec.type === "env") {
      env.push({
        name: sec.target ?? sec.name,
        valueFrom: { secretKeyRef: { name: sec.name, key: SECRET_KEY } },
      });
      return;
    }
    // Podman mounts a secret at /run/secrets/<name>, or at target (absolute, or under /run/secrets).
    const target = sec.target
      ? (sec.target.startsWith("/") ? sec.target : `/run/secrets/${sec.target}`)
      : `/run/secrets/${sec.name}`;
    const vol = label63(`${volPrefix}secret-${i}`);
    volumes.push({ name: vol, secret: { secretName: sec.name } });
    mounts.push({ name: vol, mountPath: target, subPath: SECRET_KEY, readOnly: true });
  });
  for (const [k, v] of Object.entries(r.env ?? {})) {
    if (/\bhost\.(containers|docker)\.internal\b/.test(v)) {
      warn(
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
  s.mounts.forEach((m, i) => {
    const ro = m.options.includes("ro");
    const dropped = m.options.filter((o) => !["ro", "rw", "z", "Z", "bind", "rbind"].includes(o));
    if (dropped.length) {
      warn(
        `volumes[${i}]`,
        `mount options ${dropped.join(",")} have no Kubernetes equivalent and are dropped`,
      );
    }
    let vol: string;
    if (m.named) {
      vol = label63(`data-${m.source}`);
      volumes.push({ name: vol, persistentVolumeClaim: { claimName: `${prefix}-${m.source}` } });
      needsRecreate = true;
    } else {
      vol = label63(`${volPrefix}host-${i}`);
      volumes.push({ name: vol, hostPath: { path: m.source } });
      warn(
        `volumes[${i}]`,
        `host path ${m.source} becomes a hostPath volume: it pins the pod to nodes that have that path`,
      );
    }
    mounts.push({ name: vol, mountPath: m.target, ...(ro ? { readOnly: true } : {}) });
  });
  (r.tmpfs ?? []).forEach((t, i) => {
    const [path, opts] = t.split(":");
    const vol = label63(`${volPrefix}tmpfs-${i}`);
    volumes.push({ name: vol, emptyDir: { medium: "Memory" } });
    mounts.push({ name: vol, mountPath: path });
    if (opts) {
      warn(`tmpfs[${i}]`, `tmpfs options ${opts} are dropped (an emptyDir in memory has a sizeLimit only)`);
    }
  });
  if (r.shm_size !== undefined) {
    const mib = parseSize(r.shm_size);
    const vol = label63(`${volPrefix}shm`);
    volumes.push({
      name: vol,
      emptyDir: { medium: "Memory", ...(mib.ok ? { sizeLimit: quantity(mib.value.mib) } : {}) },
    });
    mounts.push({ name: vol, mountPath: "/dev/shm" });
  }
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
      warn("devices", `${d} is not exported (a Kubernetes device plugin hands out host devices)`);
    }
  }

  // Health → probes. Podman's defaults: interval 30s, timeout 30s, retries 3.
  if (r.health) {
    const h = r.health;
    const exec = { command: typeof h.cmd === "string" ? ["/bin/sh", "-c", h.cmd] : [...h.cmd] };
    const period = seconds(h.interval, 30);
    const probe: IProbe = {
      exec,
      periodSeconds: period,
      timeoutSeconds: seconds(h.timeout, 30),
      failureThreshold: h.retries ?? 3,
    };
    if (h.start_period !== undefined) {
      // Failures during the start period do not count: a startup probe holds the others back.
      c.startupProbe = {
        ...probe,
        failureThreshold: Math.ceil(seconds(h.start_period, 0) / period) + (h.retries ?? 3),
      };
    }
    c.readinessProbe = probe;
    c.livenessProbe = { ...probe };
  }

  // Security context.
  const sc: NonNullable<IContainer["securityContext"]> = {};
  if (r.read_only) sc.readOnlyRootFilesystem = true;
  if (s.noNewPrivileges) sc.allowPrivilegeEscalation = false;
  const cap = (x: string) => x.toUpperCase().replace(/^CAP_/, "");
  if (r.cap_add?.length || r.cap_drop?.length) {
    sc.capabilities = {
      ...(r.cap_add?.length ? { add: r.cap_add.map(cap) } : {}),
      ...(r.cap_drop?.length ? { drop: r.cap_drop.map(cap) } : {}),
    };
  }
  if (r.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(r.user);
    if (!m) {
      throw new KubeError(
        p("user"),
        `${JSON.stringify(r.user)} is not numeric, and Kubernetes runs containers as numeric ids only`,
        'write the uid (and gid), e.g. user = "999:999"; Podman takes that form too',
      );
    }
    sc.runAsUser = Number(m[1]);
    if (m[2] !== undefined) sc.runAsGroup = Number(m[2]);
  }
  if (Object.keys(sc).length) c.securityContext = sc;

  // Pod-level fields.
  if (codex.network === "host") podSpec.hostNetwork = true;
  if (r.ipc === "host") {
    podSpec.hostIPC = true;
    warn("ipc", "host IPC becomes hostIPC: true (the pod shares the node's IPC namespace)");
  }
  if (r.stop_timeout !== undefined) podSpec.terminationGracePeriodSeconds = r.stop_timeout;
  if (r.add_hosts?.length) {
    const aliases: IHostAlias[] = [];
    for (const [i, h] of r.add_hosts.entries()) {
      const at = h.indexOf(":");
      const host = h.slice(0, at);
      const ip = h.slice(at + 1);
      if (ip === "host-gateway") {
        warn(`add_hosts[${i}]`, `${host}:host-gateway is not exported (a pod has no host gateway address)`);
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
      warn(`labels.${k}`, "not a valid Kubernetes label; exported as a pod annotation instead");
    }
  }
  for (const [k, v] of Object.entries(r.annotations ?? {})) annotations[k] = v;

  // What has no place in a Deployment.
  if (s.restart !== "always") {
    warn(
      "restart",
      `${JSON.stringify(s.restart)} is not exported: a Deployment always restarts its containers`,
    );
  }
  if (r.restart_sec !== undefined) {
    warn("restart_sec", "not exported: Kubernetes restarts with its own back-off");
  }
  if (r.fallback) {
    warn("fallback", "not exported: Kubernetes has no OnFailure= (scale the fallback up by hand)");
  }
  if (s.onDemand) warn("on_demand", "not exported: scale-to-zero on a cluster needs KEDA or Knative");
  if (r.userns) warn("userns", "not exported (hostUsers: false is the nearest Kubernetes setting)");
  if (r.podman_args?.length) warn("podman_args", "not exported (Podman flags)");
  if (r.auto_update) warn("auto_update", "not exported (use an image automation tool on the cluster)");

  return { container: c, volumes, podSpec, annotations, labels, needsRecreate };
}
