/**
 * The write-ahead journal of the bind transaction (`<manifestDir>/.lychd-journal.json`).
 *
 * Before the first file is touched, the executor (`apply.ts`) records the complete intent: for
 * every path the new bytes (or removal) and the old bytes (or absence), plus the old and new
 * manifests. From then on a crash at any instant leaves either the old set, the new set, or a
 * journal that `rollForward` finishes. A failure while applying is undone with `rollBack`.
 * Once systemd has been told (`reloadThenClear`), the journal is deleted.
 *
 * @module
 */

import { dirname, join } from "node:path";
import type { Fs } from "../host/host.ts";
import { BindError, failure, messageOf } from "./errors.ts";
import {
  JOURNAL_FILE,
  type Manifest,
  MANIFEST_FILE,
  serializeManifest,
  validateManifest,
} from "./manifest.ts";

/** One change of a transaction: `null` means "absent". */
export interface FileChange {
  path: string;
  old: string | null;
  new: string | null;
}

/** The journal's content: every change, and the manifests before and after. */
export interface Journal {
  version: 1;
  steps: FileChange[];
  oldManifest: Manifest | null;
  newManifest: Manifest | null;
}

/**
 * What a journal on disk still asks for: `"none"` (no journal), `"reload"` (every file and the
 * manifest are already as it records — e.g. a bind whose reload failed; only systemd must still
 * be told) or `"files"` (an interrupted bind: files to finish).
 */
export type JournalWork = "none" | "reload" | "files";

export function parseJournal(text: string, path: string): Journal {
  const bad = (why: string) =>
    new BindError(
      `"${path}" is not a lychd journal: ${why}`,
      "an interrupted bind left it; inspect it, then remove it and run lychd bind again",
      { paths: [path] },
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(messageOf(err));
  }
  const j = value as Record<string, unknown>;
  if (typeof j !== "object" || j === null || j.version !== 1 || !Array.isArray(j.steps)) {
    throw bad("expected version 1 with steps");
  }
  const steps: FileChange[] = [];
  for (const s of j.steps as Record<string, unknown>[]) {
    const ok = (v: unknown) => v === null || typeof v === "string";
    if (typeof s?.path !== "string" || !s.path.startsWith("/") || !ok(s.old) || !ok(s.new)) {
      throw bad(`malformed step ${JSON.stringify(s)}`);
    }
    steps.push({ path: s.path, old: s.old as string | null, new: s.new as string | null });
  }
  const manifest = (v: unknown) => (v === null || v === undefined ? null : validateManifest(v, path));
  return { version: 1, steps, oldManifest: manifest(j.oldManifest), newManifest: manifest(j.newManifest) };
}

/** The journal in `dir`, if any (a malformed one is a `BindError`). */
export async function readJournal(fs: Fs, dir: string): Promise<Journal | undefined> {
  const journalPath = join(dir, JOURNAL_FILE);
  const text = await fs.readTextFile(journalPath);
  return text === undefined ? undefined : parseJournal(text, journalPath);
}

/** Record `journal` in `dir` atomically (the directories of its writes must exist). */
export async function writeJournal(fs: Fs, dir: string, journal: Journal): Promise<void> {
  await fs.writeFileAtomic(join(dir, JOURNAL_FILE), JSON.stringify(journal) + "\n");
}

/** Write `text` at `path` unless it already holds exactly that, or remove it for `null`. */
export async function put(fs: Fs, path: string, text: string | null): Promise<void> {
  if (text === null) {
    if ((await fs.stat(path)) !== undefined) await fs.remove(path);
  } else if ((await fs.readTextFile(path)) !== text) {
    await fs.mkdirp(dirname(path));
    await fs.writeFileAtomic(path, text);
  }
}

/** Write `manifest` into `dir`, or remove the manifest for `null` (owning nothing). */
export async function putManifest(fs: Fs, dir: string, manifest: Manifest | null): Promise<void> {
  await put(fs, join(dir, MANIFEST_FILE), manifest === null ? null : serializeManifest(manifest));
}

/** What `journal` still asks for (see `JournalWork`). */
export async function journalWork(fs: Fs, dir: string, journal: Journal | undefined): Promise<JournalWork> {
  if (!journal) return "none";
  for (const step of journal.steps) {
    const now = await fs.readTextFile(step.path);
    if ((now ?? null) !== step.new) return "files";
  }
  const manifest = await fs.readTextFile(join(dir, MANIFEST_FILE));
  const want = journal.newManifest ? serializeManifest(journal.newManifest) : undefined;
  return manifest === want ? "reload" : "files";
}

/**
 * Roll an interrupted transaction forward: every file it meant to write is written (when its
 * bytes differ), every file it meant to remove is removed, its new manifest is written. Returns
 * what the journal asked for (see `journalWork`): only `"files"` counts as recovering an
 * interrupted bind. The journal itself is left in place: `reloadThenClear` deletes it.
 */
export async function rollForward(fs: Fs, dir: string): Promise<JournalWork> {
  const journalPath = join(dir, JOURNAL_FILE);
  const journal = await readJournal(fs, dir);
  const work = await journalWork(fs, dir, journal);
  if (work !== "files") return work;
  let path = join(dir, MANIFEST_FILE);
  try {
    for (const step of journal!.steps) {
      path = step.path;
      await put(fs, step.path, step.new);
    }
    path = join(dir, MANIFEST_FILE);
    await putManifest(fs, dir, journal!.newManifest);
  } catch (err) {
    throw new BindError(
      `finishing the interrupted bind recorded in "${journalPath}" failed: ${failure(err, "writing", path)}`,
      "fix the cause (free space, permissions) and run lychd bind again; the journal is kept",
      { cause: err, paths: [journalPath] },
    );
  }
  return "files";
}

/** Undo steps[0..last] from their old bytes, newest first. Returns the first failure, if any. */
export async function rollBack(fs: Fs, steps: FileChange[], last: number): Promise<string | undefined> {
  let first: string | undefined;
  for (let i = last; i >= 0; i--) {
    try {
      await put(fs, steps[i].path, steps[i].old);
    } catch (err) {
      first ??= failure(err, "restoring", steps[i].path);
    }
  }
  return first;
}

/**
 * The last step of every transaction that changed files (or found a journal): tell systemd
 * (`reload`, whose error is thrown as is, keeping the journal so the next bind reloads again),
 * then delete the journal. A journal that cannot be deleted is harmless: rolling it forward
 * again changes nothing.
 */
export async function reloadThenClear(fs: Fs, dir: string, reload: () => Promise<void>): Promise<void> {
  await reload();
  await fs.remove(join(dir, JOURNAL_FILE)).catch(() => {});
}

/** Delete the journal without reloading (a rolled-back transaction: nothing changed). */
export async function clearJournal(fs: Fs, dir: string): Promise<void> {
  await fs.remove(join(dir, JOURNAL_FILE)).catch(() => {});
}
