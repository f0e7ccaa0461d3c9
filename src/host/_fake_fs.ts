/**
 * The fake host's in-memory file system (test-only, see `_fake.ts`): inodes, mtimes, symlinks, a
 * real (serializing) lock, and fault injection for writes and removes.
 *
 * @module
 */

import { posix } from "node:path";
import { type FileInfo, type Fs, FsError, type Lock } from "./host.ts";

/** The reason a write fails when `failWrites` says so. */
export const ENOSPC = "No space left on device (os error 28)";

type Node =
  | { kind: "file"; text: string; ino: number; mtimeMs: number; mode: number }
  | { kind: "dir"; ino: number; mtimeMs: number }
  | { kind: "symlink"; target: string; ino: number; mtimeMs: number };

/** The in-memory file system of `fakeHost()`, with test helpers. */
export class FakeFs implements Fs {
  #nodes = new Map<string, Node>();
  #nextIno = 100;
  #lastMtime = 0;
  #locks = new Map<string, Promise<void>>();
  #held = new Set<string>();
  /** Number of `writeFileAtomic` calls so far (including failed ones). */
  writes = 0;
  /** Number of `remove` calls so far (including failed ones). */
  removes = 0;
  /** Every path passed to `writeFileAtomic`, in order (including failed ones). */
  writeLog: string[] = [];
  /** Every path passed to `remove`, in order. */
  removeLog: string[] = [];
  /**
   * Fault injection: called before each write with the path and the 1-based index of the write
   * (`writes` after counting it); returning true makes that write throw `FsError` with reason
   * "No space left on device (os error 28)" and change nothing.
   */
  failWrites?: (path: string, nth: number) => boolean;
  /** Fault injection for `remove`, like `failWrites` (reason "Input/output error (os error 5)"). */
  failRemoves?: (path: string, nth: number) => boolean;
  implicitDirs: boolean;

  constructor(
    private readonly clock: () => number,
    private readonly cwd: () => string,
    implicitDirs = false,
  ) {
    this.implicitDirs = implicitDirs;
    this.#nodes.set("/", { kind: "dir", ino: this.#nextIno++, mtimeMs: 0 });
  }

  #abs(path: string): string {
    return posix.resolve(this.cwd(), path);
  }

  #mtime(): number {
    this.#lastMtime = Math.max(this.clock(), this.#lastMtime + 1);
    return this.#lastMtime;
  }

  /** Resolve symlinks in every component; `undefined` when some component does not exist. */
  #resolve(path: string, followLast = true): string | undefined {
    let parts = this.#abs(path).split("/").filter(Boolean);
    let cur = "/";
    for (let hops = 0; parts.length > 0;) {
      const [head, ...rest] = parts;
      const next = posix.join(cur, head);
      const node = this.#nodes.get(next);
      if (!node) return undefined;
      if (node.kind === "symlink" && (rest.length > 0 || followLast)) {
        if (++hops > 40) {
          throw new FsError("resolving", path, "Too many levels of symbolic links (os error 40)");
        }
        parts = [...posix.resolve(cur, node.target).split("/").filter(Boolean), ...rest];
        cur = "/";
        continue;
      }
      if (rest.length > 0 && node.kind !== "dir") return undefined;
      cur = next;
      parts = rest;
    }
    return cur;
  }

  /** The real location of `path`'s entry (parent resolved, last component kept). */
  #entry(path: string, op: string): string {
    const abs = this.#abs(path);
    if (abs === "/") return "/";
    const parent = this.#resolve(posix.dirname(abs));
    const parentNode = parent === undefined ? undefined : this.#nodes.get(parent);
    if (parent === undefined || parentNode?.kind !== "dir") {
      throw new FsError(op, abs, "No such file or directory (os error 2)");
    }
    return posix.join(parent, posix.basename(abs));
  }

  #mkdirp(abs: string): void {
    const parts = abs.split("/").filter(Boolean);
    let cur = "/";
    for (const part of parts) {
      const resolved = this.#resolve(posix.join(cur, part));
      if (resolved === undefined) {
        const at = posix.join(this.#resolve(cur) ?? cur, part);
        this.#nodes.set(at, { kind: "dir", ino: this.#nextIno++, mtimeMs: this.#mtime() });
        cur = at;
      } else if (this.#nodes.get(resolved)?.kind !== "dir") {
        throw new FsError("creating directory", abs, "Not a directory (os error 20)");
      } else {
        cur = resolved;
      }
    }
  }

  // ---- Fs ----

  readTextFile(path: string): Promise<string | undefined> {
    const real = this.#resolve(path);
    const node = real === undefined ? undefined : this.#nodes.get(real);
    if (node?.kind === "dir") {
      return Promise.reject(new FsError("reading", this.#abs(path), "Is a directory (os error 21)"));
    }
    return Promise.resolve(node?.kind === "file" ? node.text : undefined);
  }

  readDir(path: string): Promise<string[] | undefined> {
    const real = this.#resolve(path);
    if (real === undefined) return Promise.resolve(undefined);
    if (this.#nodes.get(real)?.kind !== "dir") {
      return Promise.reject(new FsError("listing", this.#abs(path), "Not a directory (os error 20)"));
    }
    const names = [...this.#nodes.keys()]
      .filter((p) => p !== "/" && posix.dirname(p) === real)
      .map((p) => posix.basename(p));
    return Promise.resolve(names.sort());
  }

  stat(path: string): Promise<FileInfo | undefined> {
    let at: string;
    try {
      at = this.#entry(path, "inspecting");
    } catch {
      return Promise.resolve(undefined);
    }
    const node = this.#nodes.get(at);
    if (!node) return Promise.resolve(undefined);
    return Promise.resolve({
      isFile: node.kind === "file",
      isDirectory: node.kind === "dir",
      isSymlink: node.kind === "symlink",
      mtimeMs: node.mtimeMs,
      ino: node.ino,
      size: node.kind === "file"
        ? new TextEncoder().encode(node.text).length
        : node.kind === "symlink"
        ? node.target.length
        : 4096,
      mode: node.kind === "file" ? node.mode : undefined,
    });
  }

  realPath(path: string): Promise<string | undefined> {
    return Promise.resolve(this.#resolve(path));
  }

  mkdirp(path: string): Promise<void> {
    try {
      this.#mkdirp(this.#abs(path));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
    const abs = this.#abs(path);
    const nth = ++this.writes;
    this.writeLog.push(abs);
    try {
      if (this.failWrites?.(abs, nth)) throw new FsError("writing", abs, ENOSPC);
      if (this.implicitDirs) this.#mkdirp(posix.dirname(abs));
      const at = this.#entry(abs, "writing");
      if (this.#nodes.get(at)?.kind === "dir") {
        throw new FsError("writing", abs, "Is a directory (os error 21)");
      }
      this.#nodes.set(at, { kind: "file", text, ino: this.#nextIno++, mtimeMs: this.#mtime(), mode });
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Like `writeFileAtomic` in memory (counted and logged the same way). */
  writeFile(path: string, text: string, mode = 0o644): Promise<void> {
    return this.writeFileAtomic(path, text, mode);
  }

  remove(path: string): Promise<void> {
    const abs = this.#abs(path);
    const nth = ++this.removes;
    this.removeLog.push(abs);
    try {
      if (this.failRemoves?.(abs, nth)) throw new FsError("removing", abs, "Input/output error (os error 5)");
      let at: string;
      try {
        at = this.#entry(abs, "removing");
      } catch {
        return Promise.resolve();
      }
      const node = this.#nodes.get(at);
      if (node?.kind === "dir" && [...this.#nodes.keys()].some((p) => p !== at && posix.dirname(p) === at)) {
        throw new FsError("removing", abs, "Directory not empty (os error 39)");
      }
      this.#nodes.delete(at);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** An exclusive lock per real path: holders queue and run one at a time, in arrival order. */
  async lock(path: string): Promise<Lock> {
    const abs = this.#abs(path);
    const at = this.#entry(abs, "opening lock");
    if (!this.#nodes.has(at)) {
      this.#nodes.set(at, {
        kind: "file",
        text: "",
        ino: this.#nextIno++,
        mtimeMs: this.#mtime(),
        mode: 0o644,
      });
    }
    const previous = this.#locks.get(at) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#locks.set(at, tail);
    await previous;
    this.#held.add(at);
    let held = true;
    return {
      release: () => {
        if (held) {
          held = false;
          this.#held.delete(at);
          if (this.#locks.get(at) === tail) this.#locks.delete(at);
          release();
        }
        return Promise.resolve();
      },
    };
  }

  // ---- test helpers ----

  /** Write a file directly (parents created, no fault injection, not counted in `writes`). */
  put(path: string, text: string, mode = 0o644): void {
    const abs = this.#abs(path);
    this.#mkdirp(posix.dirname(abs));
    const at = this.#entry(abs, "writing");
    this.#nodes.set(at, { kind: "file", text, ino: this.#nextIno++, mtimeMs: this.#mtime(), mode });
  }

  /** Create a symlink at `path` pointing to `target` (parents created). */
  symlink(target: string, path: string): void {
    const abs = this.#abs(path);
    this.#mkdirp(posix.dirname(abs));
    this.#nodes.set(this.#entry(abs, "linking"), {
      kind: "symlink",
      target,
      ino: this.#nextIno++,
      mtimeMs: this.#mtime(),
    });
  }

  /** Synchronous read for assertions (follows symlinks); `undefined` when missing. */
  text(path: string): string | undefined {
    const real = this.#resolve(path);
    const node = real === undefined ? undefined : this.#nodes.get(real);
    return node?.kind === "file" ? node.text : undefined;
  }

  /** Permission bits of a file, or `undefined`. */
  mode(path: string): number | undefined {
    const real = this.#resolve(path);
    const node = real === undefined ? undefined : this.#nodes.get(real);
    return node?.kind === "file" ? node.mode : undefined;
  }

  /** Every regular file under `dir` (recursively) with its text, keys sorted. */
  snapshot(dir = "/"): Record<string, string> {
    const root = this.#abs(dir);
    const out: Record<string, string> = {};
    for (const p of [...this.#nodes.keys()].sort()) {
      const node = this.#nodes.get(p)!;
      if (node.kind === "file" && (root === "/" || p.startsWith(root + "/"))) out[p] = node.text;
    }
    return out;
  }

  /** Paths whose lock is currently held. */
  locksHeld(): string[] {
    return [...this.#held].sort();
  }
}
