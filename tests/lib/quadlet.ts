/**
 * Finds and runs the real Quadlet generator as a validator: `$LYCHD_QUADLET`, the host's
 * `/usr/libexec/podman/quadlet`, or the one inside the e2e root (Debian trixie, podman 5.4.2)
 * run through that root's own dynamic loader, so no chroot or mounts are needed.
 *
 * @module
 */

function isFile(p: string): boolean {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}

/**
 * argv prefix that runs a program: the host's `hostPath` if it exists, else the same program
 * inside the e2e root (Debian trixie) through that root's own dynamic loader.
 */
function hostOrRoot(hostPath: string, libDirs: string[] = []): string[] | undefined {
  if (isFile(hostPath)) return [hostPath];
  const root = Deno.env.get("LYCHD_E2E_ROOT") ?? "/var/cache/lychd-e2e/root";
  const bin = `${root}${hostPath}`;
  const loader = `${root}/lib64/ld-linux-x86-64.so.2`;
  if (!isFile(bin) || !isFile(loader)) return undefined;
  const lib = `${root}/usr/lib/x86_64-linux-gnu`;
  return [
    loader,
    "--library-path",
    [...libDirs.map((d) => `${lib}/${d}`), lib, `${root}/lib/x86_64-linux-gnu`].join(":"),
    bin,
  ];
}

/** argv prefix that runs the generator, or undefined when none is available. */
export function quadletCommand(): string[] | undefined {
  const env = Deno.env.get("LYCHD_QUADLET");
  return env ? [env] : hostOrRoot("/usr/libexec/podman/quadlet");
}

/** Whether a missing generator must fail the run (CI) rather than be skipped loudly. */
export const REQUIRE_ORACLE = Deno.env.get("CI") === "true" || Deno.env.get("LYCHD_REQUIRE_QUADLET") === "1";

/** Run `quadlet -dryrun -user` over a directory. */
export async function quadletDryrun(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd = quadletCommand();
  if (!cmd) {
    throw new Error("no Quadlet generator (LYCHD_E2E=1 scripts/e2e-host.sh build, or install podman >= 4.4)");
  }
  const out = await new Deno.Command(cmd[0], {
    args: [...cmd.slice(1), "-dryrun", "-user"],
    env: { QUADLET_UNIT_DIRS: dir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Print once, loudly, that the oracle is missing. */
export function warnMissing(what: string): void {
  console.warn(
    `\n!!! ${what}: the real Quadlet generator was not found, so this oracle test is SKIPPED.\n` +
      `!!! Get it with: LYCHD_E2E=1 scripts/e2e-host.sh build (or set LYCHD_QUADLET). CI fails instead.\n`,
  );
}

/** argv prefix that runs `systemd-analyze` (host, else the e2e root's through its loader). */
export function systemdAnalyzeCommand(): string[] | undefined {
  return hostOrRoot("/usr/bin/systemd-analyze", ["systemd"]);
}
