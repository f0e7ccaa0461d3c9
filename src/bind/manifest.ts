/**
 * The ownership manifest: the list of files lychd wrote, with their sha256. Only files listed
 * here are ever replaced or removed by lychd; anything else in the unit directories is foreign.
 *
 * Lives in the Quadlet unit directory as `.lychd-manifest.json`:
 *
 * ```json
 * { "version": 1, "codex": "/home/u/.config/lychd/codex.toml",
 *   "files": { "/home/u/.config/containers/systemd/lychd-vessel.container": "9f86…" } }
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Fs, Host } from "../host/host.ts";
import { BindError } from "./errors.ts";

/** The manifest's file name inside the manifest directory. */
export const MANIFEST_FILE = ".lychd-manifest.json";
/** The lock file (flock) serializing binds, inside the manifest directory. Never removed. */
export const LOCK_FILE = ".lychd.lock";
/** The write-ahead journal of an unfinished transaction, inside the manifest directory. */
export const JOURNAL_FILE = ".lychd-journal.json";

/** What lychd owns. `files` maps absolute paths to the sha256 (hex) of the bytes lychd wrote. */
export interface Manifest {
  version: 1;
  codex: string;
  files: Record<string, string>;
}

/** sha256 of the UTF-8 bytes of `text`, lowercase hex. */
export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Stable JSON: keys of `files` sorted, two-space indent, trailing newline. */
export function serializeManifest(manifest: Manifest): string {
  const files: Record<string, string> = {};
  for (const path of Object.keys(manifest.files).sort()) files[path] = manifest.files[path];
  return JSON.stringify({ version: 1, codex: manifest.codex, files }, null, 2) + "\n";
}

const HINT = "lychd cannot tell which files it owns; restore the file from a backup, " +
  "or remove it and the Runes it listed by hand";

/** Parse a manifest; throws `BindError` naming `path` when the text is not one. */
export function parseManifest(text: string, path: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BindError(`"${path}" is not a lychd manifest: ${(err as Error).message}`, HINT, {
      paths: [path],
    });
  }
  return validateManifest(value, path);
}

/** Check the shape of a parsed manifest (also used for the manifests inside a journal). */
export function validateManifest(value: unknown, path: string): Manifest {
  const bad = (why: string) =>
    new BindError(`"${path}" is not a lychd manifest: ${why}`, HINT, { paths: [path] });
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad("expected a JSON object");
  }
  const m = value as Record<string, unknown>;
  if (m.version !== 1) throw bad(`unsupported version ${JSON.stringify(m.version)} (expected 1)`);
  if (typeof m.codex !== "string") throw bad(`"codex" must be a string`);
  if (typeof m.files !== "object" || m.files === null || Array.isArray(m.files)) {
    throw bad(`"files" must be an object`);
  }
  const files: Record<string, string> = {};
  for (
    const [file, hash] of Object.entries(m.files as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1
    )
  ) {
    if (!file.startsWith("/")) throw bad(`file "${file}" is not an absolute path`);
    if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) throw bad(`file "${file}" has no sha256`);
    files[file] = hash;
  }
  return { version: 1, codex: m.codex, files };
}

/** Read `dir/.lychd-manifest.json`; `undefined` when there is none. */
export async function readManifest(fs: Fs, dir: string): Promise<Manifest | undefined> {
  const path = join(dir, MANIFEST_FILE);
  const text = await fs.readTextFile(path);
  return text === undefined ? undefined : parseManifest(text, path);
}

/**
 * The files lychd owns under `manifestDir` (for `status`, `reconcile`, `doctor`), read without
 * the lock. When a journal is pending (an interrupted bind), this is the manifest the next
 * bind will commit when it rolls the journal forward. `undefined` when nothing was ever bound.
 */
export async function ownedFiles(host: Host, manifestDir: string): Promise<Manifest | undefined> {
  const journalText = await host.fs.readTextFile(join(manifestDir, JOURNAL_FILE));
  if (journalText !== undefined) {
    try {
      const journal = JSON.parse(journalText);
      if (journal?.version === 1 && "newManifest" in journal) {
        return journal.newManifest === null
          ? undefined
          : validateManifest(journal.newManifest, join(manifestDir, JOURNAL_FILE));
      }
    } catch { /* fall back to the manifest; bind will report the broken journal */ }
  }
  return await readManifest(host.fs, manifestDir);
}

/** The on-disk state of one owned file. */
export interface OwnedState {
  path: string;
  /** `ok`: bytes match the manifest; `edited`: they differ; `vanished`: the file is gone. */
  state: "ok" | "edited" | "vanished";
}

/** Compare every owned file with its manifest hash (sorted by path), for status and reconcile. */
export async function checkOwned(fs: Fs, manifest: Manifest): Promise<OwnedState[]> {
  const out: OwnedState[] = [];
  for (const path of Object.keys(manifest.files).sort()) {
    const text = await fs.readTextFile(path);
    out.push({
      path,
      state: text === undefined ? "vanished" : sha256(text) === manifest.files[path] ? "ok" : "edited",
    });
  }
  return out;
}
