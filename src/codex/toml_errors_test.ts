import assert from "node:assert/strict";
import { parse, TomlError } from "smol-toml";
import { toml10Problem, tomlSyntaxProblem } from "./toml_errors.ts";
import { loadCodex } from "./load.ts";
import { CodexError } from "./errors.ts";

/** smol-toml's error on `text`, in lychd's words. */
function problem(text: string) {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof TomlError) return tomlSyntaxProblem(text, e.message, e.line, e.column);
    throw e;
  }
  return toml10Problem(text);
}

Deno.test("TOML 1.0: a newline directly inside an inline table is refused (smol-toml accepts it)", () => {
  const text = "a = { b = 1,\n  c = 2 }\n";
  assert.doesNotThrow(() => parse(text)); // the lenient parser
  assert.deepEqual(toml10Problem(text), {
    message: "a newline inside an inline table",
    hint: "TOML 1.0 inline tables are one line: put it on one line, or use a [table] section",
    line: 1,
    column: 13,
  });
  const crlf = toml10Problem("x = 1\r\na = { b = 1,\r\n c = 2 }\r\n");
  assert.equal(crlf?.line, 2);
  assert.equal(crlf?.column, 13);
});

Deno.test("TOML 1.0: a trailing comma in an inline table is refused", () => {
  const p = toml10Problem("a = { b = 1, }\n");
  assert.equal(p?.message, "a trailing comma in an inline table");
  assert.equal(p?.column, 12);
  assert.equal(toml10Problem("a = [1, 2, ]\n"), undefined); // arrays may end in a comma
});

Deno.test("TOML 1.0: newlines inside values within an inline table are allowed", () => {
  const ok = [
    "a = { b = [\n  1,\n  2,\n] }\n",
    'a = { s = """\nx { y\n""" }\n',
    "a = { s = '''\n}\n''' }\n",
    'a = { s = "{ not a table", t = "}" }\nb = "{"\n',
    "# { in a comment\nc = 1\n",
    '[t]\nk = { a = "#", b = 2 } # } {\n',
    'k = { a = "esc \\" {" }\n',
    '"quoted { key" = 1\n',
  ];
  for (const text of ok) {
    assert.doesNotThrow(() => parse(text), text);
    assert.equal(toml10Problem(text), undefined, text);
  }
});

Deno.test("TOML errors: unterminated strings point at the opening quote", () => {
  const p = problem('a = 1\nb = "open\nc = 2\n')!;
  assert.equal(p.message, 'unterminated string: the " opened here is not closed on its line');
  assert.deepEqual([p.line, p.column], [2, 5]);
  const lit = problem("b = 'open\n")!;
  assert.match(lit.message, /the ' opened here/);
  assert.match(lit.hint!, /end it with ' on the same line/);
  // A quote inside an earlier closed string does not count.
  const q = problem('b = ["x\\"y", "open\n')!;
  assert.deepEqual([q.line, q.column], [1, 14]);
});

Deno.test("TOML errors: a duplicate key is named with where it was first set", () => {
  const p = problem('[sepulcher]\nname = "a"\n\nname = "b"\n')!;
  assert.equal(p.message, 'duplicate key "sepulcher.name" (first set at 2:1)');
  assert.deepEqual([p.line, p.column], [4, 1]);
  const t = problem("[a]\nx = 1\n[b]\n[a]\n")!;
  assert.equal(t.message, "table [a] is defined twice (first at 1:1)");
  assert.deepEqual([t.line, t.column], [4, 1]);
});

Deno.test("TOML errors: every message of the lenient parser is said in lychd's words", () => {
  const cases: [string, RegExp][] = [
    ["a = \n", /a value is missing after "="/],
    ["a = [1,,2]\n", /a value is missing after ","/],
    ["a = hello\n", /"hello" is not a TOML value/],
    ["a = 1 b = 2\n", /expected the end of the line after this value/],
    ["a = { b = 1\n", /inline table|newline/],
    ["a = 1_\n", /not a valid number/],
    ['a = "\\q"\n', /unknown escape sequence in a string/],
    ["[a\nb = 1\n", /table header is not closed/],
  ];
  for (const [text, want] of cases) {
    const p = problem(text);
    assert.ok(p, text);
    assert.match(p.message, want, `${JSON.stringify(text)} → ${p.message}`);
    assert.ok(!/trying to|control characters are not allowed/.test(p.message), p.message);
  }
});

Deno.test("loadCodex: a multi-line inline table is one line with line:column", () => {
  const text = 'version = 1\n[vessel]\nimage = "x"\nenv = { A = "1",\n  B = "2" }\n';
  let line = "";
  try {
    loadCodex(text, "/c.toml");
  } catch (e) {
    assert.ok(e instanceof CodexError);
    line = e.oneLine();
  }
  assert.match(line, /^\/c\.toml:4:17: TOML syntax error: a newline inside an inline table/);
});
