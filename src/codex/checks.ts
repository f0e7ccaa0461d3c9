/**
 * The Codex schema's checks that a JSON Schema cannot state, by name: the field grammars and the
 * predicates of src/codex/schema.ts. The zod schema runs them through `superRefine`/`refine`;
 * the validator generated from it (src/codex/validator.generated.js, `deno task gen`) calls the
 * same functions by the same names. Free of zod, so the success path never loads it.
 *
 * @module
 */
import { isIP, type Parsed, parseDuration, parsePort, parseSize } from "./quantities.ts";
import { healthMeaning } from "./health.ts";

/** Names of services, volumes and secrets. */
export const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** Grammars: a value that passed its type check → parsed, or a message and hint. */
export const GRAMMARS = {
  duration: (v: string | number): Parsed<unknown> => parseDuration(v),
  size: (v: string | number): Parsed<unknown> => parseSize(v),
  port: (v: string): Parsed<unknown> => parsePort(v, "127.0.0.1"),
  /** `health.cmd`: a shell string, an argv, or one of Docker's forms by meaning. */
  health: (v: string | string[]): Parsed<unknown> => {
    const m = healthMeaning(v);
    return m.kind === "error" ? { ok: false, message: m.message, hint: m.hint } : { ok: true, value: m };
  },
} as const;

/** Predicates on strings. */
export const PREDICATES = {
  absPath: (s: string): boolean => s.startsWith("/"),
  /** `name:ip` or `name:host-gateway`. */
  addHost: (s: string): boolean => {
    const i = s.indexOf(":");
    return i > 0 && /^[A-Za-z0-9.-]+$/.test(s.slice(0, i)) &&
      (isIP(s.slice(i + 1)) || s.slice(i + 1) === "host-gateway");
  },
  ip: (s: string): boolean => isIP(s),
} as const;

/** A grammar's name. */
export type GrammarName = keyof typeof GRAMMARS;
/** A predicate's name. */
export type PredicateName = keyof typeof PREDICATES;

/**
 * What the generated validator calls: every grammar and predicate as `value → ok`. A value of
 * another type passes here (its type is the schema's own check), as zod never runs a refinement
 * on a value that failed its type.
 */
export const CHECKS: Record<string, (v: unknown) => boolean> = {
  duration: (v) => !(typeof v === "string" || typeof v === "number") || GRAMMARS.duration(v).ok,
  size: (v) => !(typeof v === "string" || typeof v === "number") || GRAMMARS.size(v).ok,
  port: (v) => typeof v !== "string" || GRAMMARS.port(v).ok,
  health: (v) =>
    !(typeof v === "string" || (Array.isArray(v) && v.every((w) => typeof w === "string"))) ||
    GRAMMARS.health(v as string | string[]).ok,
  absPath: (v) => typeof v !== "string" || PREDICATES.absPath(v),
  addHost: (v) => typeof v !== "string" || PREDICATES.addHost(v),
  ip: (v) => typeof v !== "string" || PREDICATES.ip(v),
};
