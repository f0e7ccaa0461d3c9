/**
 * Escaping, as a property, through the REAL Quadlet generator: random strings full of `%`, `$`,
 * quotes, backslashes, blanks, control characters, non-ASCII, `{}`, `;`, `#`, `=` are placed in
 * a service's description, command words, env values, label keys and values, annotations and a
 * string health command. For every generated Codex, EITHER lychd refuses it (CodexError or
 * RenderError, one line naming the field) OR the rendered `.container`, run through
 * `quadlet -dryrun -user`, comes back — after systemd's unescaping — as exactly the values
 * written: `--env K=V`, `--label K=V`, `--annotation K=V`, `--health-cmd ["CMD-SHELL", v]`, the
 * command words after the image, `Description=` (with `%%` → `%`); and no value adds a line, key
 * or section (the key sequence of the `.container` and of the generated `.service` equals that of
 * a twin with plain values).
 *
 * At least 10,000 cases per run, 500 `.container` files per generator run. The seed is random
 * (printed); `LYCHD_PROP_SEED=<n>` replays a run, `LYCHD_PROP_CASES=<n>` changes the count.
 * Without the generator outside CI the test is skipped loudly (`REQUIRE_ORACLE`, as oracle_test).
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import fc from "fast-check";
import { loadCodex } from "../src/codex/load.ts";
// Words schema rejections (loaded lazily by the CLI; a synchronous caller imports it once).
import "../src/codex/explain.ts";
import { CodexError } from "../src/codex/errors.ts";
import { CdiRegistry } from "../src/cdi/registry.ts";
import { makePlan } from "../src/plan/plan.ts";
import { RenderError, renderPlan } from "../src/quadlet/render.ts";
import { quadletCommand, quadletDryrun, REQUIRE_ORACLE, warnMissing } from "./lib/quadlet.ts";
import { execWordsRaw, keySequence, lastValue, splitDryrun } from "./lib/systemd.ts";
import { type Case, caseArb, codexText, IMAGE, twinOf } from "./lib/escaping_cases.ts";

const available = quadletCommand() !== undefined;
if (!available && !REQUIRE_ORACLE) warnMissing("tests/escaping_property_test.ts");

const CASES = Number(Deno.env.get("LYCHD_PROP_CASES") ?? 10_000);
const BATCH = 500;
const PARALLEL = 2;
const SEED = Number(Deno.env.get("LYCHD_PROP_SEED") ?? Math.floor(Math.random() * 2 ** 31));

const REGISTRY = CdiRegistry.fromSpecs([], parseYaml);

// ---- rendering and refusals ----

type Outcome = { ok: true; container: string } | { ok: false; class: string; line: string };

/** Refusal classes, by the message lychd gives. */
function classify(msg: string): string {
  if (/control character/.test(msg)) return "control character";
  if (/ends with a backslash/.test(msg)) return "trailing backslash (raw value)";
  if (/leading or trailing spaces/.test(msg)) return "leading/trailing space (raw value)";
  if (/empty argument cannot be passed/.test(msg)) return "empty command word";
  if (/health\.cmd/.test(msg) && /(too_small|at least|empty|>=1|must not be empty)/i.test(msg)) {
    return "empty health cmd";
  }
  if (/key "[^]*" contains "="/.test(msg)) return 'label/annotation key with "="';
  if (/(labels|annotations)\./.test(msg) && /(too_small|at least|empty|>=1)/i.test(msg)) {
    return "empty label/annotation key";
  }
  return `other: ${msg}`;
}

function render(c: Case): Outcome {
  const file = `/codex/c${c.id}.toml`;
  try {
    const codex = loadCodex(codexText(c), file);
    const { runes } = renderPlan(makePlan(codex, REGISTRY), { podmanVersion: "5.4" });
    const rune = runes.find((r) => r.name === `lychd-c${c.id}.container`);
    assert.ok(rune, `no .container for c${c.id}`);
    return { ok: true, container: rune.text };
  } catch (e) {
    if (e instanceof CodexError) return { ok: false, class: classify(e.message), line: e.oneLine() };
    if (e instanceof RenderError) {
      return { ok: false, class: classify(e.message), line: `${e.path}: ${e.message}` };
    }
    throw e;
  }
}

/** The `lychd.network` every bridge-mode container names (the same bytes for every case). */
const NETWORK = renderPlan(
  makePlan(
    loadCodex(codexText({ id: 0, command: [], env: [], labels: [], annotations: [] }), "/c.toml"),
    REGISTRY,
  ),
  { podmanVersion: "5.4" },
).runes.find((r) => r.name === "lychd.network")!.text;

// ---- reading what came back ----

/** Undo `%%` (and `$$` when `dollar`); a lone `%` or `$` means lychd emitted a specifier/variable. */
function strictUnescape(w: string, dollar: boolean): string {
  let out = "";
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (c === "%" || (dollar && c === "$")) {
      if (w[i + 1] !== c) throw new Error(`unescaped ${c} in ${JSON.stringify(w)}`);
      i++;
    }
    out += c;
  }
  return out;
}

/** Words of `ExecStart=` with the user-controlled ones strictly unescaped, grouped. */
function parseExec(line: string, commandLength: number) {
  const raw = execWordsRaw(line);
  const imageAt = raw.indexOf(IMAGE);
  if (imageAt < 0) throw new Error(`image missing from ${line}`);
  const pairs: Record<string, string[]> = {
    "--env": [],
    "--label": [],
    "--annotation": [],
    "--health-cmd": [],
  };
  const rest: string[] = [];
  for (let i = 0; i < imageAt; i++) {
    if (Object.hasOwn(pairs, raw[i]) && i + 1 < imageAt) pairs[raw[i]].push(strictUnescape(raw[++i], true));
    else rest.push(raw[i]);
  }
  const tail = raw.slice(imageAt + 1).map((w) => strictUnescape(w, true));
  if (tail.length !== commandLength) throw new Error(`${tail.length} command words, want ${commandLength}`);
  return { pairs, tail, rest };
}

/** What must hold for one accepted case; returns the problems. */
function checkCase(c: Case, container: string, service: string | undefined, twin: TwinInfo): string[] {
  const problems: string[] = [];
  const check = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message.split("\n")[0]}`);
    }
  };
  if (service === undefined) return ["no .service generated"];
  check("container keys", () => assert.deepEqual(keySequence(container), twin.containerKeys));
  check("service keys", () => {
    // [X-Container] repeats the .container's [Container] lines; the rest comes from Quadlet.
    const keys = keySequence(service);
    assert.deepEqual(keys, twin.serviceKeys);
  });
  check("ExecStart", () => {
    const { pairs, tail, rest } = parseExec(lastValue(service, "ExecStart")!, c.command.length);
    assert.deepEqual(tail, c.command, "command words");
    const sorted = (kv: [string, string][]) => kv.map(([k, v]) => `${k}=${v}`).sort();
    assert.deepEqual(pairs["--env"].sort(), sorted(c.env), "--env");
    assert.deepEqual(pairs["--label"].sort(), sorted(c.labels), "--label");
    assert.deepEqual(pairs["--annotation"].sort(), sorted(c.annotations), "--annotation");
    if (c.health === undefined) assert.deepEqual(pairs["--health-cmd"], []);
    else {
      assert.equal(pairs["--health-cmd"].length, 1);
      assert.deepEqual(JSON.parse(pairs["--health-cmd"][0]), ["CMD-SHELL", c.health], "--health-cmd");
    }
    assert.deepEqual(rest.map((w) => w.replaceAll(`c${c.id}`, "cID")), twin.execRest, "other words");
  });
  check("Description", () => {
    const want = c.description ?? `lychd service c${c.id}`;
    const got = lastValue(service, "Description");
    if (want === "") assert.equal(got, undefined);
    else assert.equal(strictUnescape(got ?? "", false), want);
  });
  return problems;
}

interface TwinInfo {
  containerKeys: string[];
  serviceKeys: string[];
  execRest: string[];
}

// ---- the run ----

interface Tally {
  cases: number;
  accepted: number;
  refused: Map<string, number>;
  failures: string[];
  generatorMs: number;
}

async function runBatch(cases: Case[], tally: Tally): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "lychd-prop-" });
  try {
    const accepted: { c: Case; container: string; twinId: number }[] = [];
    const twins = new Map<string, { id: number; container: string; c: Case }>();
    let nextTwin = 1_000_000;
    const writes: Promise<void>[] = [];
    for (const c of cases) {
      const out = render(c);
      tally.cases++;
      if (!out.ok) {
        tally.refused.set(out.class, (tally.refused.get(out.class) ?? 0) + 1);
        if (out.class.startsWith("other")) tally.failures.push(`c${c.id}: unclassified refusal: ${out.line}`);
        if (out.line.includes("\n")) tally.failures.push(`c${c.id}: refusal is not one line: ${out.line}`);
        continue;
      }
      tally.accepted++;
      // Twins with the same shape share one file (their key sequences are the same).
      const twin = twinOf(c, 0);
      const shape = JSON.stringify(twin);
      if (!twins.has(shape)) {
        const tc = twinOf(c, nextTwin++);
        const r = render(tc);
        if (!r.ok) throw new Error(`twin refused: ${r.line}`);
        twins.set(shape, { id: tc.id, container: r.container, c: tc });
        writes.push(Deno.writeTextFile(`${dir}/lychd-c${tc.id}.container`, r.container));
      }
      accepted.push({ c, container: out.container, twinId: twins.get(shape)!.id });
      writes.push(Deno.writeTextFile(`${dir}/lychd-c${c.id}.container`, out.container));
    }
    // The network every bridge-mode container names (the same file in every case).
    writes.push(Deno.writeTextFile(`${dir}/lychd.network`, NETWORK));
    await Promise.all(writes);
    if (!accepted.length) return;
    const t0 = performance.now();
    const res = await quadletDryrun(dir);
    tally.generatorMs += performance.now() - t0;
    const units = splitDryrun(res.stdout);
    const errors = res.stderr.split("\n").filter((l) => /error|converting|unsupported/i.test(l));
    for (const e of errors) tally.failures.push(`generator: ${e}`);
    if (res.code !== 0 && !errors.length) tally.failures.push(`generator exited ${res.code}: ${res.stderr}`);
    const twinInfo = new Map<number, TwinInfo>();
    for (const t of twins.values()) {
      const svc = units.get(`lychd-c${t.id}.service`);
      if (!svc) {
        tally.failures.push(`twin lychd-c${t.id}.service was not generated`);
        continue;
      }
      twinInfo.set(t.id, {
        containerKeys: keySequence(t.container),
        serviceKeys: keySequence(svc),
        execRest: parseExec(lastValue(svc, "ExecStart")!, t.c.command.length).rest.map((w) =>
          w.replaceAll(`c${t.id}`, "cID")
        ),
      });
    }
    for (const { c, container, twinId } of accepted) {
      const twin = twinInfo.get(twinId);
      if (!twin) continue;
      const problems = checkCase(c, container, units.get(`lychd-c${c.id}.service`), twin);
      if (problems.length) {
        tally.failures.push(`c${c.id} ${JSON.stringify(c)}: ${problems.join("; ")}\n${codexText(c)}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: `escaping property: ${CASES} random Codexes are refused or round-trip through the real Quadlet`,
  ignore: !available && !REQUIRE_ORACLE,
  async fn() {
    const t0 = performance.now();
    const all = fc.sample(caseArb(0), {
      numRuns: CASES,
      seed: SEED,
    }).map((c, i) => ({ ...c, id: i + 1 }));
    const sampledMs = performance.now() - t0;
    const tally: Tally = { cases: 0, accepted: 0, refused: new Map(), failures: [], generatorMs: 0 };
    const batches: Case[][] = [];
    for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
    let next = 0;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < batches.length) await runBatch(batches[next++], tally);
    }));
    const refused = [...tally.refused.entries()].sort((a, b) => b[1] - a[1]);
    console.log(
      `escaping property (seed ${SEED}): ${tally.cases} cases in ${batches.length} generator runs, ` +
        `${tally.accepted} round-tripped, ${tally.cases - tally.accepted} refused ` +
        `[${refused.map(([k, n]) => `${k}: ${n}`).join(", ")}]; ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s (sampling ${(sampledMs / 1000).toFixed(1)} s, ` +
        `generator ${(tally.generatorMs / 1000).toFixed(1)} s summed over ${PARALLEL} at a time)`,
    );
    assert.equal(tally.cases, CASES);
    assert.ok(tally.accepted >= CASES / 2, `only ${tally.accepted} of ${CASES} cases reached the generator`);
    assert.deepEqual(
      tally.failures.slice(0, 5),
      [],
      `${tally.failures.length} failures (replay: LYCHD_PROP_SEED=${SEED})`,
    );
  },
});

/** The value classes, by field: R = refused (one line naming the field), A = round-trips. */
const FIELDS: Record<string, (v: string) => Partial<Case>> = {
  description: (v) => ({ description: v }),
  command: (v) => ({ command: ["run", v] }),
  "env value": (v) => ({ env: [["K", v]] }),
  "label key": (v) => ({ labels: [[v, "x"]] }),
  "label value": (v) => ({ labels: [["k", v]] }),
  "health cmd": (v) => ({ health: v }),
};
const CLASSES: [string, string, string][] = [
  // class, example, outcome per field in FIELDS order
  ["newline", "a\nb", "RRRRRR"],
  ["tab", "a\tb", "RRRRRR"],
  ["DEL", "a\x7fb", "RRRRRR"],
  ["empty", "", "ARARAR"],
  ["trailing backslash", "a\\", "RAAAAA"],
  ["leading/trailing space", " a ", "RAAAAA"],
  ["trailing NEL (U+0085)", "a\u0085", "RAAAAA"],
  ['"=" inside', "a=b", "AAARAA"],
  ["specifiers, variables", "%h $HOME ${X} %% $$", "AAAAAA"],
  ["quotes", `"a" 'b' "`, "AAAAAA"],
  ["non-ASCII, separators", "日本 é 🦀 \u00a0x\u2028y", "AAAAAA"],
  ["unit-file syntax", "[Service]\\nExecStart=/bin/sh #;", "AAARAA"],
];

Deno.test({
  name: "escaping value classes: which are refused in which field, the rest round-trip",
  ignore: !available && !REQUIRE_ORACLE,
  async fn() {
    const fields = Object.keys(FIELDS);
    const cases: Case[] = [];
    const mismatches: string[] = [];
    const rows: string[] = [];
    let id = 1;
    for (const [name, value, want] of CLASSES) {
      let got = "";
      fields.forEach((f, i) => {
        const c: Case = { id: id++, command: [], env: [], labels: [], annotations: [], ...FIELDS[f](value) };
        const out = render(c);
        got += out.ok ? "A" : "R";
        if (out.ok) cases.push(c);
        else if (out.class.startsWith("other") || /\n/.test(out.line) || !out.line.includes(`c${c.id}`)) {
          mismatches.push(`${name} in ${f}: unclear refusal: ${out.line}`);
        }
        if (got[i] !== want[i]) mismatches.push(`${name} in ${f}: ${got[i]}, want ${want[i]}`);
      });
      rows.push(`${name.padEnd(24)} ${got.split("").join("    ")}`);
    }
    console.log(`${"".padEnd(24)} ${fields.map((f) => f.slice(0, 4)).join(" ")}\n${rows.join("\n")}`);
    const tally: Tally = { cases: 0, accepted: 0, refused: new Map(), failures: [], generatorMs: 0 };
    await runBatch(cases, tally);
    assert.deepEqual([...mismatches, ...tally.failures], []);
  },
});
