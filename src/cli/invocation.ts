/**
 * How the units lychd writes name the lychd program (the gateway's `ExecStart=`, the admission
 * guard's `ExecCondition=`): the program that ran `bind`.
 * - A compiled binary (`lychd`): itself for the guard, and `lychd-gateway` beside it (built by
 *   `deno task compile` with the gateway's permission set) for the gateway.
 * - `deno run` of a checkout: the same `deno` with the same permission set (binder's, gateway's)
 *   and `--config` of the checkout, running `main.ts` / `gateway.ts` of that checkout; of the tree
 *   `deno task install` builds (`main.js`, scripts/build_js.ts): its `main.js` / `gateway.js`.
 * The flags that found the Codex and the CDI specs are passed along, so all agree.
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import { compileFlags } from "../permissions.ts";
import { gatewayFlags } from "../gateway/permissions.ts";
import { defaultInvocation, type LychdInvocation, SOCKET_TOKEN } from "../quadlet/gateway.ts";
import type { Paths } from "./context.ts";

const DEFAULT_CDI = ["/etc/cdi", "/var/run/cdi"];

/** The invocation for units written by this process. Pure given `program`. */
export function invocationFor(
  program: { exec: string; main: string } | undefined,
  paths: Paths,
  codexFile: string,
): LychdInvocation {
  const context = [
    "--codex",
    codexFile,
    ...(paths.system ? ["--system"] : []),
    ...(paths.cdiDirs.join("\n") === DEFAULT_CDI.join("\n")
      ? []
      : paths.cdiDirs.flatMap((d) => ["--cdi-dir", d])),
  ];
  if (!program) return { ...defaultInvocation(codexFile), context };
  const exec = program.exec;
  const base = exec.slice(exec.lastIndexOf("/") + 1);
  if (!/^deno(\.exe)?$/.test(base)) {
    return { binder: [exec], gateway: [`${exec.slice(0, exec.lastIndexOf("/") + 1)}lychd-gateway`], context };
  }
  const main = program.main.startsWith("file://")
    ? decodeURIComponent(new URL(program.main).pathname)
    : program.main;
  const root = main.slice(0, main.lastIndexOf("/"));
  const ext = main.endsWith(".js") ? "js" : "ts";
  const run = (
    flags: string[],
    file: string,
  ) => [exec, "run", "--quiet", `--config=${root}/deno.json`, ...flags, `${root}/${file}`];
  return {
    binder: run(compileFlags(), `main.${ext}`),
    gateway: run(gatewayFlags(SOCKET_TOKEN), `gateway.${ext}`),
    context,
  };
}

/** The invocation for this host (the fake host has no program: the installed binaries). */
export function hostInvocation(host: Host, paths: Paths, codexFile: string): LychdInvocation {
  return invocationFor(host.program?.(), paths, codexFile);
}
