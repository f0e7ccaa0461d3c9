/**
 * `deno run -A scripts/gateway_bench.ts [--requests N] [--concurrency C]`: the gateway's cost,
 * each number against a reference measured in the same run.
 *
 * 1. Overhead: a small non-streaming chat completion, directly to a fake OpenAI upstream vs
 *    through the gateway (a separate process under exactly its permission set, `--listen` on
 *    loopback; systemctl is tests/fakes/bin/systemctl). Sequential latency (median, p99) and
 *    requests/s at a concurrency, alternating direct/gateway rounds so drift hits both alike.
 * 2. Memory: the gateway process's VmRSS after the load.
 * 3. Cold start: time to first token of a streaming request to a stopped model, against the
 *    configured load delay (in-process gateway whose units start a fake upstream that listens
 *    only after the delay).
 * 4. Swap: A→B total time minus the units' own stop + start (start = until the upstream answers).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fakeOpenAi } from "../tests/fixtures/fake_openai.ts";
import { gatewayFlags } from "../src/gateway/permissions.ts";
import { startGateway } from "../src/gateway/main.ts";
import { fakeHost } from "../src/host/_fake.ts";
import type { Units } from "../src/gateway/stone.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const { values } = parseArgs({
  args: Deno.args,
  options: { requests: { type: "string", default: "2000" }, concurrency: { type: "string", default: "16" } },
});
const N = Number(values.requests);
const C = Number(values.concurrency);

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
}
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const BODY = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });

async function one(url: string): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    body: BODY,
    headers: { "content-type": "application/json" },
  });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  return performance.now() - t;
}

async function latency(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await one(url));
  return out;
}

async function throughput(url: string, n: number, c: number): Promise<number> {
  let left = n;
  const t = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (left-- > 0) await one(url);
  }));
  return n / ((performance.now() - t) / 1000);
}

// ---- 1 + 2: overhead and memory, gateway in its own process -------------------------------------
const upPort = freePort();
const up = fakeOpenAi({ port: upPort, tokens: 1, name: "m" });
await up.ready;
const home = await Deno.makeTempDir({ dir: "/home", prefix: "lychd-bench-" }).catch(() =>
  Deno.makeTempDir({ prefix: "lychd-bench-" })
);
await Deno.mkdir(`${home}/.config/lychd`, { recursive: true });
const codex = `${home}/.config/lychd/codex.toml`;
await Deno.writeTextFile(
  codex,
  `version = 1\n[soulstones.m]\nimage = "i"\nports = ["127.0.0.1:${upPort}:8000"]\nmodels = ["m"]\n`,
);
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--quiet",
    ...gatewayFlags(),
    `${ROOT}/gateway.ts`,
    "--listen",
    "127.0.0.1:0",
    "--codex",
    codex,
  ],
  env: { HOME: home, PATH: `${ROOT}/tests/fakes/bin:${Deno.env.get("PATH")}` },
  stdout: "null",
  stderr: "piped",
}).spawn();
const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
let line = "";
while (!/on 127\.0\.0\.1:\d+/.test(line)) {
  const { value, done } = await reader.read();
  if (done) throw new Error(`gateway exited: ${line}`);
  line += value;
}
const gwUrl = `http://127.0.0.1:${/on 127\.0\.0\.1:(\d+)/.exec(line)![1]}`;
const directUrl = `http://127.0.0.1:${upPort}`;
// The floor: the least a Deno proxy can do (Deno.serve + fetch), same permission set.
const floorPort = freePort();
const floor = new Deno.Command(Deno.execPath(), {
  args: ["run", "--quiet", ...gatewayFlags(), `${ROOT}/bench/floor_proxy.ts`, String(floorPort), directUrl],
  stdout: "null",
  stderr: "null",
}).spawn();
const floorUrl = `http://127.0.0.1:${floorPort}`;
for (let i = 0; i < 100; i++) {
  try {
    await one(floorUrl);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
await latency(gwUrl, 50); // warm: the first request starts the (fake) unit
await latency(directUrl, 50);
await latency(floorUrl, 50);

const lat = { direct: [] as number[], gateway: [] as number[], floor: [] as number[] };
const rps = { direct: [] as number[], gateway: [] as number[], floor: [] as number[] };
const rounds = 4;
for (let r = 0; r < rounds; r++) {
  lat.direct.push(...await latency(directUrl, N / rounds / 2));
  lat.gateway.push(...await latency(gwUrl, N / rounds / 2));
  rps.direct.push(await throughput(directUrl, N / rounds, C));
  rps.gateway.push(await throughput(gwUrl, N / rounds, C));
  lat.floor.push(...await latency(floorUrl, N / rounds / 2));
  rps.floor.push(await throughput(floorUrl, N / rounds, C));
}
floor.kill("SIGTERM");
await floor.status;
const rss = /VmRSS:\s+(\d+) kB/.exec(await Deno.readTextFile(`/proc/${child.pid}/status`))?.[1];
child.kill("SIGTERM");
await child.status;
reader.releaseLock();
await child.stderr.cancel().catch(() => {});
await up.close();
await Deno.remove(home, { recursive: true });

const med = (xs: number[]) => q(xs, 0.5);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `overhead (${N} requests sequential, ${N} at concurrency ${C}; small non-streaming chat completion):`,
);
console.log(
  `  latency p50  direct ${med(lat.direct).toFixed(3)} ms  gateway ${med(lat.gateway).toFixed(3)} ms  added ${
    (med(lat.gateway) - med(lat.direct)).toFixed(3)
  } ms`,
);
console.log(
  `  latency p99  direct ${q(lat.direct, 0.99).toFixed(3)} ms  gateway ${q(lat.gateway, 0.99).toFixed(3)} ms`,
);
console.log(
  `  req/s        direct ${sum(rps.direct).toFixed(0)}  gateway ${
    sum(rps.gateway).toFixed(0)
  }  ratio direct/gateway ${(sum(rps.direct) / sum(rps.gateway)).toFixed(3)}`,
);
console.log(
  `  floor proxy  p50 ${med(lat.floor).toFixed(3)} ms  p99 ${q(lat.floor, 0.99).toFixed(3)} ms  req/s ${
    sum(rps.floor).toFixed(0)
  }  ` +
    `gateway/floor req/s ${(sum(rps.gateway) / sum(rps.floor)).toFixed(3)}`,
);
console.log(`  gateway RSS after the load: ${rss ? (Number(rss) / 1024).toFixed(1) : "?"} MiB`);

// ---- 3 + 4: cold start and swap, in-process gateway with timed units --------------------------
const LOAD_MS = 1000;
const pa = freePort();
const pb = freePort();
const host = fakeHost({ env: { HOME: "/home/u" } });
host.fs.put(
  "/home/u/.config/lychd/codex.toml",
  `version = 1\n[soulstones.a]\nimage = "i"\ndevices = ["x.com/gpu=0"]\nports = ["127.0.0.1:${pa}:8000"]\nmodels = ["a"]\n` +
    `[soulstones.b]\nimage = "i"\ndevices = ["x.com/gpu=0"]\nports = ["127.0.0.1:${pb}:8000"]\nmodels = ["b"]\n`,
);
const ups: Record<string, ReturnType<typeof fakeOpenAi> | undefined> = {};
const unitTime = { stop: 0, start: 0 };
const units: Units = {
  async start(unit) {
    const t = performance.now();
    const n = unit.includes("-a.") ? "a" : "b";
    ups[n] = fakeOpenAi({ port: n === "a" ? pa : pb, loadMs: LOAD_MS, tokens: 3, name: n });
    await ups[n]!.ready; // the unit's own start: until its upstream listens
    unitTime.start += performance.now() - t;
  },
  async stop(unit) {
    const t = performance.now();
    const n = unit.includes("-a.") ? "a" : "b";
    await ups[n]?.close();
    ups[n] = undefined;
    unitTime.stop += performance.now() - t;
  },
  states: (us) =>
    Promise.resolve(
      Object.fromEntries(us.map((u) => [u, ups[u.includes("-a.") ? "a" : "b"] ? "active" : "inactive"])),
    ),
};
const gw = await startGateway(host, ["--listen", "127.0.0.1:0"], { units, idleEveryMs: 0 });
const url = `http://127.0.0.1:${gw.port}`;
let t = performance.now();
const r = await fetch(`${url}/v1/chat/completions`, {
  method: "POST",
  body: JSON.stringify({ model: "a", stream: true }),
});
const rd = r.body!.pipeThrough(new TextDecoderStream()).getReader();
let ttft = 0;
for (let buf = "";;) {
  const { value, done } = await rd.read();
  if (done) break;
  buf += value;
  if (!ttft && /^data: \{/m.test(buf)) ttft = performance.now() - t;
}
console.log(
  `cold start: time to first token ${ttft.toFixed(1)} ms with a configured load delay of ${LOAD_MS} ms (+${
    (ttft - LOAD_MS).toFixed(1)
  } ms)`,
);
unitTime.stop = unitTime.start = 0;
t = performance.now();
await (await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "b" }) }))
  .text();
const swap = performance.now() - t;
console.log(
  `swap a→b: ${swap.toFixed(1)} ms total, units' own stop ${unitTime.stop.toFixed(1)} ms + start ${
    unitTime.start.toFixed(1)
  } ms, ` +
    `gateway's share ${(swap - unitTime.stop - unitTime.start).toFixed(1)} ms`,
);
await gw.shutdown();
await Promise.all(Object.values(ups).map((u) => u?.close()));
