/**
 * The route-only gateway for Kubernetes (src/gateway/route.ts): routes by `model` to the
 * soulstones' Services from a routing table (`--routes FILE`, a ConfigMap in the pod). The entry
 * of the image Containerfile.gateway builds; its module graph holds no npm package, so
 * `deno run --cached-only` runs it with no registry. The only `Deno.exit` of the route gateway.
 *
 * @module
 */
import { runRouteGateway } from "./src/gateway/route.ts";
import { realHost } from "./src/host/real.ts";

if (import.meta.main) {
  Deno.exit(await runRouteGateway(realHost(), Deno.args));
}
