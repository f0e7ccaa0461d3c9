/**
 * Test helpers over lychd's permission policy (src/permissions.ts): a kind's policy, and running
 * `deno` with a clean environment (the shared Deno cache, no colour) for the permission tests.
 *
 * @module
 */
import { type KindPolicy, type PermissionKind, POLICY } from "../../src/permissions.ts";
import { ROOT } from "./cli.ts";

/** The policy of one kind. */
export function policyOf(kind: PermissionKind): KindPolicy {
  const p = POLICY.find((k) => k.kind === kind);
  if (!p) throw new RangeError(`no policy for permission kind "${kind}"`);
  return p;
}

/** The Deno cache the spawned processes share. */
export const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/root"}/.cache`}/deno`;

/** What a spawned `deno` returned. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `deno ARGS` in `cwd` with only `env` (plus the Deno cache and NO_COLOR). */
export async function spawn(args: string[], env: Record<string, string>, cwd = ROOT): Promise<Result> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { DENO_DIR, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
