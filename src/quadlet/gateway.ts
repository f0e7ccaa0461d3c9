/**
 * The gateway's plain units: `<prefix>-gateway.socket` (systemd owns the TCP listener of
 * `[gateway] listen`), `<prefix>-gateway-proxy.service` (systemd-socket-proxyd hands each
 * connection to the gateway's Unix socket) and `<prefix>-gateway.service` (the gateway itself,
 * which holds no listen permission on the network and starts on the first request). Pure.
 *
 * Why a proxy: Deno cannot serve on an inherited socket (denoland/deno#14006), but it can serve
 * on a Unix socket; systemd-socket-proxyd bridges the two.
 *
 * @module
 */
import type { Plan } from "../plan/plan.ts";
import { gatewayUnits } from "./naming.ts";
import { SectionBuilder, type UnitFile } from "./unit.ts";
import { parseSubnet } from "../codex/subnet.ts";

/** How units run lychd: argv of the binder and of the gateway, and the flags naming the Codex. */
export interface LychdInvocation {
  /** argv of the binder (`lychd`), e.g. `["/usr/local/bin/lychd"]`. */
  binder: string[];
  /** argv of the gateway, e.g. `["/usr/local/bin/lychd-gateway"]`. */
  gateway: string[];
  /** Flags both take to find the same Codex and CDI specs, e.g. `["--codex", "/home/u/…"]`. */
  context: string[];
}

/**
 * Stands for the gateway's socket path inside an argument of `LychdInvocation.gateway` (the
 * `--allow-net=…,unix:<path>` flag): replaced by the `%t` path unescaped, so systemd expands it.
 */
export const SOCKET_TOKEN = "@LYCHD_GATEWAY_SOCKET@";

/** The default when the host does not say (golden files, `render`): the installed binaries. */
export function defaultInvocation(codexFile: string): LychdInvocation {
  return {
    binder: ["/usr/local/bin/lychd"],
    gateway: ["/usr/local/bin/lychd-gateway"],
    context: ["--codex", codexFile],
  };
}

/** The socket path under the runtime directory (`%t`: `$XDG_RUNTIME_DIR`, or `/run` for --system). */
export function gatewaySocketSpecifier(prefix: string): string {
  return `%t/lychd/${prefix}-gateway/gateway.sock`;
}

/** The three gateway units, or none when the Codex has no gateway. */
export function gatewayFiles(plan: Plan, inv: LychdInvocation, proxyd: string): UnitFile[] {
  const g = plan.codex.gateway;
  if (!g) return [];
  const prefix = plan.codex.prefix;
  const units = gatewayUnits(prefix);
  const stem = units.stem;
  const sock = gatewaySocketSpecifier(prefix);
  const listen = g.ip.includes(":") ? `[${g.ip}]:${g.port}` : `${g.ip}:${g.port}`;
  // Containers of the bridge reach the host through the bridge's address, not loopback: listen
  // there too (docs/gateway.md, "Reaching the gateway from containers"). FreeBind: the address
  // exists only once podman has created the network. Never a wildcard; none needed when
  // `listen` already covers it.
  const sn = plan.codex.network === "bridge" && plan.codex.subnet !== undefined
    ? parseSubnet(plan.codex.subnet)
    : undefined;
  const bridge = sn?.ok && !["0.0.0.0", "::", sn.value.gateway].includes(g.ip)
    ? `${sn.value.gateway}:${g.port}`
    : undefined;
  const sockSection = new SectionBuilder("Socket").add("ListenStream", listen);
  if (bridge) sockSection.add("ListenStream", bridge, "sepulcher.subnet").add("FreeBind", "yes");

  const socket: UnitFile = {
    name: units.socket,
    dir: "systemd",
    sections: [
      new SectionBuilder("Unit").add("Description", `lychd gateway socket of sepulcher ${prefix}`)
        .add("PartOf", plan.target).build(),
      // NoDelay: socket-proxyd splices the gateway's writes (headers, then body) onto the TCP
      // connection; with Nagle on, the second can wait for the client's delayed ACK (~40 ms).
      sockSection.add("NoDelay", "true").add("Service", units.proxy).build(),
      new SectionBuilder("Install").add("WantedBy", "sockets.target").build(),
    ],
  };
  const proxy: UnitFile = {
    name: units.proxy,
    dir: "systemd",
    sections: [
      new SectionBuilder("Unit").add("Description", `lychd gateway proxy of sepulcher ${prefix}`)
        .add("Requires", units.service).add("After", units.service)
        .add("Requires", units.socket).add("After", units.socket).build(),
      new SectionBuilder("Service").addCommand("ExecStart", [proxyd, sock], sock).build(),
    ],
  };
  // Active only once the Unix socket exists, so the proxy's first connection finds it.
  // Gives up at once when the gateway has exited (a bad Codex: its one-line reason is in the journal).
  const wait =
    'i=0; while [ ! -S "$1" ]; do kill -0 "$MAINPID" 2>/dev/null || exit 1; i=$((i+1)); [ "$i" -gt 600 ] && exit 1; sleep 0.05; done';
  const argv = inv.gateway.map((a) => a.replaceAll(SOCKET_TOKEN, sock));
  const service: UnitFile = {
    name: units.service,
    dir: "systemd",
    sections: [
      new SectionBuilder("Unit")
        .add("Description", `lychd gateway of sepulcher ${prefix} (one OpenAI-compatible endpoint)`)
        .add("PartOf", plan.target).build(),
      new SectionBuilder("Service")
        .add("Type", "exec")
        .add("RuntimeDirectory", `lychd/${stem}`)
        .addCommand("ExecStart", [...argv, "--socket", sock, ...inv.context], sock)
        .addCommand("ExecStartPost", ["/bin/sh", "-c", wait, "sh", sock], sock)
        .add("Restart", "always")
        .add("RestartSec", "1")
        .build(),
    ],
  };
  return [socket, proxy, service];
}
