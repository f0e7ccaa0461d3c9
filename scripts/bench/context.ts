/**
 * The flags of `deno task bench` and the context every section of scripts/bench.ts shares: the
 * checkouts measured, the run count, the temp dirs and the results written by `--json`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

/** The parsed command line of scripts/bench.ts. */
export interface Options {
  quick: boolean;
  /** The sections to run: quadlet, inproc, render, cold, bind. */
  only: Set<string>;
  runs: number;
  /** This checkout (bench/*.ts always come from it). */
  here: string;
  /** The checkout measured (`--root`, default: this one). */
  root: string;
  /** The checkout measured alongside, for before/after figures (`--baseline`). */
  base?: string;
  json?: string;
  keep: boolean;
  bundle: boolean;
}

export function parseOptions(argv: string[]): Options {
  const args = parseArgs({
    args: argv,
    options: {
      runs: { type: "string" },
      quick: { type: "boolean" },
      root: { type: "string" },
      baseline: { type: "string" },
      only: { type: "string" },
      json: { type: "string" },
      keep: { type: "boolean" },
      bundle: { type: "boolean" },
    },
    strict: true,
  });
  const QUICK = args.values.quick === true;
  const ONLY = new Set((args.values.only ?? "quadlet,inproc,render,cold,bind").split(","));
  const RUNS = Number(args.values.runs ?? (QUICK ? 3 : 10));
  const HERE = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const ROOT = args.values.root ? Deno.realPathSync(args.values.root) : HERE;
  const BASE = args.values.baseline ? Deno.realPathSync(args.values.baseline) : undefined;
  return {
    quick: QUICK,
    only: ONLY,
    runs: RUNS,
    here: HERE,
    root: ROOT,
    base: BASE,
    json: args.values.json,
    keep: args.values.keep === true,
    bundle: args.values.bundle === true,
  };
}

/** What the sections share: the options, the temp dirs of this run and the results for `--json`. */
export interface Ctx extends Options {
  /** A temp dir on disk, removed afterwards unless `--keep`. */
  tmp: string;
  /** A temp dir on tmpfs (/dev/shm), when there is one. */
  shm?: string;
  results: Record<string, unknown>;
}

/** Services in the generated Codex of the whole-process and bind figures. */
export const N = 1000;
export const DENO = Deno.execPath();
/**
 * `lychd` as the README runs it from a checkout. `-A` rather than `deno task demo`'s
 * `--allow-read --allow-env --allow-run` (+ `--allow-write`): Deno wants all permissions to
 * write under `/dev/shm`, the tmpfs output dir.
 */
export const lychd = (root: string) => ["run", "-A", `${root}/main.ts`];

export const say = (line = "") => console.log(line);
