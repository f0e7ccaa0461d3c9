/**
 * A small JSON Schema validator for the subset `codexJsonSchema()` uses (type, properties,
 * additionalProperties, propertyNames, required, enum, const, anyOf, items, minItems, pattern,
 * minimum, maximum, exclusiveMinimum, minLength). Any other keyword throws, so the subset cannot
 * silently grow past what is checked. (A full validator such as ajv would need a dependency.)
 *
 * @module
 */

/** A JSON Schema node. */
export type Schema = boolean | Record<string, unknown>;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "default", "examples"]);
const KNOWN = new Set([
  "type",
  "properties",
  "additionalProperties",
  "propertyNames",
  "required",
  "enum",
  "const",
  "anyOf",
  "items",
  "minItems",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "minLength",
]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "object":
      return typeOf(v) === "object";
    default:
      return typeOf(v) === t;
  }
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every violation of `schema` by `value`, as `path: message` (empty when valid). */
export function validate(schema: Schema, value: unknown, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  for (const k of Object.keys(schema)) {
    if (!KNOWN.has(k) && !ANNOTATIONS.has(k)) throw new Error(`${path}: unsupported keyword ${k}`);
  }
  const s = schema as Record<string, unknown>;
  const errs: string[] = [];
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type as string[] : [s.type as string];
    if (!types.some((t) => hasType(value, t))) {
      return [`${path}: want ${types.join("|")}, got ${typeOf(value)}`];
    }
  }
  if ("const" in s && !equal(value, s.const)) errs.push(`${path}: want ${JSON.stringify(s.const)}`);
  if (s.enum && !(s.enum as unknown[]).some((e) => equal(e, value))) {
    errs.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  if (s.anyOf) {
    const branches = (s.anyOf as Schema[]).map((b) => validate(b, value, path));
    if (!branches.some((b) => b.length === 0)) {
      errs.push(`${path}: matches no anyOf branch (${branches.flat()[0]})`);
    }
  }
  if (typeof value === "string") {
    if (typeof s.minLength === "number" && [...value].length < s.minLength) {
      errs.push(`${path}: shorter than ${s.minLength}`);
    }
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value)) {
      errs.push(`${path}: ${JSON.stringify(value)} does not match ${s.pattern}`);
    }
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) errs.push(`${path}: below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) errs.push(`${path}: above ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) {
      errs.push(`${path}: not above ${s.exclusiveMinimum}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) {
      errs.push(`${path}: fewer than ${s.minItems} items`);
    }
    if (s.items !== undefined) {
      value.forEach((v, i) => errs.push(...validate(s.items as Schema, v, `${path}[${i}]`)));
    }
  }
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in obj)) errs.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (s.propertyNames !== undefined) {
        errs.push(...validate(s.propertyNames as Schema, k, `${path}.${k} (name)`));
      }
      if (k in props) errs.push(...validate(props[k], v, `${path}.${k}`));
      else if (s.additionalProperties !== undefined) {
        errs.push(...validate(s.additionalProperties as Schema, v, `${path}.${k}`));
      }
    }
  }
  return errs;
}
