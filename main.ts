/**
 * lychd: compile a Codex into Podman Quadlets and let systemd run them. The only `Deno.exit`.
 *
 * @module
 */
import { run } from "./src/cli/run.ts";
import { realHost } from "./src/host/real.ts";

if (import.meta.main) {
  const code = await run(Deno.args, realHost());
  Deno.exit(code);
}
