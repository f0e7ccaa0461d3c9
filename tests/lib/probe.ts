/**
 * Probe the oracles for what each Podman minor accepts: one tiny Quadlet file per (file kind,
 * key), all of one release's files in one directory and one generator run (15 runs in all).
 *
 * A key is rejected when the generator says `unsupported key 'K' in group 'G'` about its file; a
 * file kind is read when its bare file turns into a unit. A rejected bogus key and an accepted
 * bare file in every kind the release reads keep the detection honest.
 *
 * @module
 */
import { minorOf, ORACLE_RELEASES, runOracle, scratchDir } from "./oracles.ts";

/** File kind → its Quadlet group and the smallest body the generator converts. */
export const KINDS: Record<string, { group: string; base: string }> = {
  container: { group: "Container", base: "Image=localhost/probe\n" },
  volume: { group: "Volume", base: "" },
  network: { group: "Network", base: "" },
  pod: { group: "Pod", base: "" },
  kube: { group: "Kube", base: "Yaml=/probe.yaml\n" },
  image: { group: "Image", base: "Image=localhost/probe\n" },
  build: { group: "Build", base: "ImageTag=localhost/probe\nSetWorkingDirectory=/\n" },
  artifact: { group: "Artifact", base: "Artifact=localhost/probe\n" },
};

/**
 * Probe values that parse: some generators index into a split value without checking (4.6's
 * `Mount=1` panics), and a panic ends the whole run.
 */
const VALUES: Record<string, string> = {
  Mount: "type=tmpfs,destination=/probe",
  Volume: "/probe:/probe",
  PublishPort: "8080:80",
  ExposeHostPort: "80",
  AutoUpdate: "registry",
  Ulimit: "nofile=1:1",
  Network: "host",
  Tmpfs: "/probe",
  Sysctl: "net.ipv4.ip_forward=1",
  Label: "a=b",
  Annotation: "a=b",
  Environment: "A=B",
  Secret: "probe",
  Exec: "true",
};

/** A key name no Podman knows: must be rejected everywhere. */
export const BOGUS = "LychdNoSuchKey";

/** Result of probing one release. */
export interface ProbeResult {
  release: string;
  /** File kinds (`container`, `pod`, …) whose bare file became a unit. */
  kinds: Set<string>;
  /** kind → keys accepted (in kinds the release reads). */
  accepted: Map<string, Set<string>>;
  /** Problems with the probe itself (bogus key accepted, bare file not converted). */
  broken: string[];
}

const unitOf = (file: string, kind: string) =>
  kind === "container" || kind === "kube"
    ? file.replace(/\.[a-z]+$/, ".service")
    : file.replace(/\.([a-z]+)$/, "-$1.service");

async function runChecked(release: string, dir: string) {
  const run = await runOracle(release, dir);
  if (/^panic:/m.test(run.stderr)) {
    throw new Error(
      `quadlet-${release} panicked on the probe:\n${run.stderr.slice(run.stderr.indexOf("panic:"))}`,
    );
  }
  return run;
}

/**
 * Probe one release: first a bare file of every kind in `kinds` (which kinds it reads), then
 * `keys` (key names) in each kind of `keyKinds` that it reads.
 */
export async function probeRelease(
  release: string,
  kinds: string[],
  keyKinds: string[],
  keys: string[],
): Promise<ProbeResult> {
  const dir = await scratchDir(`lychd-probe-${release}-`);
  try {
    for (const kind of kinds) {
      const { group, base } = KINDS[kind];
      await Deno.writeTextFile(`${dir}/bare-${kind}.${kind}`, `[${group}]\n${base}`);
    }
    const bare = await runChecked(release, dir);
    const kindsRead = new Set(kinds.filter((k) => bare.units.has(unitOf(`bare-${k}.${k}`, k))));
    for (const kind of kinds) await Deno.remove(`${dir}/bare-${kind}.${kind}`);

    const files = new Map<string, { kind: string; key: string }>();
    for (const kind of keyKinds.filter((k) => kindsRead.has(k))) {
      const { group, base } = KINDS[kind];
      for (const key of [...keys, BOGUS]) {
        const name = `k-${key}.${kind}`;
        // The base's own key is not repeated (a second Image= would still be accepted).
        const body = base.split("\n").some((l) => l.startsWith(`${key}=`))
          ? base
          : `${base}${key}=${VALUES[key] ?? "1"}\n`;
        await Deno.writeTextFile(`${dir}/${name}`, `[${group}]\n${body}`);
        files.set(name, { kind, key });
      }
    }
    const accepted = new Map<string, Set<string>>();
    const broken: string[] = [];
    if (!files.size) return { release, kinds: kindsRead, accepted, broken };
    const run = await runChecked(release, dir);
    const rejected = new Set(
      run.complaints.filter((c) => c.key !== undefined).map((c) => `${c.file}\n${c.group}\n${c.key}`),
    );
    for (const [file, { kind, key }] of files) {
      const isRejected = rejected.has(`${file}\n${KINDS[kind].group}\n${key}`);
      if (key === BOGUS) {
        if (!isRejected) broken.push(`${release}: bogus key accepted in .${kind}`);
        continue;
      }
      if (!isRejected) {
        if (!accepted.has(kind)) accepted.set(kind, new Set());
        accepted.get(kind)!.add(key);
      }
    }
    return { release, kinds: kindsRead, accepted, broken };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * First minor accepting each key of each kind, and first minor reading each kind, over every
 * release (keys accepted by a release but not by a later one are reported in `regressions`).
 */
export async function probeAll(kinds: string[], keyKinds: string[], keys: string[]): Promise<{
  keySince: Map<string, Map<string, string>>;
  kindSince: Map<string, string>;
  regressions: string[];
  broken: string[];
}> {
  const results = await Promise.all(ORACLE_RELEASES.map((r) => probeRelease(r, kinds, keyKinds, keys)));
  const keySince = new Map<string, Map<string, string>>();
  const kindSince = new Map<string, string>();
  const regressions: string[] = [];
  const broken = results.flatMap((r) => r.broken);
  for (const r of results) {
    const minor = minorOf(r.release);
    for (const kind of r.kinds) if (!kindSince.has(kind)) kindSince.set(kind, minor);
    for (const kind of keyKinds) {
      if (!keySince.has(kind)) keySince.set(kind, new Map());
      const since = keySince.get(kind)!;
      const acc = r.accepted.get(kind) ?? new Set();
      for (const key of acc) if (!since.has(key)) since.set(key, minor);
      if (r.kinds.has(kind)) {
        for (const key of since.keys()) {
          if (!acc.has(key)) {
            regressions.push(`${kind}.${key}: accepted from ${since.get(key)}, rejected by ${r.release}`);
          }
        }
      }
    }
  }
  return { keySince, kindSince, regressions, broken };
}
