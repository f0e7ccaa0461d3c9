/**
 * The plan of the file set: desired files vs what lychd owns (the manifest) vs what is on disk
 * gives added / changed / restored / removed / unchanged, the changes to make (`FileChange`s),
 * and the units to stop first. Pure reading: it never writes. A desired path that exists on
 * disk but is not owned is a collision: refused (`BindError`), nothing written.
 *
 * It reads through a `View`: the real unit directories (`fsView`), or, for a dry run while an
 * interrupted bind's journal is pending, the state rolling that journal forward would leave
 * (`overlayView`).
 *
 * @module
 */

import { join, posix } from "node:path";
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import type { Fs } from "../host/host.ts";
import { BindError, quoteList } from "./errors.ts";
import type { FileChange, Journal } from "./journal.ts";
import {
  JOURNAL_FILE,
  LOCK_FILE,
  type Manifest,
  MANIFEST_FILE,
  parseManifest,
  serializeManifest,
  sha256,
} from "./manifest.ts";

/** One file lychd wants on disk: an absolute path (Rune or plain unit) and its exact bytes. */
export interface DesiredFile {
  path: string;
  text: string;
}

/** How each file fares in a bind. Path lists are absolute and sorted. */
export interface FileSetChanges {
  /** Desired files that did not exist and were written. */
  added: string[];
  /** Owned files whose desired bytes changed. */
  changed: string[];
  /** Owned files that had vanished or been edited by hand, written back. */
  restored: string[];
  /** Owned files no longer desired (their units stopped first), removed. */
  removed: string[];
  /** Desired files already on disk byte for byte: not touched. */
  unchanged: string[];
}

/** What a bind must do to make the unit directories hold exactly the desired set. */
export interface FileSetPlan {
  report: FileSetChanges;
  /** Writes (sorted by path), then removals (sorted by path). */
  steps: FileChange[];
  /** Units of the removed files, stopped before anything is touched. */
  stop: string[];
  oldManifest: Manifest | null;
  newManifest: Manifest | null;
  /** Whether the manifest bytes on disk differ from the new manifest's. */
  manifestChanged: boolean;
}

/** Read access to the (possibly simulated) state of the unit directories. */
export interface View {
  read(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  isDirectory(path: string): Promise<boolean>;
  manifestText: string | undefined;
}

/** What planning needs from the caller's options. */
export interface PlanOptions {
  /** Recorded in the manifest. */
  codexPath: string;
  /** Rune/plain-unit path → systemd unit, for the units to stop. */
  unitOf(path: string): string | undefined;
}

export const COLLISION_HINT = "move it away or remove it; lychd never overwrites files it did not write";

/** Reads in flight at once while planning (bounded: file descriptors are finite). */
const READ_AHEAD = 16;

/**
 * Unified diff of `changes` (git style: `--- a/<abs path>`, `+++ b/<abs path>`, `/dev/null` for
 * an absent side), in the order given. Empty string when there are none.
 */
export function unifiedDiff(changes: FileChange[]): string {
  return changes.map((c) =>
    createTwoFilesPatch(
      c.old === null ? "/dev/null" : `a${c.path}`,
      c.new === null ? "/dev/null" : `b${c.path}`,
      c.old ?? "",
      c.new ?? "",
      undefined,
      undefined,
      { headerOptions: FILE_HEADERS_ONLY },
    )
  ).join("");
}

/** Refuse relative, unnormalized, duplicate or reserved paths; return the set sorted by path. */
export function checkDesired(desired: DesiredFile[], dir: string): DesiredFile[] {
  const seen = new Set<string>();
  const reserved = new Set([MANIFEST_FILE, JOURNAL_FILE, LOCK_FILE].map((f) => join(dir, f)));
  for (const file of desired) {
    if (!posix.isAbsolute(file.path) || posix.normalize(file.path) !== file.path) {
      throw new BindError(`desired file "${file.path}" is not a normalized absolute path`);
    }
    if (seen.has(file.path)) throw new BindError(`desired file "${file.path}" is listed twice`);
    if (reserved.has(file.path) || posix.basename(file.path).startsWith(".lychd-")) {
      throw new BindError(`desired file "${file.path}" has a name lychd reserves for itself`);
    }
    seen.add(file.path);
  }
  return [...desired].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The unit directories as they are. */
export function fsView(fs: Fs, manifestText: string | undefined): View {
  return {
    read: (path) => fs.readTextFile(path),
    exists: async (path) => (await fs.stat(path)) !== undefined,
    isDirectory: async (path) => (await fs.stat(path))?.isDirectory ?? false,
    manifestText,
  };
}

/** The state a roll-forward of `journal` would leave, without touching anything (dry run). */
export function overlayView(fs: Fs, journal: Journal): View {
  const overlay = new Map(journal.steps.map((s) => [s.path, s.new]));
  return {
    read: (path) =>
      overlay.has(path) ? Promise.resolve(overlay.get(path) ?? undefined) : fs.readTextFile(path),
    exists: async (path) =>
      overlay.has(path) ? overlay.get(path) !== null : (await fs.stat(path)) !== undefined,
    isDirectory: async (path) => !overlay.has(path) && ((await fs.stat(path))?.isDirectory ?? false),
    manifestText: journal.newManifest ? serializeManifest(journal.newManifest) : undefined,
  };
}

/**
 * Read every path, a few at a time (reads change nothing, so their order does not matter). A
 * failure is reported for the first failing path in `paths` order, as a sequential loop would.
 */
async function readAll(view: View, paths: string[]): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = new Array(paths.length);
  const failed: { at: number; err: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const at = next++;
      try {
        out[at] = await view.read(paths[at]);
      } catch (err) {
        failed.push({ at, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_AHEAD, paths.length) }, worker));
  if (failed.length) throw failed.reduce((a, b) => (b.at < a.at ? b : a)).err;
  return out;
}

/**
 * Plan making the unit directories hold exactly `desired` (checked and sorted by
 * `checkDesired`). An empty `desired` plans removing everything owned (unbind).
 */
export async function planFileSet(
  view: View,
  desired: DesiredFile[],
  opts: PlanOptions,
  dir: string,
): Promise<FileSetPlan> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const old = view.manifestText === undefined ? null : parseManifest(view.manifestText, manifestPath);
  const owned = old?.files ?? {};
  const report: FileSetChanges = { added: [], changed: [], restored: [], removed: [], unchanged: [] };
  const writes: FileChange[] = [];
  const collisions: string[] = [];
  const currents = await readAll(view, desired.map((f) => f.path));
  for (const [n, file] of desired.entries()) {
    const current = currents[n];
    if (current === file.text && Object.hasOwn(owned, file.path)) {
      report.unchanged.push(file.path); // the bytes are there, so it is a file: no more questions
      continue;
    }
    if (!Object.hasOwn(owned, file.path)) {
      if (await view.exists(file.path)) collisions.push(file.path);
      else {
        report.added.push(file.path);
        writes.push({ path: file.path, old: null, new: file.text });
      }
      continue;
    }
    if (await view.isDirectory(file.path)) {
      throw new BindError(`"${file.path}" is a directory where lychd keeps a Rune`, COLLISION_HINT, {
        paths: [file.path],
      });
    }
    if (current === file.text) {
      report.unchanged.push(file.path);
    } else if (current === undefined || sha256(current) !== owned[file.path]) {
      report.restored.push(file.path);
      writes.push({ path: file.path, old: current ?? null, new: file.text });
    } else {
      report.changed.push(file.path);
      writes.push({ path: file.path, old: current, new: file.text });
    }
  }
  if (collisions.length > 0) {
    const more = collisions.length > 1
      ? ` (and ${collisions.length - 1} more: ${quoteList(collisions.slice(1))})`
      : "";
    throw new BindError(
      `refusing to overwrite "${collisions[0]}"${more}: lychd did not write it`,
      COLLISION_HINT,
      { paths: collisions },
    );
  }
  const wanted = new Set(desired.map((f) => f.path));
  const removals: FileChange[] = [];
  for (const path of Object.keys(owned).sort()) {
    if (wanted.has(path)) continue;
    report.removed.push(path);
    const current = await view.read(path);
    if (current !== undefined || await view.exists(path)) {
      removals.push({ path, old: current ?? null, new: null });
    }
  }
  // Owning nothing is recorded as no manifest at all (binding an empty set equals unbinding).
  const newManifest: Manifest | null = desired.length === 0 ? null : {
    version: 1,
    codex: opts.codexPath,
    files: Object.fromEntries(desired.map((f) => [f.path, sha256(f.text)])),
  };
  return {
    report,
    steps: [...writes, ...removals],
    stop: unitsOf(report.removed, opts),
    oldManifest: old,
    newManifest,
    manifestChanged:
      (newManifest === null ? undefined : serializeManifest(newManifest)) !== view.manifestText,
  };
}

/** Whether carrying out `plan` touches any file (a removal of a vanished file counts). */
export function touchesFiles(plan: FileSetPlan): boolean {
  return plan.steps.length > 0 || plan.report.removed.length > 0;
}

function unitsOf(paths: string[], opts: PlanOptions): string[] {
  const units = new Set<string>();
  for (const path of paths) {
    const unit = opts.unitOf(path);
    if (unit) units.add(unit);
  }
  return [...units].sort();
}
