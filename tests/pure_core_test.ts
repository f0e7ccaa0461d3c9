/**
 * The pure core never touches `Deno.*` (docs/architecture.md): every module of src/codex,
 * src/cdi, src/plan, src/quadlet, src/compose and src/kube, test-only `_` files included (test
 * files themselves excepted), names no `Deno` global outside its comments and strings; effects
 * go through the `Host` seam (src/host).
 *
 * @module
 */
import assert from "node:assert/strict";

const SRC = new URL("../src/", import.meta.url).pathname;
const PURE = ["codex", "cdi", "plan", "quadlet", "compose", "kube"];

/** `text` without comments and quoted strings (a rough lexer: enough for this rule). */
export function codeOnly(text: string): string {
  return text.replace(
    /\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g,
    (m) => (m.startsWith("/") ? " " : '""'),
  );
}

Deno.test("codeOnly() keeps code and drops comments and strings", () => {
  assert.equal(
    codeOnly('const a = Deno.env; // Deno.exit\n/* Deno.x */ "Deno.y"'),
    'const a = Deno.env;  \n  ""',
  );
  assert.match(codeOnly("await Deno.readTextFile(p)"), /\bDeno\./);
});

Deno.test("the pure core (codex, cdi, plan, quadlet, compose, kube) touches no Deno.*", async () => {
  const found: string[] = [];
  let files = 0;
  for (const dir of PURE) {
    for await (const e of Deno.readDir(`${SRC}${dir}`)) {
      if (!e.isFile || !e.name.endsWith(".ts") || e.name.endsWith("_test.ts")) continue;
      files++;
      const code = codeOnly(await Deno.readTextFile(`${SRC}${dir}/${e.name}`));
      for (const m of code.matchAll(/\bDeno\s*\.\s*\w+|\bglobalThis\s*\.\s*Deno\b/g)) {
        found.push(`src/${dir}/${e.name}: ${m[0]}`);
      }
    }
  }
  assert.ok(files > 50, `read ${files} modules`);
  assert.deepEqual(found, []);
});
