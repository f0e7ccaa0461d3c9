/**
 * GPUs and devices of one compose service → CDI names: `deploy.resources.reservations.devices`,
 * `gpus:`, `runtime: nvidia` (+ NVIDIA_VISIBLE_DEVICES), and `/dev` nodes of GPUs in `devices:`.
 * Each claim is checked against the host's CDI specs when it has one for the kind; counts pick
 * the first N devices and say so in a warning. `sameGpu` tells whether two claims overlap.
 *
 * Pure: the host's CDI names come in through `opts.gpus`.
 *
 * @module
 */
import type { Warning } from "../warnings.ts";
import type { Obj, Project } from "./project.ts";
import { type ConvertOptions, type Drop, type Entry, refuse } from "./model.ts";
import { isQualifiedName } from "../codex/grammar.ts";

const GPU_KIND_NVIDIA = "nvidia.com/gpu";

export function sameGpu(a: string, b: string): boolean {
  const [ka, na] = a.split("=");
  const [kb, nb] = b.split("=");
  return ka === kb && (na === nb || na === "all" || nb === "all");
}

/** Every way compose asks for a GPU → CDI names on `e.gpu` and in `devices`. */
export function gpuClaims(
  p: Project,
  n: string,
  s: Obj,
  e: Entry,
  file: string,
  opts: ConvertOptions,
  warnings: Warning[],
  drop: Drop,
): void {
  const claims: string[] = [];
  const note = (t: string) => e.comments.push(`# ${t}`);
  const known = (kind: string) => opts.gpus?.(kind) ?? [];
  const pick = (kind: string, count: unknown, ids: unknown, where: string) => {
    if (Array.isArray(ids) && ids.length) {
      for (const id of ids.map(String)) claims.push(isQualifiedName(id) ? id : `${kind}=${id}`);
      note(`${where}: device_ids ${ids.join(", ")} → ${claims.slice(-ids.length).join(", ")}`);
      return;
    }
    if (count === undefined || count === "all" || count === -1) {
      claims.push(`${kind}=all`);
      note(`${where}: count ${count ?? "(unset) = all"} → ${kind}=all`);
      return;
    }
    const c = Number(count);
    if (!Number.isInteger(c) || c < 1) {
      refuse(
        file,
        n,
        where,
        `count ${JSON.stringify(count)} is not "all" or a positive number`,
        "use all or N",
      );
    }
    const names = known(kind).filter((x) => /^\d+$/.test(x));
    const chosen = names.length ? names.slice(0, c) : Array.from({ length: c }, (_, i) => String(i));
    if (names.length && names.length < c) {
      refuse(
        file,
        n,
        where,
        `count ${c}, but the host's CDI specs have ${names.length} ${kind} device(s): ${names.join(", ")}`,
        "lower count, or use all",
      );
    }
    for (const x of chosen) claims.push(`${kind}=${x}`);
    const msg = `${where}: count ${c} → ${chosen.map((x) => `${kind}=${x}`).join(", ")} (the first ${c}${
      names.length ? " of the host's CDI devices" : "; no CDI spec for " + kind + " here"
    })`;
    note(msg);
    warnings.push({ code: "compose-gpu-count", path: n, message: msg });
  };
  const vendorKind = (driver: unknown, caps: unknown): string | undefined => {
    const d = driver === undefined ? undefined : String(driver);
    const c = Array.isArray(caps) ? caps.map(String) : [];
    if (d === "nvidia" || d === "nvidia.com/gpu") return GPU_KIND_NVIDIA;
    if (d === "amd" || d === "amd.com/gpu") return "amd.com/gpu";
    if (d === "intel" || d === "intel.com/gpu") return "intel.com/gpu";
    if (d === "cdi") return "cdi";
    if (d === undefined && c.includes("gpu")) return GPU_KIND_NVIDIA;
    return undefined;
  };

  const devs = s.deploy?.resources?.reservations?.devices as Obj[] | undefined;
  for (const [i, d] of (devs ?? []).entries()) {
    const where = `deploy.resources.reservations.devices[${i}]`;
    const kind = vendorKind(d.driver, d.capabilities);
    if (kind === "cdi") {
      for (const id of (d.device_ids ?? []) as string[]) {
        if (!isQualifiedName(id)) {
          refuse(
            file,
            n,
            where,
            `driver: cdi with device_id ${JSON.stringify(id)}, which is not a CDI name`,
            '"vendor/class=name"',
          );
        }
        claims.push(id);
      }
      note(`${where}: driver cdi → ${(d.device_ids ?? []).join(", ")}`);
    } else if (kind) pick(kind, d.count, d.device_ids, where);
    else {drop(
        where,
        `a device reservation with driver ${JSON.stringify(d.driver)} and capabilities ${
          JSON.stringify(d.capabilities)
        }`,
        "request it by CDI name in devices:",
      );}
  }
  if (s.gpus !== undefined) {
    if (s.gpus === "all") {
      claims.push(`${GPU_KIND_NVIDIA}=all`);
      note("gpus: all → nvidia.com/gpu=all");
    } else {
      for (const [i, g] of (s.gpus as Obj[]).entries()) {
        const kind = vendorKind(g.driver ?? "nvidia", g.capabilities) ?? GPU_KIND_NVIDIA;
        if (kind === "cdi") claims.push(...((g.device_ids ?? []) as string[]));
        else pick(kind, g.count, g.device_ids, `gpus[${i}]`);
      }
    }
  }
  if (s.runtime !== undefined) {
    if (s.runtime === "nvidia") {
      const env = (s.environment ?? {}) as Obj;
      const vis = String(env.NVIDIA_VISIBLE_DEVICES ?? env.CUDA_VISIBLE_DEVICES ?? "all");
      if (vis === "none" || vis === "void" || vis === "") {
        note("runtime: nvidia with NVIDIA_VISIBLE_DEVICES none/void: no GPU claimed");
      } else if (vis === "all") {
        claims.push(`${GPU_KIND_NVIDIA}=all`);
        note("runtime: nvidia → nvidia.com/gpu=all (NVIDIA_VISIBLE_DEVICES all or unset)");
      } else {
        const ids = vis.split(",").map((x) => x.trim()).filter(Boolean);
        for (const id of ids) claims.push(`${GPU_KIND_NVIDIA}=${id}`);
        note(
          `runtime: nvidia, NVIDIA_VISIBLE_DEVICES=${vis} → ${
            ids.map((x) => `${GPU_KIND_NVIDIA}=${x}`).join(", ")
          }`,
        );
      }
    } else if (s.runtime !== "runc" && s.runtime !== "crun") {
      drop("runtime", `runtime ${JSON.stringify(s.runtime)} has no lychd equivalent`, "remove it");
    }
  }

  // devices: CDI names, GPU nodes (→ CDI), other nodes as they are.
  const plain: string[] = [];
  const nodes: string[] = [];
  for (const [i, d] of ((s.devices ?? []) as unknown[]).entries()) {
    const spec = typeof d === "string"
      ? d
      : `${(d as Obj).source}${(d as Obj).target ? `:${(d as Obj).target}` : ""}${
        (d as Obj).permissions ? `:${(d as Obj).permissions}` : ""
      }`;
    if (isQualifiedName(spec) && !spec.startsWith("/")) {
      claims.push(spec);
      continue;
    }
    const host = spec.split(":")[0];
    if (
      host === "/dev/kfd" || host === "/dev/dri" || host.startsWith("/dev/dri/") ||
      host.startsWith("/dev/nvidia")
    ) {
      nodes.push(host);
      continue;
    }
    if (!host.startsWith("/dev/")) {
      drop(
        `devices[${i}]`,
        `${JSON.stringify(spec)} is neither a /dev node nor a CDI name`,
        'e.g. "/dev/ttyUSB0"',
      );
      continue;
    }
    plain.push(spec);
  }
  if (nodes.length) {
    const kfd = nodes.includes("/dev/kfd");
    const nv = nodes.filter((x) => /^\/dev\/nvidia\d+$/.test(x));
    if (kfd) {
      claims.push("amd.com/gpu=all");
      note(`devices ${nodes.join(", ")} → amd.com/gpu=all (ROCm: /dev/kfd + /dev/dri; CDI adds the nodes)`);
    } else if (nv.length) {
      for (const x of nv) claims.push(`${GPU_KIND_NVIDIA}=${x.slice("/dev/nvidia".length)}`);
      note(`devices ${nodes.join(", ")} → ${nv.map((x) => `${GPU_KIND_NVIDIA}=${x.slice(11)}`).join(", ")}`);
    } else if (nodes.some((x) => x.startsWith("/dev/dri"))) {
      claims.push("intel.com/gpu=all");
      note(
        `devices ${
          nodes.join(", ")
        } → intel.com/gpu=all (/dev/dri alone: Intel; --role or edit for another vendor)`,
      );
    } else {
      claims.push(`${GPU_KIND_NVIDIA}=all`);
      note(`devices ${nodes.join(", ")} → nvidia.com/gpu=all (control nodes only)`);
    }
  }
  // Check each claim against the host's specs when it has one for the kind.
  const out: string[] = [];
  for (const c of claims) {
    const [kind, name] = c.split("=");
    const names = known(kind);
    if (names.length && !names.includes(name)) {
      refuse(
        file,
        n,
        "devices",
        `${c}: the host's CDI specs for ${kind} have no device ${JSON.stringify(name)}`,
        `known: ${names.join(", ")}`,
      );
    }
    if (!out.includes(c)) out.push(c);
  }
  e.gpu = out;
  const all = [...out, ...plain];
  if (all.length) e.fields.devices = all;
  void p;
}
