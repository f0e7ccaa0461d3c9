/**
 * The bad-input corpus: every `tests/bad/*.toml` is a malformed Codex whose first line
 * `# expect: <substring>` names what the one error line must contain. Each file goes through
 * `bind`, `check` and `render` in-process (fake host): exit 1, exactly one `lychd: ` line on
 * stderr naming the file and the expected substring, no stack trace, nothing written, nothing run.
 *
 * @module
 */
import assert from "node:assert/strict";
const assertIncludes = (text: string, part: string) =>
  assert.ok(text.includes(part), `${JSON.stringify(text)} lacks ${JSON.stringify(part)}`);
import type { FakeHost } from "../src/host/_fake.ts";
import {
  argvFor,
  type BadCase,
  badCases,
  cdiFixtureDir,
  FAKE_SYSTEMD_DIR,
  FAKE_UNIT_DIR,
  hostFor,
  runInProcess,
} from "./lib/cli.ts";

const cases = await badCases();
const cdiDir = await cdiFixtureDir();
const FOREIGN = `${FAKE_UNIT_DIR}/lychd-foreign.container`;

/** A fresh host for one case, with a foreign file in the unit dir to prove nothing is touched. */
async function prepared(c: BadCase): Promise<FakeHost> {
  const host = await hostFor(c.codexAt, c.text, cdiDir);
  host.fs.put(FOREIGN, "[Container]\nImage=foreign\n");
  return host;
}

/** Why a run is not a correct refusal, or `undefined` when it is. */
async function refusalProblem(c: BadCase, verb: string): Promise<string | undefined> {
  const host = await prepared(c);
  const before = host.fs.snapshot("/");
  const { code, stdout, stderr } = await runInProcess(host, argvFor(verb, c.codexAt, cdiDir));
  const lines = stderr.split("\n").filter(Boolean);
  const problems: string[] = [];
  if (code !== 1) problems.push(`exit ${code}, want 1`);
  if (lines.length !== 1 || !stderr.endsWith("\n")) {
    problems.push(`want exactly one stderr line, got ${JSON.stringify(stderr)}`);
  }
  const line = lines[0] ?? "";
  if (!line.startsWith("lychd: ")) problems.push(`line does not start with "lychd: ": ${line}`);
  if (line.includes("internal error")) problems.push(`internal error: ${line}`);
  for (const e of c.expects) if (!line.includes(e)) problems.push(`line lacks ${JSON.stringify(e)}: ${line}`);
  if (!line.includes(c.codexAt)) problems.push(`line does not name the file ${c.codexAt}: ${line}`);
  if (/\n\s+at /.test(stderr) || stderr.includes("    at ")) problems.push("stack trace on stderr");
  if (stdout !== "") problems.push(`stdout not empty: ${JSON.stringify(stdout)}`);
  if (host.fs.writes !== 0) problems.push(`${host.fs.writes} writes: ${host.fs.writeLog.join(", ")}`);
  if (host.fs.removes !== 0) problems.push(`${host.fs.removes} removes`);
  if (JSON.stringify(host.fs.snapshot("/")) !== JSON.stringify(before)) problems.push("files changed");
  if (await host.fs.stat(FAKE_SYSTEMD_DIR)) problems.push(`${FAKE_SYSTEMD_DIR} was created`);
  if (host.runner.calls.length) problems.push(`ran: ${host.runner.lines().join("; ")}`);
  return problems.length ? `${verb} ${c.name}: ${problems.join("; ")}` : undefined;
}

for (const c of cases) {
  Deno.test(`bad input ${c.name} is refused by bind, check and render`, async () => {
    for (const verb of ["bind", "check", "render"]) {
      const problem = await refusalProblem(c, verb);
      assert.deepEqual(problem, undefined, problem);
    }
  });
}

Deno.test("bad-input corpus: size and tally", async () => {
  assert.ok(cases.length >= 60, `only ${cases.length} corpus files`);
  let refused = 0;
  const failures: string[] = [];
  for (const c of cases) {
    const problem = await refusalProblem(c, "bind");
    if (problem) failures.push(problem);
    else refused++;
  }
  console.log(`bad-input corpus: ${cases.length} files, ${refused} refused correctly`);
  assert.deepEqual(failures, []);
  assert.deepEqual(refused, cases.length);
});

Deno.test("every corpus file starts with a non-empty # expect: line", async () => {
  for (const c of cases) {
    assert.ok(c.text.startsWith("# expect: "), c.name);
    assert.ok(c.expects.length >= 1 && c.expects.every((e) => e.trim() !== ""), c.name);
  }
  // The header parser itself refuses a file without one.
  const { parseBadCase } = await import("./lib/cli.ts");
  let threw = false;
  try {
    parseBadCase("/x.toml", "version = 1\n");
  } catch {
    threw = true;
  }
  assert.ok(threw);
});

Deno.test("a zero-byte Codex is refused as empty", async () => {
  const host = await hostFor("/home/u/codex.toml", "", cdiDir);
  const { code, stderr } = await runInProcess(host, argvFor("bind", "/home/u/codex.toml", cdiDir));
  assert.deepEqual(code, 1);
  assert.deepEqual(stderr.split("\n").filter(Boolean).length, 1);
  assertIncludes(stderr, "/home/u/codex.toml: the Codex is empty");
  assert.deepEqual(host.fs.writes, 0);
  assert.deepEqual(host.runner.calls, []);
});

const SHARED_PORT = `version = 1

[soulstones.vllm]
image = "docker.io/vllm/vllm-openai:v0.11.0"
devices = ["nvidia.com/gpu=0"]
ports = ["8000:8000"]

[soulstones.llamacpp]
image = "ghcr.io/ggml-org/llama.cpp:server-cuda"
devices = ["nvidia.com/gpu=all"]
ports = ["8000:8000"]
`;

Deno.test("two soulstones that conflict on a GPU may share a host port", async () => {
  const codex = "/home/u/.config/lychd/codex.toml";
  const host = await hostFor(codex, SHARED_PORT, cdiDir);
  const res = await runInProcess(host, argvFor("bind", codex, cdiDir));
  assert.deepEqual(res.code, 0, res.stderr);
  const vllm = host.fs.text(`${FAKE_UNIT_DIR}/lychd-soulstone-vllm.container`) ?? "";
  const llama = host.fs.text(`${FAKE_UNIT_DIR}/lychd-soulstone-llamacpp.container`) ?? "";
  assertIncludes(vllm, "PublishPort=127.0.0.1:8000:8000");
  assertIncludes(llama, "PublishPort=127.0.0.1:8000:8000");
  assertIncludes(vllm, "Conflicts=lychd-soulstone-llamacpp.service");
  assert.deepEqual(
    host.runner.lines().filter((l) => l.startsWith("systemctl")),
    ["systemctl --user daemon-reload"],
  );
  // …but not when they are on different GPUs (=0 and =1 do not overlap).
  const apart = SHARED_PORT.replace('"nvidia.com/gpu=all"', '"nvidia.com/gpu=1"');
  const host2 = await hostFor(codex, apart, cdiDir);
  const res2 = await runInProcess(host2, argvFor("bind", codex, cdiDir));
  assert.deepEqual(res2.code, 1);
  assertIncludes(res2.stderr, "soulstones.llamacpp.ports[0]");
  assertIncludes(res2.stderr, "already published by soulstones.vllm");
  assert.deepEqual(host2.fs.writes, 0);
});

Deno.test({
  name: "bad-input corpus: cleanup",
  fn: () => Deno.remove(cdiDir, { recursive: true }),
});
