/**
 * The Scribe: the bind transaction. It compares the desired Runes with what lychd owns (the
 * manifest, see `manifest.ts`) and what is on disk, then writes, restores and prunes owned files
 * so the unit directories hold exactly the desired set, reloading systemd once if anything
 * changed. Files lychd did not write are never replaced or removed.
 *
 * ## The transaction (under an exclusive flock on `<manifestDir>/.lychd.lock`)
 *
 * 1. **Recovery.** If `<manifestDir>/.lychd-journal.json` exists, an earlier bind was interrupted
 *    after it had recorded its complete intent. It is rolled FORWARD: every file it meant to
 *    write is written (when its bytes differ), every file it meant to remove is removed, its new
 *    manifest is written. The journal is kept until systemd has been reloaded.
 * 2. **Plan.** Desired vs manifest vs disk gives added / changed / restored / removed / unchanged.
 *    A desired path that exists on disk but is not owned is a collision: refused, nothing written.
 * 3. **Stop** the units of stale owned files (`stopUnits`), before any file is touched.
 * 4. **Journal.** `.lychd-journal.json` is written atomically with, for every path, the new bytes
 *    (or removal) and the old bytes (or absence), plus the old and new manifests.
 * 5. **Apply** writes (atomic each) then removals, then write the new manifest. On an error,
 *    roll BACK from the journal's old bytes, delete the journal, throw one `BindError`
 *    ("writing "X" failed: No space left on device; previous Runes restored").
 * 6. **Reload** (`daemonReload`) once when anything changed (or a journal was found), then
 *    delete the journal. A failed reload keeps the journal, so the next bind reloads; a journal
 *    whose files are all in place already owes only that reload and is not reported as a
 *    recovered (interrupted) bind.
 *
 * Unchanged files are never rewritten (same inode, same mtime). `dryRun` computes the same
 * report and a unified diff without the lock and without touching anything. `unbind` is a bind
 * of the empty set.
 *
 * ## Where each part lives
 *
 * - `scribe.ts` (this file): the public API (`bind`, `unbind`, `BindReport`, `ScribeOptions`),
 *   the lock, the order of the steps, the dry run.
 * - `fileset.ts`: step 2, the plan of the file set (`planFileSet` → `FileSetPlan`), the views it
 *   reads through, the unified diff.
 * - `journal.ts`: the journal format, roll forward (step 1), roll back, and the one
 *   "reload systemd, then clear the journal" step (`reloadThenClear`).
 * - `apply.ts`: steps 3–6 (`applyPlan`), and the sweep of stale temp files.
 * - `manifest.ts`: the ownership manifest; `errors.ts`: `BindError` and message helpers.
 * - `_testing.ts`: `recover()` alone (roll forward + reload), for the interrupt tests only.
 *
 * @module
 */

import { join, posix } from "node:path";
import type { Host } from "../host/host.ts";
import { applyPlan, type ApplyState, sweepTemps, type SystemdEffects } from "./apply.ts";
import { BindError, failure } from "./errors.ts";
import {
  checkDesired,
  type DesiredFile,
  type FileSetChanges,
  type FileSetPlan,
  fsView,
  overlayView,
  planFileSet,
  touchesFiles,
  unifiedDiff,
  type View,
} from "./fileset.ts";
import { journalWork, readJournal, reloadThenClear, rollForward } from "./journal.ts";
import { LOCK_FILE, MANIFEST_FILE } from "./manifest.ts";

export type { DesiredFile } from "./fileset.ts";
export { unifiedDiff } from "./fileset.ts";

/** How to bind: where the manifest lives and the systemd effects the caller supplies. */
export interface ScribeOptions extends SystemdEffects {
  /** The Quadlet unit dir; `.lychd-manifest.json`, `.lychd-journal.json`, `.lychd.lock` live here. */
  manifestDir: string;
  /** Recorded in the manifest. */
  codexPath: string;
  /** Compute the report and the diff; touch nothing (no lock file, no directory, no runner). */
  dryRun?: boolean;
  /** Rune/plain-unit path → systemd unit ("…/lychd-vessel.container" → "lychd-vessel.service"). */
  unitOf(path: string): string | undefined;
}

/** What a bind did (or, with `dryRun`, would do). Path lists are absolute and sorted. */
export interface BindReport extends FileSetChanges {
  /** Whether `daemonReload` was called (dry run: would be). */
  reloaded: boolean;
  /**
   * Whether an interrupted bind's journal was rolled forward first, i.e. it still had files to
   * write (dry run: would be). A journal owing only a reload does not count.
   */
  recovered: boolean;
  /** Unified diff of every change (`--- a/abs/path` / `+++ b/abs/path`, `/dev/null` for none). */
  diff: string;
}

function absDir(host: Host, dir: string): string {
  return posix.resolve(host.cwd(), dir);
}

function finish(plan: FileSetPlan, reloaded: boolean, recovered: boolean): BindReport {
  // The diff of a thousand new files takes longer than writing them: computed on first read only
  // (an enumerable getter, so spreading and JSON.stringify still see it).
  let diff: string | undefined;
  const report = { ...plan.report, reloaded, recovered } as BindReport;
  Object.defineProperty(report, "diff", {
    get: () => (diff ??= unifiedDiff(plan.steps)),
    enumerable: true,
  });
  return report;
}

/** Plan against the current state without the lock (dry run, and the pre-check of a real run). */
async function dryPlan(
  host: Host,
  dir: string,
  make: (view: View) => Promise<FileSetPlan>,
): Promise<{ plan: FileSetPlan; recovered: boolean; reloadPending: boolean }> {
  const journal = await readJournal(host.fs, dir);
  const work = await journalWork(host.fs, dir, journal);
  if (work === "files") {
    return { plan: await make(overlayView(host.fs, journal!)), recovered: true, reloadPending: true };
  }
  const manifestText = await host.fs.readTextFile(join(dir, MANIFEST_FILE));
  return {
    plan: await make(fsView(host.fs, manifestText)),
    recovered: false,
    reloadPending: work === "reload",
  };
}

async function transact(
  host: Host,
  opts: ScribeOptions,
  dir: string,
  make: (view: View) => Promise<FileSetPlan>,
): Promise<BindReport> {
  const fs = host.fs;
  // Refuse before creating anything (lock file, directory) when the answer is already "no". Where
  // the lock file exists, locking creates nothing: plan once, under the lock.
  let pre: Awaited<ReturnType<typeof dryPlan>> | undefined;
  const locked = !opts.dryRun && (await fs.stat(join(dir, LOCK_FILE))) !== undefined;
  try {
    if (!locked) pre = await dryPlan(host, dir, make);
  } catch (err) {
    // Read without the lock, a concurrent bind can look like a collision (its files renamed in,
    // its manifest not yet written). Where lychd already holds a lock file, judge under the lock.
    if (opts.dryRun || !(err instanceof BindError) || !(await fs.stat(join(dir, LOCK_FILE)))) throw err;
  }
  if (pre && opts.dryRun) {
    return finish(pre.plan, touchesFiles(pre.plan) || pre.reloadPending, pre.recovered);
  }
  if (
    pre && !pre.reloadPending && pre.plan.oldManifest === null && pre.plan.steps.length === 0 &&
    !pre.plan.manifestChanged
  ) {
    return finish(pre.plan, false, false); // nothing owned, nothing wanted: do not even create the directory
  }
  try {
    await fs.mkdirp(dir);
  } catch (err) {
    throw new BindError(`${failure(err, "creating directory", dir)}; nothing changed`, undefined, {
      cause: err,
    });
  }
  const lock = await fs.lock(join(dir, LOCK_FILE));
  try {
    const work = await rollForward(fs, dir);
    const found = work !== "none";
    const state: ApplyState = { reloadCalled: false, journalKept: false };
    try {
      const plan = await make(fsView(fs, await fs.readTextFile(join(dir, MANIFEST_FILE))));
      await sweepTemps(fs, dir, plan);
      const reloaded = await applyPlan(fs, dir, plan, opts, found, state);
      return finish(plan, reloaded, work === "files");
    } catch (err) {
      if (found && !state.reloadCalled && !state.journalKept) {
        // The interrupted bind's files are in place; tell systemd before giving up.
        await reloadThenClear(fs, dir, () => opts.daemonReload()).catch(() => {
          /* the journal stays; the next bind reloads */
        });
      }
      throw err;
    }
  } finally {
    await lock.release();
  }
}

/**
 * Make the unit directories hold exactly `desired` (see the module doc for the transaction).
 * Throws `BindError` on a collision with a file lychd does not own (nothing written), on a bad
 * manifest or journal, and on a failure while applying (after restoring the previous Runes).
 *
 * Permissions: read/write on `manifestDir` and the directories of `desired`.
 */
export async function bind(host: Host, desired: DesiredFile[], opts: ScribeOptions): Promise<BindReport> {
  const dir = absDir(host, opts.manifestDir);
  const files = checkDesired(desired, dir);
  return await transact(host, opts, dir, (view) => planFileSet(view, files, opts, dir));
}

/**
 * Remove everything lychd owns: a bind of the empty set. Every owned unit is stopped first, then
 * every owned file (never a foreign one) and the manifest are removed, then systemd is reloaded
 * once. Owned files edited by hand are removed too. The lock file stays (removing a lock file
 * others may wait on is unsafe).
 */
export async function unbind(host: Host, opts: ScribeOptions): Promise<BindReport> {
  return await bind(host, [], opts);
}
