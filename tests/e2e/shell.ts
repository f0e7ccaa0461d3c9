/**
 * Running a program in the end-to-end scenarios (inside the e2e root): its exit code and output,
 * and the command line for a failure message. Every tests/e2e/*_scenarios.ts file uses these.
 *
 * @module
 */
import assert from "node:assert/strict";

/** A finished program. */
export interface Out {
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for failure messages. */
  cmd: string;
}

/** Run `cmd args…` (with `env` added to the environment) to the end. */
export async function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Out> {
  const o = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return {
    code: o.code,
    stdout: dec.decode(o.stdout),
    stderr: dec.decode(o.stderr),
    cmd: [cmd, ...args].join(" "),
  };
}

/** `o`, or a failed assertion with its command line and output when it exited non-zero. */
export function ok(o: Out): Out {
  if (o.code !== 0) assert.fail(`$ ${o.cmd}\n(exit ${o.code})\n${o.stdout}${o.stderr}`);
  return o;
}
