/**
 * `lychd init` on the fake host: it never overwrites a `codex.schema.json` it did not write (a
 * schema lychd wrote is refreshed), says so when --codex names a directory, and its closing hint
 * names the Codex the next commands must read.
 */
import assert from "node:assert/strict";
import { fakeHost } from "../src/host/_fake.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { codexJsonSchema } from "../src/codex/jsonschema.ts";
import { runInProcess } from "./lib/cli.ts";

const SCHEMA = JSON.stringify(codexJsonSchema(), null, 2) + "\n";

function host() {
  return fakeHost({ env: { HOME: "/home/u" }, cwd: "/home/u/proj" });
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, stderr);
  return lines[0];
}

Deno.test("init refuses a codex.schema.json it did not write: one line, neither file written", async () => {
  const theirs = [
    '{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "my own schema"}\n',
    "not json at all\n",
    "[1, 2]\n",
    "null\n",
  ];
  for (const text of theirs) {
    const h = host();
    h.fs.put("/home/u/proj/codex.schema.json", text);
    const r = await runInProcess(h, ["init", "--codex", "codex.toml"]);
    assert.equal(r.code, 1, `${text}: ${r.stderr}`);
    assert.equal(
      oneLine(r.stderr),
      "lychd: /home/u/proj/codex.schema.json exists and lychd did not write it; nothing was written " +
        "(hint: move it away, or pass --codex FILE in another directory)",
    );
    assert.deepEqual(h.fs.snapshot("/home/u"), { "/home/u/proj/codex.schema.json": text });
  }
});

Deno.test("init refuses a directory named codex.schema.json", async () => {
  const h = host();
  h.fs.put("/home/u/proj/codex.schema.json/x", "x\n");
  const r = await runInProcess(h, ["init", "--codex", "codex.toml"]);
  assert.equal(r.code, 1);
  assert.match(oneLine(r.stderr), /codex.schema.json exists and lychd did not write it/);
  assert.equal(h.fs.text("/home/u/proj/codex.toml"), undefined);
});

Deno.test("init refreshes a codex.schema.json lychd wrote (the same bytes, or an older lychd's)", async () => {
  const older = JSON.stringify({ ...codexJsonSchema(), properties: {} }, null, 2) + "\n";
  for (const text of [SCHEMA, older]) {
    const h = host();
    h.fs.put("/home/u/proj/codex.schema.json", text);
    const r = await runInProcess(h, ["init", "--codex", "codex.toml", "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(h.fs.text("/home/u/proj/codex.schema.json"), SCHEMA);
    assert.equal(h.fs.text("/home/u/proj/codex.toml"), DEFAULT_CODEX);
  }
});

Deno.test("init --codex DIR says it is a directory and to name a file", async () => {
  const h = host();
  await h.fs.mkdirp("/home/u/proj/adir");
  h.fs.symlink("/home/u/proj/adir", "/home/u/proj/alink");
  for (const name of ["adir", "alink"]) {
    const r = await runInProcess(h, ["init", "--codex", name]);
    assert.equal(r.code, 1);
    assert.equal(
      oneLine(r.stderr),
      `lychd: /home/u/proj/${name} is a directory, not a Codex file; nothing was written ` +
        `(hint: name a file, e.g. --codex /home/u/proj/${name}/codex.toml)`,
    );
  }
  assert.deepEqual(h.fs.snapshot("/home/u"), {});
  // A file that exists is still "already exists".
  h.fs.put("/home/u/proj/codex.toml", "version = 1\n");
  const r = await runInProcess(h, ["init", "--codex", "codex.toml"]);
  assert.match(oneLine(r.stderr), /codex.toml already exists; not overwriting it/);
});

Deno.test("init's closing hint names the Codex when it is not where the next commands look", async () => {
  const cases: [string[], string][] = [
    [[], "next: lychd check, lychd bind\n"],
    [["--codex", "/home/u/.config/lychd/codex.toml"], "next: lychd check, lychd bind\n"],
    [
      ["--codex", "codex.toml"],
      "next: lychd check --codex /home/u/proj/codex.toml, lychd bind --codex /home/u/proj/codex.toml\n",
    ],
    [
      ["--codex", "my stack.toml"],
      "next: lychd check --codex '/home/u/proj/my stack.toml', lychd bind --codex '/home/u/proj/my stack.toml'\n",
    ],
    [["--system"], "next: lychd check --system, lychd bind --system\n"],
  ];
  for (const [argv, want] of cases) {
    const r = await runInProcess(host(), ["init", ...argv]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.endsWith(`(and codex.schema.json); ${want}`), `${argv.join(" ")}: ${r.stderr}`);
  }
});
