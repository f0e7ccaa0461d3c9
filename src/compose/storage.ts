/**
 * Where a compose service's data and ports go: `ports` (host ports; compose's "every interface"
 * is reported back so the sepulcher can say so), `volumes` (bind, named, tmpfs; the local-driver
 * bind idiom becomes a bind mount), `secrets` (podman secrets, with the command that creates each)
 * and file-based `configs` (read-only bind mounts).
 *
 * Pure.
 *
 * @module
 */
import type { Obj } from "./project.ts";
import { refuse, type ServiceCtx } from "./model.ts";
import { shq } from "./values.ts";

/** `ports:`; true when a port is published without an address (every interface). */
export function portsKey(ctx: ServiceCtx, v: unknown): boolean {
  const { f, drop } = ctx;
  let anyUnboundPort = false;
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
    const ip = port.host_ip ? (port.host_ip.includes(":") ? `[${port.host_ip}]:` : `${port.host_ip}:`) : "";
    out.push(
      `${ip}${port.published}:${port.target}${
        port.protocol && port.protocol !== "tcp" ? `/${port.protocol}` : ""
      }`,
    );
  }
  if (out.length) f.ports = out;
  return anyUnboundPort;
}

/** `volumes:` (bind, named, tmpfs). */
export function volumesKey(ctx: ServiceCtx, v: unknown): void {
  const { p, e, f, drop, note } = ctx;
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
}

/** `secrets:`; the command that creates each secret goes into `secretSteps`. */
export function secretsKey(ctx: ServiceCtx, v: unknown, secretSteps: Map<string, string>): void {
  const { p, n, file, f, drop } = ctx;
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
}

/** `configs:` (file-based only). */
export function configsKey(ctx: ServiceCtx, v: unknown): void {
  const { p, f, drop, note } = ctx;
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
}
