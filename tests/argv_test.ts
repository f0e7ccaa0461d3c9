/**
 * src/cli/argv.ts against Node's own `util.parseArgs` (strict, positionals allowed): on a generated
 * corpus of command lines, both give the same values and positionals, or errors with the same first
 * line.
 */
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { type ArgOption, ArgvError, parseArgv } from "../src/cli/argv.ts";

const OPTIONS: Record<string, ArgOption> = {
  out: { type: "string", short: "o" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  "cdi-dir": { type: "string", multiple: true, short: "c" },
  json: { type: "boolean" },
  codex: { type: "string" },
  flag: { type: "boolean", multiple: true },
};

const WORDS = [
  "--out",
  "--out=x",
  "--out=",
  "-o",
  "-ofile",
  "-o-",
  "-oq",
  "-q",
  "-v",
  "-qv",
  "-qvo",
  "-qvofile",
  "-vx",
  "--quiet",
  "--quiet=1",
  "--quiet=",
  "--json",
  "--codex",
  "--codex=-x",
  "--cdi-dir",
  "-c",
  "-cdir",
  "--flag",
  "--flag=no",
  "--",
  "-",
  "x",
  "y z",
  "-x",
  "-X",
  "--nope",
  "--nope=1",
  "---",
  "--=",
  "--=x",
  "-1",
  "-val",
  "--__proto__",
  "--__proto__=1",
  "-qx",
  "--Out",
  "--out-",
  "--verbose",
  "-",
];

function node(argv: string[]): unknown {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { values: { ...values }, positionals };
  } catch (e) {
    return { error: (e as Error).message.split("\n")[0] };
  }
}

function ours(argv: string[]): unknown {
  try {
    const { values, positionals } = parseArgv(argv, OPTIONS);
    return { values: { ...values }, positionals };
  } catch (e) {
    return { error: (e as Error).message.split("\n")[0] };
  }
}

Deno.test("argv: the same as node:util parseArgs on every short command line of the corpus", () => {
  for (const a of WORDS) {
    assert.deepEqual(ours([a]), node([a]), JSON.stringify([a]));
    for (const b of WORDS) assert.deepEqual(ours([a, b]), node([a, b]), JSON.stringify([a, b]));
  }
});

Deno.test("argv: the same as node:util parseArgs on random command lines", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: 8 }),
      (argv) => {
        assert.deepEqual(ours(argv), node(argv), JSON.stringify(argv));
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("argv: `given` holds every value of every flag in order; `values` is its last (or all, if multiple)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: 8 }),
      (argv) => {
        let parsed;
        try {
          parsed = parseArgv(argv, OPTIONS);
        } catch {
          return;
        }
        const { values, given } = parsed;
        assert.deepEqual(
          Object.keys(given).sort(),
          Object.keys(values).filter((k) => k !== "__proto__").sort(),
        );
        for (const [k, all] of Object.entries(given)) {
          assert.ok(all.length >= 1);
          assert.deepEqual(values[k], OPTIONS[k].multiple ? all : all.at(-1), JSON.stringify(argv));
        }
      },
    ),
    { numRuns: 2000 },
  );
  const { given } = parseArgv(["--codex", "a", "--codex=b", "-qq", "--cdi-dir", "x", "-cy"], OPTIONS);
  assert.deepEqual({ ...given }, { codex: ["a", "b"], quiet: [true, true], "cdi-dir": ["x", "y"] });
});

Deno.test("argv: each refusal says what kind it is, the flag as written and its long name", () => {
  const kind = (argv: string[]) => {
    try {
      parseArgv(argv, OPTIONS);
    } catch (e) {
      assert.ok(e instanceof ArgvError, String(e));
      return [e.kind, e.flag, e.long, e.value];
    }
    assert.fail(`${JSON.stringify(argv)} was accepted`);
  };
  assert.deepEqual(kind(["--nope"]), ["unknown", "--nope", "nope", undefined]);
  assert.deepEqual(kind(["--codex"]), ["missing", "--codex", "codex", undefined]);
  assert.deepEqual(kind(["-qvo"]), ["missing", "-o", "out", undefined]);
  assert.deepEqual(kind(["-o", "-q"]), ["ambiguous", "-o", "out", "-q"]);
  assert.deepEqual(kind(["--quiet=1"]), ["valued", "--quiet", "quiet", "1"]);
});
