/**
 * `deno task gen`: generate src/codex/validator.generated.ts, the Codex validator the success path
 * runs instead of zod, from the zod schema (src/codex/schema.ts, the one source of truth):
 * zod's JSON Schema (`z.toJSONSchema`, input side) → ajv's standalone code generation → plain
 * JavaScript with no runtime dependency but src/codex/checks.ts.
 *
 * What JSON Schema cannot say is carried by three ajv keywords compiled into the same code:
 * - `x-lychd-check`: a grammar or predicate of checks.ts, by the name schema.ts registers it under
 *   (`LYCHD_CHECKS`);
 * - `x-lychd-pattern`: zod's own RegExp (source and flags; JSON Schema's `pattern` has no flags and
 *   ajv compiles it with `u`), replacing `pattern`;
 * - `x-lychd-length`: `[min, max]` of a string in UTF-16 units as zod counts them (JSON Schema's
 *   `minLength` counts code points, and ajv needs a runtime module for it), replacing those;
 * - `x-lychd-value`: what a TOML value is beyond JSON: numbers are finite (zod refuses TOML's `inf`
 *   and `nan`); a record (a table of names) is not a TOML date (zod's records want plain objects,
 *   and a date is the one other object TOML makes; its strict objects take a date as an empty table).
 *
 * Run it after changing the schema; tests/validator_test.ts fails while the file is stale and
 * checks that both validators agree on every fixture and a property corpus.
 *
 * Usage: deno run -A scripts/gen_validator.ts [--check]   (--check: exit 1 if the file is stale)
 *
 * @module
 */
import { z } from "zod";
import ajvModule, { _, type KeywordCxt } from "ajv";
import standaloneModule from "ajv/dist/standalone/index.js";
import { CodexSchema, LYCHD_CHECKS } from "../src/codex/schema.ts";
import { CHECKS } from "../src/codex/checks.ts";

const OUT = new URL("../src/codex/validator.generated.ts", import.meta.url);

type Json = Record<string, unknown>;

// CommonJS modules: their default export is the module object, whose `default` is the value.
const Ajv = (ajvModule as unknown as { default: typeof ajvModule.default }).default;
const standaloneCode = (standaloneModule as unknown as { default: typeof standaloneModule.default }).default;

/** The RegExps of a zod string schema's `.regex()` checks. */
function regexesOf(zs: z.ZodType): RegExp[] {
  const checks =
    (zs as unknown as { _zod: { def: { checks?: { _zod: { def: Record<string, unknown> } }[] } } })
      ._zod.def.checks ?? [];
  return checks.map((c) => c._zod.def).filter((d) => d.check === "string_format" && d.format === "regex")
    .map((d) => d.pattern as RegExp);
}

/**
 * Stop generation at anything in the schema the generated validator would not enforce exactly:
 * a refinement that is not a named check of checks.ts (it would be dropped from the JSON Schema)
 * and anything that makes zod's output differ from its input (the success path uses the input).
 */
export function refuseUnsupported(zs: z.ZodType, named: boolean, path: (string | number)[]): void {
  const def =
    (zs as unknown as { _zod: { def: { type: string; checks?: { _zod: { def: { check: string } } }[] } } })
      ._zod.def;
  const where = `src/codex/schema.ts at ${path.join("/") || "the root"}`;
  const transforms = [
    "transform",
    "pipe",
    "default",
    "prefault",
    "catch",
    "success",
    "promise",
    "lazy",
    "custom",
  ];
  if (transforms.includes(def.type)) {
    throw new Error(
      `${where}: a ${def.type} schema is not supported by the generated validator (it validates the input as is)`,
    );
  }
  const custom = (def.checks ?? []).filter((c) => c._zod.def.check === "custom").length;
  if (custom > (named ? 1 : 0)) {
    throw new Error(
      `${where}: a refinement that is not a named check: put it in src/codex/checks.ts and use grammar() or predicate()`,
    );
  }
}

/** The JSON Schema the validator is generated from, with lychd's keywords. */
export function validatorSchema(): Json {
  return z.toJSONSchema(CodexSchema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-07",
    reused: "ref",
    override(ctx) {
      const js = ctx.jsonSchema as Json;
      const zs = ctx.zodSchema as unknown as z.ZodType;
      const meta = LYCHD_CHECKS.get(zs);
      if (meta) js["x-lychd-check"] = meta.check;
      refuseUnsupported(zs, meta !== undefined, ctx.path);
      const patterns = regexesOf(zs);
      if (patterns.length) {
        delete js.pattern;
        delete js.allOf; // several patterns: zod lists them under allOf
        js["x-lychd-pattern"] = patterns.map((re) => [re.source, re.flags]);
      }
      if (js.minLength !== undefined || js.maxLength !== undefined) {
        js["x-lychd-length"] = [js.minLength ?? 0, js.maxLength ?? null];
        delete js.minLength;
        delete js.maxLength;
      }
      const types = ([] as unknown[]).concat(js.type ?? []);
      if (types.includes("number") || types.includes("integer")) js["x-lychd-value"] = "finite";
      if ((zs as unknown as { _zod: { def: { type: string } } })._zod.def.type === "record") {
        js["x-lychd-value"] = "record";
      }
    },
  }) as Json;
}

/** The generated module's text (not formatted: `deno fmt` would indent it to six times its size). */
export function generate(): string {
  const ajv = new Ajv({
    code: { source: true, esm: true, lines: true },
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
    allErrors: false,
    messages: false,
    validateFormats: false,
  });
  ajv.addKeyword({
    keyword: "x-lychd-check",
    schemaType: "string",
    code(cxt: KeywordCxt) {
      const name = cxt.schema as string;
      if (!(name in CHECKS)) throw new Error(`no check ${name} in src/codex/checks.ts`);
      const checks = cxt.gen.scopeValue("keyword", { ref: CHECKS, code: _`CHECKS` });
      cxt.fail(_`!${checks}[${name}](${cxt.data})`);
    },
  });
  ajv.addKeyword({
    keyword: "x-lychd-pattern",
    schemaType: "array",
    code(cxt: KeywordCxt) {
      for (const [source, flags] of cxt.schema as [string, string][]) {
        const re = cxt.gen.scopeValue("pattern", {
          key: `/${source}/${flags}`,
          ref: new RegExp(source, flags),
          code: _`new RegExp(${source}, ${flags})`,
        });
        cxt.fail(_`typeof ${cxt.data} == "string" && !${re}.test(${cxt.data})`);
      }
    },
  });
  ajv.addKeyword({
    keyword: "x-lychd-length",
    schemaType: "array",
    code(cxt: KeywordCxt) {
      const [min, max] = cxt.schema as [number, number | null];
      const d = cxt.data;
      cxt.fail(_`typeof ${d} == "string" && ${d}.length < ${min}`);
      if (max !== null) cxt.fail(_`typeof ${d} == "string" && ${d}.length > ${max}`);
    },
  });
  ajv.addKeyword({
    keyword: "x-lychd-value",
    schemaType: "string",
    code(cxt: KeywordCxt) {
      const d = cxt.data;
      if (cxt.schema === "finite") cxt.fail(_`typeof ${d} == "number" && !isFinite(${d})`);
      else if (cxt.schema === "record") cxt.fail(_`${d} instanceof Date`);
      else throw new Error(`x-lychd-value: unknown ${cxt.schema}`);
    },
  });
  const validate = ajv.compile(validatorSchema());
  let code = standaloneCode(ajv, validate);
  if (/require\(/.test(code)) {
    throw new Error("the generated validator needs an ajv runtime module: adjust the schema or keywords");
  }
  code = `// deno-lint-ignore-file
// @ts-nocheck generated code
/**
 * GENERATED by \`deno task gen\` (scripts/gen_validator.ts) from src/codex/schema.ts: do not edit.
 * The Codex validator of the success path: true when zod's CodexSchema would accept the value.
 * tests/validator_test.ts fails when this file is stale.
 *
 * @module
 */
import { CHECKS } from "./checks.ts";
${code.replace(/^"use strict";\n?/, "")}
`;
  return code;
}

if (import.meta.main) {
  const text = generate();
  if (Deno.args.includes("--check")) {
    let old = "";
    try {
      old = Deno.readTextFileSync(OUT);
    } catch { /* missing */ }
    if (old !== text) {
      console.error("src/codex/validator.generated.ts is stale: run `deno task gen`");
      Deno.exit(1);
    }
  } else {
    Deno.writeTextFileSync(OUT, text);
    console.error(`wrote ${OUT.pathname} (${text.length} bytes)`);
  }
}
