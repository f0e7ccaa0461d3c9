/**
 * Validation against the Compose Specification's own JSON Schema (compose-spec.json, verbatim,
 * see SOURCES), compiled once with ajv (draft-07; the schema's `$schema` URL lacks the `#` ajv
 * knows it by, so meta-validation is off). Pure: no `Deno.*`.
 *
 * @module
 */
import { Ajv, type ErrorObject } from "ajv";
import spec from "./compose-spec.json" with { type: "json" };
import type { SchemaCheck } from "./project.ts";

let compiled: ReturnType<Ajv["compile"]> | undefined;

function describe(e: ErrorObject): string {
  if (e.keyword === "additionalProperties") {
    return `unknown key ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  }
  if (e.keyword === "enum") {
    return `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
  }
  return e.message ?? e.keyword;
}

/** A `SchemaCheck` over the official schema: the most specific error first. */
export const composeSchemaCheck: SchemaCheck = (doc) => {
  compiled ??= new Ajv({ allErrors: true, strict: false, validateSchema: false, validateFormats: false })
    .compile(spec);
  if (compiled(doc)) return [];
  const errs = [...(compiled.errors ?? [])];
  // Prefer unknown keys, then the deepest path (oneOf branches report at the parent).
  errs.sort((a, b) =>
    Number(b.keyword === "additionalProperties") - Number(a.keyword === "additionalProperties") ||
    b.instancePath.split("/").length - a.instancePath.split("/").length
  );
  return errs.map((e) => {
    const path = e.instancePath.split("/").slice(1).map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
    if (e.keyword === "additionalProperties") {
      path.push((e.params as { additionalProperty: string }).additionalProperty);
    }
    return { path, message: describe(e) };
  });
};
