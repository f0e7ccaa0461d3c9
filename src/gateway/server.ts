/**
 * The gateway's HTTP side: `Request → Response` for `Deno.serve`, with `fetch` to the upstreams.
 * No framework: routing is a handful of paths. Bodies stream through unbuffered (SSE included);
 * a client that goes away cancels the upstream request (the request's signal aborts the fetch,
 * and a cancelled response body cancels the upstream body).
 *
 * @module
 */
import type { GatewayConfig } from "./config.ts";
import type { Pool } from "./pool.ts";
import { Unavailable } from "./stone.ts";
import type { Lease } from "./stone.ts";
import type { Metrics } from "./metrics.ts";
import { HOP, JSON_HEADERS, openAiError, timingSafeEqual } from "./http.ts";
import { leased, loadingStream } from "./stream.ts";

/** What the handler needs. */
export interface ServerDeps {
  cfg: GatewayConfig;
  pool: Pool;
  metrics: Metrics;
  /** Bearer keys; empty = no key needed. */
  keys: string[];
  /** Seconds between SSE loading comments (default 1). */
  loadingEverySeconds?: number;
  /** Route-only (Kubernetes, ./route.ts): the scheduler runs the stones, so no /lychd/unload. */
  routeOnly?: boolean;
  now?: () => number;
}

/** Build the handler. */
export function gatewayHandler(
  deps: ServerDeps,
): (req: Request, info?: { completed?: Promise<void> }) => Promise<Response> {
  const { cfg, pool, metrics } = deps;
  const now = deps.now ?? Date.now;
  const created = Math.floor(now() / 1000);
  const modelList = JSON.stringify({
    object: "list",
    data: [...cfg.models.keys()].map((id) => ({ id, object: "model", created, owned_by: "lychd" })),
  });
  const known = [...cfg.models.keys()];

  const authorized = (req: Request): boolean => {
    if (!deps.keys.length) return true;
    const h = req.headers.get("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (!m) return false;
    let ok = false;
    for (const k of deps.keys) ok = timingSafeEqual(m[1].trim(), k) || ok;
    return ok;
  };

  return async (req: Request, info?: { completed?: Promise<void> }): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
      return new Response('{"status":"ok"}', { headers: JSON_HEADERS });
    }
    if (!authorized(req)) {
      return openAiError(
        401,
        "missing or wrong API key (Authorization: Bearer KEY)",
        "invalid_request_error",
        "invalid_api_key",
      );
    }
    if (path === "/v1/models" && req.method === "GET") {
      return new Response(modelList, { headers: JSON_HEADERS });
    }
    if (path.startsWith("/v1/models/") && req.method === "GET") {
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      if (!cfg.models.has(id)) return notFound(id);
      return Response.json({ id, object: "model", created, owned_by: "lychd" });
    }
    if (path === "/lychd/status" && req.method === "GET") return Response.json(status());
    if (path === "/lychd/unload" && req.method === "POST" && !deps.routeOnly) return await unload(req);
    if (path === "/metrics" && req.method === "GET") {
      return new Response(metrics.text(), { headers: { "content-type": "text/plain; version=0.0.4" } });
    }
    if (path.startsWith("/v1/") && req.method === "POST") return await forward(req, url, info?.completed);
    return openAiError(404, `no route for ${req.method} ${path}`, "invalid_request_error", "not_found");
  };

  function notFound(model: string): Response {
    return openAiError(
      404,
      `The model ${JSON.stringify(model)} does not exist; known models: ${known.join(", ")}`,
      "invalid_request_error",
      "model_not_found",
    );
  }

  function status() {
    const models = [];
    for (const [id, name] of cfg.models) {
      const s = cfg.stones.get(name)!;
      const slot = pool.slots.get(name)!;
      models.push({
        id,
        stone: name,
        unit: s.unit,
        state: slot.state,
        in_flight: slot.inFlight,
        queued: pool.queuedFor(name),
        last_used: slot.everUsed ? new Date(slot.everUsed).toISOString() : null,
        vram_gib: s.vramGib ?? null,
        pinned: s.pinned,
      });
    }
    return { models };
  }

  async function unload(req: Request): Promise<Response> {
    let body: { model?: unknown } = {};
    const text = await req.text();
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        return openAiError(400, "the body is not JSON", "invalid_request_error", "invalid_json");
      }
    }
    let names: string[] = [];
    if (body.model !== undefined) {
      if (typeof body.model !== "string") {
        return openAiError(400, '"model" must be a string', "invalid_request_error", "invalid_model");
      }
      const stone = cfg.models.get(body.model);
      if (!stone) return notFound(body.model);
      names = [stone];
    }
    const stopped = await pool.unload(names);
    return Response.json({
      stopped: stopped.map((n) => ({
        stone: n,
        unit: cfg.stones.get(n)!.unit,
        models: cfg.stones.get(n)!.ids,
      })),
    });
  }

  async function forward(req: Request, url: URL, completed?: Promise<void>): Promise<Response> {
    const type = req.headers.get("content-type") ?? "";
    let model: unknown;
    let stream = false;
    const headers = new Headers();
    for (const [k, v] of req.headers) if (!HOP.has(k)) headers.set(k, v);
    headers.set("accept-encoding", "identity");
    let rewrite: (served: string) => BodyInit;
    if (type.startsWith("multipart/form-data")) {
      let form: FormData;
      try {
        form = await req.formData();
      } catch {
        return openAiError(
          400,
          "the multipart body could not be read",
          "invalid_request_error",
          "invalid_body",
        );
      }
      model = form.get("model");
      stream = form.get("stream") === "true";
      headers.delete("content-type"); // fetch sets the new boundary
      rewrite = (served) => {
        form.set("model", served);
        return form;
      };
    } else {
      const text = await req.text();
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text);
      } catch {
        return openAiError(400, "the body is not JSON", "invalid_request_error", "invalid_json");
      }
      if (json === null || typeof json !== "object" || Array.isArray(json)) {
        return openAiError(400, "the body is not a JSON object", "invalid_request_error", "invalid_json");
      }
      model = json.model;
      stream = json.stream === true;
      rewrite = (served) => {
        if (served === model) return text;
        json.model = served;
        return JSON.stringify(json);
      };
    }
    if (typeof model !== "string" || model === "") {
      metrics.request("", 400);
      return openAiError(400, 'the request names no "model"', "invalid_request_error", "model_missing");
    }
    const stoneName = cfg.models.get(model);
    if (!stoneName) {
      metrics.request(model, 404);
      return notFound(model);
    }
    const stone = cfg.stones.get(stoneName)!;
    const body = rewrite(stone.servedName ?? model);
    const target = `${stone.upstream}${url.pathname}${url.search}`;
    const ready = pool.slots.get(stoneName)!.state === "ready" && pool.queuedFor(stoneName) === 0;

    if (stream && !ready) return loadingStream(deps, now, req, model, stoneName, target, headers, body);

    let lease: Lease;
    try {
      lease = await pool.acquire(stoneName, req.signal);
    } catch (e) {
      return unavailable(model, e);
    }
    return await send(req, model, stoneName, lease, target, headers, body, true, completed);
  }

  function unavailable(model: string, e: unknown): Response {
    const code = e instanceof Unavailable && e.kind === "cancelled" ? 499 : 503;
    metrics.request(model, code);
    const msg = e instanceof Error ? e.message : String(e);
    return openAiError(
      503,
      msg,
      "server_error",
      e instanceof Unavailable ? `model_${e.kind}` : "unavailable",
      {
        "retry-after": String(Math.max(1, Math.ceil(Math.min(cfg.queueMs, 60_000) / 1000))),
      },
    );
  }

  /** Forward under a lease; the lease ends when the response body ends or is cancelled. */
  async function send(
    req: Request,
    model: string,
    stoneName: string,
    lease: Lease,
    target: string,
    headers: Headers,
    body: BodyInit,
    retry: boolean,
    completed?: Promise<void>,
  ): Promise<Response> {
    let up: Response;
    try {
      up = await fetch(target, { method: "POST", headers, body, signal: req.signal });
    } catch (e) {
      lease.release();
      if (req.signal.aborted) {
        metrics.request(model, 499);
        return new Response(null, { status: 499 });
      }
      // The stone was ready but its upstream is gone (stopped by hand?): start it again, once.
      pool.markDown(stoneName);
      if (retry && typeof body === "string") {
        try {
          const again = await pool.acquire(stoneName, req.signal);
          return await send(req, model, stoneName, again, target, headers, body, false, completed);
        } catch (e2) {
          return unavailable(model, e2);
        }
      }
      metrics.request(model, 502);
      return openAiError(
        502,
        `upstream of ${JSON.stringify(model)} failed: ${(e as Error).message}`,
        "server_error",
        "upstream_error",
      );
    }
    metrics.request(model, up.status);
    const out = new Headers();
    for (const [k, v] of up.headers) if (!HOP.has(k) || k === "content-length") out.set(k, v);
    if (!up.body) {
      lease.release();
      return new Response(null, { status: up.status, headers: out });
    }
    // Where the server says when the response is delivered (Deno.serve's `completed`), the
    // upstream body passes through natively and the lease ends with the delivery (or the client's
    // disconnect); elsewhere a JS stream ends it with the last chunk.
    if (completed) {
      completed.then(() => lease.release(), () => lease.release());
      return new Response(up.body, { status: up.status, statusText: up.statusText, headers: out });
    }
    return new Response(leased(up.body, lease), {
      status: up.status,
      statusText: up.statusText,
      headers: out,
    });
  }
}
