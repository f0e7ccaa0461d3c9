/**
 * What a command line may hold (src/cli/arguments.ts): every verb takes only the positional
 * arguments it declares, a single-valued string flag is given once, no flag value is empty, an
 * empty LYCHD_CODEX is not "unset", and the parser's refusals are lychd's one-line usage errors.
 * Each was a silent success (or a self-contradicting line) before: `lychd check typo.toml` checked
 * the default Codex and said "valid".
 *
 * @module
 */
import assert from "node:assert/strict";
import { VERBS } from "../src/cli/commands/index.ts";
import { GLOBAL_FLAGS } from "../src/cli/flags.ts";
import type { Command } from "../src/cli/command.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import type { FakeHost } from "../src/host/_fake.ts";
import { linesOf, runInProcess } from "./lib/cli.ts";
import { CODEX, HOME, host } from "./lib/ux.ts";

const ALL: Command[] = await Promise.all(VERBS.map((v) => v.load()));

/** As many valid positional arguments as `c` takes at most (start/stop take any number: none). */
function fullOperands(c: Command): string[] | undefined {
  const o = c.operands;
  if (!o) return [];
  if (o.max === undefined) return undefined;
  const word = Array.isArray(o.names) ? o.names[0] : o.names === "soulstones" ? "vllm" : "vessel";
  return Array.from({ length: o.max }, () => word);
}

/** A run that must end in exactly `line` on stderr, exit `code`, nothing else done. */
async function refused(h: FakeHost, argv: string[], line: string | RegExp, code = 2): Promise<void> {
  const writes = h.fs.writeLog.length;
  const calls = h.runner.calls.length;
  const r = await runInProcess(h, argv);
  const what = `lychd ${argv.join(" ")}: ${r.stderr}`;
  assert.equal(r.code, code, what);
  assert.equal(r.stdout, "", what);
  assert.equal(linesOf(r.stderr).length, 1, what);
  if (typeof line === "string") assert.equal(r.stderr, `${line}\n`, what);
  else assert.match(r.stderr, line, what);
  assert.equal(h.fs.writeLog.length, writes, `${what}: wrote ${h.fs.writeLog.slice(writes)}`);
  assert.equal(h.runner.calls.length, calls, `${what}: ran ${h.runner.calls.slice(calls).map((c) => c.cmd)}`);
}

// ------------------------------------------------------------------------------ stray positionals

Deno.test("operands: every verb refuses a word beyond what it declares, with its usage line as the hint", async () => {
  const h = await host({ codex: DEFAULT_CODEX });
  const unbounded: string[] = [];
  for (const c of ALL) {
    const ops = fullOperands(c);
    if (!ops) {
      unbounded.push(c.name);
      continue;
    }
    await refused(
      h,
      [c.name, ...ops, "stray"],
      `lychd: unexpected argument "stray" for \`lychd ${c.name}\` (hint: ${c.usage})`,
    );
  }
  // Only these take any number of names (each is checked against the Codex by the verb).
  assert.deepEqual(unbounded.sort(), ["start", "stop"]);
});

Deno.test("operands: a stray word that looks like a Codex points at --codex (the newcomer's `lychd check typo.toml`)", async () => {
  const h = await host({ codex: DEFAULT_CODEX });
  h.fs.put(`${HOME}/typo.toml`, "version = 1\n[vessel\n"); // broken: must not be passed over as "valid"
  h.fs.put(`${HOME}/mycodex`, DEFAULT_CODEX); // an existing file without .toml
  h.fs.put(`${HOME}/out/keep`, "x"); // a directory: not a Codex
  const hint = (verb: string, word: string) =>
    `lychd: unexpected argument "${word}" for \`lychd ${verb}\` (hint: name a Codex with --codex ${word})`;
  await refused(h, ["check", "typo.toml"], hint("check", "typo.toml"));
  await refused(h, ["render", "typo.toml", "--out", `${HOME}/out`], hint("render", "typo.toml"));
  await refused(h, ["bind", "--dry-run", "typo.toml"], hint("bind", "typo.toml"));
  await refused(h, ["export", "kubernetes", "codex.toml"], hint("export", "codex.toml"));
  await refused(h, ["check", "mycodex"], hint("check", "mycodex"));
  await refused(h, ["check", "/nowhere/my codex.toml"], /--codex '\/nowhere\/my codex\.toml'\)\n$/);
  await refused(h, ["check", "--", "out"], /for `lychd check` \(hint: lychd check \[--json\]/);
  await refused(
    h,
    ["doctor", "extra"],
    `lychd: unexpected argument "extra" for \`lychd doctor\` (hint: lychd doctor [--json])`,
  );
  // A verb that reads no Codex points at the one that does.
  await refused(
    h,
    ["schema", "typo.toml"],
    'lychd: unexpected argument "typo.toml" for `lychd schema` (hint: `lychd check --codex typo.toml` checks a Codex)',
  );
  // Global flags before the verb change nothing.
  await refused(h, ["--codex", CODEX, "check", "typo.toml"], hint("check", "typo.toml"));
});

Deno.test("operands: what a verb declares is still accepted", async () => {
  const h = await host({ codex: DEFAULT_CODEX, cdi: true });
  for (
    const argv of [
      ["check"],
      ["completions", "bash"],
      ["schema"],
      ["export", "kubernetes"],
    ]
  ) {
    const r = await runInProcess(h, argv);
    assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
  }
  // Names, as many as given, go to the verb (start checks them against the Codex).
  const start = await runInProcess(h, ["start", "vessel", "phylactery"]);
  assert.equal(start.code, 0, start.stderr);
  assert.ok(
    h.runner.lines().some((l) => l.includes("start") && l.includes("phylactery")),
    h.runner.lines().join("\n"),
  );
});

// ------------------------------------------------------------------------ flags: once, not empty

/** Every string flag of `c` (its own and the global ones). */
const stringFlags = (c: Command) => [...GLOBAL_FLAGS, ...c.flags].filter((f) => f.type === "string");

Deno.test("flags: a single-valued string flag given twice is refused, on every verb; a repeatable one is not", async () => {
  const h = await host({ codex: DEFAULT_CODEX });
  let checked = 0;
  for (const c of ALL) {
    const ops = fullOperands(c) ?? [];
    for (const f of stringFlags(c).filter((f) => !f.multiple)) {
      await refused(
        h,
        [c.name, ...ops, `--${f.name}`, "a", `--${f.name}=b`],
        `lychd: --${f.name} given twice (hint: it takes one ${
          f.arg ?? "VALUE"
        }: keep one of --${f.name} a, --${f.name} b)`,
      );
      checked++;
    }
  }
  assert.ok(checked > ALL.length * 4, `${checked} flag/verb pairs`);
  await refused(h, ["logs", "vessel", "-n", "5", "--lines", "6"], /^lychd: --lines given twice /);
  await refused(
    h,
    ["check", "--codex", "a", "--codex", "b", "--codex", "c"],
    /^lychd: --codex given 3 times /,
  );
  // --cdi-dir is repeatable ("(repeatable)" in its help).
  assert.ok(GLOBAL_FLAGS.find((f) => f.name === "cdi-dir")?.multiple);
  const twice = await runInProcess(h, ["check", "--cdi-dir", "/etc/cdi", "--cdi-dir", "/var/run/cdi"]);
  assert.equal(twice.code, 0, twice.stderr);
});

Deno.test("flags: an empty value is refused for every string flag of every verb, not taken as unset", async () => {
  const h = await host({ codex: DEFAULT_CODEX });
  for (const c of ALL) {
    const ops = fullOperands(c) ?? [];
    for (const f of stringFlags(c)) {
      const line = `lychd: --${f.name} has an empty value (hint: write --${f.name} ${
        f.arg ?? "VALUE"
      }, or leave --${f.name} out)`;
      await refused(h, [c.name, ...ops, `--${f.name}=`], line);
      await refused(h, [c.name, ...ops, `--${f.name}`, ""], line);
    }
  }
  await refused(h, ["logs", "vessel", "-n", ""], /^lychd: --lines has an empty value /);
});

// -------------------------------------------------------------------------------------- LYCHD_CODEX

Deno.test("LYCHD_CODEX set but empty is an error (exit 1), not the default Codex", async () => {
  const h = await host({ codex: DEFAULT_CODEX, env: { LYCHD_CODEX: "" } });
  for (const argv of [["check"], ["render"], ["bind", "--dry-run"], ["export", "kubernetes"]]) {
    await refused(
      h,
      argv,
      "lychd: LYCHD_CODEX is set but empty (hint: unset LYCHD_CODEX, or set it to a Codex file)",
      1,
    );
  }
  // --codex wins over the variable, so an empty one is not consulted.
  const named = await runInProcess(h, ["check", "--codex", CODEX]);
  assert.equal(named.code, 0, named.stderr);
});

// ------------------------------------------------------------------------- the parser's refusals

Deno.test("parser: a missing, flag-like or unwanted value is one usage line in lychd's words", async () => {
  const h = await host({ codex: DEFAULT_CODEX });
  const cases: [string[], string][] = [
    [["check", "--codex"], "lychd: --codex needs a value (hint: --codex FILE)"],
    [["logs", "vessel", "-n"], "lychd: -n needs a value (hint: -n N)"],
    [
      ["check", "--codex", "--json"],
      'lychd: --codex needs a value, not the flag-like "--json" (hint: --codex FILE; a value that starts with "-" is written --codex=--json)',
    ],
    [
      ["logs", "vessel", "-n", "-5"],
      'lychd: -n needs a value, not the flag-like "-5" (hint: -n N; a value that starts with "-" is written --lines=-5)',
    ],
    [["check", "--json=yes"], 'lychd: --json takes no value, got "yes" (hint: write --json alone)'],
  ];
  for (const [argv, line] of cases) await refused(h, argv, line);
});
