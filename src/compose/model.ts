/**
 * The shared vocabulary of the Compose → Codex conversion: the options and result of one import,
 * the roles a service can take, the per-service `Entry` being built, the per-service context the
 * key converters write into, and `refuse` (one clear line, thrown as a `ComposeError`).
 *
 * Pure: types and one throwing helper.
 *
 * @module
 */
import type { Warning } from "../warnings.ts";
import { ComposeError, type Obj, type Project } from "./project.ts";

/** The host's CDI devices of one kind (bare names, natural order); empty = no spec. */
export type KnownGpus = (kind: string) => string[];

/** Roles a service can be given. */
export const ROLES = ["vessel", "phylactery", "oculus", "soulstone", "service"] as const;
export type ImportRole = (typeof ROLES)[number];

/** Options of one import. */
export interface ConvertOptions {
  /** Sepulcher name (unit prefix); default: the project's name. */
  name?: string;
  /** Compose service name → role. */
  roles: Record<string, ImportRole>;
  lenient: boolean;
  gpus?: KnownGpus;
  /** Shown in the header: the command line that produced the Codex. */
  command?: string;
}

/** The result. */
export interface Converted {
  toml: string;
  /** One line each (dropped keys under --lenient, GPU picks, unset variables). */
  warnings: Warning[];
  /** What to run next (secrets, then `lychd check`). */
  nextSteps: string[];
  /** Compose service name → Codex path (e.g. `soulstones.ollama`). */
  paths: Record<string, string>;
  /** Compose service name → the dropped keys (lenient). */
  dropped: Record<string, string[]>;
}

/** One service on its way to a Codex table. */
export interface Entry {
  compose: string;
  name: string;
  role: ImportRole;
  fields: Obj;
  comments: string[];
  dropped: string[];
  gpu: string[];
}

/** Drop a key (lenient: a comment and a warning) or refuse it (strict). */
export type Drop = (key: string, why: string, hint: string) => void;

/** What a key converter of one service can see and write. */
export interface ServiceCtx {
  p: Project;
  /** The compose service name. */
  n: string;
  /** The normalized compose service. */
  s: Obj;
  /** The file the service came from. */
  file: string;
  e: Entry;
  /** `e.fields`. */
  f: Obj;
  drop: Drop;
  /** Add a `# …` comment above the service's table. */
  note: (t: string) => void;
}

/** A refusal: everything needed for one clear line. */
export function refuse(file: string, svc: string, key: string, message: string, hint: string): never {
  throw new ComposeError(file, `services.${svc}${key ? `.${key}` : ""}`, message, hint);
}
