/**
 * lychd-gateway: one OpenAI-compatible endpoint for every soulstone (src/gateway/). Run by
 * `<prefix>-gateway.service` under its own permission set (src/gateway/permissions.ts). The
 * only `Deno.exit` of the gateway.
 *
 * @module
 */
import { runGateway } from "./src/gateway/main.ts";
import { realHost } from "./src/host/real.ts";

if (import.meta.main) {
  Deno.exit(await runGateway(realHost(), Deno.args));
}
