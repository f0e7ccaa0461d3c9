/**
 * What the end-to-end CLI tests share (cli_test.ts, cli_bind_test.ts): stderr lines without the
 * root-only note, one-line and success assertions, the tree of a directory, file identities, and
 * the fake tools' call log.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type CliResult, linesOf, type Sandbox } from "./cli.ts";

/** Printed when the tests run as root; not part of what a verb says. */
const ROOT_NOTE = /^lychd: warning: running as root without --system/;

/** stderr lines, without the root-only note. */
export function errLines(r: CliResult): string[] {
  return linesOf(r.stderr).filter((l) => !ROOT_NOTE.test(l));
}

/** Assert a refusal or usage error: `code`, exactly one `lychd: ` line containing `parts`. */
export function assertOneLine(r: CliResult, code: number, ...parts: string[]): string {
  const lines = linesOf(r.stderr); // strict: not even the root note may join a refusal
  assert.equal(r.code, code, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `want one stderr line, got: ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], /^lychd: /);
  assert.ok(!r.stderr.includes("    at "), "stack trace on stderr");
  for (const p of parts) {
    assert.ok(lines[0].includes(p), `${JSON.stringify(lines[0])} lacks ${JSON.stringify(p)}`);
  }
  return lines[0];
}

export function assertOk(r: CliResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** Every regular file under `dir` (recursively, sorted) with its text; `{}` when `dir` is missing. */
export async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else out[p] = await Deno.readTextFile(p);
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** mtime + inode of every file of a tree. */
export async function identities(files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const st = await Deno.stat(f);
    out[f] = `${st.mtime?.getTime()}:${st.ino}`;
  }
  return out;
}

/**
 * Put a `systemctl` wrapper first on PATH that logs `files<TAB>…` (the unit directory's listing)
 * before delegating to the fake: the log then shows what was on disk at each systemctl call.
 */
export async function watchUnitDir(sb: Sandbox): Promise<void> {
  const bin = `${sb.dir}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  const fake = sb.env.PATH.split(":")[0];
  await Deno.writeTextFile(
    `${bin}/systemctl`,
    `#!/bin/sh\nprintf 'files\\t%s\\n' "$(ls -A '${sb.unitDir}' 2>/dev/null | tr '\\n' ' ')" >>"$LYCHD_FAKE_LOG"\nexec '${fake}/systemctl' "$@"\n`,
  );
  await Deno.chmod(`${bin}/systemctl`, 0o755);
  sb.env.PATH = `${bin}:${sb.env.PATH}`;
}

/** The fake log: tool calls and, with `watchUnitDir`, `files …` lines, in order. */
export async function rawLog(sb: Sandbox): Promise<string[]> {
  return (await Deno.readTextFile(sb.log)).split("\n").filter(Boolean).map((l) => l.replaceAll("\t", " "));
}

export async function toolCalls(sb: Sandbox, tool?: string): Promise<string[]> {
  return (await rawLog(sb)).filter((l) => !l.startsWith("files ") && (!tool || l.startsWith(`${tool} `)));
}
