/**
 * Test support for the bind transaction (std's `_` prefix: not part of the module's API; no verb
 * imports it).
 *
 * @module
 */

import { join, posix } from "node:path";
import type { Host } from "../host/host.ts";
import { BindError, messageOf } from "./errors.ts";
import { reloadThenClear, rollForward } from "./journal.ts";
import { JOURNAL_FILE, LOCK_FILE } from "./manifest.ts";
import type { ScribeOptions } from "./scribe.ts";

/**
 * Finish an interrupted bind, if any (takes the lock, rolls the journal forward, reloads once,
 * deletes the journal). Returns whether a journal was found.
 *
 * Test-only: every verb recovers through `bind`/`unbind`, which do this first themselves. The
 * interrupt tests call it to look at the state recovery alone leaves.
 */
export async function recover(
  host: Host,
  opts: Pick<ScribeOptions, "manifestDir" | "daemonReload">,
): Promise<boolean> {
  const dir = posix.resolve(host.cwd(), opts.manifestDir);
  if ((await host.fs.readTextFile(join(dir, JOURNAL_FILE))) === undefined) return false;
  const lock = await host.fs.lock(join(dir, LOCK_FILE));
  try {
    if ((await rollForward(host.fs, dir)) === "none") return false;
    try {
      await reloadThenClear(host.fs, dir, () => opts.daemonReload());
    } catch (err) {
      throw new BindError(
        `the interrupted bind is finished but reloading systemd failed: ${messageOf(err)}`,
        "fix the cause and run lychd bind again",
        { cause: err },
      );
    }
    return true;
  } finally {
    await lock.release();
  }
}
