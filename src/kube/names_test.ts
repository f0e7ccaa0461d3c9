/**
 * The Kubernetes naming and escaping rules of names.ts: `$(VAR)` escaping (by example and as a
 * property against Kubernetes' own expansion), quantities, labels (moved from kube_test.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { escapeExpansion, isLabel, label63, quantity } from "./names.ts";

Deno.test("escapeExpansion: $( and $$ survive Kubernetes' $(VAR) expansion", () => {
  // Kubernetes reads "$$" as "$" and "$(" as a reference; any other "$" stays: "$$$ " → "$$ ".
  assert.equal(escapeExpansion("echo $(date) $HOME $$ $"), "echo $$(date) $HOME $$$ $");
  assert.equal(escapeExpansion("$$("), "$$$$(");
  assert.equal(escapeExpansion("plain"), "plain");
});

Deno.test("quantity and labels", () => {
  assert.equal(quantity(16 * 1024), "16Gi");
  assert.equal(quantity(512), "512Mi");
  assert.equal(quantity(1536), "1536Mi");
  assert.equal(quantity(300 / 1024), "300Ki");
  assert.ok(isLabel("app.kubernetes.io/name", "x"));
  assert.ok(!isLabel("a b", "x"));
  assert.ok(!isLabel("k", "has space"));
  assert.ok(!isLabel("k", "x".repeat(64)));
});

Deno.test("label63: long pod-internal names stay DNS labels, distinct and stable", () => {
  const a = label63(`data-${"a".repeat(62)}`);
  const b = label63(`data-${"a".repeat(61)}b`);
  assert.ok(a.length <= 63 && b.length <= 63 && a !== b && /^[a-z0-9-]+$/.test(a));
  assert.equal(label63(`data-${"a".repeat(62)}`), a);
  assert.equal(label63("data-models"), "data-models");
});

/**
 * Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion), ported
 * for this test: "$$" → "$", "$(NAME)" → the variable, an unclosed "$(" and any other "$x" stay.
 */
function k8sExpand(input: string, mapping: (name: string) => string): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === "$") out += "$";
    else if (rest[0] === "(") {
      const close = rest.indexOf(")", 1);
      if (close >= 1) {
        out += mapping(rest.slice(1, close));
        advance = close + 1;
      } else out += "$(";
    } else out += "$" + rest[0];
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

Deno.test("escapeExpansion: Kubernetes' expansion gives back every string (property)", async () => {
  const fc = (await import("fast-check")).default;
  assert.equal(k8sExpand("a $(B) $$ $(C", () => "x"), "a x $ $(C", "the port itself");
  fc.assert(
    fc.property(fc.stringMatching(/^[$()a-z ]{0,24}$/), (s) => {
      assert.equal(k8sExpand(escapeExpansion(s), () => "EXPANDED"), s);
    }),
    { numRuns: 2000 },
  );
});
