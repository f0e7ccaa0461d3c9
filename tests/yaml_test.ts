/**
 * src/cli/yaml.ts: the `yaml` package's ES module build (what lychd parses CDI specs with) gives
 * the same documents and the same errors as the build the package exports, on every YAML and
 * JSON file under tests/ and on broken inputs.
 */
import assert from "node:assert/strict";
import { exportedParser, yamlParser } from "../src/cli/yaml.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function files(dir: string, out: string[] = []): string[] {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) files(p, out);
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

function outcome(parse: (t: string) => unknown, text: string): unknown {
  try {
    return { value: parse(text) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

Deno.test("yaml: lychd loads the ES module build, not the exported CommonJS one", async () => {
  assert.notEqual(await yamlParser(), await exportedParser());
});

Deno.test("yaml: the ES module build parses every test file and broken input as the exported build does", async () => {
  const esm = await yamlParser();
  const cjs = await exportedParser();
  const texts = files(`${ROOT}tests`).map((p) => [p, Deno.readTextFileSync(p)]);
  assert.ok(texts.length >= 5, `only ${texts.length} files`);
  const broken = ["a: [1, 2", "a: b: c", "- a\nb: c", "a: 1\na: 2", "\t- x", "{", "&a [*a]", "? [a]\n: b"];
  for (const [name, text] of [...texts, ...broken.map((b) => [JSON.stringify(b), b])]) {
    assert.deepEqual(outcome(esm, text), outcome(cjs, text), name);
  }
});
