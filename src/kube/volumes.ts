/**
 * Storage and configuration: named volumes → PersistentVolumeClaims, env files → ConfigMaps,
 * file secrets → Secret volumes, bind mounts → hostPath, tmpfs and shm → in-memory emptyDirs.
 * Each function appends to the container's volumes and mounts in the Codex's order.
 *
 * @module
 */
import type {
  EnvFromSource as IEnvFromSource,
  EnvVar as IEnvVar,
  PersistentVolumeClaim as IPersistentVolumeClaim,
  Volume as IVolume,
  VolumeMount as IVolumeMount,
} from "./types.ts";
import type { Service } from "../codex/model.ts";
import { parseSize } from "../codex/quantities.ts";
import { type Ctx, warn } from "./context.ts";
import type { WarningCode } from "../warnings.ts";
import { KubeError } from "./errors.ts";
import { EnvFileError, parseEnvFile } from "./envfile.ts";
import { ANN, CONFIGMAP_KEY, label63, quantity, SECRET_KEY } from "./names.ts";

/** The default size of a PersistentVolumeClaim without `[volumes.NAME] size`. */
export const DEFAULT_VOLUME_SIZE = "10Gi";

/** A warning on one field of the service being mapped. */
export type Warn = (code: WarningCode, field: string, msg: string) => void;

/** One PersistentVolumeClaim per named volume; call after every Deployment is built. */
export function persistentVolumeClaims(ctx: Ctx): IPersistentVolumeClaim[] {
  const codex = ctx.plan.codex;
  const prefix = codex.prefix;
  return codex.volumes.map((v) => {
    const size = codex.volumeSettings[v]?.size;
    if (!size) {
      warn(
        ctx,
        "kube-volume-size-default",
        `volumes.${v}`,
        `no size set; the PersistentVolumeClaim requests ${DEFAULT_VOLUME_SIZE} (set [volumes.${v}] size = "50Gi")`,
      );
    }
    const users = ctx.pvcUsers.get(v) ?? [];
    if (users.length > 1) {
      warn(
        ctx,
        "kube-pins-node",
        `volumes.${v}`,
        `mounted by ${users.length} Deployments (${
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
}

/** A service's env files as ConfigMaps (added to ctx), referenced in order. @throws {KubeError} */
export function envFromFiles(ctx: Ctx, s: Service, workload: string): IEnvFromSource[] {
  const r = s.raw;
  const p = (f: string) => `${s.path}.${f}`;
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
  return envFrom;
}

/** A service's secrets: env secrets join `env`, file secrets become read-only Secret volumes. */
export function mapSecrets(
  ctx: Ctx,
  s: Service,
  volPrefix: string,
  env: IEnvVar[],
  volumes: IVolume[],
  mounts: IVolumeMount[],
): void {
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
}

/**
 * A service's mounts, tmpfs and shm as volumes; returns whether it mounts a named volume (whose
 * ReadWriteOnce claim makes the Deployment recreate rather than roll).
 */
export function mapMounts(
  ctx: Ctx,
  s: Service,
  volPrefix: string,
  warn: Warn,
  volumes: IVolume[],
  mounts: IVolumeMount[],
): boolean {
  const prefix = ctx.plan.codex.prefix;
  const r = s.raw;
  let named = false;
  s.mounts.forEach((m, i) => {
    const ro = m.options.includes("ro");
    const dropped = m.options.filter((o) => !["ro", "rw", "z", "Z", "bind", "rbind"].includes(o));
    if (dropped.length) {
      warn(
        "kube-field-dropped",
        `volumes[${i}]`,
        `mount options ${dropped.join(",")} have no Kubernetes equivalent and are dropped`,
      );
    }
    let vol: string;
    if (m.named) {
      vol = label63(`data-${m.source}`);
      volumes.push({ name: vol, persistentVolumeClaim: { claimName: `${prefix}-${m.source}` } });
      named = true;
    } else {
      vol = label63(`${volPrefix}host-${i}`);
      volumes.push({ name: vol, hostPath: { path: m.source } });
      warn(
        "kube-pins-node",
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
      warn(
        "kube-field-dropped",
        `tmpfs[${i}]`,
        `tmpfs options ${opts} are dropped (an emptyDir in memory has a sizeLimit only)`,
      );
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
  return named;
}
