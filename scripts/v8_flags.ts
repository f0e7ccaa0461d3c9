/**
 * The V8 flags the shipped lychd runs with: what `deno task install` writes into the shim and
 * `deno task compile` bakes into the binary (a checkout's `deno run main.ts`, the headline of
 * BENCHMARKS.md, takes none).
 *
 * `--no-lazy`: V8 compiles every function of a module when it loads it, not on its first call, so
 * Deno's code cache (written after the first run) holds them all and a later run compiles nothing.
 * A render runs almost all of its code once, cold: against the same checkout without the flag,
 * `deno run -A bench/ab.ts --old <checkout> --new-v8=--no-lazy --runs 15` measured render to stdout
 * 0.92–0.97 (wall) and `--out` 0.95, `--version` 0.98 (2026-11-29, third round, BENCHMARKS.md).
 * `deno task bench --only quadlet` gives the installed shim's row ("installed") beside the headline.
 *
 * @module
 */

/** Deno's flag carrying them, as `deno run`, `deno install` and `deno compile` take it. */
export const V8_FLAGS = "--v8-flags=--no-lazy";
