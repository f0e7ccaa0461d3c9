/**
 * The gateway's streaming bodies: SSE loading comments while a model loads (then the upstream
 * stream), and a pass-through body that holds a lease until it ends.
 *
 * @module
 */
import type { ServerDeps } from "./server.ts";
import { Unavailable } from "./stone.ts";
import type { Lease } from "./stone.ts";

/** A streaming request for a model that is not ready: SSE comments while it loads, then the stream. */
export function loadingStream(
  deps: ServerDeps,
  now: () => number,
  req: Request,
  model: string,
  stoneName: string,
  target: string,
  headers: Headers,
  body: BodyInit,
): Response {
  const { pool, metrics } = deps;
  const enc = new TextEncoder();
  const every = (deps.loadingEverySeconds ?? 1) * 1000;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  req.signal.addEventListener("abort", onAbort, { once: true });
  let upReader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let lease: Lease | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const t0 = now();
  const rs = new ReadableStream<Uint8Array>({
    async start(ctl) {
      const tick = () =>
        ctl.enqueue(enc.encode(`: lychd loading ${model} ${Math.round((now() - t0) / 1000)}s\n\n`));
      tick();
      timer = setInterval(() => {
        try {
          tick();
        } catch { /* closed */ }
      }, every);
      const fail = (message: string, code: number) => {
        metrics.request(model, code);
        try {
          ctl.enqueue(
            enc.encode(
              `data: ${JSON.stringify({ error: { message, type: "server_error", code: null } })}\n\n`,
            ),
          );
          ctl.close();
        } catch { /* cancelled */ }
      };
      try {
        lease = await pool.acquire(stoneName, ac.signal);
      } catch (e) {
        clearInterval(timer);
        return fail((e as Error).message, e instanceof Unavailable && e.kind === "cancelled" ? 499 : 503);
      }
      let up: Response;
      try {
        up = await fetch(target, { method: "POST", headers, body, signal: ac.signal });
      } catch (e) {
        clearInterval(timer);
        lease.release();
        return fail(`upstream failed: ${(e as Error).message}`, 502);
      }
      clearInterval(timer);
      metrics.request(model, up.status);
      if (!up.ok || !up.body) {
        const text = up.body ? await up.text() : "";
        lease.release();
        try {
          ctl.enqueue(
            enc.encode(
              `data: ${
                text.replace(/\n/g, " ") ||
                JSON.stringify({ error: { message: `upstream status ${up.status}` } })
              }\n\n`,
            ),
          );
          ctl.close();
        } catch { /* cancelled */ }
        return;
      }
      upReader = up.body.getReader();
    },
    async pull(ctl) {
      if (!upReader) return;
      try {
        const { done, value } = await upReader.read();
        if (done) {
          lease?.release();
          ctl.close();
        } else ctl.enqueue(value);
      } catch (e) {
        lease?.release();
        ctl.error(e);
      }
    },
    cancel(reason) {
      clearInterval(timer);
      ac.abort();
      upReader?.cancel(reason).catch(() => {});
      lease?.release();
    },
  });
  return new Response(rs, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}

/** Pass a body through chunk by chunk; release the lease when it ends, fails or is cancelled. */
export function leased(body: ReadableStream<Uint8Array>, lease: Lease): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          lease.release();
          ctl.close();
        } else ctl.enqueue(value);
      } catch (e) {
        lease.release();
        ctl.error(e);
      }
    },
    cancel(reason) {
      lease.release();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
