/**
 * Typed `systemctl` calls. Every method runs through a `Runner`; a non-zero exit becomes a
 * `HostError` naming the full command line, the exit code and the trimmed stderr.
 *
 * Permissions: `--allow-run=systemctl`.
 *
 * @module
 */

import type { Runner } from "./host.ts";
import { HostError } from "./host.ts";
import { commandLine, exitError } from "./runner.ts";

/** Options shared by every wrapper call. */
export interface SystemctlOptions {
  /** Talk to the user manager (`systemctl --user`) instead of the system manager. */
  user: boolean;
}

/** The answer of `ping()`. */
export interface Ping {
  /** Whether the manager answered. */
  reachable: boolean;
  /** The command that was asked, e.g. "systemctl --user show-environment". */
  command: string;
  /** Trimmed stderr when unreachable (e.g. "Failed to connect to bus: No medium found"). */
  detail: string;
}

/** How a `start`/`stop` job is run. */
export interface JobOptions {
  /** How long the job may take (default: the runner's, 30 s; model loads need more). */
  timeoutMs?: number;
}

/** How a `stop` job is run. */
export interface StopOptions extends JobOptions {
  /**
   * Succeed for units systemd never loaded (exit 5), e.g. after a generator error: a stale Rune
   * must still be prunable.
   */
  allowUnloaded?: boolean;
}

/** The answer of `tryStart`: the exit code and the stderr of `systemctl start`. */
export interface StartAttempt {
  code: number;
  stderr: string;
}

/** Exit code of `systemctl stop` for a unit that is not loaded. */
const NOT_LOADED = 5;

/**
 * The `systemctl` verbs lychd uses. Every failure is a `HostError` worded by `exitError`:
 * "`systemctl --user stop a.service` failed with exit code 1: <stderr>".
 */
export interface Systemctl {
  daemonReload(): Promise<void>;
  start(units: string[], opts?: JobOptions): Promise<void>;
  /**
   * `systemctl start` whose failure is the caller's to explain (it reads the unit's state
   * afterwards): never throws for a non-zero exit.
   */
  tryStart(units: string[], opts?: JobOptions): Promise<StartAttempt>;
  stop(units: string[], opts?: StopOptions): Promise<void>;
  restart(units: string[]): Promise<void>;
  resetFailed(units: string[]): Promise<void>;
  /** `systemctl show -p A,B u1 u2`, parsed: unit → property → value ("" when not printed). */
  show(units: string[], props: string[]): Promise<Record<string, Record<string, string>>>;
  /** `systemctl is-active UNIT`: the state it prints ("active", "inactive", "failed", …). */
  isActive(unit: string): Promise<string>;
  /** Whether the manager is reachable, asked with `systemctl [--user] show-environment`. */
  ping(): Promise<Ping>;
}

/**
 * Parse `systemctl show -p … u1 u2` output: one block of `Key=Value` lines per unit, blocks
 * separated by blank lines, in the order the units were given. Values may contain `=`.
 */
export function parseShow(
  stdout: string,
  units: string[],
  props: string[],
): Record<string, Record<string, string>> {
  const blocks = stdout.replace(/\r/g, "").split(/\n\s*\n/).map((b) => b.trim());
  while (blocks.length > 0 && blocks[blocks.length - 1] === "") blocks.pop();
  if (blocks.length !== units.length) {
    throw new HostError(
      `\`systemctl show\` printed ${blocks.length} blocks for ${units.length} units (${
        units.map((u) => `"${u}"`).join(", ")
      })`,
    );
  }
  const out: Record<string, Record<string, string>> = {};
  units.forEach((unit, i) => {
    const values: Record<string, string> = {};
    for (const prop of props) values[prop] = "";
    for (const line of blocks[i].split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
    }
    out[unit] = values;
  });
  return out;
}

/** `systemctl` through `runner`, with `--user` when `opts.user`. */
export function systemctl(runner: Runner, opts: SystemctlOptions): Systemctl {
  const scope = opts.user ? ["--user"] : [];
  const call = (args: string[], timeoutMs?: number) =>
    runner.run("systemctl", [...scope, ...args], timeoutMs === undefined ? undefined : { timeoutMs });
  const run = async (args: string[], timeoutMs?: number, allowed: number[] = []) => {
    const result = await call(args, timeoutMs);
    if (result.code !== 0 && !allowed.includes(result.code)) {
      throw exitError("systemctl", [...scope, ...args], result);
    }
    return result;
  };
  const verb = (name: string) => async (units: string[], opts?: JobOptions) => {
    if (units.length > 0) await run([name, ...units], opts?.timeoutMs);
  };
  return {
    async daemonReload() {
      await run(["daemon-reload"]);
    },
    start: verb("start"),
    async tryStart(units, opts) {
      if (units.length === 0) return { code: 0, stderr: "" };
      const { code, stderr } = await call(["start", ...units], opts?.timeoutMs);
      return { code, stderr };
    },
    async stop(units, opts) {
      if (units.length === 0) return;
      await run(["stop", ...units], opts?.timeoutMs, opts?.allowUnloaded ? [NOT_LOADED] : []);
    },
    restart: verb("restart"),
    resetFailed: verb("reset-failed"),
    async show(units, props) {
      if (units.length === 0) return {};
      const args = ["show", ...(props.length > 0 ? ["-p", props.join(",")] : []), ...units];
      return parseShow((await run(args)).stdout, units, props);
    },
    async isActive(unit) {
      const args = [...scope, "is-active", unit];
      const result = await runner.run("systemctl", args);
      const state = result.stdout.trim().split("\n")[0] ?? "";
      if (state === "") throw exitError("systemctl", args, result);
      return state;
    },
    async ping() {
      const args = [...scope, "show-environment"];
      const result = await runner.run("systemctl", args);
      return {
        reachable: result.code === 0,
        command: commandLine("systemctl", args),
        detail: result.code === 0 ? "" : result.stderr.trim().replace(/\s*\n\s*/g, " "),
      };
    },
  };
}
