import assert from "node:assert/strict";
import { decodeUtf8 } from "./utf8.ts";

const bytes = (...parts: (string | number[])[]) => {
  const enc = new TextEncoder();
  const chunks = parts.map((p) => typeof p === "string" ? enc.encode(p) : new Uint8Array(p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

Deno.test("decodeUtf8: UTF-8 text as written, a byte-order mark kept (as Deno's readTextFile keeps it)", () => {
  assert.deepEqual(decodeUtf8(bytes("café ✓ 🜏\n")), { text: "café ✓ 🜏\n" });
  assert.deepEqual(decodeUtf8(bytes([0xef, 0xbb, 0xbf], "x")), { text: "\uFEFFx" });
  assert.deepEqual(decodeUtf8(bytes("a \uFFFD b")), { text: "a \uFFFD b" }, "a U+FFFD in the file is text");
});

Deno.test("decodeUtf8: the first byte that is not UTF-8, by line and column", () => {
  // Latin-1 é; a stray continuation byte; a truncated sequence at the end; an overlong "/"; a surrogate.
  assert.deepEqual(decodeUtf8(bytes('version = 1\ndescription = "caf', [0xe9], '"\n')), {
    line: 2,
    column: 19,
  });
  assert.deepEqual(decodeUtf8(bytes([0x80], "x")), { line: 1, column: 1 });
  assert.deepEqual(decodeUtf8(bytes("ab\ncd", [0xe2, 0x9c])), { line: 2, column: 3 });
  assert.deepEqual(decodeUtf8(bytes("x", [0xc0, 0xaf])), { line: 1, column: 2 });
  assert.deepEqual(decodeUtf8(bytes("x\n\ny", [0xed, 0xa0, 0x80])), { line: 3, column: 2 });
  // Valid multi-byte text and a written U+FFFD before it do not move the place.
  assert.deepEqual(decodeUtf8(bytes("✓ \uFFFD 🜏\n# é\nk = ", [0xff])), { line: 3, column: 5 });
});
