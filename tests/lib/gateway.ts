/**
 * A gateway on loopback for tests: the fake host's runner plays systemd (start brings up a fake
 * OpenAI upstream after its load delay, stop closes it), upstreams are real servers on 127.0.0.1.
 *
 * @module
 */
import { type FakeHost, fakeHost } from "../../src/host/_fake.ts";
import { type RunningGateway, startGateway } from "../../src/gateway/main.ts";
import { type FakeOpenAi, fakeOpenAi } from "../fixtures/fake_openai.ts";

export const CODEX = "/home/u/.config/lychd/codex.toml";
export const SPEC = new URL("../golden/topology8/cdi/nvidia.yaml", import.meta.url);

/** A free loopback port (bound then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** One fake soulstone. */
export interface StoneSpec {
  name: string;
  device: string;
  models: string[];
  servedName?: string;
  vram?: number;
  pinned?: boolean;
  idle?: string;
  loadMs?: number;
  tokenMs?: number;
  tokens?: number;
}

/** A systemd event, in order. */
export interface UnitEvent {
  t: number;
  what: "start" | "active" | "stop" | "stopped" | "fail";
  unit: string;
}

export interface Harness {
  host: FakeHost;
  gw: RunningGateway;
  url: string;
  ports: Record<string, number>;
  upstreams: Record<string, FakeOpenAi | undefined>;
  events: UnitEvent[];
  states: Record<string, string>;
  /** Units whose next N starts fail. */
  failStarts: Record<string, number>;
  close(): Promise<void>;
}

/** Codex text for the stones (GPU 0 and 1 of the topology8 spec, 24 GiB each). */
export function codexFor(stones: StoneSpec[], ports: Record<string, number>, gateway = ""): string {
  let t =
    `version = 1\n[sepulcher]\nname = "t"\n[gpu.vram_gib]\n"nvidia.com/gpu=0" = 24\n"nvidia.com/gpu=1" = 24\n`;
  t += `[gateway]\nqueue_timeout = "20s"\ndrain_timeout = "10s"\n${gateway}\n`;
  for (const s of stones) {
    t += `[soulstones.${s.name}]\nimage = "localhost/fake"\ndevices = ["nvidia.com/gpu=${s.device}"]\n`;
    t += `ports = ["127.0.0.1:${ports[s.name]}:8000"]\nmodels = ${JSON.stringify(s.models)}\n`;
    if (s.servedName) t += `served_name = ${JSON.stringify(s.servedName)}\n`;
    if (s.vram !== undefined) t += `vram_gib = ${s.vram}\n`;
    if (s.pinned) t += `pinned = true\n`;
    if (s.idle) t += `idle_stop = ${JSON.stringify(s.idle)}\n`;
  }
  return t;
}

/** Start a gateway over fake stones. */
export async function harness(
  stones: StoneSpec[],
  opts: { gateway?: string; files?: Record<string, [string, number]>; running?: string[] } = {},
): Promise<Harness> {
  const ports: Record<string, number> = {};
  for (const s of stones) ports[s.name] = freePort();
  const host = fakeHost({ env: { HOME: "/home/u" }, implicitDirs: true });
  host.fs.put(CODEX, codexFor(stones, ports, opts.gateway));
  host.fs.put("/etc/cdi/nvidia.yaml", await Deno.readTextFile(SPEC));
  for (const [p, [text, mode]] of Object.entries(opts.files ?? {})) host.fs.put(p, text, mode);
  const unitOf = (n: string) => `t-soulstone-${n}.service`;
  const byUnit = new Map(stones.map((s) => [unitOf(s.name), s]));
  const states: Record<string, string> = {};
  const upstreams: Record<string, FakeOpenAi | undefined> = {};
  const events: UnitEvent[] = [];
  const failStarts: Record<string, number> = {};
  const t0 = Date.now();
  const ev = (what: UnitEvent["what"], unit: string) => events.push({ t: Date.now() - t0, what, unit });
  const up = (s: StoneSpec) => {
    upstreams[s.name] = fakeOpenAi({
      port: ports[s.name],
      loadMs: s.loadMs ?? 0,
      tokenMs: s.tokenMs,
      tokens: s.tokens,
      name: s.name,
    });
    return upstreams[s.name]!;
  };
  for (const u of byUnit.keys()) states[u] = "inactive";
  for (const n of opts.running ?? []) {
    states[unitOf(n)] = "active";
    await up(stones.find((s) => s.name === n)!).ready;
  }
  host.runner.handler = async (cmd, args) => {
    if (cmd !== "systemctl") return { code: 127 };
    const a = args.filter((x) => x !== "--user");
    if (a[0] === "show") {
      const units = a.slice(3);
      return { stdout: units.map((u) => `ActiveState=${states[u] ?? "inactive"}\n`).join("\n") };
    }
    if (a[0] === "start") {
      const unit = a[1];
      const s = byUnit.get(unit)!;
      ev("start", unit);
      if (failStarts[unit]) {
        failStarts[unit]--;
        states[unit] = "failed";
        ev("fail", unit);
        return {
          code: 1,
          stderr: `Job for ${unit} failed because the control process exited with error code.\n`,
        };
      }
      states[unit] = "activating";
      // Like Type=notify without a health check: active once the process runs; the model loads
      // after (the fake listens only after loadMs), so the gateway's HTTP probe is what waits.
      states[unit] = "active";
      up(s);
      ev("active", unit);
      return {};
    }
    if (a[0] === "stop") {
      const unit = a[1];
      ev("stop", unit);
      const s = byUnit.get(unit);
      if (s) await upstreams[s.name]?.close();
      if (s) upstreams[s.name] = undefined;
      states[unit] = "inactive";
      ev("stopped", unit);
      return {};
    }
    return {};
  };
  const gw = await startGateway(host, ["--listen", "127.0.0.1:0", "--codex", CODEX], {
    idleEveryMs: 50,
    loadingEverySeconds: 0.2,
  });
  return {
    host,
    gw,
    url: `http://127.0.0.1:${gw.port}`,
    ports,
    upstreams,
    events,
    states,
    failStarts,
    async close() {
      await gw.shutdown();
      await Promise.all(Object.values(upstreams).map((u) => u?.close()));
    },
  };
}

/** POST a chat completion; returns status, JSON or the SSE text. */
export async function chat(
  url: string,
  model: string,
  opts: { stream?: boolean; key?: string; signal?: AbortSignal; body?: string } = {},
): Promise<{ status: number; json?: Record<string, unknown>; text: string; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers,
    body: opts.body ??
      JSON.stringify({ model, stream: opts.stream ?? false, messages: [{ role: "user", content: "hi" }] }),
    signal: opts.signal,
  });
  const text = await r.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch { /* SSE */ }
  return { status: r.status, json, text, headers: r.headers };
}
