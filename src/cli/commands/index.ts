/**
 * Every verb, in help order: its name and the module that defines it. A run loads only its own
 * verb (and what that verb imports); `--help`, the completion scripts and the hint for a flag of
 * another verb load them all (`loadCommands`). To add a verb, add one line.
 *
 * @module
 */
import type { Command } from "../command.ts";

/** One row of the verb table. */
export interface Verb {
  name: string;
  load: () => Promise<Command>;
  /** Not listed by `lychd --help` nor completed (`__complete-names`). */
  hidden?: boolean;
}

/** The verbs of lychd, in help order. */
export const VERBS: Verb[] = [
  { name: "init", load: async () => (await import("./init.ts")).init },
  { name: "check", load: async () => (await import("./check.ts")).check },
  { name: "render", load: async () => (await import("./render.ts")).render },
  { name: "export", load: async () => (await import("./export.ts")).exportCmd },
  { name: "bind", load: async () => (await import("./bind.ts")).bind },
  { name: "unbind", load: async () => (await import("./unbind.ts")).unbind },
  { name: "start", load: async () => (await import("./lifecycle.ts")).start },
  { name: "stop", load: async () => (await import("./lifecycle.ts")).stop },
  { name: "summon", load: async () => (await import("./lifecycle.ts")).summon },
  { name: "admit", load: async () => (await import("./admit.ts")).admitVerb },
  { name: "status", load: async () => (await import("./status.ts")).status },
  { name: "logs", load: async () => (await import("./lifecycle.ts")).logs },
  { name: "reconcile", load: async () => (await import("./reconcile.ts")).reconcile },
  { name: "doctor", load: async () => (await import("./doctor.ts")).doctor },
  { name: "permissions", load: async () => (await import("./permissions.ts")).permissions },
  { name: "schema", load: async () => (await import("./schema.ts")).schema },
  { name: "completions", load: async () => (await import("./completions.ts")).completions },
  { name: "import", load: async () => (await import("./import.ts")).importCmd },
  {
    name: "__complete-names",
    hidden: true,
    load: async () => (await import("./completions.ts")).completeNames,
  },
];

/** The listed verbs (not the hidden ones), loaded, in help order. */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(VERBS.filter((v) => !v.hidden).map((v) => v.load()));
}
