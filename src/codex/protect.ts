/**
 * The host-side half of the protected-paths rule: a volume source may not be, contain or sit
 * beneath the Codex directory or the unit directories. `validate.ts` checks the words as written;
 * this resolves symlinks on the host, so `/tmp/x/link -> ~/.config/lychd` is refused too.
 *
 * Paths that do not exist yet are resolved through their nearest existing ancestor (the rest is
 * appended as written), since the host may create them later. A dangling symlink cannot be
 * followed (the Host has no readlink) and could later lead anywhere: a source through one is
 * refused.
 *
 * @module
 */
import * as posix from "../host/posix_path.ts";
import type { Host } from "../host/host.ts";
import { CodexError, q } from "./errors.ts";
import { indexToml, locate } from "./locate.ts";
import { dotted } from "./load.ts";
import type { Codex } from "./model.ts";
import { pathsNest } from "./validate.ts";

/** Where the Codex and the unit directories are (the CLI's `Paths`). */
export interface ProtectedPaths {
  /** The Codex file; its directory is protected. */
  codex: string;
  unitDir: string;
  systemdDir: string;
}

/** Where a path leads on the host. */
export interface Resolved {
  /** The path with every existing symlink resolved. */
  real: string;
  /** A symlink on the way whose target does not exist (it cannot be followed yet). */
  dangling?: string;
}

/** A path resolved, and whether nothing is there (`lstat` found nothing, so nothing beneath either). */
export interface Step extends Resolved {
  missing?: boolean;
}

/**
 * `path` with symlinks resolved: `realPath` of the nearest existing ancestor plus the remaining
 * components. A component that cannot be resolved (missing, unreadable, a loop) is treated as
 * missing; a dangling symlink among them is reported (the one nearest the root). `memo` shares
 * what ancestors resolve to between calls (one check of many volumes under `/srv` asks once).
 *
 * Ancestors first: beneath a path `lstat` found missing nothing is looked at (a Codex of 1,000
 * services with sources under one absent `/srv/x` asks about `/srv/x` once, not about each), and
 * a path this process may not read is not asked about (the refusal would only be caught again).
 */
export function resolveExisting(
  host: Host,
  path: string,
  memo: Map<string, Promise<Step>> = new Map(),
): Promise<Resolved> {
  const resolve = (cur: string): Promise<Step> => {
    let done = memo.get(cur);
    if (!done) {
      done = (async (): Promise<Step> => {
        if (cur === "/") return { real: "/" };
        const up = await resolve(posix.dirname(cur));
        const beneath = (symlink: boolean): Step => {
          const dangling = up.dangling ?? (symlink ? cur : undefined);
          return {
            real: posix.join(up.real, posix.basename(cur)),
            ...(dangling ? { dangling } : {}),
            ...(up.missing ? { missing: true } : {}),
          };
        };
        if (up.missing) return beneath(false);
        if (await host.permission({ kind: "read", target: cur }) !== "granted") return beneath(false);
        let info: Awaited<ReturnType<typeof host.fs.stat>>;
        try {
          info = await host.fs.stat(cur);
        } catch {
          return beneath(false); // unreadable: treated as missing
        }
        if (info === undefined) return { ...beneath(false), missing: true };
        let real: string | undefined;
        try {
          real = await host.fs.realPath(cur);
        } catch {
          real = undefined;
        }
        return real !== undefined ? { real } : beneath(info.isSymlink);
      })();
      memo.set(cur, done);
    }
    return done;
  };
  // Absolute paths (every host-path volume) need no working directory: asking for it is a syscall.
  return resolve(path.startsWith("/") ? posix.resolve(path) : posix.resolve(host.cwd(), path))
    .then(({ real, dangling }) => dangling ? { real, dangling } : { real });
}

/**
 * Refuse (CodexError, one line) the first host-path volume whose source, symlinks resolved,
 * overlaps a protected directory, symlinks resolved. Named volumes are not host paths.
 */
export async function checkProtectedVolumes(
  host: Host,
  codex: Codex,
  text: string | undefined,
  paths: ProtectedPaths,
): Promise<void> {
  const named: [string, string][] = [
    ["the Codex directory", posix.dirname(posix.resolve(host.cwd(), paths.codex))],
    ["the Quadlet unit directory", paths.unitDir],
    ["the systemd unit directory", paths.systemdDir],
  ];
  const memo = new Map<string, Promise<Step>>();
  const resolved: { what: string; dir: string; real: string }[] = [];
  for (const [what, dir] of named) {
    resolved.push({ what, dir, real: (await resolveExisting(host, dir, memo)).real });
  }
  // Resolve every host-path source at once (reads only), then judge them in Codex order.
  const sources = codex.services.flatMap((s) => s.mounts.filter((m) => !m.named && m.source.startsWith("/")));
  await Promise.all(sources.map((m) => resolveExisting(host, m.source, memo)));
  let index: ReturnType<typeof indexToml> | undefined;
  for (const s of codex.services) {
    for (const [i, m] of s.mounts.entries()) {
      if (m.named || !m.source.startsWith("/")) continue;
      const { real, dangling } = await resolveExisting(host, m.source, memo);
      const path = [...s.path.split("."), "volumes", i];
      const refuse = (message: string, hint: string) => {
        const pos = text === undefined ? undefined : locate(index ??= indexToml(text), path);
        return new CodexError(codex.file, [{
          path: dotted(path),
          message,
          hint,
          line: pos?.line,
          column: pos?.column,
        }]);
      };
      const hit = resolved.find((d) => pathsNest(real, d.real) || pathsNest(m.source, d.real));
      if (hit) {
        const into = hit.real === hit.dir ? q(hit.dir) : `${q(hit.dir)} (${q(hit.real)})`;
        throw refuse(
          `volume source ${q(m.source)} resolves to ${q(real)}, which overlaps ${hit.what} ${into}`,
          "mount a directory outside the Codex and unit directories; lychd manages those",
        );
      }
      if (dangling) {
        // Its target may appear later (even be created by this bind): it cannot be judged now.
        throw refuse(
          `volume source ${q(m.source)} goes through the dangling symlink ${q(dangling)}`,
          "create the symlink's target first, or name the real path",
        );
      }
    }
  }
}
