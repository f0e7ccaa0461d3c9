/**
 * `lychd doctor`'s gateway checks: the Codex's gateway units are loaded, the socket listens, the
 * service has not failed, and the api_key_file is private.
 *
 * @module
 */
import { gatewayUnits } from "../quadlet/naming.ts";
import type { Host } from "../host/host.ts";
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
  } catch {
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
