/**
 * Every Codex in examples/ is accepted by `check` (with the NVIDIA CDI fixture), renders, and
 * does what its comments say: the two soulstones conflict, llama.cpp is on demand.
 *
 * @module
 */
import assert from "node:assert/strict";
import { cdiFixtureDir, hostFor, ROOT, runInProcess } from "./lib/cli.ts";

Deno.test("examples/codex.toml: check accepts it; vLLM and on-demand llama.cpp conflict on GPU 0", async () => {
  const file = `${ROOT}/examples/codex.toml`;
  const text = await Deno.readTextFile(file);
  const cdi = await cdiFixtureDir();
  const host = await hostFor(file, text, cdi);
  const r = await runInProcess(host, ["check", "--json", "--codex", file, "--cdi-dir", cdi]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.valid, true);
  assert.deepEqual(doc.warnings, []);
  const by = (name: string) => doc.services.find((s: { name: string }) => s.name === name);
  assert.deepEqual(by("vllm").conflicts, ["ai-soulstone-llamacpp.service"]);
  assert.deepEqual(by("llamacpp").conflicts, ["ai-soulstone-vllm.service"]);
  assert.deepEqual(doc.services.map((s: { name: string }) => s.name).sort(), [
    "llamacpp",
    "phylactery",
    "vessel",
    "vllm",
  ]);
  const runes = await runInProcess(host, ["render", "--codex", file, "--cdi-dir", cdi]);
  assert.equal(runes.code, 0, runes.stderr);
  assert.match(runes.stdout, /^# FileName=ai-soulstone-llamacpp-proxy\.socket$/m);
  assert.match(runes.stdout, /^ListenStream=127\.0\.0\.1:8081$/m);
  assert.match(runes.stdout, /^HealthCmd=\["CMD","pg_isready","-U","openwebui"\]$/m);
  await Deno.remove(cdi, { recursive: true });
});
