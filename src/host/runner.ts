/**
 * The one `Deno.Command` of lychd: runs external programs for the typed wrappers
 * (`systemctl.ts`, `podman.ts`, `journal.ts`, `loginctl.ts`).
 *
 * Permissions: `--allow-run` for the programs started.
 *
 * @module
 */

import { podmanRequirement } from "../quadlet/requirement.ts";
import { CommandNotFoundError, HostError, type Runner, type RunOptions, type RunResult } from "./host.ts";

/** Default time limit of one run. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** How long a child gets between SIGTERM and SIGKILL after a timeout. */
const KILL_GRACE_MS = 2_000;

/** Why lychd needs each program, said when it is missing. */
const MISSING: Record<string, string> = {
  systemctl: "lychd needs systemd (install it or run on a systemd host)",
  podman: `lychd needs ${podmanRequirement()}`,
  journalctl: "`lychd logs` reads the systemd journal (install systemd or run on a systemd host)",
  loginctl: "lychd asks systemd-logind about lingering (install systemd or run on a systemd host)",
};

/** The one-line error for a program that is not installed. */
export function notFoundError(cmd: string): CommandNotFoundError {
  const name = cmd.split("/").pop() ?? cmd;
  const why = MISSING[name];
  return why
    ? new CommandNotFoundError(cmd, `${name} not found: ${why}`)
    : new CommandNotFoundError(cmd, `"${cmd}" not found: it is not installed or not on PATH`);
}

/** Quote one word for display the way a POSIX shell would read it back. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** `cmd args…` as one shell-quoted line, for messages. */
export function commandLine(cmd: string, args: string[]): string {
  return [cmd, ...args].map(shellQuote).join(" ");
}

function seconds(ms: number): string {
  return `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)}s`;
}

/**
 * The real runner. `run()` resolves with any exit code; it rejects with `CommandNotFoundError`
 * when the program is missing and with `HostError` when it cannot start or outlives `timeoutMs`
 * (SIGTERM, then SIGKILL after 2 s). With `inherit`, output goes straight to the terminal and
 * `stdout`/`stderr` of the result are empty.
 */
export function denoRunner(): Runner {
  return {
    async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
      const line = commandLine(cmd, args);
      const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const io = opts.inherit ? "inherit" : "piped";
      let child: Deno.ChildProcess;
      try {
        child = new Deno.Command(cmd, {
          args,
          env: opts.env,
          stdin: opts.stdin !== undefined ? "piped" : "null",
          stdout: io,
          stderr: io,
        }).spawn();
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) throw notFoundError(cmd);
        if (err instanceof Deno.errors.NotCapable) {
          throw new HostError(
            `lychd may not run "${cmd}": not permitted by its permission set`,
            "`lychd permissions` lists the programs this lychd may run",
          );
        }
        const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
        throw new HostError(`\`${line}\` could not start: ${reason}`);
      }

      let timedOut = false;
      let killTimer: ReturnType<typeof setTimeout> | undefined;
      // Readers of the pipes, cancelled after a timeout: a grandchild may hold them open.
      const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
      const timer = timeoutMs > 0
        ? setTimeout(() => {
          timedOut = true;
          try {
            child.kill("SIGTERM");
          } catch { /* already gone */ }
          killTimer = setTimeout(() => {
            try {
              child.kill("SIGKILL");
            } catch { /* already gone */ }
          }, KILL_GRACE_MS);
          child.status.then(() => readers.forEach((r) => r.cancel().catch(() => {})));
        }, timeoutMs)
        : undefined;
      const readAll = async (stream: ReadableStream<Uint8Array>): Promise<string> => {
        const reader = stream.getReader();
        readers.push(reader);
        const chunks: Uint8Array[] = [];
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks.push(value);
          }
        } catch { /* cancelled */ }
        const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let off = 0;
        for (const c of chunks) {
          bytes.set(c, off);
          off += c.length;
        }
        return new TextDecoder().decode(bytes);
      };

      try {
        // Start draining the pipes before feeding stdin, so a chatty child cannot deadlock us.
        const outputs = Promise.all([
          child.status,
          opts.inherit ? "" : readAll(child.stdout),
          opts.inherit ? "" : readAll(child.stderr),
        ]);
        if (opts.stdin !== undefined) {
          const writer = child.stdin.getWriter();
          try {
            await writer.write(new TextEncoder().encode(opts.stdin));
            await writer.close();
          } catch { /* the child closed its stdin early: not our failure */ }
        }
        const [status, stdout, stderr] = await outputs;
        const code = status.code;
        if (timedOut) throw new HostError(`\`${line}\` timed out after ${seconds(timeoutMs)}`);
        return { code, stdout, stderr };
      } finally {
        clearTimeout(timer);
        clearTimeout(killTimer);
      }
    },
  };
}

/**
 * The one-line error of a command that exited non-zero: the command line, the exit code and the
 * trimmed stderr (newlines folded), e.g.
 * `` `systemctl --user start lychd.target` failed with exit code 1: Job for lychd.target failed ``.
 */
export function exitError(cmd: string, args: string[], result: RunResult): HostError {
  const stderr = result.stderr.trim().replace(/\s*\n\s*/g, " ");
  return new HostError(
    `\`${commandLine(cmd, args)}\` failed with exit code ${result.code}${stderr ? `: ${stderr}` : ""}`,
  );
}
