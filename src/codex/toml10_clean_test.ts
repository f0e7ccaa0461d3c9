import assert from "node:assert/strict";
import { inlineTablesClean } from "./toml10_clean.ts";
import { toml10Problem } from "./toml_errors.ts";
import { genCodex } from "../../bench/gen.ts";

/** The fast path may say "clean" only where toml10Problem finds nothing, and must say it there. */
function agree(text: string): boolean {
  const clean = inlineTablesClean(text);
  assert.equal(clean, toml10Problem(text) === undefined, JSON.stringify(text));
  return clean;
}

Deno.test("inlineTablesClean agrees with toml10Problem on every TOML file of the repository", () => {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(".toml")) {
        agree(Deno.readTextFileSync(p));
        n++;
      }
    }
  };
  const root = new URL("../..", import.meta.url).pathname;
  for (const d of ["tests", "examples", "docs"]) walk(`${root}${d}`);
  assert.ok(n > 20, `only ${n} TOML files found`);
  agree(genCodex(100));
  agree(genCodex(100, { stoneShare: 0 }));
});

Deno.test("inlineTablesClean agrees with toml10Problem on the known cases", () => {
  for (
    const t of [
      "a = { b = 1,\n c = 2 }\n",
      "x = 1\r\na = { b = 1,\r\n c = 2 }\r\n",
      "a = { b = 1, }\n",
      "a = { b = 1,\t}\n",
      "a = [1, 2, ]\n",
      'a = { b = "}\n" }\n',
      'a = { b = "x\\"y", c = 1 }\n',
      'a = { b = """x\n}""" }\n',
      "a = { b = '''x\n}''' }\n",
      'a = { b = """x"""" }\n',
      "a = { b = [1,\n2] }\n",
      "a = { b = [1,\n2],\n c = 1 }\n",
      "a = { # c\n}\n",
      "a = 1 # { b = 1,\n",
      'a = "\\',
      'a = """\\',
      "a = '{\n",
      "]]}}\na = { b = 1 }\n",
    ]
  ) agree(t);
});

Deno.test("inlineTablesClean agrees with toml10Problem on 20,000 generated texts", () => {
  const pieces = ["a", " ", "\t", "\n", "\r\n", "=", ",", "{", "}", "[", "]", "1", ", }", "{ a = 1 }", "\\"];
  // Rarer: a quote swallows the rest of the text up to its match.
  const quoted = ["#", '"', "'", '"""', "'''", '\\"', '"x"', "'{'", '"\\""', '"""a\n"""'];
  let seed = 42;
  const rand = (k: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  let clean = 0;
  for (let i = 0; i < 20_000; i++) {
    let t = "";
    const len = 1 + rand(24);
    for (let j = 0; j < len; j++) t += rand(10) ? pieces[rand(pieces.length)] : quoted[rand(quoted.length)];
    if (agree(t)) clean++;
  }
  // Both verdicts are exercised, each many times.
  assert.ok(clean > 1_000 && clean < 19_000, `${clean} of 20,000 clean`);
});
