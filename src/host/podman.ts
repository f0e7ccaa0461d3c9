/**
 * Typed `podman` calls. Rootless or rootful is decided by who runs lychd, so there is no
 * `--user` switch here.
 *
 * Permissions: `--allow-run=podman`.
 *
 * @module
 */

import { CommandNotFoundError, type Runner } from "./host.ts";
import { exitError } from "./runner.ts";

/** The `podman` verbs lychd uses. */
export interface Podman {
  /**
   * The installed version, e.g. "5.4.2", from `podman --version` ("podman version 5.4.2").
   * `undefined` when podman is missing, exits non-zero or prints something else; rejects only
   * when it cannot start or times out.
   */
  version(): Promise<string | undefined>;
  /** `podman secret exists NAME`: exit 0 → true, 1 → false, anything else → `HostError`. */
  secretExists(name: string): Promise<boolean>;
}

/** Parse `podman --version` output; `undefined` when it holds no version. */
export function parsePodmanVersion(stdout: string): string | undefined {
  return /\bversion\s+v?(\d+\.\d+(?:\.\d+)?)/.exec(stdout)?.[1];
}

/** `podman` through `runner`. */
export function podman(runner: Runner): Podman {
  return {
    async version() {
      try {
        const result = await runner.run("podman", ["--version"]);
        return result.code === 0 ? parsePodmanVersion(result.stdout) : undefined;
      } catch (err) {
        if (err instanceof CommandNotFoundError) return undefined;
        throw err;
      }
    },
    async secretExists(name) {
      const args = ["secret", "exists", name];
      const result = await runner.run("podman", args);
      if (result.code === 0) return true;
      if (result.code === 1) return false;
      throw exitError("podman", args, result);
    },
  };
}
