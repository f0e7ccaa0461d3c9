/**
 * The real `Host`, built on `Deno.*`. This file and `runner.ts` are the only places in lychd
 * that touch the machine.
 *
 * Permissions: `--allow-read` and `--allow-write` on the unit directories (and the Codex),
 * `--allow-env` for the variables lychd reads, `--allow-sys=uid` for `uid()`, and `--allow-run`
 * for the programs the runner starts: the compile set in src/permissions.ts. `permission()`
 * needs none.
 *
 * @module
 */

import { basename, dirname, join } from "./posix_path.ts";
import {
  type FileInfo,
  type Fs,
  FsError,
  type Host,
  type Lock,
  NotPermittedError,
  type PermissionQuery,
  type PermissionState,
  type Stream,
} from "./host.ts";
import { denoRunner } from "./runner.ts";
import { decodeUtf8 } from "./utf8.ts";

/** Prefix of the temp files `writeFileAtomic` creates (Quadlet and systemd ignore them). */
export const TEMP_PREFIX = ".lychd-tmp-";

/** The OS reason of a Deno error, without the trailing `: op 'path'` Deno appends. */
export function osReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/: [a-z_]+ '[^']*'(?: -> '[^']*')?$/, "").split("\n")[0];
}

function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound;
}

/**
 * The error of a failed file operation: `NotPermittedError` when Deno's permissions refused it
 * (`NotCapable`; the OS refusing is `PermissionDenied`, an ordinary `FsError`), else `FsError`.
 */
export function fsError(op: string, path: string, err: unknown): FsError {
  if (err instanceof Deno.errors.NotCapable) {
    const kind = /Requires (\w+) access/.exec(err.message)?.[1];
    return new NotPermittedError(
      op,
      path,
      kind === "all"
        ? "not permitted: Deno allows paths under /proc, /dev and /sys only with --allow-all"
        : `not permitted: this lychd may not ${kind ?? "touch"} there`,
    );
  }
  return new FsError(op, path, osReason(err));
}

/** Calls `f` and turns any error other than "not found" into an `FsError`. */
async function guard<T>(op: string, path: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err instanceof FsError ? err : fsError(op, path, err);
  }
}

/** `n` random bytes in hex (Web Crypto: no `node:crypto` on the start-up path). */
function randomHex(n: number): string {
  let out = "";
  for (const b of crypto.getRandomValues(new Uint8Array(n))) out += b.toString(16).padStart(2, "0");
  return out;
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

/** fsync a directory so a rename or unlink in it is durable. EINVAL (FS refuses) is ignored. */
function syncDir(dir: string): void {
  let handle: Deno.FsFile | undefined;
  try {
    handle = Deno.openSync(dir, { read: true });
    handle.syncSync();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && !isNotFound(err)) {
      throw fsError("syncing directory", dir, err);
    }
  } finally {
    handle?.close();
  }
}

function toInfo(info: Deno.FileInfo): FileInfo {
  return {
    isFile: info.isFile,
    isDirectory: info.isDirectory,
    isSymlink: info.isSymlink,
    mtimeMs: info.mtime ? info.mtime.getTime() : null,
    ino: info.ino ?? null,
    size: info.size,
    mode: info.mode === null ? undefined : info.mode & 0o7777,
  };
}

/** The real file system. Errors other than "not found" are `FsError`s naming the path. */
export function realFs(): Fs {
  return {
    // Synchronous like writeFileAtomic: Runes and manifests are small, and a bind reads a
    // thousand of them; the async op's thread hop would cost more than the read.
    // Strictly UTF-8 (src/host/utf8.ts): a file that is not is refused at its first bad byte. Deno
    // decodes leniently (U+FFFD for a bad byte) and faster than a strict decoder of the bytes, so
    // only a text holding U+FFFD is read again and decoded strictly.
    readTextFile: (path) =>
      guard("reading", path, () => {
        const text = Deno.readTextFileSync(path);
        if (!text.includes("\uFFFD")) return Promise.resolve(text);
        const decoded = decodeUtf8(Deno.readFileSync(path));
        if ("text" in decoded) return Promise.resolve(decoded.text);
        throw new FsError(
          "reading",
          path,
          `it is not UTF-8 (line ${decoded.line}, column ${decoded.column})`,
          "save the file as UTF-8",
        );
      }),
    async readDir(path) {
      return await guard("listing", path, async () => {
        const names: string[] = [];
        for await (const entry of Deno.readDir(path)) names.push(entry.name);
        return names.sort();
      });
    },
    // Synchronous: a Codex with many host-path volumes resolves each ancestor once; the thread
    // hop of an async op costs more than the syscall.
    stat: (path) => guard("inspecting", path, () => Promise.resolve(toInfo(Deno.lstatSync(path)))),
    realPath: (path) => guard("resolving", path, () => Promise.resolve(Deno.realPathSync(path))),
    async mkdirp(path) {
      try {
        await Deno.mkdir(path, { recursive: true });
      } catch (err) {
        throw fsError("creating directory", path, err);
      }
    },
    // Synchronous calls: one small file is a handful of syscalls, and each async op costs a
    // thread hop that, over a thousand Runes, outweighs the writes themselves (BENCHMARKS.md).
    // deno-lint-ignore require-await
    async writeFileAtomic(path, text, mode = 0o644) {
      const dir = dirname(path);
      const tmp = join(dir, `${TEMP_PREFIX}${basename(path)}.${randomHex(6)}`);
      let file: Deno.FsFile | undefined;
      try {
        file = Deno.openSync(tmp, { write: true, createNew: true, mode });
        Deno.chmodSync(tmp, mode); // the umask may have narrowed the mode
        writeAll(file, new TextEncoder().encode(text));
        file.syncSync();
        file.close();
        file = undefined;
        Deno.renameSync(tmp, path);
      } catch (err) {
        file?.close();
        try {
          Deno.removeSync(tmp);
        } catch { /* never created, or already gone */ }
        throw fsError("writing", path, err);
      }
      syncDir(dir);
    },
    // deno-lint-ignore require-await
    async writeFile(path, text, mode = 0o644) {
      let file: Deno.FsFile | undefined;
      try {
        try {
          file = Deno.openSync(path, { write: true, createNew: true, mode });
        } catch (err) {
          if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
          // Replace what is there (a symlink itself, never its target), as a rename would.
          Deno.removeSync(path);
          file = Deno.openSync(path, { write: true, createNew: true, mode });
        }
        Deno.chmodSync(path, mode); // the umask may have narrowed the mode
        writeAll(file, new TextEncoder().encode(text));
      } catch (err) {
        throw fsError("writing", path, err);
      } finally {
        file?.close();
      }
    },
    async remove(path) {
      try {
        await Deno.remove(path);
      } catch (err) {
        if (isNotFound(err)) return;
        throw fsError("removing", path, err);
      }
      await syncDir(dirname(path));
    },
    async lock(path): Promise<Lock> {
      let file: Deno.FsFile;
      try {
        file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o644 });
      } catch (err) {
        throw fsError("opening lock", path, err);
      }
      try {
        await file.lock(true);
      } catch (err) {
        file.close();
        throw fsError("locking", path, err);
      }
      let held = true;
      return {
        async release() {
          if (!held) return;
          held = false;
          try {
            await file.unlock();
          } finally {
            file.close();
          }
        },
      };
    },
  };
}

function denoStream(target: typeof Deno.stdout | typeof Deno.stderr): Stream {
  const encoder = new TextEncoder();
  return {
    write(text: string) {
      const bytes = encoder.encode(text);
      let off = 0;
      while (off < bytes.length) off += target.writeSync(bytes.subarray(off));
    },
    get isTerminal() {
      return target.isTerminal();
    },
  };
}

/**
 * The real host. `env(name)` answers `undefined` for variables lychd lacks permission to read
 * (so a binary compiled with `--allow-env=HOME,XDG_CONFIG_HOME,…` behaves as if they were unset).
 */
export function realHost(): Host {
  return {
    fs: realFs(),
    runner: denoRunner(),
    env(name) {
      try {
        return Deno.env.get(name);
      } catch (err) {
        if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
          return undefined;
        }
        throw err;
      }
    },
    uid: () => Deno.uid() ?? 0,
    cwd: () => Deno.cwd(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stdout: denoStream(Deno.stdout),
    stderr: denoStream(Deno.stderr),
    permission: queryPermission,
    program: () => ({ exec: Deno.execPath(), main: Deno.mainModule }),
  };
}

/** `Deno.permissions.query` for one lychd `PermissionQuery` (never prompts). */
export async function queryPermission(q: PermissionQuery): Promise<PermissionState> {
  const t = q.target;
  let desc: Deno.PermissionDescriptor;
  switch (q.kind) {
    case "read":
    case "write":
    case "ffi":
      desc = t === undefined ? { name: q.kind } : { name: q.kind, path: t };
      break;
    case "run":
      desc = t === undefined ? { name: "run" } : { name: "run", command: t };
      break;
    case "env":
      desc = t === undefined ? { name: "env" } : { name: "env", variable: t };
      break;
    case "sys":
      desc = t === undefined
        ? { name: "sys" }
        : { name: "sys", kind: t as Deno.SysPermissionDescriptor["kind"] };
      break;
    case "net":
    case "import":
      desc = t === undefined ? { name: q.kind } : { name: q.kind, host: t };
      break;
  }
  return (await Deno.permissions.query(desc)).state;
}
