/**
 * Checks that need the whole Codex but no host: volumes, devices, names, references, cycles,
 * ports within and across services, podman_args, on_demand.
 *
 * @module
 */
import { didYouMean, q } from "./errors.ts";
import type { Codex, Service } from "./model.ts";
import { NAME_RE } from "./checks.ts";
import { isIP } from "./quantities.ts";
import { GATEWAY_HOST, parseSubnet } from "./subnet.ts";
import type { LoadOptions } from "./load.ts";
import {
  gatewayUnits,
  networkFile,
  podFile,
  proxyUnits,
  serviceUnit,
  targetUnit,
  unitOfFile,
} from "../quadlet/naming.ts";

/** An issue with a path still in parts (load.ts places it). */
export interface RawIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

const VOLUME_OPTIONS = new Set([
  "ro",
  "rw",
  "z",
  "Z",
  "U",
  "O",
  "copy",
  "nocopy",
  "private",
  "rprivate",
  "shared",
  "rshared",
  "slave",
  "rslave",
  "bind",
  "rbind",
  "norbind",
  "nosuid",
  "suid",
  "nodev",
  "dev",
  "noexec",
  "exec",
  "idmap",
]);

/** GPU device nodes that must be requested through CDI, with the CDI form to suggest. */
export function gpuNodeHint(path: string): string | undefined {
  const nv = /^\/dev\/nvidia(\d+)$/.exec(path);
  if (nv) return `request it by CDI name: "nvidia.com/gpu=${nv[1]}" (list them with \`nvidia-ctk cdi list\`)`;
  if (/^\/dev\/nvidia/.test(path)) {
    return 'request GPUs by CDI name, e.g. "nvidia.com/gpu=all"; the CDI spec adds the control nodes';
  }
  if (path === "/dev/kfd" || path.startsWith("/dev/dri/")) {
    return 'request GPUs by CDI name, e.g. "amd.com/gpu=all" or "nvidia.com/gpu=0" (generate a CDI spec for your vendor)';
  }
  return undefined;
}

const CDI_RE =
  /^([A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z])\/([A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z])=([A-Za-z0-9]([A-Za-z0-9._:-]*[A-Za-z0-9])?)$/;

/** Flags lychd sets itself; in `podman_args` they would fight the generated unit. */
const MANAGED_FLAGS: Record<string, string> = {
  "--name": "lychd names containers after their unit",
  "--network": "use sepulcher.network",
  "--net": "use sepulcher.network",
  "--pod": 'use sepulcher.network = "pod"',
  "--rm": "Quadlet sets it",
  "--replace": "Quadlet sets it",
  "--detach": "Quadlet sets it",
  "-d": "Quadlet sets it",
  "--cidfile": "Quadlet sets it",
  "--sdnotify": "Quadlet sets it",
  "--device": 'use the "devices" field (GPUs by CDI name)',
  "--gpus": 'use "devices" with a CDI name, e.g. "nvidia.com/gpu=all"',
  "--privileged": "grants every device and capability; use devices / cap_add instead",
};

function isAbsClean(p: string): boolean {
  return p.startsWith("/") && !p.split("/").some((seg) => seg === ".." || seg === ".");
}

function normPath(p: string): string {
  const out = p.replace(/\/+/g, "/");
  return out.length > 1 ? out.replace(/\/$/, "") : out;
}

/** Whether `a` is `b` or beneath it, or `b` is beneath `a`. */
export function pathsNest(a: string, b: string): boolean {
  const x = normPath(a);
  const y = normPath(b);
  if (x === y) return true;
  const under = (c: string, p: string) => p === "/" ? true : c.startsWith(p + "/");
  return under(x, y) || under(y, x);
}

/** Run every whole-Codex check. */
export function validateCodex(codex: Codex, opts: LoadOptions): RawIssue[] {
  const issues: RawIssue[] = [];
  const at = (s: Service, ...rest: (string | number)[]) => [...s.path.split("."), ...rest];
  const byName = new Map<string, Service>();
  const soulstones = new Set(codex.services.filter((s) => s.role === "soulstone").map((s) => s.name));

  // Names are unique across roles, and so are the unit names they produce.
  for (const s of codex.services) {
    const prev = byName.get(s.name);
    if (prev) {
      issues.push({
        path: at(s),
        message: `the name ${q(s.name)} is already used by ${prev.path}`,
        hint: "names are unique across vessel, phylactery, oculus, soulstones and services",
      });
    } else byName.set(s.name, s);
  }
  // Podman refuses the pair at start ("cannot set shmsize when running in the host IPC
  // Namespace", exit 125): a soulstone that can never start, found only when summoned.
  for (const s of codex.services) {
    if (s.raw.ipc === "host" && s.raw.shm_size !== undefined) {
      issues.push({
        path: at(s, "shm_size"),
        message: 'shm_size cannot be combined with ipc = "host" (podman refuses to start the container)',
        hint: 'drop one of them: ipc = "host" shares the host\'s /dev/shm, shm_size sizes a private one',
      });
    }
  }
  const units = new Map<string, string>();
  const claim = (unit: string, owner: string, path: (string | number)[]) => {
    const prev = units.get(unit);
    if (prev && prev !== owner) {
      issues.push({
        path,
        message: `${owner} would produce the unit ${q(unit)}, which ${prev} already produces`,
        hint: "rename one of them",
      });
    } else units.set(unit, owner);
  };
  if (codex.network === "bridge") units.set(unitOfFile(networkFile(codex.prefix))!, "the sepulcher network");
  if (codex.network === "pod") units.set(unitOfFile(podFile(codex.prefix))!, "the sepulcher pod");
  units.set(targetUnit(codex.prefix), "the sepulcher target");
  if (codex.gateway) {
    const g = gatewayUnits(codex.prefix);
    for (const u of [g.service, g.socket, g.proxy]) units.set(u, "the gateway");
  }
  for (const s of codex.services) {
    claim(serviceUnit(s.stem), s.path, at(s));
    if (s.onDemand) {
      claim(proxyUnits(s.stem).service, `${s.path}.on_demand`, at(s, "on_demand"));
      claim(proxyUnits(s.stem).socket, `${s.path}.on_demand`, at(s, "on_demand"));
    }
  }

  const protectedDirs = (opts.protectedDirs ?? []).filter(Boolean);
  for (const s of codex.services) {
    const r = s.raw;
    // volumes
    (r.volumes ?? []).forEach((spec, i) => {
      const m = s.mounts[i];
      const path = at(s, "volumes", i);
      const parts = spec.split(":");
      if (parts.length < 2 || !m.source || !m.target) {
        issues.push({
          path,
          message: `${q(spec)} is not "source:destination[:options]"`,
          hint: 'e.g. "models:/models:ro" or "/srv/data:/data"',
        });
        return;
      }
      if (m.named) {
        if (!NAME_RE.test(m.source)) {
          issues.push({
            path,
            message: `volume source ${q(m.source)} is neither an absolute path nor a volume name`,
            hint: m.source.startsWith("~")
              ? "write the full path, e.g. /home/you/models"
              : 'a host path starts with "/"; a volume name uses a-z, 0-9, "-", "_"',
          });
        }
      } else if (!isAbsClean(m.source)) {
        issues.push({
          path,
          message: `volume source ${q(m.source)} is not a clean absolute path`,
          hint: 'no "." or ".." segments',
        });
      } else if (/[%\\]/.test(m.source)) {
        issues.push({
          path,
          message: `volume source ${q(m.source)} contains "%" or "\\"`,
          hint: "rename the directory; these characters are refused in paths",
        });
      } else {
        const hit = protectedDirs.find((d) => pathsNest(m.source, d));
        if (hit) {
          issues.push({
            path,
            message: `volume source ${q(m.source)} overlaps ${q(hit)}, which lychd manages`,
            hint: "mount a directory outside the Codex and unit directories",
          });
        }
      }
      if (!isAbsClean(m.target)) {
        issues.push({
          path,
          message: `volume destination ${q(m.target)} is not a clean absolute path`,
          hint: 'e.g. "/data"',
        });
      } else if (/[%\\]/.test(m.target)) {
        issues.push({ path, message: `volume destination ${q(m.target)} contains "%" or "\\"` });
      }
      for (const o of m.options) {
        if (!VOLUME_OPTIONS.has(o)) {
          issues.push({
            path,
            message: `unknown volume option ${q(o)}`,
            hint: `known options: ${[...VOLUME_OPTIONS].join(", ")}`,
          });
        }
      }
    });
    (r.tmpfs ?? []).forEach((t, i) => {
      if (!isAbsClean(t.split(":")[0])) {
        issues.push({ path: at(s, "tmpfs", i), message: `${q(t)} is not a clean absolute path` });
      }
    });
    (r.env_files ?? []).forEach((f, i) => {
      if (!isAbsClean(f) || /[%\\]/.test(f)) {
        issues.push({
          path: at(s, "env_files", i),
          message: `${q(f)} is not a clean absolute path without "%" or "\\"`,
        });
      }
    });

    // devices: CDI names, or non-GPU /dev paths
    (r.devices ?? []).forEach((d, i) => {
      const path = at(s, "devices", i);
      if (d.startsWith("/")) {
        const dev = d.split(":")[0];
        const hint = gpuNodeHint(dev);
        if (hint) issues.push({ path, message: `GPU device node ${q(dev)} is not allowed`, hint });
        else if (!dev.startsWith("/dev/") || !isAbsClean(dev)) {
          issues.push({
            path,
            message: `${q(d)} is neither a CDI name nor a /dev path`,
            hint: 'e.g. "nvidia.com/gpu=0" or "/dev/ttyUSB0"',
          });
        }
      } else if (!CDI_RE.test(d)) {
        issues.push({
          path,
          message: `${q(d)} is not a CDI device name`,
          hint:
            '"vendor/class=name": vendor and class start with a letter, e.g. "nvidia.com/gpu=0" or "nvidia.com/gpu=0:1"',
        });
      }
    });

    // ports: duplicates within one service (across services: plan.ts, which knows conflicts)
    const seen = new Map<string, number>();
    s.ports.forEach((p, i) => {
      const key = `${p.ip}|${p.host}|${p.proto}`;
      if (seen.has(key)) {
        issues.push({
          path: at(s, "ports", i),
          message: `host port ${p.host}/${p.proto} is published twice by ${s.path}`,
        });
      }
      seen.set(key, i);
    });
    if ((codex.network === "host" || codex.network === "none") && s.ports.length) {
      issues.push({
        path: at(s, "ports"),
        message: `ports cannot be published with sepulcher.network = ${q(codex.network)}`,
        hint: codex.network === "host"
          ? "with host networking the container already listens on the host"
          : 'use "bridge"',
      });
    }

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

    // references
    const ref = (field: "requires" | "wants" | "after" | "conflicts_with") => {
      (r[field] ?? []).forEach((n, i) => {
        if (n === s.name) {
          issues.push({ path: at(s, field, i), message: `${s.path} cannot name itself in ${field}` });
        } else if (!byName.has(n)) {
          issues.push({
            path: at(s, field, i),
            message: `${q(n)} is not a service of this Codex`,
            hint: hintName(n, byName.keys()),
          });
        }
      });
    };
    ref("requires");
    ref("wants");
    ref("after");
    ref("conflicts_with");
    if (s.role === "soulstone") {
      (r.coexists_with ?? []).forEach((n, i) => {
        if (n === s.name) {
          issues.push({ path: at(s, "coexists_with", i), message: `${s.path} cannot coexist with itself` });
        } else if (!soulstones.has(n)) {
          issues.push({
            path: at(s, "coexists_with", i),
            message: `${q(n)} is not a soulstone`,
            hint: hintName(n, soulstones),
          });
        }
      });
      if (r.fallback !== undefined) {
        if (r.fallback === s.name) {
          issues.push({ path: at(s, "fallback"), message: `${s.path} cannot be its own fallback` });
        } else if (!soulstones.has(r.fallback)) {
          issues.push({
            path: at(s, "fallback"),
            message: `${q(r.fallback)} is not a soulstone`,
            hint: hintName(r.fallback, soulstones),
          });
        }
      }
      if (s.onDemand) {
        const od = r.on_demand!;
        if (!s.onDemand.port || !isIP(s.onDemand.ip)) {
          issues.push({
            path: at(s, "on_demand", "listen"),
            message: `${q(od.listen)} is not "ip:port"`,
            hint: 'e.g. "127.0.0.1:8000"',
          });
        } else {
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
        }
      }
    }
    if (s.role === "soulstone") issues.push(...servedIssues(s, at));
    if (
      s.role !== "soulstone" &&
      (r.exclusive !== undefined || r.coexists_with || r.vram_gib !== undefined || r.fallback || r.on_demand)
    ) {
      // The schema forbids these keys outside soulstones already; kept for safety.
      issues.push({
        path: at(s),
        message: "exclusive, coexists_with, vram_gib, fallback and on_demand are for soulstones only",
      });
    }

    // podman_args: flags lychd manages, GPU nodes
    (r.podman_args ?? []).forEach((arg, i) => {
      const flag = arg.split("=")[0];
      const why = MANAGED_FLAGS[flag];
      const path = at(s, "podman_args", i);
      if (why) issues.push({ path, message: `${q(arg)} is managed by lychd`, hint: why });
      const dev = /(\/dev\/[^\s:,]+)/.exec(arg);
      if (dev && gpuNodeHint(dev[1])) {
        issues.push({
          path,
          message: `GPU device node ${q(dev[1])} is not allowed`,
          hint: gpuNodeHint(dev[1]),
        });
      }
    });

    // labels, annotations: Quadlet and podman split "key=value" at the first "=", so a key with
    // one would be cut short (and two such keys could collapse into one).
    for (const field of ["labels", "annotations"] as const) {
      for (const k of Object.keys(r[field] ?? {})) {
        if (k.includes("=")) {
          issues.push({
            path: at(s, field, k),
            message: `key ${q(k)} contains "="`,
            hint: `podman splits at the first "=", so the key would be ${q(k.slice(0, k.indexOf("=")))}`,
          });
        }
      }
    }

    // health and secrets
    if (r.secrets) {
      s.secrets.forEach((sec, i) => {
        if (sec.type === "env" && sec.target && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(sec.target)) {
          issues.push({
            path: at(s, "secrets", i, "target"),
            message: `${q(sec.target)} is not an environment variable name`,
          });
        }
        if (sec.type !== "env" && sec.target && sec.target.includes(",")) {
          issues.push({ path: at(s, "secrets", i, "target"), message: `${q(sec.target)} contains ","` });
        }
      });
    }
  }

  // Fallback chains must end.
  for (const s of codex.services) {
    if (s.role !== "soulstone" || !s.raw.fallback) continue;
    const chain = [s.name];
    let cur = byName.get(s.raw.fallback);
    while (cur && cur.raw.fallback && !chain.includes(cur.name)) {
      chain.push(cur.name);
      cur = byName.get(cur.raw.fallback);
    }
    if (cur && chain.includes(cur.name) && cur.name === s.name) {
      issues.push({
        path: at(s, "fallback"),
        message: `fallback loop: ${[...chain, s.name].join(" → ")}`,
        hint: "a failing stone would start its fallback forever; end the chain",
      });
      break;
    }
  }

  issues.push(...gatewayIssues(codex, at));
  issues.push(...subnetIssues(codex, at));

  const cycle = findCycle(codex, byName);
  if (cycle) {
    const s = byName.get(cycle[0])!;
    issues.push({
      path: [...s.path.split("."), cycle.field],
      message: `dependency cycle: ${cycle.join(" → ")}`,
      hint: "requires, wants and after must not loop; systemd would break the loop arbitrarily",
    });
  }
  // `[volumes.NAME]` configures a named volume some service mounts; anything else is a typo.
  for (const v of Object.keys(codex.volumeSettings)) {
    if (codex.volumes.includes(v)) continue;
    const guess = didYouMean(v, codex.volumes);
    issues.push({
      path: ["volumes", v],
      message: `no service mounts a named volume ${q(v)}`,
      hint: guess
        ? `did you mean ${q(guess)}?`
        : codex.volumes.length
        ? `named volumes: ${codex.volumes.join(", ")}`
        : 'name it in a service\'s volumes, e.g. "NAME:/data"',
    });
  }
  return issues;
}

const LOOPBACK_OR_ANY = (ip: string) => /^127\./.test(ip) || ip === "::1" || ip === "0.0.0.0" || ip === "::";

/** `models`, `served_name`, `pinned`, `idle_stop` of one soulstone. */
function servedIssues(
  s: Service,
  at: (s: Service, ...rest: (string | number)[]) => (string | number)[],
): RawIssue[] {
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
function gatewayIssues(
  codex: Codex,
  at: (s: Service, ...rest: (string | number)[]) => (string | number)[],
): RawIssue[] {
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
function subnetIssues(
  codex: Codex,
  at: (s: Service, ...rest: (string | number)[]) => (string | number)[],
): RawIssue[] {
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

function hintName(n: string, known: Iterable<string>): string {
  const list = [...known];
  const best = didYouMean(n, list);
  return best
    ? `did you mean ${q(best)}?`
    : list.length
    ? `known: ${list.join(", ")}`
    : "this Codex has none";
}

/** A cycle in the ordering graph of requires/wants/after (names in order, first repeated last). */
function findCycle(codex: Codex, byName: Map<string, Service>): (string[] & { field: string }) | undefined {
  const edges = new Map<string, { to: string; field: string }[]>();
  for (const s of codex.services) {
    const list: { to: string; field: string }[] = [];
    for (const field of ["requires", "wants", "after"] as const) {
      for (const to of s.raw[field] ?? []) if (byName.has(to) && to !== s.name) list.push({ to, field });
    }
    edges.set(s.name, list);
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  let found: (string[] & { field: string }) | undefined;
  const visit = (n: string): boolean => {
    state.set(n, 1);
    stack.push(n);
    for (const e of edges.get(n) ?? []) {
      const st = state.get(e.to);
      if (st === 1) {
        const cyc = stack.slice(stack.indexOf(e.to));
        const field = edges.get(cyc[0])!.find((x) => x.to === (cyc[1] ?? e.to))?.field ?? e.field;
        found = Object.assign([...cyc, e.to], { field });
        return true;
      }
      if (!st && visit(e.to)) return true;
    }
    stack.pop();
    state.set(n, 2);
    return false;
  };
  for (const s of codex.services) if (!state.has(s.name) && visit(s.name)) break;
  return found;
}
