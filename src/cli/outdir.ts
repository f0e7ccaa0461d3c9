/**
 * The ownership rule of `--out DIR`, shared by `render` and `export`: lychd writes into DIR only
 * when every entry it judges there is its own. One it did not write refuses the whole run (one
 * line naming it, nothing written); its own entries that the new output no longer produces are
 * stale, and the caller removes them after writing. Which entries are judged and how ownership is
 * told are the caller's: `export` keeps a marker file listing what it wrote, `render` reads the
 * header every Rune starts with.
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import { LychdError } from "../errors.ts";
import type { Flags } from "./command.ts";

/** How a verb tells its own entries of DIR from the others. */
export interface OutDirRule {
  /** Whether lychd judges this entry; the others (names it never writes) are left alone. */
  judges(name: string): boolean;
  /** Whether lychd wrote this judged entry. */
  owns(name: string): Promise<boolean>;
  /** The refusal's hint. */
  hint: string;
}

/** Entries judged at once (bounded: file descriptors are finite). */
const READ_AHEAD = 16;

/**
 * The `--out` flag: undefined when absent, the absolute DIR otherwise. (An empty value never gets
 * here: the argument check refuses an empty value of any flag, src/cli/arguments.ts.)
 */
export function outDir(host: Host, flags: Flags): string | undefined {
  const out = flags.out;
  if (typeof out !== "string") return undefined;
  return out.startsWith("/") ? out : `${host.cwd().replace(/\/$/, "")}/${out}`;
}

/**
 * Check DIR (missing, or a directory) before anything is written into it: throws a `LychdError`
 * naming the first judged entry lychd did not write. Returns the judged entries lychd wrote that
 * are not in `produced` (stale, sorted), for the caller to remove once it has written.
 */
export async function checkOutDir(
  host: Host,
  dir: string,
  produced: readonly string[],
  rule: OutDirRule,
): Promise<string[]> {
  const link = await host.fs.stat(dir);
  const real = link?.isSymlink ? await host.fs.realPath(dir) : undefined;
  const info = real === undefined ? link : await host.fs.stat(real);
  if (info && !info.isDirectory) throw new LychdError(`${dir} is not a directory`, "pick another --out");
  const judged = ((await host.fs.readDir(dir)) ?? []).filter((n) => rule.judges(n));
  const owned: boolean[] = new Array(judged.length);
  let next = 0;
  const worker = async () => {
    while (next < judged.length) {
      const at = next++;
      owned[at] = await rule.owns(judged[at]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_AHEAD, judged.length) }, worker));
  const foreign = judged.find((_, i) => !owned[i]);
  if (foreign !== undefined) {
    throw new LychdError(
      `${dir} holds ${JSON.stringify(foreign)}, which lychd did not write; nothing was written`,
      rule.hint,
    );
  }
  const wanted = new Set(produced);
  return judged.filter((n) => !wanted.has(n));
}

/** `, removed 2 stale ones` for the closing line, or nothing. */
export function staleNote(removed: readonly string[]): string {
  return removed.length === 0
    ? ""
    : `, removed ${removed.length} stale ${removed.length === 1 ? "one" : "ones"}`;
}
