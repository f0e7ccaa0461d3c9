/**
 * The key table against the generators: every key of every group, every file kind and every
 * dated value is probed in each of the 15 oracles (podman's own `quadlet` of 4.4.4 … 5.8.2), and
 * the table must say exactly what they accept — no key dated too early (a Rune the generator
 * would drop) or too late (a needless fallback), none missing. And each fallback flag must be the
 * flag the key's own generator writes for it, so a fallback means the same thing as the key.
 *
 * Oracles: `$LYCHD_QUADLET_ORACLES` (scripts/build-oracles.sh). Missing: a loud skip, a failure in CI.
 */
import assert from "node:assert/strict";
import { FILE_KINDS, type KeySpec, QUADLET_KEYS } from "../src/quadlet/keys.ts";
import { execWords, lastValue } from "./lib/systemd.ts";
import { minorOf, ORACLE_RELEASES, runOracle, scratchDir, skipWithoutOracles } from "./lib/oracles.ts";
import { KINDS, probeAll } from "./lib/probe.ts";

const ignore = skipWithoutOracles("tests/oracle_keys_test.ts");

/**
 * Key names of the groups lychd does not write ([Kube], [Image], [Build], [Artifact],
 * [Quadlet]), probed in every group too, so that a key a generator accepts in [Container] but the
 * table lacks cannot hide.
 */
const OTHER_KEYS = [
  "AllTags",
  "Arch",
  "Artifact",
  "AuthFile",
  "BuildArg",
  "CertDir",
  "ConfigMap",
  "Creds",
  "DecryptionKey",
  "DefaultDependencies",
  "ExitCodePropagation",
  "File",
  "ForceRM",
  "IgnoreFile",
  "ImageTag",
  "KubeDownForce",
  "OS",
  "Policy",
  "Quiet",
  "SetWorkingDirectory",
  "TLSVerify",
  "Target",
  "Variant",
  "Yaml",
];

const GROUPS = Object.keys(QUADLET_KEYS) as (keyof typeof QUADLET_KEYS)[];
const specs = (g: keyof typeof QUADLET_KEYS) => QUADLET_KEYS[g] as Record<string, KeySpec>;

Deno.test({
  name: "key table = what each generator 4.4 … 5.8 accepts (every key of every group, every file kind)",
  ignore,
  async fn() {
    const universe = [...new Set([...GROUPS.flatMap((g) => Object.keys(specs(g))), ...OTHER_KEYS])].sort();
    const probed = await probeAll(Object.keys(KINDS), GROUPS.map((g) => g.toLowerCase()), universe);
    assert.deepEqual(probed.broken, [], "the probe itself is broken");
    assert.deepEqual(
      probed.regressions,
      [],
      "a key disappeared in a later release: the table cannot say that",
    );
    const wrong: string[] = [];
    for (const g of GROUPS) {
      const actual = probed.keySince.get(g.toLowerCase()) ?? new Map();
      for (const [key, spec] of Object.entries(specs(g))) {
        const got = actual.get(key);
        if (got !== spec.since) {
          wrong.push(`${g}.${key}: table ${spec.since}, generators ${got ?? "never (≤ 5.8)"}`);
        }
      }
      for (const [key, since] of actual) {
        if (!Object.hasOwn(specs(g), key)) {
          wrong.push(`${g}.${key}: accepted from ${since}, missing from the table`);
        }
      }
    }
    for (const [kind, { since }] of Object.entries(FILE_KINDS)) {
      const got = probed.kindSince.get(kind);
      if (got !== since) wrong.push(`.${kind} files: table ${since}, generators ${got ?? "never"}`);
    }
    assert.deepEqual(wrong, []);
  },
});

/**
 * How to see that a generator passes a value form on unchanged: a file per form (group, a value
 * that has the form) and what its ExecStart must then hold.
 */
const FORM_PROBES: Record<string, { kind: string; value: string; kept: (words: string[]) => boolean }> = {
  "Container.Notify=healthy": {
    kind: "container",
    value: "healthy",
    kept: (w) => w.includes("--sdnotify=healthy"),
  },
  "Container.PublishPort=0.0.0.0:…": {
    kind: "container",
    value: "0.0.0.0:8080:80",
    kept: (w) => w.some((x, i) => x === "0.0.0.0:8080:80" && w[i - 1] === "--publish"),
  },
  "Container.User=<not a bare number>": {
    kind: "container",
    value: "1000:1000",
    kept: (w) => w.some((x, i) => (x === "1000:1000" && w[i - 1] === "--user") || x === "--user=1000:1000"),
  },
  "Pod.PublishPort=0.0.0.0:…": {
    kind: "pod",
    value: "0.0.0.0:8080:80",
    kept: (w) => w.some((x, i) => x === "0.0.0.0:8080:80" && w[i - 1] === "--publish"),
  },
};

Deno.test({
  name: "dated value forms (Notify=healthy, PublishPort=0.0.0.0:…) = the first generator that keeps them",
  ignore,
  async fn() {
    const forms = GROUPS.flatMap((g) =>
      Object.entries(specs(g)).flatMap(([key, spec]) =>
        (spec.forms ?? []).map((f) => ({ id: `${g}.${key}=${f.name}`, g, key, form: f }))
      )
    );
    assert.deepEqual(
      forms.map((f) => f.id).sort(),
      Object.keys(FORM_PROBES).sort(),
      "a form without a probe",
    );
    const dir = await scratchDir("lychd-probe-forms-");
    try {
      forms.forEach((f, i) => {
        const p = FORM_PROBES[f.id];
        assert.ok(f.form.match(p.value), `${f.id}: the probe value does not have the form`);
        const base = KINDS[p.kind].base;
        Deno.writeTextFileSync(`${dir}/f${i}.${p.kind}`, `[${f.g}]\n${base}${f.key}=${p.value}\n`);
      });
      const first = new Map<string, string>();
      for (const release of ORACLE_RELEASES) {
        const run = await runOracle(release, dir);
        forms.forEach((f, i) => {
          const p = FORM_PROBES[f.id];
          const unit = p.kind === "container" ? `f${i}.service` : `f${i}-${p.kind}.service`;
          // A .pod's ExecStartPre creates the pod: its flags are there.
          const text = run.units.get(unit) ?? "";
          const line = p.kind === "pod" ? lastValue(text, "ExecStartPre") : lastValue(text, "ExecStart");
          const kept = line !== undefined && p.kept(execWords(line));
          if (kept && !first.has(f.id)) first.set(f.id, minorOf(release));
          if (!kept && first.has(f.id)) first.set(f.id, `regressed in ${release}`);
        });
      }
      for (const f of forms) assert.equal(first.get(f.id), f.form.since, f.id);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A sample value per key with a flag fallback. */
const SAMPLES: Record<string, string> = {
  ReadOnly: "true",
  HealthCmd: '["CMD","true"]',
  HealthInterval: "30s",
  HealthRetries: "3",
  HealthStartPeriod: "1m",
  HealthTimeout: "5s",
  LogDriver: "journald",
  Mount: "type=tmpfs,destination=/probe",
  Secret: "probe,type=env,target=PROBE",
  Tmpfs: "/probe:rw,size=64m",
  UserNS: "keep-id",
  AutoUpdate: "registry",
  HostName: "probe",
  Pull: "missing",
  Sysctl: "net.ipv4.ip_forward=1",
  WorkingDir: "/probe",
  DNS: "192.0.2.1",
  PidsLimit: "100",
  ShmSize: "64m",
  Ulimit: "nofile=1024:2048",
  Entrypoint: '["/bin/sh","-c"]',
  StopTimeout: "20",
  GroupAdd: "keep-groups",
  LogOpt: "max-size=10m",
  NetworkAlias: "probe",
  StopSignal: "SIGINT",
  AddHost: "probe.local:192.0.2.1",
  Memory: "2g",
};

Deno.test({
  name: "each fallback flag is the flag the newest generator itself writes for the key",
  ignore,
  async fn() {
    const newest = ORACLE_RELEASES.at(-1)!;
    const keys = Object.entries(specs("Container")).filter(([, s]) => s.fallback && "flag" in s.fallback);
    const dir = await scratchDir("lychd-probe-flags-");
    try {
      for (const [key] of keys) {
        assert.ok(SAMPLES[key], `no sample value for ${key}`);
        const net = key === "NetworkAlias" ? "Network=probe.network\n" : "";
        await Deno.writeTextFile(
          `${dir}/f-${key}.container`,
          `[Container]\nImage=localhost/probe\n${net}${key}=${SAMPLES[key]}\n`,
        );
      }
      await Deno.writeTextFile(`${dir}/probe.network`, "[Network]\n");
      const run = await runOracle(newest, dir);
      assert.deepEqual(run.complaints, []);
      const wrong: string[] = [];
      for (const [key, spec] of keys) {
        const fb = spec.fallback as { flag: string; value?: (v: string) => string };
        const value = fb.value ? fb.value(SAMPLES[key]) : SAMPLES[key];
        const words = execWords(lastValue(run.units.get(`f-${key}.service`) ?? "", "ExecStart") ?? "");
        const at = words.findIndex((w, i) =>
          w === `${fb.flag}=${value}` || (w === fb.flag && words[i + 1] === value) ||
          (value === "true" && w === fb.flag)
        );
        if (at < 0) wrong.push(`${key}=${SAMPLES[key]}: no ${fb.flag} ${value} in ${words.join(" ")}`);
      }
      assert.deepEqual(wrong, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
