/**
 * The Quadlet oracles: podman's own generator built from every minor's last release tag
 * (`quadlet-4.4.4` … `quadlet-5.8.2`, see scripts/build-oracles.sh), taken from the directory in
 * `$LYCHD_QUADLET_ORACLES`. Runs one over a directory and reads what it said.
 *
 * A generator that meets a key it does not know drops that file and (4.4, 4.5) still exits 0, so
 * every verdict here is decided from stdout (which units appeared) and stderr (which complaints),
 * never from the exit status.
 *
 * @module
 */
import { splitDryrun } from "./systemd.ts";

/** The last patch release of every supported minor, ascending: the oracle set. */
export const ORACLE_RELEASES = [
  "4.4.4",
  "4.5.1",
  "4.6.2",
  "4.7.2",
  "4.8.3",
  "4.9.5",
  "5.0.3",
  "5.1.2",
  "5.2.5",
  "5.3.2",
  "5.4.2",
  "5.5.2",
  "5.6.2",
  "5.7.1",
  "5.8.2",
];

/** `4.9.5` → `4.9`. */
export function minorOf(release: string): string {
  return release.split(".").slice(0, 2).join(".");
}

/**
 * Whether a missing oracle must fail the run (CI) rather than be skipped loudly. A public CI that
 * has no oracle set (GitHub's runners: the set lives beside this project's own CI, not in the
 * repository) says so with `LYCHD_ORACLES_OPTIONAL=1`, and the skip banner stays loud there.
 */
export const REQUIRE_ORACLES = Deno.env.get("CI") === "true" &&
  Deno.env.get("LYCHD_ORACLES_OPTIONAL") !== "1";

/** The oracle directory from `$LYCHD_QUADLET_ORACLES`, or undefined. */
export function oracleDir(): string | undefined {
  try {
    return Deno.env.get("LYCHD_QUADLET_ORACLES") || undefined;
  } catch {
    return undefined; // no --allow-env
  }
}

function isExecutable(p: string): boolean {
  try {
    const st = Deno.statSync(p);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The generator binary of one release, or undefined when it is not there. */
export function oracleBinary(release: string): string | undefined {
  const dir = oracleDir();
  if (!dir) return undefined;
  const bin = `${dir.replace(/\/+$/, "")}/quadlet-${release}`;
  return isExecutable(bin) ? bin : undefined;
}

/** The releases whose generator is missing (all of them when the variable is unset). */
export function missingOracles(): string[] {
  return ORACLE_RELEASES.filter((r) => oracleBinary(r) === undefined);
}

/**
 * Say loudly, once per test file, which oracles are missing; in CI the tests fail instead.
 * Returns whether the oracle tests must be ignored.
 */
export function skipWithoutOracles(what: string): boolean {
  const missing = missingOracles();
  if (!missing.length) return false;
  if (REQUIRE_ORACLES) return false; // the tests run and fail, naming what is missing
  const dir = oracleDir();
  console.warn(
    `\n!!! ${what}: Quadlet oracles missing (${missing.join(", ")}) ${
      dir ? `in ${dir}` : "(LYCHD_QUADLET_ORACLES is not set)"
    }: these tests are SKIPPED.\n` +
      `!!! Point LYCHD_QUADLET_ORACLES at a directory of quadlet-<version> binaries ` +
      `(scripts/build-oracles.sh builds them). CI fails instead.\n`,
  );
  return true;
}

/**
 * A scratch directory for Quadlet files: on /dev/shm when it is there (thousands of tiny files;
 * on a busy disk each create costs milliseconds, on tmpfs microseconds), else the usual temp dir.
 */
export async function scratchDir(prefix: string): Promise<string> {
  try {
    return await Deno.makeTempDir({ dir: "/dev/shm", prefix });
  } catch {
    return await Deno.makeTempDir({ prefix });
  }
}

/** One generator complaint about one file. */
export interface Complaint {
  /** File base name, e.g. `x.container`. */
  file: string;
  /** The key it did not know, when the complaint is `unsupported key`. */
  key?: string;
  group?: string;
  line: string;
}

/** What a generator made of a directory. */
export interface OracleRun {
  release: string;
  code: number;
  stdout: string;
  stderr: string;
  /** Generated unit name → text. */
  units: Map<string, string>;
  /** Complaints about files (every stderr line but the `Loading source unit file` ones). */
  complaints: Complaint[];
}

const UNSUPPORTED = /unsupported key '([^']+)' in group '([^']+)' in (\S+)/;
const FILE_OF = /(?:converting|Error converting) ['"]([^'"]+)['"]/;

/** Run one release's generator (`-dryrun -user`) over an absolute directory. */
export async function runOracle(release: string, dir: string): Promise<OracleRun> {
  const bin = oracleBinary(release);
  if (!bin) {
    throw new Error(
      `no Quadlet oracle quadlet-${release} in ${oracleDir() ?? "$LYCHD_QUADLET_ORACLES (unset)"}` +
        ` (scripts/build-oracles.sh builds it)`,
    );
  }
  const out = await new Deno.Command(bin, {
    args: ["-dryrun", "-user", "-no-kmsg-log"],
    env: { QUADLET_UNIT_DIRS: dir },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  const stderr = dec.decode(out.stderr);
  const complaints: Complaint[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.trim() || /Loading source unit file/.test(line)) continue;
    const u = UNSUPPORTED.exec(line);
    if (u) {
      complaints.push({ file: u[3].slice(u[3].lastIndexOf("/") + 1), key: u[1], group: u[2], line });
      continue;
    }
    const f = FILE_OF.exec(line);
    complaints.push({ file: f ? f[1].slice(f[1].lastIndexOf("/") + 1) : "", line });
  }
  return { release, code: out.code, stdout, stderr, units: splitDryrun(stdout), complaints };
}
