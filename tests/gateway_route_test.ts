/**
 * The route-only gateway (Kubernetes) against real fake OpenAI upstreams on loopback: the routing
 * table is read from a file, requests go to each stone's upstream with `model` rewritten, streams
 * pass through, the error shapes hold, an upstream that does not answer yet (replicas 0, a pod
 * starting) makes requests wait, then 503 + Retry-After past queue_timeout; nothing is started or
 * stopped, and /lychd/unload is not routed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fakeHost } from "../src/host/_fake.ts";
import { parseRoutes, routesText, type RouteTable } from "../src/gateway/routes.ts";
import { type RunningGateway, runRouteGateway, startRouteGateway } from "../src/gateway/route.ts";
import { fakeOpenAi } from "./fixtures/fake_openai.ts";
import { chat, freePort } from "./lib/gateway.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROUTES = "/etc/lychd-gateway/routes.json";
const KEY = "/run/secrets/t-gateway-key";

function table(ports: Record<string, number>, extra: Partial<RouteTable> = {}): RouteTable {
  return {
    version: 1,
    prefix: "t",
    listen: "127.0.0.1:0",
    queue_timeout_seconds: 2,
    stones: {
      a: {
        workload: "t-soulstone-a",
        models: ["alpha", "al"],
        served_name: "org/Alpha-7B",
        upstream: `http://127.0.0.1:${ports.a}`,
      },
      b: {
        workload: "t-soulstone-b",
        models: ["bravo"],
        served_name: "bravo",
        upstream: `http://127.0.0.1:${ports.b}`,
      },
    },
    ...extra,
  };
}

async function start(t: RouteTable, files: Record<string, string> = {}): Promise<RunningGateway> {
  const host = fakeHost({ implicitDirs: true });
  host.fs.put(ROUTES, routesText(t));
  for (const [p, text] of Object.entries(files)) host.fs.put(p, text, 0o644);
  return await startRouteGateway(host, ["--routes", ROUTES], { loadingEverySeconds: 0.1 });
}

Deno.test(
  "route-only: each model goes to its own upstream, rewritten; streams pass through",
  opts,
  async () => {
    const ports = { a: freePort(), b: freePort() };
    const a = fakeOpenAi({ port: ports.a, name: "a" });
    const b = fakeOpenAi({ port: ports.b, name: "b" });
    await Promise.all([a.ready, b.ready]);
    const gw = await start(table(ports));
    const url = `http://${gw.address}`;
    try {
      const models = await (await fetch(`${url}/v1/models`)).json();
      assert.deepEqual(models.data.map((m: { id: string }) => m.id), ["alpha", "al", "bravo"]);
      const ra = await chat(url, "al");
      assert.equal(ra.status, 200, ra.text);
      assert.equal(ra.json!.server, "a");
      assert.equal(ra.json!.model, "org/Alpha-7B", "rewritten to served_name");
      const rb = await chat(url, "bravo");
      assert.equal(rb.json!.server, "b");
      const s = await chat(url, "alpha", { stream: true });
      assert.equal(s.status, 200);
      assert.match(s.text, /"server":"a"/);
      assert.match(s.text, /data: \[DONE\]/);
      assert.deepEqual(a.seen.map((x) => x.model), ["org/Alpha-7B", "org/Alpha-7B"]);
      assert.deepEqual(b.seen.map((x) => x.model), ["bravo"]);
      // The error shapes of the contract.
      const nf = await chat(url, "nope");
      assert.equal(nf.status, 404);
      assert.equal((nf.json!.error as Record<string, unknown>).code, "model_not_found");
      assert.match(
        String((nf.json!.error as Record<string, unknown>).message),
        /known models: alpha, al, bravo/,
      );
      const bad = await chat(url, "", { body: "{not json" });
      assert.equal(bad.status, 400);
      assert.equal((await fetch(`${url}/health`)).status, 200);
      // Nothing to unload: the scheduler runs the stones.
      const un = await fetch(`${url}/lychd/unload`, { method: "POST", body: "{}" });
      assert.equal(un.status, 404);
      assert.match(await un.text(), /no route for POST \/lychd\/unload/);
      const st = await (await fetch(`${url}/lychd/status`)).json();
      assert.deepEqual(
        st.models.map((m: Record<string, unknown>) => `${m.id} ${m.unit} ${m.state}`),
        ["alpha t-soulstone-a ready", "al t-soulstone-a ready", "bravo t-soulstone-b ready"],
      );
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /lychd_gateway_requests_total\{model="al",code="200"\} 1/);
      assert.match(metrics, /lychd_gateway_requests_total\{model="nope",code="404"\} 1/);
    } finally {
      await gw.shutdown();
      await Promise.all([a.close(), b.close()]);
    }
  },
);

Deno.test(
  "route-only: a request waits while its upstream starts, and gets 503 + Retry-After past queue_timeout",
  opts,
  async () => {
    const ports = { a: freePort(), b: freePort() };
    const gw = await start(table(ports));
    const url = `http://${gw.address}`;
    // b never comes up (replicas 0): 503 with Retry-After after queue_timeout (2s).
    const t0 = Date.now();
    // a comes up after 600 ms (a pod starting): the request waits and goes through.
    const a = fakeOpenAi({ port: ports.a, name: "a", loadMs: 600 });
    try {
      const [ra, rb] = await Promise.all([chat(url, "alpha"), chat(url, "bravo")]);
      assert.equal(ra.status, 200, ra.text);
      assert.equal(ra.json!.server, "a");
      assert.equal(rb.status, 503, rb.text);
      assert.ok(Date.now() - t0 >= 1900, "b waited for queue_timeout");
      assert.equal(rb.headers.get("retry-after"), "2");
      assert.equal((rb.json!.error as Record<string, unknown>).code, "model_timeout");
      // A stream for a stone that is not up gets SSE loading comments, then the error.
      const s = await chat(url, "bravo", { stream: true });
      assert.match(s.text, /^: lychd loading bravo 0s/);
      // (Its wait may end with the first request's: "never answered HTTP" rather than the timeout.)
      assert.match(s.text, /did not become ready within queue_timeout|the upstream never answered HTTP/);
    } finally {
      await gw.shutdown();
      await a.close();
    }
  },
);

Deno.test(
  "route-only: each waiting request keeps its own queue_timeout (a late one is not failed with an early one)",
  opts,
  async () => {
    const ports = { a: freePort(), b: freePort() };
    const gw = await start(table(ports));
    const url = `http://${gw.address}`;
    let b: ReturnType<typeof fakeOpenAi> | undefined;
    try {
      const first = chat(url, "bravo");
      await new Promise((r) => setTimeout(r, 1500));
      const late = chat(url, "bravo");
      // b's pod comes up 3 s in: after the first request's timeout (2 s), within the late one's (3.5 s).
      await new Promise((r) => setTimeout(r, 1500));
      b = fakeOpenAi({ port: ports.b, name: "b" });
      const [r1, r2] = await Promise.all([first, late]);
      assert.equal(r1.status, 503, r1.text);
      assert.equal(r2.status, 200, r2.text);
      assert.equal(r2.json!.server, "b");
    } finally {
      await gw.shutdown();
      await b?.close();
    }
  },
);

Deno.test(
  'route-only: stones of one pod (network = "pod": one workload) each wait for their own upstream',
  opts,
  async () => {
    const ports = { a: freePort(), b: freePort() };
    const t = table(ports);
    t.stones.a.workload = t.stones.b.workload = "t";
    const gw = await start(t);
    const url = `http://${gw.address}`;
    // a comes up after 600 ms; b (the other container of the same pod) does not answer yet.
    const a = fakeOpenAi({ port: ports.a, name: "a", loadMs: 600 });
    try {
      const ra = await chat(url, "alpha");
      assert.equal(ra.status, 200, ra.text);
      assert.equal(ra.json!.server, "a");
    } finally {
      await gw.shutdown();
      await a.close();
    }
  },
);

Deno.test(
  "route-only: the api_key_file of the table is enforced on every path but /health",
  opts,
  async () => {
    const ports = { a: freePort(), b: freePort() };
    const a = fakeOpenAi({ port: ports.a, name: "a" });
    await a.ready;
    const gw = await start(table(ports, { api_key_file: KEY }), { [KEY]: "# key\nsecret-1\n" });
    const url = `http://${gw.address}`;
    try {
      assert.equal((await fetch(`${url}/health`)).status, 200);
      const no = await fetch(`${url}/v1/models`);
      assert.equal(no.status, 401);
      assert.equal((await no.json()).error.code, "invalid_api_key");
      assert.equal((await chat(url, "alpha", { key: "wrong" })).status, 401);
      const ok = await chat(url, "alpha", { key: "secret-1" });
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await gw.shutdown();
      await a.close();
    }
  },
);

Deno.test("route-only: a bad routing table or key file is one line naming the file and field", async () => {
  const good = table({ a: 1, b: 2 });
  const fails = async (t: unknown, re: RegExp, files: Record<string, string> = {}) => {
    const host = fakeHost({ implicitDirs: true });
    host.fs.put(ROUTES, typeof t === "string" ? t : JSON.stringify(t));
    for (const [p, text] of Object.entries(files)) host.fs.put(p, text);
    await assert.rejects(startRouteGateway(host, ["--routes", ROUTES]), (e: Error) => {
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  };
  await fails("{", /^\/etc\/lychd-gateway\/routes\.json: not JSON/);
  await fails({ ...good, version: 2 }, /routes\.json: version: must be 1/);
  await fails({ ...good, extra: 1 }, /routes\.json: extra: unknown field/);
  await fails(
    { ...good, stones: { ...good.stones, b: { ...good.stones.b, upstream: "http://b:80/v1" } } },
    /stones\.b\.upstream: must be "http:\/\/host:port"/,
  );
  await fails(
    { ...good, stones: { ...good.stones, b: { ...good.stones.b, models: ["al"] } } },
    /stones\.b\.models\[0\]: "al" is also served by a/,
  );
  await fails({ ...good, api_key_file: KEY }, /api_key_file: \/run\/secrets\/t-gateway-key does not exist/);
  await fails({ ...good, api_key_file: KEY }, /api_key_file: .* holds no key/, { [KEY]: "# none\n" });
  const host = fakeHost({ implicitDirs: true });
  await assert.rejects(startRouteGateway(host, ["--routes", "/nope.json"]), /\/nope\.json does not exist/);
});

Deno.test("routesText ↔ parseRoutes: the same table back, and the same bytes twice", () => {
  const t = table({ a: 8000, b: 8001 }, { api_key_file: KEY });
  const text = routesText(t);
  assert.deepEqual(parseRoutes(text, "r.json"), t);
  assert.equal(routesText(parseRoutes(text, "r.json")), text);
  assert.ok(text.indexOf('"a"') < text.indexOf('"b"'));
});

Deno.test("route-only start failures: lychd's refusals are one line with their hint, a bug says internal error", async () => {
  const run = async (args: string[], setup?: (h: ReturnType<typeof fakeHost>) => void) => {
    const h = fakeHost();
    setup?.(h);
    const code = await runRouteGateway(h, args);
    return { code, err: h.stderr.text };
  };
  const flag = await run(["--route", "/x.json"]);
  assert.equal(flag.code, 1);
  assert.match(flag.err, /^lychd-gateway: .*--route.* \(hint: usage: gateway_route\.ts --routes FILE/);
  const none = await run([]);
  assert.equal(
    none.err,
    "lychd-gateway: give --routes FILE (hint: the routing table `lychd export kubernetes` writes into a ConfigMap)\n",
  );
  const bug = await run(["--routes", "/r.json"], (h) => {
    h.fs.readTextFile = () => Promise.reject(new TypeError("boom"));
  });
  assert.equal(bug.code, 1);
  assert.equal(bug.err, "lychd-gateway: internal error: boom\n");
});

Deno.test("systemd-mode start failures: a refusal is its line, a bug says internal error", async () => {
  const { runGateway } = await import("../src/gateway/main.ts");
  const both = fakeHost({ env: { HOME: "/home/u" } });
  assert.equal(await runGateway(both, ["--socket", "/s", "--listen", "127.0.0.1:1"]), 1);
  assert.equal(both.stderr.text, "lychd-gateway: give exactly one of --socket PATH and --listen IP:PORT\n");
  const flag = fakeHost({ env: { HOME: "/home/u" } });
  assert.equal(await runGateway(flag, ["--sockett", "/s"]), 1);
  assert.match(flag.stderr.text, /^lychd-gateway: .*--sockett.*\n$/);
  assert.doesNotMatch(flag.stderr.text, /internal error/);
  const bug = fakeHost({ env: { HOME: "/home/u" } });
  bug.fs.readTextFile = () => Promise.reject(new TypeError("boom"));
  assert.equal(await runGateway(bug, ["--socket", "/s", "--codex", "/c.toml"]), 1);
  assert.equal(bug.stderr.text, "lychd-gateway: internal error: boom\n");
});
