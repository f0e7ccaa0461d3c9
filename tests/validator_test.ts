/**
 * The generated validator (src/codex/validator.generated.js, what a valid Codex is checked by)
 * against the zod schema it is generated from (src/codex/schema.ts, the source of truth):
 * - the committed file is what `deno task gen` generates now (a schema change without `deno task
 *   gen` fails here);
 * - both accept and refuse the same documents: every Codex in the repository (tests/golden,
 *   tests/bad, tests/e2e, examples/, docs/), the embedded default, bench/gen.ts's Codexes, and a
 *   property corpus of those documents with values replaced, keys added and keys removed
 *   (tests/lib/codex_mutations.ts). (A `__proto__` key is refused by load.ts before either runs:
 *   zod's records skip it.)
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import fc from "fast-check";
import { validate } from "../src/codex/validator.generated.js";
import { CodexSchema } from "../src/codex/schema.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { generate, refuseUnsupported, TYPES } from "../scripts/gen_validator.ts";
import { z } from "zod";
import { genCodex } from "../bench/gen.ts";
import { type Doc, mutate, mutation } from "./lib/codex_mutations.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function agree(doc: unknown, what: string): boolean {
  const z = CodexSchema.safeParse(doc).success;
  const v = validate(doc) as boolean;
  assert.equal(v, z, `${what}: generated validator says ${v}, zod says ${z}: ${show(doc)}`);
  return z;
}

function show(doc: unknown): string {
  return JSON.stringify(
    doc,
    (_k, v) =>
      typeof v === "number" && !Number.isFinite(v)
        ? `<${v}>`
        : v instanceof Date
        ? `<date ${v.toISOString()}>`
        : v,
  )
    .slice(0, 600);
}

/** Every `.toml` under the repository's Codex folders. */
function codexFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return; // absent
    }
    for (const e of entries) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(".toml")) out.push(p);
    }
  };
  for (const d of ["tests/golden", "tests/bad", "tests/e2e", "examples", "docs"]) walk(`${ROOT}${d}`);
  return out.sort();
}

function parsed(text: string): Doc | undefined {
  try {
    return parseToml(text) as Doc;
  } catch {
    return undefined; // a TOML syntax error never reaches either validator
  }
}

Deno.test("validator: the committed file is what `deno task gen` generates from the schema", () => {
  const committed = Deno.readTextFileSync(`${ROOT}src/codex/validator.generated.js`);
  assert.ok(committed === generate(), "src/codex/validator.generated.js is stale: run `deno task gen`");
  const types = Deno.readTextFileSync(`${ROOT}src/codex/validator.generated.d.ts`);
  assert.equal(types, TYPES, "src/codex/validator.generated.d.ts is stale: run `deno task gen`");
});

Deno.test("validator: generation stops at a refinement that is not a named check, or a transform", () => {
  assert.throws(
    () => refuseUnsupported(z.string().refine((s) => s !== "x"), false, ["a"]),
    /not a named check/,
  );
  assert.throws(
    () => refuseUnsupported(z.string().refine((s) => s !== "x").refine(Boolean), true, []),
    /named check/,
  );
  assert.throws(() => refuseUnsupported(z.string().default("x"), false, ["a"]), /default schema/);
  assert.throws(() => refuseUnsupported(z.string().transform((s) => s.length), false, ["a"]), /pipe schema/);
  refuseUnsupported(z.string().refine((s) => s !== "x"), true, ["a"]); // a named check: fine
  refuseUnsupported(z.string().regex(/^a$/), false, ["a"]);
});

const files = codexFiles();
const bases: Doc[] = [];

Deno.test("validator: agrees with zod on every Codex in the repository", () => {
  let accepted = 0;
  let refused = 0;
  const texts = [
    ...files.map((f) => [f.slice(ROOT.length), Deno.readTextFileSync(f)]),
    ["default", DEFAULT_CODEX],
    ["gen 100", genCodex(100)],
    ["gen 30 services only", genCodex(30, { stoneShare: 0 })],
  ];
  for (const [name, text] of texts) {
    const doc = parsed(text);
    if (!doc) continue;
    if (agree(doc, name)) {
      accepted++;
      bases.push(doc);
    } else refused++;
  }
  assert.ok(files.length >= 150, `only ${files.length} Codex files found`);
  assert.ok(accepted >= 8 && refused >= 50, `accepted ${accepted}, refused ${refused}`);
});

Deno.test("validator: agrees with zod on a property corpus (fixtures with values replaced, keys added and removed)", () => {
  assert.ok(bases.length >= 8, "the repository test runs first and collects the valid Codexes");
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (b, muts) => {
      const doc = mutate(bases[b % bases.length], muts);
      if (agree(doc, "mutated")) accepted++;
      else refused++;
    }),
    { numRuns: Number(Deno.env.get("LYCHD_PROP_CASES") ?? 20_000) },
  );
  // Both outcomes are well represented, so a disagreement either way would have been seen.
  assert.ok(accepted > 1000 && refused > 1000, `accepted ${accepted}, refused ${refused}`);
});
