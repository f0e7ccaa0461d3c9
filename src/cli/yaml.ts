/**
 * The YAML parser for CDI specs: the `yaml` package's own ES module build. Its package exports
 * give Deno the CommonJS build (the "node" condition), whose import starts Deno's Node module
 * loader: ≈ 35 ms of a run that reads a spec (BENCHMARKS.md). The ES build is the same parser,
 * shipped in the same package (`browser/`), beside the CommonJS entry point; if it cannot be
 * loaded (e.g. a `deno compile` binary that did not embed it), the exported build is used.
 * tests/yaml_test.ts checks both give the same documents and errors.
 *
 * @module
 */

/** `parse` of the `yaml` package. */
export type YamlParse = (text: string) => unknown;

let cached: Promise<YamlParse> | undefined;

/** The ES module build's `parse`, else the exported (CommonJS) build's. */
export function yamlParser(): Promise<YamlParse> {
  return cached ??= load();
}

async function load(): Promise<YamlParse> {
  try {
    const esm = new URL("../browser/index.js", import.meta.resolve("yaml")).href;
    const m = await import(esm);
    if (typeof m.parse === "function") return m.parse;
  } catch { /* not there: the exported build */ }
  return await exportedParser();
}

/** The `parse` of the build the package exports (CommonJS under Deno). */
export async function exportedParser(): Promise<YamlParse> {
  // (`deno bundle` turns the CommonJS module's exports into a `default`: take either.)
  const yaml = await import("yaml");
  return yaml.parse ?? (yaml as unknown as { default: typeof yaml }).default.parse;
}
