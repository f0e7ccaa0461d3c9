/**
 * `lychd doctor`'s gateway checks: the Codex's gateway units are loaded, the socket listens, the
 * service has not failed, containers can reach it (the bridge network has the pinned subnet;
 * not rootless), and the api_key_file is private.
 *
 * @module
 */
import { gatewayUnits, networkFile, objectName } from "../quadlet/naming.ts";
import { GATEWAY_HOST, parseSubnet } from "../codex/subnet.ts";
import type { Codex } from "../codex/model.ts";
import type { Host } from "../host/host.ts";
import { LychdError } from "../errors.ts";
import { manager, type Paths, readCodex } from "./context.ts";

/** A doctor finding (same shape as doctor.ts's). */
export interface GatewayFinding {
  check: string;
  level: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

/** Findings about the gateway; none when the Codex has no gateway (or cannot be read). */
export async function gatewayFindings(host: Host, paths: Paths): Promise<GatewayFinding[]> {
  let codex;
  try {
    codex = (await readCodex(host, paths, { allowDefault: false, quiet: true })).codex;
  } catch (e) {
    if (!(e instanceof LychdError)) throw e;
    return []; // `lychd check` reports a bad Codex
  }
  const g = codex.gateway;
  if (!g) return [];
  const out: GatewayFinding[] = [];
  const { socket: sock, service: svc } = gatewayUnits(codex.prefix);
  let shown: Record<string, Record<string, string>>;
  try {
    shown = await manager(host, paths).show([sock, svc], ["LoadState", "ActiveState", "SubState", "Result"]);
  } catch (e) {
    return [{
      check: "gateway",
      level: "fail",
      detail: (e as Error).message,
      fix: "see the manager check above",
    }];
  }
  const s = shown[sock] ?? {};
  const v = shown[svc] ?? {};
  const listen = g.ip.includes(":") ? `[${g.ip}]:${g.port}` : `${g.ip}:${g.port}`;
  if (s.LoadState !== "loaded" || v.LoadState !== "loaded") {
    out.push({
      check: "gateway",
      level: "warn",
      detail: `${sock} / ${svc} are not loaded (${s.LoadState || "?"} / ${v.LoadState || "?"})`,
      fix: "lychd bind",
    });
  } else if (v.ActiveState === "failed") {
    out.push({
      check: "gateway",
      level: "fail",
      detail: `${svc} failed (${v.Result || "?"})`,
      fix: "lychd logs gateway",
    });
  } else if (s.ActiveState !== "active") {
    out.push({
      check: "gateway",
      level: "warn",
      detail: `${sock} is ${s.ActiveState || "?"}: nothing listens on ${listen}`,
      fix: "lychd start",
    });
  } else {
    out.push({
      check: "gateway",
      level: "ok",
      detail: `${sock} listens on ${listen}; ${svc} is ${v.ActiveState}${
        v.ActiveState === "active" ? "" : " (starts on the first request)"
      }`,
    });
  }
  const bridge = await bridgeFinding(host, paths, codex);
  if (bridge) out.push(bridge);
  if (g.apiKeyFile) {
    const info = await host.fs.stat(g.apiKeyFile);
    if (!info) {
      out.push({
        check: "gateway key",
        level: "fail",
        detail: `${g.apiKeyFile} does not exist`,
        fix: `umask 077; openssl rand -hex 24 > ${g.apiKeyFile}`,
      });
    } else if ((info.mode ?? 0) & 0o077) {
      out.push({
        check: "gateway key",
        level: "fail",
        detail: `${g.apiKeyFile} is readable by others (mode ${((info.mode ?? 0) & 0o777).toString(8)})`,
        fix: `chmod 600 ${g.apiKeyFile}`,
      });
    } else out.push({ check: "gateway key", level: "ok", detail: `${g.apiKeyFile} (mode 600)` });
  }
  return out;
}

/**
 * Can containers reach the gateway as `lychd-gateway`? Only where the bridge is in the host's
 * network namespace (rootful: root's user manager or --system) and the network has the subnet the
 * socket listens on: `podman network create --ignore` (Quadlet) keeps a network that already
 * exists, e.g. one made before `sepulcher.subnet`, with the subnet Podman chose.
 */
async function bridgeFinding(host: Host, paths: Paths, codex: Codex): Promise<GatewayFinding | undefined> {
  if (codex.network !== "bridge" || codex.subnet === undefined) return undefined;
  const sn = parseSubnet(codex.subnet);
  if (!sn.ok) return undefined;
  const check = "gateway from containers";
  if (!paths.system && host.uid() !== 0) {
    return {
      check,
      level: "warn",
      detail:
        `rootless Podman: the bridge lives in the user's network namespace, so containers cannot reach the gateway's ${sn.value.gateway} (${GATEWAY_HOST})`,
      fix:
        'run the Sepulcher rootful (--system), or see docs/gateway.md "Reaching the gateway from containers"',
    };
  }
  const name = objectName(networkFile(codex.prefix));
  const res = await host.runner.run("podman", ["network", "inspect", name]).catch(() => undefined);
  if (!res || res.code !== 0) {
    return {
      check,
      level: "ok",
      detail: `network ${name} not created yet: it gets ${sn.value.cidr} on first start`,
    };
  }
  let have: string[];
  try {
    const nets = JSON.parse(res.stdout) as { subnets?: { subnet?: string }[] }[];
    have = (nets[0]?.subnets ?? []).map((x) => String(x.subnet));
  } catch {
    return {
      check,
      level: "warn",
      detail: `cannot read \`podman network inspect ${name}\``,
      fix: "check podman",
    };
  }
  if (!have.includes(sn.value.cidr)) {
    return {
      check,
      level: "fail",
      detail: `network ${name} has ${
        have.join(", ") || "no subnet"
      }, not ${sn.value.cidr}: ${GATEWAY_HOST} (${sn.value.gateway}) is unreachable from containers`,
      fix: `lychd stop && podman network rm ${name} && lychd start`,
    };
  }
  return {
    check,
    level: "ok",
    detail: `network ${name} is ${sn.value.cidr}; containers reach ${GATEWAY_HOST}:${codex.gateway!.port}`,
  };
}
