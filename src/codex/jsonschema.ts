/**
 * The Codex's JSON Schema, generated from the zod schema (one source of truth) for editors.
 *
 * @module
 */
import { z } from "zod";
import { CodexSchema } from "./schema.ts";

/** JSON Schema (draft 2020-12) of the Codex. */
export function codexJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(CodexSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    title: "lychd Codex v1",
    description: "The Codex: what `lychd bind` compiles into Podman Quadlets.",
  };
}
