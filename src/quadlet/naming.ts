/**
 * Every name lychd gives a unit, a Rune file or a podman object, and Quadlet's rule from a file
 * to the systemd unit it becomes. One module, so that the Codex checks (unit collisions), the
 * plan, the renderer and the CLI (stop, status, bind) cannot disagree.
 *
 * Quadlet's rule (podman `pkg/systemd/quadlet`, every release 4.4–5.8, checked by the oracle
 * tests): `x.container` and `x.kube` → `x.service`; `x.volume` → `x-volume.service`, and the same
 * `-<kind>` suffix for `.network`, `.pod`, `.image`, `.build`, `.artifact`. lychd never writes
 * `ServiceName=`, which would change this.
 *
 * @module
 */

/** The role of a Codex service (mirrors `Role` of the Codex model; kept here without the import). */
export type StemRole = "vessel" | "phylactery" | "oculus" | "soulstone" | "service";

/** Unit stem of a Codex service: `<prefix>-vessel`, `<prefix>-soulstone-<name>`, `<prefix>-<name>`. */
export function serviceStem(prefix: string, role: StemRole, name: string): string {
  return role === "soulstone" ? `${prefix}-soulstone-${name}` : `${prefix}-${name}`;
}

/** The systemd unit of a service's container: `<stem>.service`. */
export function serviceUnit(stem: string): string {
  return `${stem}.service`;
}

/** The `.container` Rune of a service. */
export function containerFile(stem: string): string {
  return `${stem}.container`;
}

/** The on-demand socket and proxy units of a soulstone. */
export function proxyUnits(stem: string): { stem: string; socket: string; service: string } {
  return { stem: `${stem}-proxy`, socket: `${stem}-proxy.socket`, service: `${stem}-proxy.service` };
}

/** The gateway's units: its socket, the proxy the socket starts, and the gateway service. */
export function gatewayUnits(
  prefix: string,
): { stem: string; socket: string; proxy: string; service: string } {
  const stem = `${prefix}-gateway`;
  return { stem, socket: `${stem}.socket`, proxy: `${stem}-proxy.service`, service: `${stem}.service` };
}

/** The sepulcher's target: `<prefix>.target`. */
export function targetUnit(prefix: string): string {
  return `${prefix}.target`;
}

/** The `.network` Rune of a bridge sepulcher. */
export function networkFile(prefix: string): string {
  return `${prefix}.network`;
}

/** The `.pod` Rune of a pod sepulcher. */
export function podFile(prefix: string): string {
  return `${prefix}.pod`;
}

/** The `.volume` Rune of a named volume. */
export function volumeFile(prefix: string, volume: string): string {
  return `${prefix}-${volume}.volume`;
}

/**
 * The podman object a `.network`/`.volume`/`.pod` Rune creates when its name key
 * (`NetworkName=`, `VolumeName=`, `PodName=`) is written: the file's stem.
 */
export function objectName(file: string): string {
  return file.replace(/\.[a-z]+$/, "");
}

/** File kinds Quadlet reads. */
export const QUADLET_KINDS = [
  "container",
  "volume",
  "network",
  "pod",
  "kube",
  "image",
  "build",
  "artifact",
] as const;

/** A Quadlet file kind. */
export type QuadletKind = (typeof QUADLET_KINDS)[number];

/** `x.pod` → `pod`; a plain systemd unit or anything else → undefined. */
export function kindOfFile(name: string): QuadletKind | undefined {
  const ext = name.slice(name.lastIndexOf(".") + 1);
  return (QUADLET_KINDS as readonly string[]).includes(ext) ? ext as QuadletKind : undefined;
}

/**
 * The systemd unit a Rune or plain unit file becomes: `…/x.container` → `x.service`,
 * `x.network` → `x-network.service`, `x.socket` → `x.socket`; anything else → undefined.
 */
export function unitOfFile(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const kind = kindOfFile(name);
  if (!kind) return /\.(service|socket|target|timer)$/.test(name) ? name : undefined;
  const stem = name.slice(0, -(kind.length + 1));
  return kind === "container" || kind === "kube" ? `${stem}.service` : `${stem}-${kind}.service`;
}
