/**
 * The one seam between lychd and the machine. Everything under src/codex, src/cdi, src/plan and
 * src/quadlet is pure; every effect (files, processes, environment, clock, terminal) goes through
 * a `Host`. `realHost()` (real.ts) implements it with `Deno.*`; tests pass `fakeHost()` (_fake.ts).
 *
 * @module
 */
import { LychdError } from "../errors.ts";

/** Options for one process run. */
export interface RunOptions {
  /** Kill the process after this many milliseconds (default 30 s). `0` waits forever. */
  timeoutMs?: number;
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
  /** Text written to the child's stdin (stdin is null otherwise). */
  stdin?: string;
  /** Stream stdout/stderr to the terminal instead of capturing them (e.g. `logs -f`). */
  inherit?: boolean;
}

/** What a finished process left behind. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs external programs. The only `Deno.Command` of lychd lives behind this. */
export interface Runner {
  /**
   * Run `cmd` with `args`. Resolves with the exit code (non-zero is not an error here: callers
   * decide). Rejects with `HostError` only when the program is missing, cannot start, or times
   * out; the error names the full command line.
   */
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** The part of `Deno.FileInfo` lychd uses. */
export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  mtimeMs: number | null;
  ino: number | null;
  size: number;
  /** Permission bits (e.g. 0o600), when known. */
  mode?: number;
}

/** A held exclusive lock. */
export interface Lock {
  release(): Promise<void>;
}

/** File system effects. Missing paths are values (`undefined`), not exceptions. */
export interface Fs {
  /** UTF-8 text of a file, or `undefined` when it does not exist. */
  readTextFile(path: string): Promise<string | undefined>;
  /** Names of the entries of a directory, sorted, or `undefined` when it does not exist. */
  readDir(path: string): Promise<string[] | undefined>;
  /** `lstat` of a path, or `undefined` when it does not exist. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Canonical path with symlinks resolved, or `undefined` when it does not exist. */
  realPath(path: string): Promise<string | undefined>;
  /** `mkdir -p`. */
  mkdirp(path: string): Promise<void>;
  /**
   * Replace `path` atomically: write a temp file in the same directory, fsync it, rename it over
   * `path`, fsync the directory. Readers see the old bytes or the new bytes, never a mix.
   */
  writeFileAtomic(path: string, text: string, mode?: number): Promise<void>;
  /**
   * Write `path` plainly (replacing what is there, a symlink itself rather than its target), no
   * temp file, no fsync: for output the user asked for (`render --out`), whose durability is not
   * lychd's business. Live unit files go through `writeFileAtomic`.
   */
  writeFile(path: string, text: string, mode?: number): Promise<void>;
  /** Remove a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Take an exclusive advisory lock (flock) on `path` (created if missing); waits for it. */
  lock(path: string): Promise<Lock>;
}

/** A terminal stream. */
export interface Stream {
  write(text: string): void;
  readonly isTerminal: boolean;
}

/** A permission kind of Deno (`Deno.PermissionName`). */
export type PermissionKind = "read" | "write" | "run" | "env" | "sys" | "net" | "ffi" | "import";

/**
 * One permission to ask about: a kind and, optionally, its target (a path for read/write/ffi, a
 * program for run, a variable for env, an API name such as `uid` for sys, `host:port` for net
 * and import). Without a target the question is about the whole kind.
 */
export interface PermissionQuery {
  kind: PermissionKind;
  target?: string;
}

/** What the running process holds, as `Deno.permissions.query` reports it. */
export type PermissionState = "granted" | "prompt" | "denied";

/** Everything lychd may do to the machine. */
export interface Host {
  fs: Fs;
  runner: Runner;
  env(name: string): string | undefined;
  /** Effective user id (0 for root). */
  uid(): number;
  cwd(): string;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  stdout: Stream;
  stderr: Stream;
  /** The state of one permission of this process (`Deno.permissions.query`); never prompts. */
  permission(query: PermissionQuery): Promise<PermissionState>;
  /** The running program (`Deno.execPath()`, `Deno.mainModule`), for units that run lychd. */
  program?(): { exec: string; main: string };
}

/** A failure of the host itself (missing tool, timeout, I/O error), with a one-line message. */
export class HostError extends LychdError {
  override readonly name: string = "HostError";
}

/**
 * A file system operation failed (other than "not found", which `Fs` reports as `undefined`).
 * `message` is one line naming the path; `reason` is the bare OS reason, e.g.
 * "No space left on device (os error 28)", so callers can compose their own message.
 */
export class FsError extends HostError {
  override readonly name: string = "FsError";
  constructor(readonly op: string, readonly path: string, readonly reason: string, hint?: string) {
    super(`${op} "${path}" failed: ${reason}`, { hint, place: { file: path } });
  }
}

/**
 * A file system operation that the process's Deno permissions refuse (`Deno.errors.NotCapable`),
 * as opposed to the OS refusing it. The compiled binary holds a fixed set (src/permissions.ts).
 */
export class NotPermittedError extends FsError {
  override readonly name: string = "NotPermittedError";
  constructor(op: string, path: string, reason: string) {
    super(op, path, reason, "`lychd permissions` lists where this lychd may read and write");
  }
}

/** `Runner.run` was asked to start a program that is not installed (not on `PATH`). */
export class CommandNotFoundError extends HostError {
  override readonly name: string = "CommandNotFoundError";
  constructor(readonly cmd: string, message: string, hint?: string) {
    super(message, hint);
  }
}
