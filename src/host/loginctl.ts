/**
 * `loginctl` for `lychd doctor`: is lingering on, so the user manager (and the Runes) survive
 * logout and start at boot?
 *
 * Permissions: `--allow-run=loginctl`.
 *
 * @module
 */

import { CommandNotFoundError, type Runner } from "./host.ts";

/** The `loginctl` calls lychd uses. */
export interface Loginctl {
  /**
   * `loginctl show-user NAME -p Linger`: true for "Linger=yes", false for "Linger=no",
   * `undefined` when logind cannot say (loginctl missing, no logind, user unknown to logind —
   * `/var/lib/systemd/linger/NAME` is the authoritative fallback).
   */
  lingerEnabled(user: string): Promise<boolean | undefined>;
}

/** `loginctl` through `runner`. */
export function loginctl(runner: Runner): Loginctl {
  return {
    async lingerEnabled(user) {
      let stdout: string;
      try {
        const result = await runner.run("loginctl", ["show-user", user, "-p", "Linger"]);
        if (result.code !== 0) return undefined;
        stdout = result.stdout;
      } catch (err) {
        if (err instanceof CommandNotFoundError) return undefined;
        throw err;
      }
      const value = /^Linger=(\S*)/m.exec(stdout)?.[1];
      return value === "yes" ? true : value === "no" ? false : undefined;
    },
  };
}
