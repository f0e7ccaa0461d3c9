/**
 * The gateway's swap engine against the fake host (systemd played by the runner) and real fake
 * OpenAI upstreams on loopback: drains, FIFO per device, parallel GPUs, queue_timeout, client
 * disconnects, failed starts, pinned refusals, VRAM as a set, idle_stop and default.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chat, harness } from "./lib/gateway.ts";
import { A, B, C, opts } from "./lib/gateway_stones.ts";

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
