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
 *
 * `--no-opt`: no TurboFan (Maglev, the mid tier, still compiles hot code). A 1,000-service render is
 * over before TurboFan's work pays (its compile jobs cost CPU on a background thread; the CPU ratio
 * falls more than the wall ratio). With `--no-lazy`, against no flags: render to stdout 0.87–0.91 wall,
 * 0.78–0.83 CPU; `--out` 0.86–1.02 wall, 0.81–0.93 CPU; `--version` 0.98. Larger Codexes lose
 * nothing: 10,000 plain services 850–880 ms with and without it, 3,000 services with soulstones
 * (31 MB of Runes) 600–610 ms with it, 650–660 without. Without Maglev too (`--no-maglev`): 1.20.
 *
 * `--min-semi-space-size=16` (MiB): the young generation starts at the size it would grow to, so a
 * render's short-lived garbage dies in 4 scavenges instead of 11 (gen.ts Codex: 11 ms of GC instead
 * of 23). Against the two flags above, `deno run -A bench/ab.ts --old . --new . --runs 13
 * --old-v8=--no-lazy,--no-opt --new-v8=--no-lazy,--no-opt,--min-semi-space-size=16` (each side its
 * own code cache): services only 0.88–0.91 wall (stdout and `--out`), gen.ts 0.97–0.99, `--version`
 * 1.00; 8 MiB 0.93, 24 MiB 0.99, 64 MiB slower (2026-11-29, fourth round).
 *
 * Those three, each with its own code cache (the earlier rounds' A/B alternated flag sets on one
 * cache, which V8 rejects under other flags; bench/ab.ts now separates them): no flags → all three
 * 0.89–0.90 wall, 0.77–0.80 CPU; `--no-opt` alone → adding `--no-lazy` 0.91–0.92. Not kept beside
 * them (1.01–1.04): `--always-sparkplug`, `--invocation-count-for-maglev=100`,
 * `--no-lazy-feedback-allocation`.
 * `deno task bench --only quadlet` gives the installed shim's row ("installed") beside the headline.
 *
 * @module
 */

/** Deno's flag carrying them, as `deno run`, `deno install` and `deno compile` take it. */
export const V8_FLAGS = "--v8-flags=--no-lazy,--no-opt,--min-semi-space-size=16";
