// The floor for any Deno reverse proxy, for scripts/gateway_bench.ts: Deno.serve + fetch with
// nothing else (no routing, no parsing, no leases). Usage: floor_proxy.ts PORT UPSTREAM_URL
const [port, upstream] = Deno.args;
Deno.serve(
  { hostname: "127.0.0.1", port: Number(port), onListen: () => console.error(`floor on ${port}`) },
  (req) =>
    fetch(`${upstream}${new URL(req.url).pathname}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
    }),
);
