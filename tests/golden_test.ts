/**
 * Golden files: each case's Runes byte for byte. `deno task test:update` rewrites `expected/`.
 */
import assert from "node:assert/strict";
import { goldenCases, renderCase } from "./lib/golden.ts";

const update = Deno.args.includes("--update");

for (const c of goldenCases()) {
  Deno.test(`golden ${c.name}: Runes match expected/ byte for byte`, () => {
    const { runes } = renderCase(c);
    const dir = `${c.dir}/expected`;
    if (update) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* fresh */ }
      Deno.mkdirSync(dir, { recursive: true });
      for (const r of runes) Deno.writeTextFileSync(`${dir}/${r.name}`, r.text);
      return;
    }
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(
      runes.map((r) => r.name).sort(),
      names,
      "the set of files differs (deno task test:update)",
    );
    for (const r of runes) {
      assert.equal(r.text, Deno.readTextFileSync(`${dir}/${r.name}`), `${c.name}/${r.name} differs`);
    }
  });

  Deno.test(`golden ${c.name}: rendering twice gives identical bytes`, () => {
    assert.deepEqual(renderCase(c).runes, renderCase(c).runes);
  });
}
