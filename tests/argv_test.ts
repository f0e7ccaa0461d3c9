/**
 * src/cli/argv.ts against Node's own `util.parseArgs` (strict, positionals allowed): on a generated
 * corpus of command lines, both give the same values and positionals, or errors with the same first
 * line.
 */
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { type ArgOption, parseArgv } from "../src/cli/argv.ts";

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
