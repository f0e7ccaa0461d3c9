/**
 * A loaded Compose project → a commented Codex (TOML text). Every Compose key of a service is
 * either carried over (to a Codex field, stated in a comment where the meaning shifts), or
 * refused with one line naming the service, the key and what to do instead; with `lenient` the
 * refusal becomes a `# lychd import: dropped …` comment plus a warning. Nothing is dropped
 * silently.
 *
 * Pure: env_file contents are read through the injected `read`; the host's CDI device names come
 * in through `gpus`.
 *
 * @module
 */
import { ComposeError, type Obj, type Project, type ReadFile } from "./project.ts";
import { GrammarError, parseDotenv } from "./text.ts";
import { NAME_RE, PREFIX_RE } from "../codex/schema.ts";
import { isEnvName, isQualifiedName } from "../codex/grammar.ts";

/** The host's CDI devices of one kind (bare names, natural order); empty = no spec. */
export type KnownGpus = (kind: string) => string[];

/** Roles a service can be given. */
export const ROLES = ["vessel", "phylactery", "oculus", "soulstone", "service"] as const;
export type ImportRole = (typeof ROLES)[number];

/** Options of one import. */
export interface ConvertOptions {
  /** Sepulcher name (unit prefix); default: the project's name. */
  name?: string;
  /** Compose service name → role. */
  roles: Record<string, ImportRole>;
  lenient: boolean;
  gpus?: KnownGpus;
  /** Shown in the header: the command line that produced the Codex. */
  command?: string;
}

/** The result. */
export interface Converted {
  toml: string;
  /** One line each (dropped keys under --lenient, GPU picks, unset variables). */
  warnings: string[];
  /** What to run next (secrets, then `lychd check`). */
  nextSteps: string[];
  /** Compose service name → Codex path (e.g. `soulstones.ollama`). */
  paths: Record<string, string>;
  /** Compose service name → the dropped keys (lenient). */
  dropped: Record<string, string[]>;
}

/** A refusal: everything needed for one clear line. */
function refuse(file: string, svc: string, key: string, message: string, hint: string): never {
  throw new ComposeError(file, `services.${svc}${key ? `.${key}` : ""}`, message, hint);
}

const GPU_KIND_NVIDIA = "nvidia.com/gpu";

/** Keys of a service that need no Codex field (said in a comment where it matters). */
const IGNORED = new Set(["profiles", "extends"]);
/** Keys with no effect on a service lychd runs: a comment says why. */
const NOTED: Record<string, string> = {
  expose: "expose: nothing to do; every service on the lychd bridge reaches the others' ports",
  attach: "attach: compose's log attachment; logs go to the journal (lychd logs NAME)",
  develop: "develop: compose watch (development only) is not carried over",
  stdin_open: "stdin_open: no terminal is attached to a systemd service",
};

interface Entry {
  compose: string;
  name: string;
  role: ImportRole;
  fields: Obj;
  comments: string[];
  dropped: string[];
  gpu: string[];
}

/** Convert a project. Throws `ComposeError` on the first refusal. */
export async function convertProject(p: Project, read: ReadFile, opts: ConvertOptions): Promise<Converted> {
  const warnings: string[] = [];
  const nextSteps: string[] = [];
  const secretSteps = new Map<string, string>();
  const entries: Entry[] = [];
  const names = new Map<string, string>();
  const used = new Map<string, string>();

  for (const n of Object.keys(opts.roles)) {
    if (!p.services[n]) {
      throw new ComposeError(
        p.files[0],
        "",
        `--role names ${JSON.stringify(n)}, which is not an enabled service`,
        `services: ${Object.keys(p.services).join(", ")}`,
      );
    }
  }
  for (const n of Object.keys(p.services)) {
    const codexName = n.toLowerCase().replace(/[^a-z0-9_-]/g, "-").replace(/^[^a-z0-9]+/, "");
    if (!NAME_RE.test(codexName)) {
      refuse(
        p.origin[n],
        n,
        "",
        `the service name ${JSON.stringify(n)} has no valid Codex name`,
        "rename it",
      );
    }
    if (used.has(codexName)) {
      refuse(
        p.origin[n],
        n,
        "",
        `services ${used.get(codexName)} and ${n} both become ${codexName}`,
        "rename one",
      );
    }
    used.set(codexName, n);
    names.set(n, codexName);
  }

  // Network: host / none for all, or one bridge.
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
    warnings.push(`dropped ${msg}`);
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
      warnings.push(`merged networks ${all.join(", ")} into one bridge: ${msg}`);
      networkNotes.push(`# lychd import: dropped network isolation: ${msg}; all share one bridge now`);
    } else if (all.length > 1 || (all.length === 1 && all[0] !== "default")) {
      networkNotes.push(
        `# compose networks ${all.join(", ")} → the one lychd bridge (every service was on the same ones)`,
      );
    }
  }

  const droppedServices = new Map<string, string>();
  // Host ports: compose publishes on every interface unless an IP is given.
  let anyUnboundPort = false;

  for (const [n, s] of Object.entries(p.services)) {
    const file = p.origin[n];
    const e: Entry = {
      compose: n,
      name: names.get(n)!,
      role: "service",
      fields: {},
      comments: [],
      dropped: [],
      gpu: [],
    };
    const f = e.fields;
    const drop = (key: string, why: string, hint: string) => {
      if (!opts.lenient) refuse(file, n, key, why, hint);
      e.dropped.push(key);
      e.comments.push(`# lychd import: dropped ${key}: ${why}`);
      warnings.push(`${n}: dropped ${key}: ${why}`);
    };
    const note = (t: string) => e.comments.push(`# ${t}`);
    note(`compose service ${JSON.stringify(n)} (${file})`);

    // image / build
    if (s.image === undefined) {
      if (s.build !== undefined && opts.lenient) {
        const why = `build: without image (lychd runs images); build it and add image: to import it`;
        droppedServices.set(n, why);
        warnings.push(`${n}: dropped the whole service: ${why}`);
        continue;
      }
      if (s.build !== undefined) {
        refuse(
          file,
          n,
          "build",
          "build: without image: lychd runs images, it does not build them",
          `build it (podman build -t localhost/${e.name} ${
            s.build.context ?? "."
          }) and add image: localhost/${e.name}`,
        );
      }
      refuse(file, n, "image", "the service has no image", "add image:");
    }
    f.image = String(s.image);
    if (s.build !== undefined) {
      note(`build: not carried over; compose pulls ${f.image} before building, lychd only pulls it`);
    }

    for (const [key, v] of Object.entries(s)) {
      if (key.startsWith("x-") || IGNORED.has(key) || v === undefined || v === null) continue;
      if (NOTED[key]) {
        if (v !== false) note(NOTED[key]);
        continue;
      }
      switch (key) {
        case "image":
        case "build":
        case "network_mode":
        case "networks":
        case "depends_on":
        case "restart":
        case "deploy":
        case "gpus":
        case "runtime":
        case "devices":
        case "environment":
        case "env_file":
        case "container_name":
          break; // handled below
        case "command":
        case "entrypoint": {
          const words = (v as unknown[]).map(String);
          if (key === "entrypoint" && words.length === 0) {
            drop(key, "an empty entrypoint (reset) cannot be expressed", "name the program to run instead");
            break;
          }
          // deno-lint-ignore no-control-regex
          const ctl = /[\u0000-\u001f\u007f]/;
          const c = words.findIndex((w) => ctl.test(w));
          if (c >= 0) {
            // A multi-line `sh -c` script: systemd/Quadlet cannot carry a newline in an argument,
            // so the script travels escaped in LYCHD_SCRIPT and the shell rebuilds it verbatim.
            const ep = (s.entrypoint ?? []) as string[];
            const shell = (w: string | undefined) => !!w && /(^|\/)(sh|bash|ash|dash|zsh)$/.test(w);
            const isScript = words[c - 1] === "-c" && words.filter((w) => ctl.test(w)).length === 1 &&
              (c === 1
                ? (key === "command" ? shell(ep[ep.length - 1]) && ep.length === 1 : false)
                : shell(words[c - 2]) && c === 2);
            if (isScript && !f.env_script) {
              f.env_script = words[c].replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\t", "\\t")
                .replaceAll("\r", "\\r");
              words[c] = 'eval "$(printf %b "$LYCHD_SCRIPT")"';
              note(
                `${key}: a multi-line script (newlines cannot pass through systemd) → escaped in env LYCHD_SCRIPT, rebuilt by printf %b`,
              );
            } else {
              drop(
                key,
                `an argument contains a newline or control character, which systemd cannot pass`,
                "put the script in a file and bind-mount it",
              );
              break;
            }
          }
          if (words.some((w) => w === "")) {
            drop(
              key,
              `has an empty argument, which Quadlet cannot pass (${JSON.stringify(words)})`,
              "remove the empty argument",
            );
            break;
          }
          if (words.length) f[key] = words;
          break;
        }
        case "healthcheck": {
          const h = v as Obj;
          const test: string[] | undefined = h.test;
          if (h.disable === true || test?.[0] === "NONE") {
            f.podman_args = [...(f.podman_args ?? []), "--no-healthcheck"];
            note("healthcheck disabled → --no-healthcheck");
            break;
          }
          const health: Obj = {};
          // deno-lint-ignore no-control-regex
          if (test?.some((w) => /[\u0000-\u001f\u007f]/.test(String(w)))) {
            drop(
              "healthcheck",
              "the test has a newline or control character, which systemd cannot pass",
              "put it in a script inside the image",
            );
            break;
          }
          if (!test) {
            drop("healthcheck", "sets timings but no test (the image's own check would apply)", "add test:");
            break;
          }
          if (test[0] === "CMD-SHELL") health.cmd = test.slice(1).join(" ");
          else if (test[0] === "CMD") health.cmd = test.slice(1);
          else health.cmd = test;
          for (const k of ["interval", "timeout", "start_period"]) {
            if (h[k] !== undefined) {
              const d = duration(String(h[k]));
              if (d === undefined) {
                refuse(
                  file,
                  n,
                  `healthcheck.${k}`,
                  `${JSON.stringify(h[k])} is not a duration`,
                  'e.g. "30s"',
                );
              }
              if (d !== "0s") health[k] = d;
            }
          }
          if (h.retries !== undefined) health.retries = Number(h.retries);
          if (h.start_interval !== undefined) {
            note(`healthcheck.start_interval ${h.start_interval}: podman uses interval throughout`);
          }
          f.health = health;
          break;
        }
        case "ports": {
          const out: string[] = [];
          for (const [i, port] of (v as Obj[]).entries()) {
            if (port.published === undefined) {
              drop(
                `ports[${i}]`,
                `container port ${port.target} has no host port (compose picks a random one)`,
                `write "${port.target}:${port.target}"`,
              );
              continue;
            }
            if (!port.host_ip) anyUnboundPort = true;
            const ip = port.host_ip
              ? (port.host_ip.includes(":") ? `[${port.host_ip}]:` : `${port.host_ip}:`)
              : "";
            out.push(
              `${ip}${port.published}:${port.target}${
                port.protocol && port.protocol !== "tcp" ? `/${port.protocol}` : ""
              }`,
            );
          }
          if (out.length) f.ports = out;
          break;
        }
        case "volumes": {
          for (const [i, vol] of (v as Obj[]).entries()) {
            const opts2: string[] = [];
            if (vol.read_only) opts2.push("ro");
            for (const m of vol.mode ?? []) opts2.push(m);
            if (vol.bind?.selinux) opts2.push(vol.bind.selinux);
            if (vol.bind?.propagation) opts2.push(vol.bind.propagation);
            if (vol.volume?.nocopy) opts2.push("nocopy");
            const suffix = opts2.length ? `:${opts2.join(",")}` : "";
            if (vol.type === "bind") {
              if (/[:%\\]/.test(vol.source) || /[:%\\]/.test(vol.target)) {
                drop(
                  `volumes[${i}]`,
                  `${vol.source}:${vol.target} has ":", "%" or "\\" in a path`,
                  "rename the directory",
                );
                continue;
              }
              (f.volumes ??= []).push(`${vol.source}:${vol.target}${suffix}`);
            } else if (vol.type === "volume") {
              let src: string = vol.source ?? `${e.name}-anon${i}`;
              if (!vol.source) note(`volumes[${i}]: anonymous volume → named volume ${src}`);
              const top = p.volumes?.[src];
              if (top?.external) {
                drop(
                  `volumes[${i}]`,
                  `external volume ${
                    JSON.stringify(top.name ?? src)
                  } is not lychd's (lychd creates <prefix>-${src.toLowerCase()})`,
                  `bind-mount its directory instead ($(podman volume inspect ${
                    top.name ?? src
                  } --format '{{.Mountpoint}}'))`,
                );
                continue;
              }
              const dopts = top?.driver_opts as Obj | undefined;
              if (
                dopts && /(^|,)r?bind(,|$)/.test(String(dopts.o ?? "")) && typeof dopts.device === "string" &&
                dopts.device.startsWith("/")
              ) {
                // The "local driver bind" idiom: the volume IS the host directory.
                (f.volumes ??= []).push(`${dopts.device}:${vol.target}${suffix}`);
                note(
                  `volumes[${i}]: volume ${src} binds ${dopts.device} (driver_opts o=bind) → a bind mount`,
                );
                continue;
              }
              if ((top?.driver && top.driver !== "local") || dopts) {
                drop(
                  `volumes[${i}]`,
                  `volume ${src} uses driver ${
                    top.driver ?? "local"
                  } with driver_opts, which lychd's volumes do not carry over`,
                  "mount the storage on the host and bind-mount it",
                );
                continue;
              }
              if (top?.name && top.name !== src) {
                note(
                  `volumes[${i}]: compose names the volume ${top.name}; lychd's is <prefix>-${src.toLowerCase()}`,
                );
              }
              src = src.toLowerCase().replace(/[^a-z0-9_-]/g, "-");
              (f.volumes ??= []).push(`${src}:${vol.target}${suffix}`);
            } else if (vol.type === "tmpfs") {
              const size = vol.tmpfs?.size !== undefined ? `:size=${vol.tmpfs.size}` : "";
              (f.tmpfs ??= []).push(`${vol.target}${size}`);
            } else {
              drop(
                `volumes[${i}]`,
                `volume type ${JSON.stringify(vol.type)} is not supported`,
                "use a bind or named volume",
              );
            }
          }
          break;
        }
        case "tmpfs":
          f.tmpfs = [...(f.tmpfs ?? []), ...(v as string[])];
          break;
        case "secrets": {
          for (const [i, sec] of (v as Obj[]).entries()) {
            const top = p.secrets?.[sec.source];
            if (!top) {
              refuse(
                file,
                n,
                `secrets[${i}]`,
                `secret ${JSON.stringify(sec.source)} is not defined at the top level`,
                "add it under secrets:",
              );
            }
            if (sec.uid !== undefined || sec.gid !== undefined || sec.mode !== undefined) {
              drop(
                `secrets[${i}].uid/gid/mode`,
                "ownership and mode of a secret file",
                "podman mounts secrets 0444 root-owned",
              );
            }
            const secName = String(top.name ?? sec.source).toLowerCase().replace(/[^a-z0-9_-]/g, "-");
            const target = String(sec.target).startsWith("/") ? sec.target : `/run/secrets/${sec.target}`;
            (f.secrets ??= []).push(
              target === `/run/secrets/${secName}` ? secName : { name: secName, type: "mount", target },
            );
            if (top.file) secretSteps.set(secName, `podman secret create ${secName} ${shq(top.file)}`);
            else if (top.environment) {
              secretSteps.set(secName, `printf %s "$${top.environment}" | podman secret create ${secName} -`);
            } else if (top.external) {
              secretSteps.set(
                secName,
                `podman secret exists ${secName}   # external in compose: create it if missing`,
              );
            } else if (top.content !== undefined) {
              secretSteps.set(
                secName,
                `podman secret create ${secName} <file with the content of secrets.${sec.source}>`,
              );
            }
          }
          break;
        }
        case "configs": {
          for (const [i, c] of (v as Obj[]).entries()) {
            const top = p.configs?.[c.source];
            if (!top?.file) {
              drop(
                `configs[${i}]`,
                `config ${JSON.stringify(c.source)} is not file-based (content/environment/external)`,
                "write it to a file and bind-mount it read-only",
              );
              continue;
            }
            (f.volumes ??= []).push(`${top.file}:${c.target}:ro`);
            note(`configs[${i}] ${c.source} → read-only bind mount of ${top.file}`);
          }
          break;
        }
        case "cap_add":
        case "cap_drop":
          f[key] = (v as string[]).map(String);
          break;
        case "user":
          f.user = String(v);
          break;
        case "read_only":
          if (v) f.read_only = true;
          break;
        case "labels":
          f.labels = Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, String(x)]));
          break;
        case "annotations":
          f.annotations = Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, String(x)]));
          break;
        case "ulimits":
          f.ulimits = Object.fromEntries(
            Object.entries(v as Obj).map(([k, x]) => [k, typeof x === "object" ? `${x.soft}:${x.hard}` : x]),
          );
          break;
        case "working_dir":
          f.working_dir = String(v);
          break;
        case "hostname":
          f.hostname = String(v);
          break;
        case "init":
          if (v) f.init = true;
          break;
        case "stop_grace_period": {
          const d = duration(String(v));
          const secs = d === undefined ? undefined : Math.max(1, Math.ceil(seconds(d)));
          if (secs === undefined) {
            refuse(file, n, key, `${JSON.stringify(v)} is not a duration`, 'e.g. "30s"');
          }
          f.stop_timeout = secs;
          break;
        }
        case "stop_signal":
          f.stop_signal = String(v);
          break;
        case "shm_size":
          f.shm_size = size(v);
          break;
        case "mem_limit":
          f.memory = size(v);
          break;
        case "cpus":
          f.cpus = Number(v);
          break;
        case "ipc":
          if (v === "host" || v === "private") f.ipc = v;
          else if (v === "shareable") note("ipc: shareable → podman's default private namespace");
          else drop(key, `ipc: ${v} joins another container's namespace`, 'use "host" or "private"');
          break;
        case "extra_hosts":
          f.add_hosts = (v as string[]).map((h) =>
            h.includes("=") && !h.includes(":") ? h.replace("=", ":") : h.replace(/=(?=[^=]*$)/, ":")
          );
          break;
        case "pull_policy": {
          const m: Record<string, string> = {
            always: "always",
            missing: "missing",
            if_not_present: "missing",
            never: "never",
          };
          if (m[v as string]) f.pull = m[v as string];
          else drop(key, `pull_policy: ${v} has no Quadlet equivalent`, 'use "always", "missing" or "never"');
          break;
        }
        case "group_add":
          f.group_add = (v as unknown[]).map(String);
          break;
        case "sysctls":
          f.sysctls = Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, String(x)]));
          break;
        case "tty":
          if (v) f.podman_args = [...(f.podman_args ?? []), "--tty"];
          break;
        case "security_opt":
          for (const o of v as string[]) {
            if (
              o === "no-new-privileges" || o === "no-new-privileges:true" || o === "no-new-privileges=true"
            ) continue;
            f.podman_args = [...(f.podman_args ?? []), `--security-opt=${o}`];
          }
          break;
        case "dns":
          for (const d of (Array.isArray(v) ? v : [v]) as string[]) {
            f.podman_args = [...(f.podman_args ?? []), `--dns=${d}`];
          }
          break;
        case "pid":
          if (v === "host") f.podman_args = [...(f.podman_args ?? []), "--pid=host"];
          else drop(key, `pid: ${v} joins another container's namespace`, 'use "host" or drop it');
          break;
        case "userns_mode":
          f.userns = String(v);
          break;
        case "scale":
          if (Number(v) === 0) {
            f.autostart = false;
            note("scale: 0 → autostart = false (compose creates no container)");
          } else if (Number(v) !== 1) {
            drop(key, `${v} replicas: lychd runs one container per service`, "import one replica");
          }
          break;
        case "logging":
          note("logging: not carried over; podman under systemd logs to the journal (lychd logs NAME)");
          break;
        case "privileged":
          if (v) {
            drop(
              key,
              "privileged: true grants every device and capability",
              "list the devices and cap_add it needs",
            );
          }
          break;
        case "links":
          drop(
            key,
            "links are legacy; on lychd's bridge every service reaches the others by name",
            "remove links",
          );
          break;
        default:
          drop(key, `${key} has no lychd equivalent`, "remove it, or carry it over by hand in podman_args");
      }
    }

    // container_name and names that differ from the Codex name stay reachable by DNS.
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

    // environment: env_file first, then environment (which wins).
    const env: Obj = {};
    for (const ef of (s.env_file ?? []) as Obj[]) {
      const text = await read(ef.path);
      if (text === undefined) {
        if (ef.required === false) {
          note(`env_file ${ef.path} (required: false) does not exist: skipped, as compose does`);
          continue;
        }
        refuse(file, n, "env_file", `env file ${ef.path} not found`, "create it, or mark it required: false");
      }
      try {
        for (const [k, x] of parseDotenv(text, p.lookup)) env[k] = x;
      } catch (err) {
        if (err instanceof GrammarError) refuse(ef.path, n, "env_file", err.message, "fix the env file");
        throw err;
      }
      note(`env from env_file ${ef.path}, values inlined as compose passes them`);
    }
    for (const [k, x] of Object.entries((s.environment ?? {}) as Obj)) env[k] = x === null ? "" : String(x);
    if (f.env_script !== undefined) {
      env.LYCHD_SCRIPT = f.env_script;
      delete f.env_script;
    }
    const envOk: Obj = {};
    for (const [k, x] of Object.entries(env)) {
      if (!isEnvName(k)) {
        drop(
          `environment.${k}`,
          `${JSON.stringify(k)} is not a name systemd can pass`,
          "rename the variable",
        );
        continue;
      }
      const val = typeof x === "boolean" || typeof x === "number" ? String(x) : x;
      // deno-lint-ignore no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(val)) {
        drop(
          `environment.${k}`,
          "the value has a newline or control character, which systemd cannot pass",
          "use a secret (type = env) or a file",
        );
        continue;
      }
      envOk[k] = val;
    }
    if (Object.keys(envOk).length) f.env = envOk;

    // GPUs and devices.
    gpuClaims(p, n, s, e, file, opts, warnings, drop);

    // restart (compose's default is "no"; lychd's is "always").
    const rp = s.deploy?.restart_policy?.condition;
    const restart = String(
      s.restart ?? (rp === "any" ? "always" : rp === "on-failure" ? "on-failure" : rp ?? "no"),
    );
    if (restart === "no" || restart === "none") f.restart = "no";
    else if (restart === "always") f.restart = "always";
    else if (restart === "unless-stopped") {
      f.restart = "always";
      note("restart: unless-stopped → always (systemd does not restart a unit you stopped)");
    } else if (/^on-failure(:\d+)?$/.test(restart)) {
      f.restart = "on-failure";
      if (restart.includes(":")) {
        note(`restart: ${restart} → on-failure (systemd's StartLimit bounds retries)`);
      }
    } else {refuse(
        file,
        n,
        "restart",
        `unknown restart policy ${JSON.stringify(restart)}`,
        'use "no", "always", "on-failure" or "unless-stopped"',
      );}

    // deploy: limits, replicas; the rest is swarm-only.
    const d = s.deploy as Obj | undefined;
    if (d) {
      const lim = d.resources?.limits;
      if (lim?.memory !== undefined) f.memory = size(lim.memory);
      if (lim?.cpus !== undefined) f.cpus = Number(lim.cpus);
      if (lim?.pids !== undefined) {
        drop("deploy.resources.limits.pids", "a pids limit", "use podman_args --pids-limit");
      }
      if (d.replicas !== undefined && Number(d.replicas) !== 1) {
        if (Number(d.replicas) === 0) {
          f.autostart = false;
          note("deploy.replicas: 0 → autostart = false (compose creates no container)");
        } else {drop(
            "deploy.replicas",
            `${d.replicas} replicas: lychd runs one container per service`,
            "import one replica",
          );}
      }
      for (const k of Object.keys(d)) {
        if (!["resources", "replicas", "restart_policy"].includes(k)) {
          note(`deploy.${k}: swarm-only, ignored by compose up too`);
        }
      }
      if (d.resources?.reservations && Object.keys(d.resources.reservations).some((k) => k !== "devices")) {
        note(
          "deploy.resources.reservations other than devices: scheduling hints, nothing to enforce on one host",
        );
      }
    }
    entries.push(e);
  }

  // depends_on → requires/wants/after, notify_healthy, oneshot.
  const byCompose = new Map(entries.map((e) => [e.compose, e]));
  for (const e of entries) {
    const deps = (p.services[e.compose].depends_on ?? {}) as Obj;
    for (const [dep, d] of Object.entries(deps)) {
      const t = byCompose.get(dep);
      if (!t && droppedServices.has(dep)) {
        e.comments.push(`# lychd import: dropped depends_on ${dep}: that service was dropped`);
        e.dropped.push(`depends_on.${dep}`);
        warnings.push(`${e.compose}: dropped depends_on ${dep}: that service was dropped`);
        continue;
      }
      if (!t) continue; // required:false dependency on a disabled service
      const file = p.origin[e.compose];
      const kind = d.required === false ? "wants" : "requires";
      (e.fields[kind] ??= []).push(dep);
      (e.fields.after ??= []).push(dep);
      if (d.condition === "service_healthy") {
        if (!t.fields.health) {
          refuse(
            file,
            e.compose,
            `depends_on.${dep}`,
            `service_healthy, but ${dep} has no healthcheck lychd can see`,
            `add a healthcheck to ${dep} (the image's own HEALTHCHECK is not visible here)`,
          );
        }
        t.fields.notify_healthy = true;
      } else if (d.condition === "service_completed_successfully") {
        if (t.fields.restart === "always") {
          refuse(
            file,
            e.compose,
            `depends_on.${dep}`,
            `service_completed_successfully, but ${dep} restarts always`,
            `set restart: "no" on ${dep}`,
          );
        }
        t.fields.oneshot = true;
      } else if (d.condition !== "service_started") {
        refuse(
          file,
          e.compose,
          `depends_on.${dep}.condition`,
          `unknown condition ${JSON.stringify(d.condition)}`,
          "use service_started, service_healthy or service_completed_successfully",
        );
      }
      e.comments.push(
        `# depends_on ${dep}: ${d.condition}${
          d.required === false ? ", required: false → wants" : " → requires"
        }${d.restart ? ", restart: true (Requires= restarts it with " + dep + ")" : ""}`,
      );
    }
  }

  // Roles: --role, GPU claims → soulstone, then image heuristics for the singular roles.
  const taken = new Set<string>();
  for (const e of entries) {
    const forced = opts.roles[e.compose];
    if (forced) {
      if (forced !== "soulstone" && forced !== "service" && taken.has(forced)) {
        throw new ComposeError(
          p.files[0],
          "",
          `--role gives ${forced} to two services`,
          `there is one ${forced}`,
        );
      }
      e.role = forced;
      taken.add(forced);
      e.comments.push(`# role ${forced}: --role`);
    } else if (e.gpu.length) {
      e.role = "soulstone";
      e.comments.push("# role soulstone: it claims GPUs");
    }
  }
  const heuristics: [ImportRole, RegExp, string][] = [
    [
      "phylactery",
      /(^|\/)(postgres|pgvector|postgis|timescaledb|mysql|mariadb|mongo)(:|$)|pgvector/,
      "its image is a database",
    ],
    [
      "oculus",
      /(^|\/)(langfuse(?!-worker)|jaeger|all-in-one|phoenix|arize|opentelemetry-collector|otel|tempo|zipkin|lunary|helicone)[^/]*(:|$)/,
      "its image is tracing/observability",
    ],
    [
      "vessel",
      /(^|\/)(open-webui|librechat|n8n|dify-web|anythingllm|lobe-chat|chatbot-ui|big-agi|flowise|langflow)(:|$)/,
      "its image is an application",
    ],
  ];
  for (const [role, re, why] of heuristics) {
    if (taken.has(role)) continue;
    const hit = entries.find((e) =>
      e.role === "service" && !opts.roles[e.compose] && re.test(e.fields.image)
    );
    if (hit) {
      hit.role = role;
      taken.add(role);
      hit.comments.push(`# role ${role}: ${why} (heuristic; --role ${hit.compose}=service to undo)`);
    }
  }

  // Codex names: singular roles take the role's name; references follow.
  const codexName = new Map<string, string>();
  for (const e of entries) {
    codexName.set(
      e.compose,
      e.role === "vessel" || e.role === "phylactery" || e.role === "oculus" ? e.role : e.name,
    );
    if (codexName.get(e.compose) !== e.name) {
      const a: string[] = e.fields.aliases ?? [];
      if (!a.includes(e.name)) e.fields.aliases = [...a, e.name];
      if (!e.fields.aliases.includes(e.compose) && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.compose)) {
        e.fields.aliases.push(e.compose);
      }
    }
  }
  for (const e of entries) {
    for (const k of ["requires", "wants", "after"]) {
      if (e.fields[k]) e.fields[k] = [...new Set((e.fields[k] as string[]).map((x) => codexName.get(x)!))];
    }
    if (e.fields.aliases) {
      e.fields.aliases = (e.fields.aliases as string[]).filter((a) => a !== codexName.get(e.compose));
    }
    if (e.fields.aliases?.length === 0) delete e.fields.aliases;
  }

  // Soulstones start with the stack (compose started them) and share GPUs they shared there.
  const stones = entries.filter((e) => e.role === "soulstone");
  for (const st of stones) {
    st.fields.autostart ??= true;
    const others = stones.filter((o) => o !== st && o.gpu.some((g) => st.gpu.some((h) => sameGpu(g, h))));
    if (others.length) {
      st.fields.coexists_with = others.map((o) => codexName.get(o.compose)!);
      st.comments.push(
        "# coexists_with: compose ran these together on the same GPUs; remove it to make them take turns",
      );
    }
  }
  for (const e of entries) {
    if (e.role !== "soulstone" && e.gpu.length) {
      e.comments.push("# GPU devices on a non-soulstone: no exclusivity is planned for it");
    }
  }

  if (p.unset.length) {
    warnings.push(
      `lychd import: variables not set, substituted with "" as compose does: ${p.unset.join(", ")}`,
    );
  }
  for (const [, step] of [...secretSteps].sort()) nextSteps.push(step);

  // Prefix.
  let prefix = opts.name ?? p.name ?? p.lookup("COMPOSE_PROJECT_NAME") ?? p.projectDir.split("/").pop() ??
    "lychd";
  prefix = prefix.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^[^a-z]+/, "").slice(0, 31).replace(
    /-+$/,
    "",
  );
  if (!PREFIX_RE.test(prefix)) {
    throw new ComposeError(
      p.files[0],
      "name",
      `cannot make a sepulcher name from ${JSON.stringify(opts.name ?? p.name)}`,
      "pass --name PREFIX",
    );
  }

  for (const [n, why] of droppedServices) networkNotes.push(`# lychd import: dropped service ${n}: ${why}`);
  const toml = emit(p, entries, codexName, { prefix, network, anyUnboundPort, networkNotes, opts });
  const paths: Record<string, string> = {};
  const dropped: Record<string, string[]> = {};
  for (const e of entries) {
    const cn = codexName.get(e.compose)!;
    paths[e.compose] = e.role === "soulstone"
      ? `soulstones.${cn}`
      : e.role === "service"
      ? `services.${cn}`
      : cn;
    if (e.dropped.length) dropped[e.compose] = e.dropped;
  }
  for (const n of droppedServices.keys()) dropped[n] = ["(service)"];
  return { toml, warnings, nextSteps, paths, dropped };
}

function sameGpu(a: string, b: string): boolean {
  const [ka, na] = a.split("=");
  const [kb, nb] = b.split("=");
  return ka === kb && (na === nb || na === "all" || nb === "all");
}

/** Every way compose asks for a GPU → CDI names on `e.gpu` and in `devices`. */
function gpuClaims(
  p: Project,
  n: string,
  s: Obj,
  e: Entry,
  file: string,
  opts: ConvertOptions,
  warnings: string[],
  drop: (key: string, why: string, hint: string) => void,
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
    warnings.push(`${n}: ${msg}`);
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

/** A Go duration (`1m30s`, `1.5s`, `500ms`) → the Codex's `(\d+(ms|h|m|s))+` form. */
export function duration(s: string): string | undefined {
  const t = s.trim();
  if (/^\d+$/.test(t)) return `${t}s`;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) return undefined;
  let ms = 0;
  const unit: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    ms: 1,
    s: 1000,
    m: 60000,
    h: 3600000,
  };
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]];
  ms = Math.round(ms);
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  for (const [u, f] of [["h", 3600000], ["m", 60000], ["s", 1000], ["ms", 1]] as const) {
    const q = Math.floor(rest / f);
    if (q) parts.push(`${q}${u}`);
    rest -= q * f;
  }
  return parts.join("");
}

function seconds(d: string): number {
  let t = 0;
  for (const m of d.matchAll(/(\d+)(ms|h|m|s)/g)) {
    t += Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]] ?? 0);
  }
  return t;
}

/** Compose sizes (`2gb`, `512m`, bytes as a number) → the Codex's size form. */
function size(v: unknown): string | number {
  if (typeof v === "number") return v % (1024 * 1024) === 0 ? v / (1024 * 1024) : `${v}b`;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt])?b?$/i.exec(String(v).trim());
  if (!m) return String(v);
  return `${m[1]}${(m[2] ?? "b").toLowerCase()}`;
}

function shq(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

// ---- TOML emission ----------------------------------------------------------------------------

function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k);
}

function tomlValue(v: unknown): string {
  if (typeof v === "string") return tomlString(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  if (v && typeof v === "object") {
    return `{ ${Object.entries(v).map(([k, x]) => `${tomlKey(k)} = ${tomlValue(x)}`).join(", ")} }`;
  }
  throw new Error(`cannot write ${String(v)} as TOML`);
}

const FIELD_ORDER = [
  "description",
  "image",
  "entrypoint",
  "command",
  "ports",
  "volumes",
  "tmpfs",
  "devices",
  "secrets",
  "health",
  "notify_healthy",
  "oneshot",
  "requires",
  "wants",
  "after",
  "restart",
  "autostart",
  "coexists_with",
  "aliases",
  "hostname",
  "user",
  "working_dir",
  "read_only",
  "cap_add",
  "cap_drop",
  "group_add",
  "memory",
  "cpus",
  "shm_size",
  "ipc",
  "ulimits",
  "sysctls",
  "init",
  "stop_timeout",
  "stop_signal",
  "add_hosts",
  "pull",
  "userns",
  "podman_args",
  "labels",
  "annotations",
  "env",
];

interface EmitOpts {
  prefix: string;
  network: string;
  anyUnboundPort: boolean;
  networkNotes: string[];
  opts: ConvertOptions;
}

function emit(p: Project, entries: Entry[], names: Map<string, string>, o: EmitOpts): string {
  const L: string[] = [];
  L.push(`# Imported by \`${o.opts.command ?? "lychd import compose"}\` from ${p.files.join(", ")}`);
  L.push(`# Project directory ${p.projectDir}; relative paths are resolved against it.`);
  if (p.envFilesRead.length) {
    L.push(`# Interpolation environment: the process environment over ${p.envFilesRead.join(", ")}.`);
  }
  if (p.disabled.length) L.push(`# Left out by profiles: ${p.disabled.join(", ")}.`);
  L.push(
    "# Named volumes are new lychd volumes (<prefix>-<name>): to keep compose's data, podman volume export/import it.",
  );
  L.push(
    "# lychd adds no_new_privileges = true to every service (compose does not); set it to false where an image needs setuid.",
  );
  L.push("version = 1");
  L.push("");
  L.push("[sepulcher]");
  L.push(`name = ${tomlString(o.prefix)}`);
  if (o.network !== "bridge") L.push(`network = ${tomlString(o.network)}`);
  for (const n of o.networkNotes) L.push(n);
  if (o.anyUnboundPort) {
    L.push("# compose publishes ports without an address on every interface; lychd's default is 127.0.0.1.");
    L.push('bind_address = "0.0.0.0"');
  }
  const order: ImportRole[] = ["vessel", "phylactery", "oculus", "soulstone", "service"];
  for (const role of order) {
    for (const e of entries.filter((x) => x.role === role)) {
      const cn = names.get(e.compose)!;
      L.push("");
      for (const c of e.comments) L.push(c.replace(/\n/g, " "));
      L.push(
        role === "soulstone"
          ? `[soulstones.${tomlKey(cn)}]`
          : role === "service"
          ? `[services.${tomlKey(cn)}]`
          : `[${role}]`,
      );
      const keys = Object.keys(e.fields).sort((a, b) => idx(a) - idx(b));
      for (const k of keys) {
        const v = e.fields[k];
        if (k === "env" || k === "labels" || k === "annotations" || k === "ulimits" || k === "sysctls") {
          continue;
        }
        L.push(`${k} = ${tomlValue(v)}`);
      }
      for (const k of ["ulimits", "sysctls", "labels", "annotations", "env"]) {
        if (!e.fields[k]) continue;
        L.push("");
        L.push(
          `[${
            role === "soulstone"
              ? `soulstones.${tomlKey(cn)}`
              : role === "service"
              ? `services.${tomlKey(cn)}`
              : role
          }.${k}]`,
        );
        for (const [kk, vv] of Object.entries(e.fields[k] as Obj)) {
          L.push(`${tomlKey(kk)} = ${tomlValue(vv)}`);
        }
      }
    }
  }
  return L.join("\n") + "\n";
}

function idx(k: string): number {
  const i = FIELD_ORDER.indexOf(k);
  return i < 0 ? 999 : i;
}
