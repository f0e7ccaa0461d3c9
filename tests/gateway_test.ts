/**
 * The gateway against the fake host (systemd played by the runner) and real fake OpenAI
 * upstreams on loopback: routing, rewrite, unload, status, metrics, auth, the api_key_file,
 * multipart requests, adopting running stones. Swaps, queues, drains, timeouts, disconnects,
 * failed starts, pinned refusals, VRAM as a set and idle_stop are in gateway_swap_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chat, harness } from "./lib/gateway.ts";
import { A, B, C, opts } from "./lib/gateway_stones.ts";

Deno.test("GET /v1/models lists every id from the Codex and starts nothing", opts, async () => {
  const h = await harness([A, B, C]);
  try {
    const r = await fetch(`${h.url}/v1/models`);
    const body = await r.json();
    assert.equal(r.status, 200);
    assert.equal(body.object, "list");
    assert.deepEqual(body.data.map((m: { id: string }) => m.id), ["alpha", "al", "bravo", "charlie"]);
    assert.ok(
      body.data.every((m: Record<string, unknown>) => m.object === "model" && m.owned_by === "lychd"),
    );
    assert.deepEqual(h.events, []);
    assert.ok(!h.host.runner.lines().some((l) => / start /.test(l)));
  } finally {
    await h.close();
  }
});

Deno.test(
  "a request starts its stone, waits for HTTP, and is forwarded with model = served_name",
  opts,
  async () => {
    const h = await harness([{ ...A, loadMs: 300 }, B]);
    try {
      const t = Date.now();
      const r = await chat(h.url, "al");
      assert.equal(r.status, 200, r.text);
      assert.ok(Date.now() - t >= 250, "it waited for the load");
      assert.equal(r.json!.model, "org/Alpha-7B", "rewritten to served_name");
      assert.equal(r.json!.server, "a");
      assert.deepEqual(h.events.map((e) => `${e.what} ${e.unit}`), [
        "start t-soulstone-a.service",
        "active t-soulstone-a.service",
      ]);
      // Warm: straight through, no systemctl at all.
      const calls = h.host.runner.calls.length;
      assert.equal((await chat(h.url, "alpha")).status, 200);
      assert.equal(h.host.runner.calls.length, calls);
    } finally {
      await h.close();
    }
  },
);

Deno.test("/lychd/unload drains and stops; /lychd/status and /metrics tell it all", opts, async () => {
  const h = await harness([A, C]);
  try {
    await chat(h.url, "alpha");
    await chat(h.url, "charlie");
    await chat(h.url, "nope");
    const st = await (await fetch(`${h.url}/lychd/status`)).json();
    const al = st.models.find((m: { id: string }) => m.id === "alpha");
    assert.deepEqual(
      { ...al, last_used: typeof al.last_used },
      {
        id: "alpha",
        stone: "a",
        unit: "t-soulstone-a.service",
        state: "ready",
        in_flight: 0,
        queued: 0,
        last_used: "string",
        vram_gib: 16,
        pinned: false,
      },
    );
    const u = await fetch(`${h.url}/lychd/unload`, { method: "POST", body: JSON.stringify({ model: "al" }) });
    assert.deepEqual((await u.json()).stopped.map((s: { stone: string }) => s.stone), ["a"]);
    assert.equal(h.states["t-soulstone-a.service"], "inactive");
    const all = await fetch(`${h.url}/lychd/unload`, { method: "POST", body: "{}" });
    assert.deepEqual((await all.json()).stopped.map((s: { stone: string }) => s.stone), ["c"]);
    const m = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(m, /^lychd_gateway_requests_total\{model="alpha",code="200"\} 1$/m);
    assert.match(m, /^lychd_gateway_requests_total\{model="nope",code="404"\} 1$/m);
    assert.match(m, /^lychd_gateway_swaps_total\{model="alpha"\} 1$/m);
    assert.match(m, /^lychd_gateway_in_flight\{model="alpha"\} 0$/m);
    assert.match(m, /^lychd_gateway_queue_depth\{device="[^"]+"\} 0$/m);
    assert.match(m, /^lychd_gateway_load_seconds_count 2$/m);
  } finally {
    await h.close();
  }
});

Deno.test(
  "404 unknown model, 400 bad JSON or no model, 401 without the key, /health open",
  opts,
  async () => {
    const h = await harness([A], {
      gateway: 'api_key_file = "/home/u/.config/lychd/gateway.key"',
      files: { "/home/u/.config/lychd/gateway.key": ["# keys\nsecret-1\n\nsecret-2\n", 0o600] },
    });
    try {
      const unknown = await chat(h.url, "gpt-9", { key: "secret-2" });
      assert.equal(unknown.status, 404);
      assert.deepEqual(Object.keys(unknown.json!.error as object).sort(), [
        "code",
        "message",
        "param",
        "type",
      ]);
      assert.equal((unknown.json!.error as Record<string, unknown>).code, "model_not_found");
      assert.equal((unknown.json!.error as Record<string, unknown>).type, "invalid_request_error");
      assert.match(String((unknown.json!.error as Record<string, unknown>).message), /alpha, al/);
      const bad = await chat(h.url, "", { key: "secret-1", body: "{nope" });
      assert.equal(bad.status, 400);
      assert.equal((bad.json!.error as Record<string, unknown>).type, "invalid_request_error");
      const none = await chat(h.url, "", { key: "secret-1", body: "{}" });
      assert.equal(none.status, 400);
      for (const key of [undefined, "wrong"]) {
        const r = await chat(h.url, "alpha", { key });
        assert.equal(r.status, 401);
        assert.equal((r.json!.error as Record<string, unknown>).code, "invalid_api_key");
      }
      assert.equal((await fetch(`${h.url}/v1/models`)).status, 401);
      assert.equal((await fetch(`${h.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${h.url}/health`)).status, 200);
      assert.equal((await chat(h.url, "alpha", { key: "secret-1" })).status, 200);
      assert.ok(!h.events.some((e) => e.what === "start" && h.events.indexOf(e) > 1));
    } finally {
      await h.close();
    }
  },
);

Deno.test("an api_key_file readable by others is refused at start", opts, async () => {
  await assert.rejects(
    harness([A], {
      gateway: 'api_key_file = "/home/u/k"',
      files: { "/home/u/k": ["secret\n", 0o644] },
    }),
    /readable by others \(mode 644\)/,
  );
});

Deno.test("multipart /v1/audio requests route by their model field", opts, async () => {
  const h = await harness([A]);
  try {
    const form = new FormData();
    form.set("model", "alpha");
    form.set("file", new Blob(["RIFF"]), "a.wav");
    const r = await fetch(`${h.url}/v1/audio/transcriptions`, { method: "POST", body: form });
    await r.body?.cancel();
    assert.equal(r.status, 200);
    assert.deepEqual(h.upstreams.a!.seen.at(-1)?.path, "/v1/audio/transcriptions");
  } finally {
    await h.close();
  }
});

Deno.test(
  "a running stone is adopted at start; stopped by hand, the next request starts it again",
  opts,
  async () => {
    const h = await harness([A, B], { running: ["a"] });
    try {
      assert.equal(h.gw.pool.slots.get("a")!.state, "ready", "adopted");
      assert.equal((await chat(h.url, "alpha")).status, 200);
      assert.equal(h.events.length, 0, "nothing started: it was running");
      // Someone stops it behind the gateway's back.
      await h.upstreams.a!.close();
      h.upstreams.a = undefined;
      h.states["t-soulstone-a.service"] = "inactive";
      const r = await chat(h.url, "alpha");
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(h.events.map((e) => e.what), ["start", "active"]);
    } finally {
      await h.close();
    }
  },
);
