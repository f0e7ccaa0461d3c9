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
 * report and a unified diff without the lock and without touching anything.
 *
 * @module
 */

import { dirname, join, posix } from "node:path";
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { type Fs, FsError, type Host } from "../host/host.ts";
import { BindError } from "./errors.ts";
import {
  JOURNAL_FILE,
  LOCK_FILE,
  type Manifest,
  MANIFEST_FILE,
  parseManifest,
  serializeManifest,
  sha256,
  validateManifest,
} from "./manifest.ts";

/** One file lychd wants on disk: an absolute path (Rune or plain unit) and its exact bytes. */
export interface DesiredFile {
  path: string;
  text: string;
}

/** How to bind: where the manifest lives and the systemd effects the caller supplies. */
export interface ScribeOptions {
  /** The Quadlet unit dir; `.lychd-manifest.json`, `.lychd-journal.json`, `.lychd.lock` live here. */
  manifestDir: string;
  /** Recorded in the manifest. */
  codexPath: string;
  /** Compute the report and the diff; touch nothing (no lock file, no directory, no runner). */
  dryRun?: boolean;
  /** Rune/plain-unit path → systemd unit ("…/lychd-vessel.container" → "lychd-vessel.service"). */
  unitOf(path: string): string | undefined;
  /** Stop units (e.g. `systemctl --user stop`); called for stale owned units before their files go. */
  stopUnits(units: string[]): Promise<void>;
  /** `systemctl --user daemon-reload`; called at most once per bind, only when something changed. */
  daemonReload(): Promise<void>;
}

/** What a bind did (or, with `dryRun`, would do). Path lists are absolute and sorted. */
export interface BindReport {
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

/** One change of a transaction: `null` means "absent". */
export interface FileChange {
  path: string;
  old: string | null;
  new: string | null;
}

interface Journal {
  version: 1;
  steps: FileChange[];
  oldManifest: Manifest | null;
  newManifest: Manifest | null;
}

interface Plan {
  report: Omit<BindReport, "reloaded" | "recovered" | "diff">;
  steps: FileChange[];
  stop: string[];
  oldManifest: Manifest | null;
  newManifest: Manifest | null;
  /** Whether the manifest bytes on disk differ from the new manifest's. */
  manifestChanged: boolean;
}

/** Read access to the (possibly simulated) state of the unit directories. */
interface View {
  read(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  isDirectory(path: string): Promise<boolean>;
  manifestText: string | undefined;
}

const RESTORED = "previous Runes restored";
const COLLISION_HINT = "move it away or remove it; lychd never overwrites files it did not write";

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

function quoteList(items: string[]): string {
  return items.map((i) => `"${i}"`).join(", ");
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `writing "X" failed: No space left on device` (the OS error number dropped). */
function failure(err: unknown, op: string, path: string): string {
  if (err instanceof FsError) {
    return `${err.op} "${err.path}" failed: ${err.reason.replace(/ \(os error \d+\)$/, "")}`;
  }
  return `${op} "${path}" failed: ${messageOf(err)}`;
}

function absDir(host: Host, dir: string): string {
  return posix.resolve(host.cwd(), dir);
}

function checkDesired(desired: DesiredFile[], dir: string): DesiredFile[] {
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

function parseJournal(text: string, path: string): Journal {
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

function fsView(fs: Fs, manifestText: string | undefined): View {
  return {
    read: (path) => fs.readTextFile(path),
    exists: async (path) => (await fs.stat(path)) !== undefined,
    isDirectory: async (path) => (await fs.stat(path))?.isDirectory ?? false,
    manifestText,
  };
}

/** The state a roll-forward of `journal` would leave, without touching anything (dry run). */
function overlayView(fs: Fs, journal: Journal): View {
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

/** Reads in flight at once while planning (bounded: file descriptors are finite). */
const READ_AHEAD = 16;

async function planBind(view: View, desired: DesiredFile[], opts: ScribeOptions, dir: string): Promise<Plan> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const old = view.manifestText === undefined ? null : parseManifest(view.manifestText, manifestPath);
  const owned = old?.files ?? {};
  const report: Plan["report"] = { added: [], changed: [], restored: [], removed: [], unchanged: [] };
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

async function planUnbind(view: View, opts: ScribeOptions, dir: string): Promise<Plan> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const old = view.manifestText === undefined ? null : parseManifest(view.manifestText, manifestPath);
  const report: Plan["report"] = { added: [], changed: [], restored: [], removed: [], unchanged: [] };
  const steps: FileChange[] = [];
  for (const path of Object.keys(old?.files ?? {}).sort()) {
    report.removed.push(path);
    const current = await view.read(path);
    if (current !== undefined || await view.exists(path)) {
      steps.push({ path, old: current ?? null, new: null });
    }
  }
  return {
    report,
    steps,
    stop: unitsOf(report.removed, opts),
    oldManifest: old,
    newManifest: null,
    manifestChanged: view.manifestText !== undefined,
  };
}

function unitsOf(paths: string[], opts: ScribeOptions): string[] {
  const units = new Set<string>();
  for (const path of paths) {
    const unit = opts.unitOf(path);
    if (unit) units.add(unit);
  }
  return [...units].sort();
}

/** Write `text` at `path` unless it already holds exactly that, or remove it for `null`. */
async function put(fs: Fs, path: string, text: string | null): Promise<void> {
  if (text === null) {
    if ((await fs.stat(path)) !== undefined) await fs.remove(path);
  } else if ((await fs.readTextFile(path)) !== text) {
    await fs.mkdirp(dirname(path));
    await fs.writeFileAtomic(path, text);
  }
}

async function putManifest(fs: Fs, dir: string, manifest: Manifest | null): Promise<void> {
  await put(fs, join(dir, MANIFEST_FILE), manifest === null ? null : serializeManifest(manifest));
}

/**
 * What a journal on disk still asks for: `"none"` (no journal), `"reload"` (every file and the
 * manifest are already as it records — e.g. a bind whose reload failed; only systemd must still
 * be told) or `"files"` (an interrupted bind: files to finish).
 */
async function journalWork(
  fs: Fs,
  dir: string,
  journal: Journal | undefined,
): Promise<"none" | "reload" | "files"> {
  if (!journal) return "none";
  for (const step of journal.steps) {
    const now = await fs.readTextFile(step.path);
    if ((now ?? null) !== step.new) return "files";
  }
  const manifest = await fs.readTextFile(join(dir, MANIFEST_FILE));
  const want = journal.newManifest ? serializeManifest(journal.newManifest) : undefined;
  return manifest === want ? "reload" : "files";
}

async function readJournal(fs: Fs, dir: string): Promise<Journal | undefined> {
  const journalPath = join(dir, JOURNAL_FILE);
  const text = await fs.readTextFile(journalPath);
  return text === undefined ? undefined : parseJournal(text, journalPath);
}

/**
 * Roll an interrupted transaction forward (see the module doc). Returns what the journal asked
 * for (see `journalWork`): only `"files"` counts as recovering an interrupted bind. The journal
 * itself is left in place: the caller deletes it after reloading systemd.
 */
async function rollForward(fs: Fs, dir: string): Promise<"none" | "reload" | "files"> {
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
async function rollBack(fs: Fs, steps: FileChange[], last: number): Promise<string | undefined> {
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

interface Run {
  /** `daemonReload` was called (successfully or not). */
  reloadCalled: boolean;
  /** The journal on disk must stay (it still describes work to finish). */
  journalKept: boolean;
}

/** Steps 3–6 of the transaction (lock held, recovery done). Returns whether it reloaded. */
async function execute(
  host: Host,
  dir: string,
  plan: Plan,
  opts: ScribeOptions,
  /** A journal was found (rolled forward, or only its reload pending): reload even without changes. */
  recovered: boolean,
  run: Run,
) {
  const fs = host.fs;
  const journalPath = join(dir, JOURNAL_FILE);
  const changed = plan.steps.length > 0 || plan.report.removed.length > 0;

  if (plan.stop.length > 0) {
    try {
      await opts.stopUnits(plan.stop);
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
      await fs.writeFileAtomic(journalPath, JSON.stringify(journal) + "\n");
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
        run.journalKept = true;
        throw new BindError(
          `${what}; restoring the previous Runes failed too (${undo})`,
          `fix the cause and run lychd bind again: it finishes this change from "${journalPath}"`,
          { cause: err },
        );
      }
      await fs.remove(journalPath).catch(() => {});
      throw new BindError(`${what}; ${RESTORED}`, undefined, { cause: err });
    }
  }

  const reload = changed || recovered;
  if (reload) {
    run.reloadCalled = true;
    try {
      await opts.daemonReload();
    } catch (err) {
      run.journalKept = true;
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
  // A journal that cannot be deleted is harmless: rolling it forward again changes nothing.
  if (changed || recovered) await fs.remove(journalPath).catch(() => {});
  return reload;
}

function finish(plan: Plan, reloaded: boolean, recovered: boolean): BindReport {
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

/**
 * Temp files (`.lychd-tmp-*`, see `writeFileAtomic` in host/real.ts) left in the unit
 * directories by a bind killed mid-write. Under the lock no other lychd is writing, so any is
 * stale; Quadlet and systemd ignore them, so this is only tidying (failures are ignored).
 */
async function sweepTemps(fs: Fs, dir: string, plan: Plan): Promise<void> {
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

/** Plan against the current state without the lock (dry run, and the pre-check of a real run). */
async function dryPlan(
  host: Host,
  dir: string,
  make: (view: View) => Promise<Plan>,
): Promise<{ plan: Plan; recovered: boolean; reloadPending: boolean }> {
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
  make: (view: View) => Promise<Plan>,
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
    const changed = pre.plan.steps.length > 0 || pre.plan.report.removed.length > 0;
    return finish(pre.plan, changed || pre.reloadPending, pre.recovered);
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
    const run: Run = { reloadCalled: false, journalKept: false };
    try {
      const plan = await make(fsView(fs, await fs.readTextFile(join(dir, MANIFEST_FILE))));
      await sweepTemps(fs, dir, plan);
      const reloaded = await execute(host, dir, plan, opts, found, run);
      return finish(plan, reloaded, work === "files");
    } catch (err) {
      if (found && !run.reloadCalled && !run.journalKept) {
        // The interrupted bind's files are in place; tell systemd before giving up.
        try {
          await opts.daemonReload();
          await fs.remove(join(dir, JOURNAL_FILE));
        } catch { /* the journal stays; the next bind reloads */ }
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
  return await transact(host, opts, dir, (view) => planBind(view, files, opts, dir));
}

/**
 * Remove everything lychd owns: stop every owned unit first, then remove every owned file (never
 * a foreign one) and the manifest, then reload once. Owned files edited by hand are removed too.
 * The lock file stays (removing a lock file others may wait on is unsafe).
 */
export async function unbind(host: Host, opts: ScribeOptions): Promise<BindReport> {
  const dir = absDir(host, opts.manifestDir);
  return await transact(host, opts, dir, (view) => planUnbind(view, opts, dir));
}

/**
 * Finish an interrupted bind, if any (takes the lock, rolls the journal forward, reloads once,
 * deletes the journal). `bind` and `unbind` do this themselves; this is for `reconcile`/`doctor`.
 * Returns whether a journal was found.
 */
export async function recover(
  host: Host,
  opts: Pick<ScribeOptions, "manifestDir" | "daemonReload">,
): Promise<boolean> {
  const dir = absDir(host, opts.manifestDir);
  if ((await host.fs.readTextFile(join(dir, JOURNAL_FILE))) === undefined) return false;
  const lock = await host.fs.lock(join(dir, LOCK_FILE));
  try {
    if ((await rollForward(host.fs, dir)) === "none") return false;
    try {
      await opts.daemonReload();
    } catch (err) {
      throw new BindError(
        `the interrupted bind is finished but reloading systemd failed: ${messageOf(err)}`,
        "fix the cause and run lychd bind again",
        { cause: err },
      );
    }
    await host.fs.remove(join(dir, JOURNAL_FILE)).catch(() => {});
    return true;
  } finally {
    await lock.release();
  }
}
