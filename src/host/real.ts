/**
 * The real `Host`, built on `Deno.*`. This file and `runner.ts` are the only places in lychd
 * that touch the machine.
 *
 * Permissions: `--allow-read` and `--allow-write` on the unit directories (and the Codex),
 * `--allow-env` for the variables lychd reads, `--allow-sys=uid` for `uid()`, and `--allow-run`
 * for the programs the runner starts.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { type FileInfo, type Fs, FsError, type Host, type Lock, type Stream } from "./host.ts";
import { denoRunner } from "./runner.ts";

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

/** Calls `f` and turns any error other than "not found" into an `FsError`. */
async function guard<T>(op: string, path: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new FsError(op, path, osReason(err));
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/** fsync a directory so a rename or unlink in it is durable. EINVAL (FS refuses) is ignored. */
async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && !isNotFound(err)) {
      throw new FsError("syncing directory", dir, osReason(err));
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
  };
}

/** The real file system. Errors other than "not found" are `FsError`s naming the path. */
export function realFs(): Fs {
  return {
    readTextFile: (path) => guard("reading", path, () => Deno.readTextFile(path)),
    async readDir(path) {
      return await guard("listing", path, async () => {
        const names: string[] = [];
        for await (const entry of Deno.readDir(path)) names.push(entry.name);
        return names.sort();
      });
    },
    stat: (path) => guard("inspecting", path, async () => toInfo(await Deno.lstat(path))),
    realPath: (path) => guard("resolving", path, () => Deno.realPath(path)),
    async mkdirp(path) {
      try {
        await Deno.mkdir(path, { recursive: true });
      } catch (err) {
        throw new FsError("creating directory", path, osReason(err));
      }
    },
    async writeFileAtomic(path, text, mode = 0o644) {
      const dir = dirname(path);
      const tmp = join(dir, `${TEMP_PREFIX}${basename(path)}.${randomBytes(6).toString("hex")}`);
      let file: Deno.FsFile | undefined;
      try {
        file = await Deno.open(tmp, { write: true, createNew: true, mode });
        await Deno.chmod(tmp, mode); // the umask may have narrowed the mode
        await writeAll(file, new TextEncoder().encode(text));
        await file.sync();
        file.close();
        file = undefined;
        await Deno.rename(tmp, path);
      } catch (err) {
        file?.close();
        await Deno.remove(tmp).catch(() => {});
        throw new FsError("writing", path, osReason(err));
      }
      await syncDir(dir);
    },
    async remove(path) {
      try {
        await Deno.remove(path);
      } catch (err) {
        if (isNotFound(err)) return;
        throw new FsError("removing", path, osReason(err));
      }
      await syncDir(dirname(path));
    },
    async lock(path): Promise<Lock> {
      let file: Deno.FsFile;
      try {
        file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o644 });
      } catch (err) {
        throw new FsError("opening lock", path, osReason(err));
      }
      try {
        await file.lock(true);
      } catch (err) {
        file.close();
        throw new FsError("locking", path, osReason(err));
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
  };
}
