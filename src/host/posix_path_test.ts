import assert from "node:assert/strict";
import { posix } from "node:path";
import fc from "fast-check";
import { basename, dirname, join, normalize, resolve } from "./posix_path.ts";

const PARTS = [
  "",
  "/",
  "//",
  "a",
  "b/",
  "/a",
  "a/",
  ".",
  "..",
  "./",
  "../",
  "/..",
  "a//b",
  "x.y",
  "/srv/x",
  "~",
];

function check(path: string): void {
  assert.equal(dirname(path), posix.dirname(path), `dirname(${JSON.stringify(path)})`);
  assert.equal(basename(path), posix.basename(path), `basename(${JSON.stringify(path)})`);
  assert.equal(normalize(path), posix.normalize(path), `normalize(${JSON.stringify(path)})`);
}

Deno.test("posix_path: the same as node:path on every pair and triple of the corpus", () => {
  for (const a of PARTS) {
    for (const b of PARTS) {
      check(a + b);
      assert.equal(join(a, b), posix.join(a, b), `join(${a}, ${b})`);
      assert.equal(resolve("/cwd", a, b), posix.resolve("/cwd", a, b), `resolve(/cwd, ${a}, ${b})`);
      for (const c of PARTS) {
        check(a + b + c);
        assert.equal(join(a, b, c), posix.join(a, b, c));
        assert.equal(resolve("/cwd", a, b, c), posix.resolve("/cwd", a, b, c));
      }
    }
  }
});

Deno.test("posix_path: the same as node:path on random paths", () => {
  const path = fc.array(fc.constantFrom("/", "a", ".", "..", "b", "//", "c.d"), { maxLength: 12 }).map((x) =>
    x.join("")
  );
  fc.assert(
    fc.property(path, path, (a, b) => {
      check(a);
      assert.equal(join(a, b), posix.join(a, b));
      assert.equal(resolve("/w", a, b), posix.resolve("/w", a, b));
    }),
    { numRuns: 5000 },
  );
});
