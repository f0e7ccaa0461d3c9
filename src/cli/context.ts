/**
 * What most verbs share: where things live, loading the Codex and the CDI specs, picking the
 * Podman version, and rendering. Effects go through the Host.
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import { DEFAULT_CODEX, DEFAULT_CODEX_NAME } from "../codex/default.ts";
import { loadCodexAsync } from "../codex/load.ts";
import type { Codex } from "../codex/model.ts";
import { CdiRegistry, ignoredSpecFiles, selectSpecFiles, type SpecFile } from "../cdi/registry.ts";
import { FsError, HostError } from "../host/host.ts";
import { makePlan, type Plan } from "../plan/plan.ts";
import { type Rendered, RenderError, renderPlan } from "../quadlet/render.ts";
import { CodexError } from "../codex/errors.ts";
import { indexToml, locate } from "../codex/locate.ts";
import { NEWEST, parseVersion } from "../quadlet/versions.ts";
import { podman } from "../host/podman.ts";
import { type Systemctl, systemctl } from "../host/systemctl.ts";
import { type Flags, UsageError } from "./command.ts";
import { LychdError } from "../errors.ts";
import type { Warning } from "../warnings.ts";
import { checkProtectedVolumes } from "../codex/protect.ts";
import { yamlParser } from "./yaml.ts";
import { hostInvocation } from "./invocation.ts";
import { gatewayProgramWarnings, gatewayReadWarnings, newerPodmanWarnings } from "./host_warnings.ts";
import { codexEnv } from "./arguments.ts";

/** Where lychd reads and writes. */
export interface Paths {
  codex: string;
  unitDir: string;
  systemdDir: string;
  cdiDirs: string[];
  /** `--system`: talk to the system manager, not `--user`. */
  system: boolean;
  /** Who named the Codex path (`--codex`, `LYCHD_CODEX`); undefined for the default location. */
  codexNamedBy?: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The config home: `$XDG_CONFIG_HOME`, else `$HOME/.config`. */
export function configHome(host: Host): string {
  const xdg = host.env("XDG_CONFIG_HOME");
  if (xdg && xdg.startsWith("/")) return xdg;
  const home = host.env("HOME");
  if (!home) {
    throw new LychdError(
      "neither XDG_CONFIG_HOME nor HOME is set",
      "set HOME, or pass --codex and --unit-dir",
    );
  }
  return `${home.replace(/\/$/, "")}/.config`;
}

/**
 * `p` against the working directory, its `.` segments and doubled slashes dropped (`./codex.toml` is
 * `/x/codex.toml` in messages, Rune headers and the manifest, not `/x/./codex.toml`). `..` stays:
 * through a symlink it does not mean what cutting a segment would.
 */
function absolute(host: Host, p: string): string {
  const abs = p.startsWith("/") ? p : `${host.cwd().replace(/\/$/, "")}/${p}`;
  const clean = abs.replace(/\/{2,}/g, "/").replace(/\/\.(?=\/|$)/g, "").replace(/(.)\/$/, "$1");
  return clean === "" ? "/" : clean;
}

/**
 * Resolve every path from flags and environment (see the README's "Where things live"). A Codex
 * path named by `--codex` or `LYCHD_CODEX` is recorded as such: it must exist (see readCodex).
 */
export function resolvePaths(host: Host, flags: Flags): Paths {
  const system = flags.system === true;
  const cfg = () => configHome(host);
  const codexNamedBy = str(flags.codex) ? "--codex" : codexEnv(host) ? "LYCHD_CODEX" : undefined;
  const codex = str(flags.codex) ?? codexEnv(host) ??
    (system ? "/etc/lychd/codex.toml" : `${cfg()}/lychd/codex.toml`);
  const unitDir = str(flags["unit-dir"]) ??
    (system ? "/etc/containers/systemd" : `${cfg()}/containers/systemd`);
  const systemdDir = str(flags["systemd-dir"]) ?? (system ? "/etc/systemd/system" : `${cfg()}/systemd/user`);
  const cdi = flags["cdi-dir"];
  const cdiDirs = Array.isArray(cdi) && cdi.length ? cdi : ["/etc/cdi", "/var/run/cdi"];
  return {
    codex: absolute(host, codex),
    unitDir: absolute(host, unitDir),
    systemdDir: absolute(host, systemdDir),
    cdiDirs: cdiDirs.map((d) => absolute(host, d)),
    system,
    ...(codexNamedBy ? { codexNamedBy } : {}),
  };
}

/** A loaded Codex and where it came from. */
export interface Loaded {
  codex: Codex;
  text: string;
  embedded: boolean;
}

/**
 * Read and validate the Codex. With `allowDefault` and no file at the default location, the
 * embedded default is used and a note goes to stderr. A path the user named (`--codex`,
 * `LYCHD_CODEX`) must exist: checking somebody else's stack instead would be a silent green.
 */
export async function readCodex(
  host: Host,
  paths: Paths,
  opts: { allowDefault: boolean; quiet?: boolean },
): Promise<Loaded> {
  const text = await host.fs.readTextFile(paths.codex);
  const protectedDirs = [paths.codex.replace(/\/[^/]*$/, "") || "/", paths.unitDir, paths.systemdDir];
  if (text === undefined) {
    if (paths.codexNamedBy) {
      throw new LychdError(
        `no Codex at ${paths.codex} (named by ${paths.codexNamedBy})`,
        "check the path; `lychd init --codex FILE` writes the default Codex there",
      );
    }
    if (!opts.allowDefault) {
      throw new LychdError(
        `no Codex at ${paths.codex}`,
        "run `lychd init` to write the default, or pass --codex FILE",
      );
    }
    if (!opts.quiet) {
      host.stderr.write(
        `lychd: no Codex at ${paths.codex}; using the embedded default Sepulcher (\`lychd init\` writes it)\n`,
      );
    }
    return {
      codex: await loadCodexAsync(DEFAULT_CODEX, DEFAULT_CODEX_NAME, { protectedDirs }),
      text: DEFAULT_CODEX,
      embedded: true,
    };
  }
  return { codex: await loadCodexAsync(text, paths.codex, { protectedDirs }), text, embedded: false };
}

/**
 * Read the CDI specs of the given directories as the CDI library does: each directory in order
 * (its index is the priority: a later directory overrides a device), `*.json` and `*.yaml` files
 * sorted by name; `*.yml` files are only named (in a warning). A file that cannot be read is a
 * spec that fails to load, not an error.
 */
export async function readRegistry(host: Host, dirs: string[]): Promise<CdiRegistry> {
  const files: SpecFile[] = [];
  const ignored: string[] = [];
  for (const [priority, dir] of dirs.entries()) {
    let names: string[] | undefined;
    try {
      names = await host.fs.readDir(dir);
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      files.push({ path: dir, text: "", priority, unreadable: e instanceof FsError ? e.reason : e.message });
      continue;
    }
    if (!names) continue;
    ignored.push(...ignoredSpecFiles(dir, names));
    for (const path of selectSpecFiles(dir, names)) {
      const info = await host.fs.stat(path);
      if (!info || info.isDirectory) continue;
      let text: string | undefined;
      try {
        text = await host.fs.readTextFile(path);
      } catch (e) {
        if (!(e instanceof HostError)) throw e;
        files.push({ path, text: "", priority, unreadable: e instanceof FsError ? e.reason : e.message });
        continue;
      }
      if (text !== undefined) files.push({ path, text, priority });
    }
  }
  // The YAML parser is loaded only when there is a spec to read (it is most of lychd's start-up).
  const parseYaml = files.length ? await yamlParser() : () => undefined;
  return CdiRegistry.fromSpecs(files, parseYaml, { ignored });
}

/** The Podman version to render for: flag, Codex, detected, newest. */
export async function targetVersion(
  host: Host,
  flags: Flags,
  codex: Codex,
): Promise<{ version: string; source: string }> {
  const flag = str(flags["podman-version"]);
  if (flag) {
    const v = parseVersion(flag);
    if (!v) throw new UsageError(`--podman-version ${JSON.stringify(flag)} is not a version`, 'e.g. "5.4"');
    return { version: v, source: "--podman-version" };
  }
  if (codex.podmanVersion) {
    return { version: parseVersion(codex.podmanVersion)!, source: "sepulcher.podman_version" };
  }
  try {
    const detected = await podman(host.runner).version();
    const v = detected ? parseVersion(detected) : undefined;
    if (v) return { version: v, source: `podman ${detected}` };
  } catch (e) {
    // podman missing or failing: render for the newest supported version (a bug propagates).
    if (!(e instanceof HostError)) throw e;
  }
  return { version: NEWEST, source: "newest supported (podman not found)" };
}

/** Everything `render`, `check` and `bind` need. */
export interface Built extends Loaded {
  paths: Paths;
  plan: Plan;
  rendered: Rendered;
  version: string;
  versionSource: string;
  /** Host-side warnings (CDI, versions). */
  warnings: Warning[];
}

/** What {@linkcode build} learned before it finished or threw (for `check --json` on exit 1). */
export interface Progress {
  /** The Codex file, once read (the embedded default's name when it was used). */
  file?: string;
  embedded?: boolean;
  /** Host-side warnings known so far (the CDI specs'). */
  warnings: Warning[];
}

/**
 * Load, plan and render. `opts.progress`, when given, is filled as the steps go, so a caller can
 * describe the Codex even when a later step throws.
 */
export async function build(
  host: Host,
  flags: Flags,
  opts: { allowDefault: boolean; progress?: Progress },
): Promise<Built> {
  const paths = resolvePaths(host, flags);
  const loaded = await readCodex(host, paths, {
    allowDefault: opts.allowDefault,
    quiet: flags.quiet === true,
  });
  if (opts.progress) {
    opts.progress.file = loaded.codex.file;
    opts.progress.embedded = loaded.embedded;
  }
  await checkProtectedVolumes(host, loaded.codex, loaded.embedded ? undefined : loaded.text, paths);
  const registry = await readRegistry(host, paths.cdiDirs);
  opts.progress?.warnings.push(...registry.warnings());
  // Plan and render refusals are Codex problems: give them the file's line:column too.
  const place = (issue: { path: string; message: string; hint?: string; line?: number; column?: number }) => {
    if (issue.line) return issue;
    const parts = issue.path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "")
      .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
    const pos = locate(indexToml(loaded.text), parts);
    return { ...issue, line: pos?.line, column: pos?.column };
  };
  let plan: Plan;
  try {
    plan = makePlan(loaded.codex, registry);
    if (opts.progress) opts.progress.warnings = [...plan.warnings]; // the registry's included
  } catch (e) {
    if (e instanceof CodexError) throw new CodexError(e.file, e.issues.map(place));
    throw e;
  }
  const { version, source } = await targetVersion(host, flags, loaded.codex);
  const lychd = hostInvocation(host, paths, loaded.codex.file);
  let rendered: Rendered;
  try {
    rendered = renderPlan(plan, { podmanVersion: version, lychd });
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    throw new CodexError(loaded.codex.file, [place({ path: e.path, message: e.message, hint: e.hint })]);
  }
  return {
    ...loaded,
    paths,
    plan,
    rendered,
    version,
    versionSource: source,
    warnings: [
      ...plan.warnings,
      ...rendered.warnings,
      ...await gatewayProgramWarnings(host, plan, lychd),
      ...gatewayReadWarnings(plan),
      ...newerPodmanWarnings(version, source),
    ],
  };
}

/** Absolute destination of a Rune. */
export function runePath(paths: Paths, rune: { dir: "quadlet" | "systemd"; name: string }): string {
  return `${rune.dir === "quadlet" ? paths.unitDir : paths.systemdDir}/${rune.name}`;
}

/** `systemctl`, `--user` unless `--system`. */
export function manager(host: Host, paths: Paths): Systemctl {
  return systemctl(host.runner, { user: !paths.system });
}

/** The systemd unit a Rune or plain unit file becomes (Quadlet's naming rules). */
export { unitOfFile } from "../quadlet/naming.ts";

/**
 * Stop units, tolerating ones systemd never loaded (exit 5), e.g. after a generator error: a
 * stale Rune must still be prunable. Through `Systemctl`, so its failure reads like every other
 * systemctl failure.
 */
export async function stopTolerant(host: Host, paths: Paths, units: string[]): Promise<void> {
  await manager(host, paths).stop(units, { timeoutMs: 300_000, allowUnloaded: true });
}
