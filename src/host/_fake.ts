/**
 * An in-memory `Host` for tests: a file system with inodes, mtimes, symlinks, a real
 * (serializing) lock and fault injection (`_fake_fs.ts`); a runner that records calls and answers from a
 * programmable handler; captured stdout/stderr; settable env, uid, cwd and clock.
 *
 * ```ts
 * const host = fakeHost({ env: { HOME: "/home/u" } });
 * host.fs.put("/home/u/.config/lychd/codex.toml", "version = 1\n");
 * host.runner.handler = (cmd, args) => cmd === "systemctl" && args.includes("is-active")
 *   ? { code: 3, stdout: "inactive\n", stderr: "" }
 *   : undefined; // undefined → exit 0, empty output
 * host.fs.failWrites = (path, nth) => nth === 3; // the third write fails with ENOSPC
 * ```
 *
 * @module
 */

import type {
  Host,
  PermissionQuery,
  PermissionState,
  Runner,
  RunOptions,
  RunResult,
  Stream,
} from "./host.ts";
import { notFoundError } from "./runner.ts";
import { FakeFs } from "./_fake_fs.ts";

export { ENOSPC } from "./_fake_fs.ts";

/** Options of `fakeHost()`. */
export interface FakeHostOptions {
  /** Initial environment. */
  env?: Record<string, string>;
  /** Effective uid (default 1000). */
  uid?: number;
  /** Working directory (default `/`); relative paths resolve against it. */
  cwd?: string;
  /** Clock start, ms since the epoch (default 1_700_000_000_000). */
  now?: number;
  /** Initial files (parents created). */
  files?: Record<string, string>;
  /**
   * When true, writing a file creates its missing parent directories. Default false: like a real
   * file system, `writeFileAtomic` into a missing directory fails ("No such file or directory").
   */
  implicitDirs?: boolean;
  /** Programs the runner reports as not installed (rejects like a missing binary). */
  missing?: string[];
  /** Whether stdout/stderr claim to be terminals (default false). */
  isTerminal?: boolean;
  /** Answers `permission()` (default: everything granted, like `deno test -A`). */
  permissions?: (query: PermissionQuery) => PermissionState;
}

/** One recorded `Runner.run` call. */
export interface FakeCall {
  cmd: string;
  args: string[];
  opts: RunOptions;
}

/** Answers a call; `undefined` means exit 0 with empty output. May throw to simulate failures. */
export type FakeHandler = (
  cmd: string,
  args: string[],
  opts: RunOptions,
) => Partial<RunResult> | undefined | Promise<Partial<RunResult> | undefined>;

/** A runner that records every call and answers from `handler`. */
export class FakeRunner implements Runner {
  /** Every call, in order (recorded before the handler runs). */
  calls: FakeCall[] = [];
  /** Programs reported as not installed. */
  missing: Set<string>;

  constructor(public handler: FakeHandler = () => undefined, missing: string[] = []) {
    this.missing = new Set(missing);
  }

  async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ cmd, args: [...args], opts: { ...opts } });
    if (this.missing.has(cmd)) throw notFoundError(cmd);
    const answer = (await this.handler(cmd, args, opts)) ?? {};
    return { code: answer.code ?? 0, stdout: answer.stdout ?? "", stderr: answer.stderr ?? "" };
  }

  /** The calls as `cmd arg arg…` lines, for compact assertions. */
  lines(): string[] {
    return this.calls.map((c) => [c.cmd, ...c.args].join(" "));
  }
}

/** A stream that keeps what was written. */
export class FakeStream implements Stream {
  text = "";
  constructor(public isTerminal = false) {}
  write(text: string): void {
    this.text += text;
  }
}

/** The fake host: a `Host` whose parts are the fakes above, plus setters. */
export interface FakeHost extends Host {
  fs: FakeFs;
  runner: FakeRunner;
  stdout: FakeStream;
  stderr: FakeStream;
  /** The environment; mutate freely. */
  envVars: Record<string, string>;
  /** Set (or, with `undefined`, unset) one variable. */
  setEnv(name: string, value: string | undefined): void;
  setUid(uid: number): void;
  setCwd(cwd: string): void;
  /** Set the clock (ms since the epoch). `sleep(ms)` advances it at once. */
  setNow(ms: number): void;
  /** Every `sleep(ms)` call, in order. */
  sleeps: number[];
  /** Answers `permission()`; replace freely. */
  permissionAnswer: (query: PermissionQuery) => PermissionState;
}

/** A fresh in-memory host. See the module doc for an example. */
export function fakeHost(opts: FakeHostOptions = {}): FakeHost {
  let now = opts.now ?? 1_700_000_000_000;
  let uid = opts.uid ?? 1000;
  let cwd = opts.cwd ?? "/";
  const envVars: Record<string, string> = { ...opts.env };
  const fs = new FakeFs(() => now, () => cwd, opts.implicitDirs ?? false);
  for (const [path, text] of Object.entries(opts.files ?? {})) fs.put(path, text);
  const sleeps: number[] = [];
  const host: FakeHost = {
    fs,
    runner: new FakeRunner(undefined, opts.missing),
    stdout: new FakeStream(opts.isTerminal ?? false),
    stderr: new FakeStream(opts.isTerminal ?? false),
    envVars,
    env: (name) => Object.hasOwn(envVars, name) ? envVars[name] : undefined,
    setEnv(name, value) {
      if (value === undefined) delete envVars[name];
      else envVars[name] = value;
    },
    uid: () => uid,
    setUid: (u) => void (uid = u),
    cwd: () => cwd,
    setCwd: (c) => void (cwd = c),
    now: () => now,
    setNow: (ms) => void (now = ms),
    sleeps,
    sleep(ms) {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    permissionAnswer: opts.permissions ?? (() => "granted"),
    permission: (query) => Promise.resolve(host.permissionAnswer(query)),
  };
  return host;
}
