/**
 * `sepulcher.subnet`: the IPv4 subnet the Sepulcher's bridge network is pinned to when the
 * gateway must be reachable from containers (docs/gateway.md, "Reaching the gateway from
 * containers"). The bridge's gateway address (the subnet's first host) is where the gateway's
 * `.socket` listens besides loopback, and what every container knows as `lychd-gateway`.
 * Hand-written: four octets and a prefix length need no library. Pure.
 *
 * @module
 */

/** The subnet used when the Codex does not say: outside Podman's default pools (10.88/16 is
 * `podman`'s own network, 10.89.0.0/16 and up are what `podman network create` hands out). */
export const DEFAULT_SUBNET = "10.87.0.0/24";

/** The name every container of a bridge Sepulcher resolves to the gateway's bridge address. */
export const GATEWAY_HOST = "lychd-gateway";

/** A parsed subnet. */
export interface Subnet {
  /** As written, e.g. `10.87.0.0/24`. */
  cidr: string;
  /** The bridge's address on the host: the first host of the subnet, e.g. `10.87.0.1`. */
  gateway: string;
}

const PRIVATE: [number, number][] = [
  [ip4("10.0.0.0"), 8],
  [ip4("172.16.0.0"), 12],
  [ip4("192.168.0.0"), 16],
];

function ip4(s: string): number {
  return s.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function dotted(n: number): string {
  return [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join(".");
}

function inside(n: number, base: number, len: number): boolean {
  return Math.floor(n / 2 ** (32 - len)) === Math.floor(base / 2 ** (32 - len));
}

/** Parse `a.b.c.d/len`: a private IPv4 network address with a prefix of /16 to /29. */
export function parseSubnet(
  s: string,
): { ok: true; value: Subnet } | { ok: false; message: string; hint: string } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  const q = JSON.stringify(s);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith("0")))) {
    return {
      ok: false,
      message: `${q} is not an IPv4 subnet`,
      hint: `write it as "a.b.c.d/len", e.g. "${DEFAULT_SUBNET}"`,
    };
  }
  const len = Number(m[5]);
  if (len < 16 || len > 29) {
    return {
      ok: false,
      message: `${q}: a /${len} subnet is ${len < 16 ? "too large" : "too small"}`,
      hint: "the prefix length must be 16 to 29",
    };
  }
  const n = ip4(m.slice(1, 5).join("."));
  if (!PRIVATE.some(([b, l]) => inside(n, b, l))) {
    return {
      ok: false,
      message: `${q} is not a private range`,
      hint: "use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16; the gateway never listens on a public address",
    };
  }
  const host = n % 2 ** (32 - len);
  if (host !== 0) {
    return {
      ok: false,
      message: `${q} has host bits set`,
      hint: `the network address is ${dotted(n - host)}/${len}`,
    };
  }
  return { ok: true, value: { cidr: s, gateway: dotted(n + 1) } };
}
