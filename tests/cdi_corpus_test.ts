/**
 * The corpus of real CDI specs (tests/cdi/specs, sources in tests/cdi/SOURCES.md): each is read as
 * the CDI library reads it (loads or not, which devices), and every pair of its devices gets a
 * verdict that must match the PHYSICAL TRUTH written below, from what the spec's source says the
 * hardware is, not from lychd's rule. The same corpus dropped into one directory (as a careless
 * host might) checks the library's conflict handling, the warnings, and every pair across kinds
 * through both the overlap rule and the soulstone conflict graph. The AMD golden case (amd2) is
 * checked here too.
 */
import { warningLine } from "../src/warnings.ts";
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { CdiRegistry, selectSpecFiles } from "../src/cdi/registry.ts";
import { conflictGraph } from "../src/plan/exclusivity.ts";
import { goldenCases, registryOf } from "./lib/golden.ts";
import { loadCodex } from "../src/codex/load.ts";
import { makePlan } from "../src/plan/plan.ts";
import { TRUTH } from "./cdi/truth.ts";

const DIR = new URL("./cdi/specs/", import.meta.url).pathname;

/** Physical truth for two devices: the same device, or some hardware in common. */
function truth(a: string, b: string, hwA: string[], hwB: string[]): boolean {
  return a === b || hwA.some((h) => hwB.includes(h));
}

/** Unordered pairs, self-pairs included. */
function pairs<T>(xs: T[]): [T, T][] {
  const out: [T, T][] = [];
  xs.forEach((x, i) => xs.slice(i).forEach((y) => out.push([x, y])));
  return out;
}

const read = (file: string) => Deno.readTextFileSync(`${DIR}${file}`);

Deno.test("corpus: the table covers every file in tests/cdi/specs, and SOURCES.md names each", () => {
  const files = [...Deno.readDirSync(DIR)].map((e) => e.name).sort();
  assert.deepEqual(TRUTH.map((t) => t.file), files);
  const sources = Deno.readTextFileSync(new URL("./cdi/SOURCES.md", import.meta.url));
  for (const f of files) assert.ok(sources.includes(`\`${f}\``), `${f} is not in SOURCES.md`);
});

let verdicts = 0;

for (const t of TRUTH) {
  Deno.test(`corpus ${t.file}: ${t.loads ? "loads; every pair matches the physical truth" : "fails to load"}`, () => {
    const reg = CdiRegistry.fromSpecs([{ path: `/etc/cdi/${t.file}`, text: read(t.file) }], parseYaml);
    if (!t.loads) {
      assert.equal(reg.specs.length, 0);
      assert.equal(reg.failures.length, 1);
      assert.match(reg.failures[0].reason, t.reason);
      const w = reg.warnings().map(warningLine);
      assert.equal(w.length, 1, "one warning line");
      assert.ok(w[0].startsWith(`CDI spec /etc/cdi/${t.file} is skipped`), w[0]);
      return;
    }
    assert.deepEqual(reg.failures, [], JSON.stringify(reg.failures));
    assert.deepEqual(reg.kinds(), [t.kind]);
    const names = Object.keys(t.hardware);
    assert.deepEqual(reg.knownNames(t.kind).sort(), [...names].sort());
    for (const [a, b] of pairs(names)) {
      const want = truth(a, b, t.hardware[a], t.hardware[b]);
      const got = reg.overlap(`${t.kind}=${a}`, `${t.kind}=${b}`);
      assert.deepEqual(got, { overlap: want, byName: false }, `${t.file}: ${a} vs ${b} (${t.why})`);
      verdicts++;
    }
  });
}

Deno.test("corpus in one directory: skipped specs warn, the device three files define is dropped, every pair across kinds matches", () => {
  const names = [...Deno.readDirSync(DIR)].map((e) => e.name);
  const files = selectSpecFiles("/etc/cdi", names).map((path) => ({
    path,
    text: read(path.slice("/etc/cdi/".length)),
  }));
  const reg = CdiRegistry.fromSpecs(files, parseYaml);
  assert.deepEqual(reg.failures.map((f) => f.path), [
    "/etc/cdi/cdi-readme-vendor-annotations.json",
    "/etc/cdi/cdi-schema-bad-empty.json",
    "/etc/cdi/cdi-schema-bad-explicit-empty.json",
  ]);
  assert.deepEqual(reg.conflicts, [{
    qualified: "vendor.com/device=myDevice",
    paths: [
      "/etc/cdi/cdi-readme-vendor.json",
      "/etc/cdi/cdi-schema-good-minimal.json",
      "/etc/cdi/cdi-schema-good-spec-example.json",
    ],
  }]);
  assert.equal(reg.device("vendor.com/device=myDevice"), undefined, "the library drops a conflicting device");
  const w = reg.warnings().map(warningLine);
  assert.equal(w.length, 4);
  assert.match(
    w[3],
    /^CDI device "vendor.com\/device=myDevice" is defined by \/etc\/cdi\/cdi-readme-vendor.json, /,
  );
  const r = reg.resolve("vendor.com/device=myDevice");
  assert.ok(!r.ok && r.reason === "conflict");

  // Every resolvable device of every spec, against every other, across kinds. (Specs from two
  // hosts side by side: the AMD spec's renderD128 and the NVIDIA spec's are one node here.)
  const all: { q: string; hw: string[] }[] = [];
  for (const t of TRUTH) {
    if (!t.loads) continue;
    for (const [n, hw] of Object.entries(t.hardware)) {
      const q = `${t.kind}=${n}`;
      if (reg.device(q)) all.push({ q, hw });
    }
  }
  assert.equal(all.length, 9);
  const stones = all.map((d, i) => ({
    name: `s${String(i).padStart(2, "0")}`,
    devices: [d.q],
    exclusive: true,
    coexistsWith: [],
  }));
  // Two stones per device, so that a device against itself is a pair of the graph too.
  const twins = stones.map((s) => ({ ...s, name: `${s.name}b` }));
  const graph = conflictGraph([...stones, ...twins], reg, {});
  const conflicting = new Set(graph.pairs.map(([x, y]) => `${x}|${y}`));
  for (const [i, j] of pairs(all.map((_, k) => k))) {
    const a = all[i];
    const b = all[j];
    const want = truth(a.q, b.q, a.hw, b.hw);
    assert.equal(reg.overlap(a.q, b.q).overlap, want, `overlap ${a.q} vs ${b.q}`);
    const [x, y] = i === j ? [stones[i].name, twins[i].name] : [stones[i].name, twins[j].name].sort();
    assert.equal(conflicting.has(`${x}|${y}`), want, `conflict graph ${a.q} vs ${b.q}`);
    verdicts++;
  }
  assert.deepEqual(graph.warnings, []);
});

Deno.test("golden amd2: two AMD GPUs run in parallel; the stone on all conflicts with both", () => {
  const c = goldenCases().find((g) => g.name === "amd2")!;
  assert.equal(Deno.readTextFileSync(`${c.cdiDir}/amd.yaml`), read("amd-rocm-issue-3029.yaml"));
  const plan = makePlan(loadCodex(c.codexText, "codex.toml"), registryOf(c));
  assert.deepEqual(plan.pairs, [["both", "card0"], ["both", "card1"]]);
  assert.deepEqual(plan.warnings, []);
});

Deno.test("corpus: verdict count", () => {
  // 19 verdicts within the specs, 45 across the one-directory corpus (each through two rules).
  assert.equal(verdicts, 64, "a verdict test did not run");
});

/**
 * What a real podman 5.4.2 (its vendored CDI library) did with the same files, recorded by
 * tests/cdi/podman_probe.ts in the e2e root: a device "resolved" unless podman said
 * "unresolvable CDI devices". One known difference, documented in docs/cdi.md: podman 5.4.2's
 * library predates CDI 1.1.0, so it refuses the tutorial's `cdiVersion: "1.1.0"`, which the
 * library lychd follows (05ae4b5) accepts.
 */
const OBSERVED = JSON.parse(
  Deno.readTextFileSync(new URL("./cdi/podman-5.4.2-observed.json", import.meta.url)),
);
const NEWER_THAN_PODMAN_5_4 = new Set(["cdi-tutorial-tutorial.yaml"]);

Deno.test("podman 5.4.2 resolves exactly the devices lychd loads, alone and all in one directory, and fails the same specs for the same reasons", () => {
  assert.equal(OBSERVED.podman, "podman version 5.4.2");
  let compared = 0;
  for (
    const seen of OBSERVED.alone as {
      file: string;
      results: { device: string; resolved: boolean; refresh: string[] }[];
    }[]
  ) {
    const reg = CdiRegistry.fromSpecs([{ path: `/etc/cdi/${seen.file}`, text: read(seen.file) }], parseYaml);
    for (const r of seen.results) {
      const lychd = reg.device(r.device) !== undefined;
      if (NEWER_THAN_PODMAN_5_4.has(seen.file)) {
        assert.equal(lychd, true, r.device);
        assert.equal(r.resolved, false, r.device);
        assert.match(r.refresh.join("\n"), /invalid version \\"1\.1\.0\\"/);
        continue;
      }
      assert.equal(lychd, r.resolved, `${seen.file}: ${r.device}`);
      compared++;
    }
    // The library's reason for a spec that fails to load is lychd's reason too.
    const why = reg.failures[0]?.reason;
    if (why !== undefined) {
      const logged = seen.results[0].refresh.join("\n").replaceAll('\\"', '"'); // logfmt escapes quotes
      const core = /no Spec data|invalid version ""|did not find expected ','/.exec(logged)?.[0];
      assert.ok(core, logged);
      const ours = core === "did not find expected ','" ? "is not valid JSON" : core;
      assert.ok(why.includes(ours), `${seen.file}: lychd says ${why}; podman logged ${logged}`);
    }
  }
  const names = [...Deno.readDirSync(DIR)].map((e) => e.name);
  const reg = CdiRegistry.fromSpecs(
    selectSpecFiles("/etc/cdi", names).map((path) => ({ path, text: read(path.slice("/etc/cdi/".length)) })),
    parseYaml,
  );
  for (const r of OBSERVED.together as { device: string; resolved: boolean }[]) {
    if (r.device.startsWith("tutorial.")) continue; // see NEWER_THAN_PODMAN_5_4
    assert.equal(reg.device(r.device) !== undefined, r.resolved, `together: ${r.device}`);
    compared++;
  }
  assert.equal(compared, 13 + 10);
});
