import assert from "node:assert/strict";
import fc from "fast-check";
import {
  formatPort,
  isIPv4,
  isIPv6,
  parseDuration,
  parsePort,
  parseSize,
  portsCollide,
} from "./quantities.ts";

Deno.test("parseSize() accepts m/g suffixes and integer MiB, refuses garbage, zero and negatives", () => {
  assert.deepEqual(parseSize("512m"), { ok: true, value: { text: "512m", mib: 512 } });
  assert.deepEqual(parseSize("2g"), { ok: true, value: { text: "2g", mib: 2048 } });
  assert.deepEqual(parseSize("2GiB"), { ok: true, value: { text: "2g", mib: 2048 } });
  assert.deepEqual(parseSize("1.5g"), { ok: true, value: { text: "1536m", mib: 1536 } });
  assert.deepEqual(parseSize(1024), { ok: true, value: { text: "1024m", mib: 1024 } });
  for (const bad of ["lots", "0m", "-1g", "", "12", "1.5", "g"]) assert.equal(parseSize(bad).ok, false, bad);
  for (const bad of [0, -5, 1.5]) assert.equal(parseSize(bad).ok, false, String(bad));
});

Deno.test("parseDuration() reads Go/systemd style spans", () => {
  assert.deepEqual(parseDuration("1m30s"), { ok: true, value: { text: "1m30s", seconds: 90 } });
  assert.deepEqual(parseDuration("15m"), { ok: true, value: { text: "15m", seconds: 900 } });
  assert.deepEqual(parseDuration(30), { ok: true, value: { text: "30s", seconds: 30 } });
  for (const bad of ["1x", "", "0s", "m", "1 m", "-3s"]) assert.equal(parseDuration(bad).ok, false, bad);
});

Deno.test("parsePort() handles ip, bind default, protocol and IPv6", () => {
  const p = parsePort("8000:80", "127.0.0.1");
  assert.ok(p.ok);
  assert.equal(formatPort(p.value), "127.0.0.1:8000:80");
  const u = parsePort("0.0.0.0:53:53/udp", "127.0.0.1");
  assert.ok(u.ok);
  assert.equal(formatPort(u.value), "0.0.0.0:53:53/udp");
  const v6 = parsePort("[::1]:8080:80", "127.0.0.1");
  assert.ok(v6.ok);
  assert.equal(formatPort(v6.value), "[::1]:8080:80");
  for (const bad of ["80", "0:80", "70000:80", "a:b", "1.2.3:80:80", "80:80/xyz", "[::1:80:80"]) {
    assert.equal(parsePort(bad, "127.0.0.1").ok, false, bad);
  }
});

Deno.test("portsCollide() treats wildcard addresses as overlapping", () => {
  const p = (s: string) => {
    const r = parsePort(s, "127.0.0.1");
    if (!r.ok) throw new Error(s);
    return r.value;
  };
  assert.equal(portsCollide(p("8000:1"), p("8000:2")), true);
  assert.equal(portsCollide(p("0.0.0.0:8000:1"), p("8000:2")), true);
  assert.equal(portsCollide(p("10.0.0.1:8000:1"), p("8000:2")), false);
  assert.equal(portsCollide(p("8000:1/udp"), p("8000:2")), false);
  assert.equal(portsCollide(p("8001:1"), p("8000:1")), false);
});

Deno.test("isIPv6() accepts compressed forms and refuses junk", () => {
  for (const ok of ["::1", "::", "fe80::1", "2001:db8::8a2e:370:7334", "::ffff:10.0.0.1"]) {
    assert.ok(isIPv6(ok), ok);
  }
  for (const bad of ["1::2::3", "12345::", "g::1", "1.2.3.4", ":"]) assert.equal(isIPv6(bad), false, bad);
});

// The regex forms these functions had before they were written by character codes: the reference.
const refIPv4 = (s: string) => {
  const parts = s.split(".");
  return parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === "0" || p[0] !== "0"));
};
const refSeconds = (s: string) => {
  let seconds = 0;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  for (const part of s.matchAll(/(\d+)(ms|h|m|s)/g)) seconds += Number(part[1]) * units[part[2]];
  return seconds;
};

Deno.test("isIPv4() agrees with the regex form on dotted texts and on noise", () => {
  const octet = fc.oneof(
    fc.integer({ min: 0, max: 300 }).map(String),
    fc.constantFrom("00", "01", "007", "1a", "", "٣"),
  );
  const dotted = fc.array(octet, { minLength: 1, maxLength: 6 }).map((xs) => xs.join("."));
  fc.assert(
    fc.property(fc.oneof(dotted, fc.string({ unit: fc.constantFrom(..."0123456789.a ") })), (s) => {
      assert.equal(isIPv4(s), refIPv4(s), JSON.stringify(s));
    }),
    { numRuns: 3000 },
  );
  for (const s of ["0.0.0.0", "255.255.255.255", "127.0.0.1"]) assert.equal(isIPv4(s), true, s);
  for (const s of ["256.0.0.1", "1.2.3", "1.2.3.4.", ".1.2.3", "01.2.3.4", "1..2.3", "1.2.3.4 "]) {
    assert.equal(isIPv4(s), false, s);
  }
});

Deno.test("parseDuration() adds its parts as the regex form did", () => {
  const part = fc.tuple(fc.nat({ max: 100000 }), fc.constantFrom("ms", "s", "m", "h")).map(([n, u]) =>
    `${n}${u}`
  );
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
      const s = parts.join("");
      const r = parseDuration(s);
      const want = refSeconds(s);
      if (want <= 0) assert.equal(r.ok, false, s);
      else assert.deepEqual(r, { ok: true, value: { text: s, seconds: want } }, s);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("parseDurationFlag(): a bare number of seconds on the command line, as the Codex's integer", async () => {
  const { parseDurationFlag } = await import("./quantities.ts");
  assert.deepEqual(parseDurationFlag("30"), { ok: true, value: { text: "30s", seconds: 30 } });
  assert.deepEqual(parseDurationFlag("1m30s"), { ok: true, value: { text: "1m30s", seconds: 90 } });
  for (const bad of ["0", "-5", "1.5", "x", ""]) assert.equal(parseDurationFlag(bad).ok, false, bad);
});
