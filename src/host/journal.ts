/**
 * `journalctl` for `lychd logs`: output streams straight to the terminal.
 *
 * Permissions: `--allow-run=journalctl`.
 *
 * @module
 */

import type { Runner } from "./host.ts";
import { exitError } from "./runner.ts";

/** Options of one `logs()` call. */
export interface LogsOptions {
  /** `-f`: keep printing new entries (no time limit then). */
  follow?: boolean;
  /** `-n N`: the last N entries. */
  lines?: number;
  /** Read the user journal (`--user`); defaults to the wrapper's `user`. */
  user?: boolean;
}

/** The `journalctl` calls lychd uses. */
export interface Journal {
  /**
   * Run `journalctl [--user] -u UNIT [-f] [-n N] --no-pager` with output inherited. Rejects with
   * `HostError` (command line + exit code) when journalctl exits non-zero.
   */
  logs(unit: string, opts?: LogsOptions): Promise<void>;
}

/** The argument list of `logs()`, exported for display and tests. */
export function journalArgs(unit: string, opts: LogsOptions & { user: boolean }): string[] {
  return [
    ...(opts.user ? ["--user"] : []),
    "-u",
    unit,
    ...(opts.follow ? ["-f"] : []),
    ...(opts.lines !== undefined ? ["-n", String(opts.lines)] : []),
    "--no-pager",
  ];
}

/** `journalctl` through `runner`, reading the user journal when `opts.user`. */
export function journal(runner: Runner, opts: { user: boolean }): Journal {
  return {
    async logs(unit, logOpts = {}) {
      const args = journalArgs(unit, { ...logOpts, user: logOpts.user ?? opts.user });
      const result = await runner.run("journalctl", args, {
        inherit: true,
        ...(logOpts.follow ? { timeoutMs: 0 } : {}),
      });
      if (result.code !== 0) throw exitError("journalctl", args, result);
    },
  };
}
