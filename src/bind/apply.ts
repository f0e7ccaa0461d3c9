/**
 * Carrying out a `FileSetPlan` (steps 3–6 of the transaction in `scribe.ts`, with the lock held
 * and any interrupted bind already rolled forward): stop stale units, journal, write and remove,
 * roll back on failure, reload once, clear the journal. Also tidies temp files a killed bind
 * left behind.
 *
 * @module
 */

import { dirname, join } from "node:path";
import type { Fs } from "../host/host.ts";
import { BindError, failure, messageOf, quoteList } from "./errors.ts";
import { type FileSetPlan, touchesFiles } from "./fileset.ts";
import {
  clearJournal,
  type Journal,
  put,
  putManifest,
  reloadThenClear,
  rollBack,
  writeJournal,
} from "./journal.ts";
import { JOURNAL_FILE, MANIFEST_FILE } from "./manifest.ts";

/** The systemd effects a bind needs; the caller supplies them (the CLI: `Systemctl`). */
export interface SystemdEffects {
  /** Stop units (e.g. `systemctl --user stop`); called for stale owned units before their files go. */
  stopUnits(units: string[]): Promise<void>;
  /** `systemctl --user daemon-reload`; called at most once per bind, only when something changed. */
  daemonReload(): Promise<void>;
}

/** How far an `applyPlan` got, read by the caller when it throws. */
export interface ApplyState {
  /** `daemonReload` was called (successfully or not). */
  reloadCalled: boolean;
  /** The journal on disk must stay (it still describes work to finish). */
  journalKept: boolean;
}

const RESTORED = "previous Runes restored";

/** Carry out `plan` (lock held, recovery done). Returns whether it reloaded. */
export async function applyPlan(
  fs: Fs,
  dir: string,
  plan: FileSetPlan,
  effects: SystemdEffects,
  /** A journal was found (rolled forward, or only its reload pending): reload even without changes. */
  recovered: boolean,
  state: ApplyState,
): Promise<boolean> {
  const changed = touchesFiles(plan);

  if (plan.stop.length > 0) {
    try {
      await effects.stopUnits(plan.stop);
    } catch (err) {
      throw new BindError(
        `stopping ${quoteList(plan.stop)} failed: ${messageOf(err)}; nothing changed`,
        undefined,
        {
          cause: err,
        },
      );
    }
  }

  if (!changed) {
    if (plan.manifestChanged) {
      try {
        await putManifest(fs, dir, plan.newManifest);
      } catch (err) {
        throw new BindError(
          `${failure(err, "writing", join(dir, MANIFEST_FILE))}; nothing changed`,
          undefined,
          {
            cause: err,
          },
        );
      }
    }
  } else {
    await writeFiles(fs, dir, plan, state);
  }

  const reload = changed || recovered;
  if (reload) {
    state.reloadCalled = true;
    try {
      await reloadThenClear(fs, dir, () => effects.daemonReload());
    } catch (err) {
      state.journalKept = true;
      // A caller's error that carries its own hint (e.g. "the user manager is not reachable")
      // is said in its words.
      const hint = (err as { hint?: unknown }).hint;
      if (typeof hint === "string") {
        throw new BindError(
          `the Runes are written, but ${messageOf(err)}`,
          `${hint}; then run \`lychd bind\` again (it reloads until a reload succeeds)`,
          { cause: err },
        );
      }
      throw new BindError(
        `the Runes are written but reloading systemd failed: ${messageOf(err)}`,
        "fix the cause and run lychd bind again: it reloads until a reload succeeds",
        { cause: err },
      );
    }
  }
  return reload;
}

/** Journal, then apply every step and the manifest; on a failure roll back and throw. */
async function writeFiles(fs: Fs, dir: string, plan: FileSetPlan, state: ApplyState): Promise<void> {
  const journalPath = join(dir, JOURNAL_FILE);
  const journal: Journal = {
    version: 1,
    steps: plan.steps,
    oldManifest: plan.oldManifest,
    newManifest: plan.newManifest,
  };
  try {
    for (const d of new Set(plan.steps.filter((s) => s.new !== null).map((s) => dirname(s.path)))) {
      await fs.mkdirp(d);
    }
    await writeJournal(fs, dir, journal);
  } catch (err) {
    throw new BindError(`${failure(err, "writing", journalPath)}; nothing changed`, undefined, {
      cause: err,
    });
  }
  // From here on, a crash leaves a complete journal: the next bind rolls it forward.
  let done = -1;
  let failedAt = join(dir, MANIFEST_FILE);
  try {
    for (const step of plan.steps) {
      failedAt = step.path;
      // Planned under the lock, so the bytes differ and the directories exist (made above).
      if (step.new !== null) await fs.writeFileAtomic(step.path, step.new);
      else await put(fs, step.path, null);
      done++;
    }
    failedAt = join(dir, MANIFEST_FILE);
    await putManifest(fs, dir, plan.newManifest);
  } catch (err) {
    const what = failure(err, "writing", failedAt);
    let undo = await rollBack(fs, plan.steps, Math.min(done + 1, plan.steps.length - 1));
    if (undo === undefined) {
      try {
        await putManifest(fs, dir, plan.oldManifest);
      } catch (e) {
        undo = failure(e, "restoring", join(dir, MANIFEST_FILE));
      }
    }
    if (undo !== undefined) {
      state.journalKept = true;
      throw new BindError(
        `${what}; restoring the previous Runes failed too (${undo})`,
        `fix the cause and run lychd bind again: it finishes this change from "${journalPath}"`,
        { cause: err },
      );
    }
    await clearJournal(fs, dir);
    throw new BindError(`${what}; ${RESTORED}`, undefined, { cause: err });
  }
}

/**
 * Temp files (`.lychd-tmp-*`, see `writeFileAtomic` in host/real.ts) left in the unit
 * directories by a bind killed mid-write. Under the lock no other lychd is writing, so any is
 * stale; Quadlet and systemd ignore them, so this is only tidying (failures are ignored).
 */
export async function sweepTemps(fs: Fs, dir: string, plan: FileSetPlan): Promise<void> {
  const r = plan.report;
  const paths = [...plan.steps.map((s) => s.path), ...r.added, ...r.changed, ...r.restored, ...r.unchanged];
  for (const d of new Set([dir, ...paths.map((p) => dirname(p))])) {
    try {
      for (const name of (await fs.readDir(d)) ?? []) {
        if (name.startsWith(".lychd-tmp-")) await fs.remove(join(d, name));
      }
    } catch { /* tidying only */ }
  }
}
