/**
 * The gateway against the fake host (systemd played by the runner) and real fake OpenAI
 * upstreams on loopback: routing, rewrite, streaming, drain, FIFO, timeouts, disconnects,
 * failed starts, pinned refusals, idle_stop, unload, metrics, auth.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chat, harness, type StoneSpec } from "./lib/gateway.ts";

const A: StoneSpec = {
  name: "a",
  device: "0",
  models: ["alpha", "al"],
  servedName: "org/Alpha-7B",
  vram: 16,
};
const B: StoneSpec = { name: "b", device: "0", models: ["bravo"], vram: 16 };
const C: StoneSpec = { name: "c", device: "1", models: ["charlie"], vram: 16 };
const opts = { sanitizeOps: false, sanitizeResources: false };

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

Deno.test("a swap drains: A's stream completes whole before A stops and B starts", opts, async () => {
  const h = await harness([{ ...A, tokenMs: 60, tokens: 10 }, B]);
  try {
    assert.equal((await chat(h.url, "alpha")).status, 200);
    const streamA = chat(h.url, "alpha", { stream: true });
    await new Promise((r) => setTimeout(r, 100));
    const reqB = chat(h.url, "bravo", { stream: true });
    const [ra, rb] = await Promise.all([streamA, reqB]);
    assert.equal(ra.status, 200);
    assert.equal((ra.text.match(/"content":"t\d"/g) ?? []).length, 10, "A's stream is whole");
    assert.ok(ra.text.endsWith("data: [DONE]\n\n"));
    assert.equal(rb.status, 200);
    assert.match(rb.text, /"server":"b"/);
    assert.match(rb.text, /^: lychd loading bravo \d+s\n\n/, "B waited with SSE comments");
    const seq = h.events.map((e) => `${e.what} ${e.unit.replace(/^t-soulstone-|\.service$/g, "")}`);
    assert.deepEqual(seq, ["start a", "active a", "stop a", "stopped a", "start b", "active b"]);
    assert.equal(h.upstreams.a, undefined);
    assert.equal(h.gw.metrics.swaps(), 2);
  } finally {
    await h.close();
  }
});

Deno.test(
  "requests wait FIFO per device, grouped by model: A, B, A, B cost two loads, A first",
  opts,
  async () => {
    const h = await harness([{ ...A, loadMs: 100 }, { ...B, loadMs: 100 }]);
    try {
      const rs = await Promise.all(["alpha", "bravo", "alpha", "bravo"].map(async (m, i) => {
        await new Promise((r) => setTimeout(r, i * 20));
        return chat(h.url, m);
      }));
      assert.deepEqual(rs.map((r) => r.status), [200, 200, 200, 200]);
      assert.deepEqual(rs.map((r) => r.json!.server), ["a", "b", "a", "b"]);
      assert.deepEqual(h.events.filter((e) => e.what === "start").map((e) => e.unit), [
        "t-soulstone-a.service",
        "t-soulstone-b.service",
      ]);
      // A request for A after B took the GPU waits for B's turn to end, then A loads again.
      const again = await chat(h.url, "alpha");
      assert.equal(again.json!.server, "a");
      assert.equal(h.events.filter((e) => e.what === "start").length, 3);
    } finally {
      await h.close();
    }
  },
);

Deno.test("a stone on another GPU serves in parallel without evicting anything", opts, async () => {
  const h = await harness([{ ...A, tokenMs: 50, tokens: 6 }, B, C]);
  try {
    assert.equal((await chat(h.url, "alpha")).status, 200);
    const [ra, rc] = await Promise.all([chat(h.url, "alpha", { stream: true }), chat(h.url, "charlie")]);
    assert.equal(ra.status, 200);
    assert.equal(rc.status, 200);
    assert.ok(!h.events.some((e) => e.what === "stop"), JSON.stringify(h.events));
    assert.equal(h.states["t-soulstone-a.service"], "active");
    assert.equal(h.states["t-soulstone-c.service"], "active");
  } finally {
    await h.close();
  }
});

Deno.test("past queue_timeout: 503 with Retry-After in the OpenAI error shape", opts, async () => {
  const h = await harness([{ ...A, loadMs: 2500 }], { gateway: "" });
  h.gw.pool.cfg.queueMs = 400;
  try {
    const r = await chat(h.url, "alpha");
    assert.equal(r.status, 503);
    assert.ok(Number(r.headers.get("retry-after")) >= 1);
    assert.match(String((r.json!.error as Record<string, unknown>).message), /queue_timeout/);
    assert.equal((r.json!.error as Record<string, unknown>).type, "server_error");
  } finally {
    await h.close();
  }
});

Deno.test("a client that disconnects cancels the upstream stream and frees its slot", opts, async () => {
  const h = await harness([{ ...A, tokenMs: 100, tokens: 50 }]);
  try {
    assert.equal((await chat(h.url, "alpha")).status, 200);
    const ac = new AbortController();
    const r = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "alpha", stream: true }),
      signal: ac.signal,
    });
    const reader = r.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => {});
    for (let i = 0; i < 50 && h.upstreams.a!.cancelled === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(h.upstreams.a!.cancelled, 1, "upstream saw the cancel");
    assert.equal(h.gw.pool.slots.get("a")!.inFlight, 0);
  } finally {
    await h.close();
  }
});

Deno.test(
  "a model that fails to start gets 503; the next request tries again and succeeds",
  opts,
  async () => {
    const h = await harness([A]);
    h.failStarts["t-soulstone-a.service"] = 1;
    try {
      const r1 = await chat(h.url, "alpha");
      assert.equal(r1.status, 503);
      assert.match(
        String((r1.json!.error as Record<string, unknown>).message),
        /"alpha" failed to start: .*Job for t-soulstone-a.service failed/,
      );
      assert.ok(
        h.events.some((e) => e.what === "stop"),
        "the failed unit is stopped (no restart loop behind our back)",
      );
      const r2 = await chat(h.url, "alpha");
      assert.equal(r2.status, 200);
    } finally {
      await h.close();
    }
  },
);

Deno.test(
  "a pinned stone is never evicted: the request that needs it gone gets 503 naming it",
  opts,
  async () => {
    const h = await harness([{ ...A, pinned: true }, B]);
    try {
      assert.equal((await chat(h.url, "alpha")).status, 200);
      const r = await chat(h.url, "bravo");
      assert.equal(r.status, 503);
      assert.match(String((r.json!.error as Record<string, unknown>).message), /pinned "a"/);
      assert.equal(h.states["t-soulstone-a.service"], "active");
    } finally {
      await h.close();
    }
  },
);

Deno.test("VRAM as a set: three 10 GiB stones on 24 GiB never run all three", opts, async () => {
  const stones = ["x", "y", "z"].map((n) => ({ name: n, device: "0", models: [n], vram: 10 }));
  const h = await harness(stones);
  try {
    for (const m of ["x", "y", "z", "x", "z", "y"]) {
      assert.equal((await chat(h.url, m)).status, 200);
      const active = Object.values(h.states).filter((s) => s === "active").length;
      assert.ok(active <= 2, JSON.stringify(h.states));
    }
    // z was started third: x (least recently used) went.
    assert.deepEqual(
      h.events.filter((e) => e.what === "stop").map((e) => e.unit)[0],
      "t-soulstone-x.service",
    );
  } finally {
    await h.close();
  }
});

Deno.test("idle_stop stops an idle model, then default starts where the device is free", opts, async () => {
  const h = await harness([{ ...A, idle: "1s" }, B], { gateway: 'default = "bravo"' });
  try {
    assert.equal((await chat(h.url, "alpha")).status, 200);
    for (let i = 0; i < 100 && h.states["t-soulstone-b.service"] !== "active"; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(h.states["t-soulstone-a.service"], "inactive");
    assert.equal(h.states["t-soulstone-b.service"], "active");
  } finally {
    await h.close();
  }
});

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
