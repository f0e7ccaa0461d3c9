/**
 * Quantities and small value grammars of the Codex: memory sizes, durations, ports, volumes.
 * Each parser returns a value or a message; none throws.
 *
 * @module
 */

/** A parse result: the value, or why it is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; hint?: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(message: string, hint?: string): Parsed<T> => ({ ok: false, message, hint });

const SIZE_UNITS: Record<string, number> = {
  b: 1 / (1024 * 1024),
  k: 1 / 1024,
  m: 1,
  g: 1024,
  t: 1024 * 1024,
};

/**
 * A memory size: `"512m"`, `"2g"`, `"1.5g"`, `"300k"`, or an integer number of MiB. Returns the
 * podman spelling (`512m`) and the size in MiB. Zero, negatives and garbage are refused.
 */
export function parseSize(input: string | number): Parsed<{ text: string; mib: number }> {
  const hint = 'use "512m", "2g" or an integer number of MiB';
  if (typeof input === "number") {
    if (!Number.isInteger(input) || input <= 0) {
      return bad(`${input} is not a positive whole number of MiB`, hint);
    }
    return ok({ text: `${input}m`, mib: input });
  }
  const m = /^(\d+(?:\.\d+)?)([bkmgt])(?:i?b)?$/i.exec(input.trim());
  if (!m) return bad(`${JSON.stringify(input)} is not a size`, hint);
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (!(n > 0)) return bad(`${JSON.stringify(input)} is not a positive size`, hint);
  if (!Number.isInteger(n) && unit === "b") return bad(`${JSON.stringify(input)}: bytes must be whole`, hint);
  // podman accepts fractions only through a smaller unit: 1.5g → 1536m.
  let text = `${m[1]}${unit}`;
  if (!Number.isInteger(n)) {
    const smaller: Record<string, [string, number]> = {
      k: ["b", 1024],
      m: ["k", 1024],
      g: ["m", 1024],
      t: ["g", 1024],
    };
    const [u, f] = smaller[unit];
    const v = n * f;
    if (!Number.isInteger(v)) return bad(`${JSON.stringify(input)} is not a whole number of ${u}`, hint);
    text = `${v}${u}`;
  }
  return ok({ text, mib: n * SIZE_UNITS[unit] });
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * A duration: `"30s"`, `"1m30s"`, `"15m"`, `"2h"`, `"500ms"`, or a number of seconds. Returns the
 * canonical text (understood by both podman and systemd) and the seconds.
 */
export function parseDuration(input: string | number): Parsed<{ text: string; seconds: number }> {
  const hint = 'use a duration such as "30s", "1m30s", "15m" or "2h"';
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input <= 0) {
      return bad(`${input} is not a positive number of seconds`, hint);
    }
    if (!Number.isInteger(input)) return bad(`${input}: seconds must be whole (or write "1500ms")`, hint);
    return ok({ text: `${input}s`, seconds: input });
  }
  const s = input.trim();
  if (!/^(\d+(ms|h|m|s))+$/.test(s)) return bad(`${JSON.stringify(input)} is not a duration`, hint);
  // The regex above vouched for the shape: number, unit, number, unit…
  let seconds = 0;
  for (let i = 0; i < s.length;) {
    const start = i;
    while (s.charCodeAt(i) <= 57) i++;
    const value = Number(s.slice(start, i));
    const unit = s.charCodeAt(i) === 109 && s.charCodeAt(i + 1) === 115 ? "ms" : s[i];
    i += unit.length;
    seconds += value * DURATION_UNITS[unit];
  }
  if (seconds <= 0) return bad(`${JSON.stringify(input)} is not a positive duration`, hint);
  return ok({ text: s, seconds });
}

/**
 * A duration given on the command line (`--timeout`, `--every`): what {@linkcode parseDuration}
 * takes, and a bare number of seconds (`30`), as the Codex takes the integer 30.
 */
export function parseDurationFlag(input: string): Parsed<{ text: string; seconds: number }> {
  return parseDuration(/^\d+$/.test(input.trim()) ? Number(input.trim()) : input);
}

/** IPv4 dotted quad. */
export function isIPv4(s: string): boolean {
  // Four runs of 1-3 ASCII digits, each ≤ 255 without a leading zero, joined by ".": by character
  // codes (a split, a callback and a regex per part cost ≈ 1 ms of a cold 1,000-service render).
  const n = s.length;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    const start = i;
    let v = 0;
    for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i)) v = v * 10 + c - 48;
    const len = i - start;
    if (len === 0 || len > 3 || v > 255 || (len > 1 && s.charCodeAt(start) === 48)) return false;
    if (part < 3 && s.charCodeAt(i++) !== 46) return false;
  }
  return i === n;
}

/** IPv6 (RFC 4291 text forms, no zone). */
export function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length < 2) return false;
  let head = s;
  const groups = 8;
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIPv4(tail)) return false;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = head.split("::");
  if (dbl.length > 2) return false;
  const side = (x: string) => (x === "" ? [] : x.split(":"));
  const g = dbl.flatMap(side);
  if (!g.every((h) => /^[0-9a-fA-F]{1,4}$/.test(h))) return false;
  return dbl.length === 2 ? g.length < groups : g.length === groups;
}

/** An IP address of either family. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** A published port. */
export interface Port {
  ip: string;
  /** Whether the ip came from the port text (else from `sepulcher.bind_address`). */
  explicitIp: boolean;
  host: number;
  container: number;
  proto: "tcp" | "udp" | "sctp";
}

function portNumber(s: string, what: string): Parsed<number> {
  if (!/^\d{1,5}$/.test(s)) return bad(`${what} port ${JSON.stringify(s)} is not a number`);
  const n = Number(s);
  if (n < 1 || n > 65535) return bad(`${what} port ${n} is out of range 1-65535`);
  return ok(n);
}

/** `"[ip:]host:container[/proto]"`; IPv6 addresses in brackets: `"[::1]:8080:80"`. */
export function parsePort(input: string, defaultIp: string): Parsed<Port> {
  const hint = 'write "[ip:]host:container[/tcp|udp]", e.g. "8000:8000" or "127.0.0.1:8000:8000/tcp"';
  let rest = input.trim();
  let proto: Port["proto"] = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    const p = rest.slice(slash + 1);
    if (p !== "tcp" && p !== "udp" && p !== "sctp") return bad(`unknown protocol ${JSON.stringify(p)}`, hint);
    proto = p;
    rest = rest.slice(0, slash);
  }
  let ip: string | undefined;
  if (rest.startsWith("[")) {
    const end = rest.indexOf("]:");
    if (end < 0) return bad(`${JSON.stringify(input)} has an unclosed IPv6 bracket`, hint);
    ip = rest.slice(1, end);
    if (!isIPv6(ip)) return bad(`${JSON.stringify(ip)} is not an IPv6 address`, hint);
    rest = rest.slice(end + 2);
  }
  const parts = rest.split(":");
  if (ip === undefined && parts.length === 3) {
    ip = parts.shift()!;
    if (!isIPv4(ip)) return bad(`${JSON.stringify(ip)} is not an IPv4 address`, hint);
  }
  if (parts.length !== 2) return bad(`${JSON.stringify(input)} is not a port mapping`, hint);
  const host = portNumber(parts[0], "host");
  if (!host.ok) return { ...host, hint };
  const container = portNumber(parts[1], "container");
  if (!container.ok) return { ...container, hint };
  return ok({
    ip: ip ?? defaultIp,
    explicitIp: ip !== undefined,
    host: host.value,
    container: container.value,
    proto,
  });
}

/** Render a port for `PublishPort=`. */
export function formatPort(p: Port): string {
  const ip = p.ip.includes(":") ? `[${p.ip}]` : p.ip;
  return `${ip}:${p.host}:${p.container}${p.proto === "tcp" ? "" : "/" + p.proto}`;
}

/** Whether two published ports would fight over one host socket. */
export function portsCollide(a: Port, b: Port): boolean {
  if (a.host !== b.host || a.proto !== b.proto) return false;
  if (a.ip === b.ip) return true;
  const v6 = (x: string) => x.includes(":");
  if (v6(a.ip) !== v6(b.ip)) return a.ip === "::" || b.ip === "::"; // dual-stack wildcard
  return a.ip === "0.0.0.0" || b.ip === "0.0.0.0" || a.ip === "::" || b.ip === "::";
}
