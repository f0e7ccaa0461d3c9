/**
 * Operator experience: help for every verb, flags of other verbs, the summon progress line,
 * stable `--json` shapes. Completions are in ux_completions_test.ts; colour, `--quiet` and tables
 * in ux_output_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { completeNames } from "../src/cli/commands/completions.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import type { FakeHost } from "../src/host/_fake.ts";
import { linesOf, runInProcess } from "./lib/cli.ts";
import { COMMANDS, host, SGR, showAnswer } from "./lib/ux.ts";

// ------------------------------------------------------------------------------------------ help

Deno.test("help: every verb has usage, flags with defaults, exit status and 2+ examples", async () => {
  const h = await host();
  const main = await runInProcess(h, ["--help"]);
  assert.equal(main.code, 0);
  for (const c of COMMANDS) {
    assert.match(main.stdout, new RegExp(`^  ${c.name} +\\S`, "m"), c.name);
    const r = await runInProcess(h, [c.name, "--help"]);
    assert.equal(r.code, 0, c.name);
    assert.equal(r.stderr, "", c.name);
    assert.match(r.stdout, new RegExp(`^Usage: lychd ${c.name}\\b`, "m"), c.name);
    assert.match(r.stdout, /^Exit status: .*\b2\b/m, `${c.name}: exit status names 2`);
    const examples = r.stdout.split("\nExamples:\n")[1];
    assert.ok(examples, `${c.name}: no Examples:`);
    const ex = linesOf(examples).filter((l) => l.startsWith("  ") && l.includes(`lychd ${c.name}`));
    assert.ok(ex.length >= 2 && ex.length <= 3, `${c.name}: ${ex.length} examples`);
    assert.ok(c.examples.length >= 2 && c.examples.length <= 3, c.name);
    for (const f of c.flags) {
      const line = r.stdout.split("\nFlags:\n")[1]?.split("\n").find((l) => l.includes(`--${f.name}`));
      assert.ok(line, `${c.name} --help lacks --${f.name}`);
      if (f.default) assert.ok(line.includes(`(default: ${f.default})`), `${c.name} --${f.name}: ${line}`);
    }
    if (c.json) assert.match(r.stdout, /^With --json, stdout is one JSON document:$/m, c.name);
  }
  for (const c of [completeNames]) assert.ok(!main.stdout.includes(c.name), `${c.name} is listed`);
  // The verbs with a --json output say so in their help.
  const withJson = COMMANDS.filter((c) => c.json).map((c) => c.name).sort();
  for (const v of ["bind", "check", "doctor", "status", "summon", "unbind"]) {
    assert.ok(withJson.includes(v), v);
  }
});

Deno.test("usage errors: a flag of another verb says whose it is; did-you-mean; exit 2", async () => {
  const h = await host();
  const cases: [string[], string][] = [
    [
      ["render", "--dry-run"],
      "lychd: unknown flag --dry-run for `lychd render` (hint: --dry-run is a flag of `bind`, not `render`)",
    ],
    [["summon", "vllm", "-f"], "-f is a flag of `logs`, not `summon`"],
    [["check", "--timeout", "5m"], "--timeout is a flag of `summon`, not `check`"],
    [["--dry-run"], "--dry-run is a flag of `bind`"],
    [["bind", "--dryrun"], "did you mean --dry-run?"],
    [["render", "--bogus"], "see lychd render --help"],
    [["sumon", "vllm"], "did you mean `lychd summon`?"],
    [["completions", "powershell"], 'unknown shell "powershell"'],
  ];
  for (const [argv, want] of cases) {
    const r = await runInProcess(h, argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.equal(linesOf(r.stderr).length, 1, r.stderr);
    assert.ok(r.stderr.includes(want), `${argv.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
  }
  assert.equal(h.runner.calls.length, 0);
});

// ----------------------------------------------------------------------------------------- summon

/** Systemd as summon sees it: vllm conflicts with the running llamacpp; start takes a while. */
function summonHost(h: FakeHost, live: boolean): void {
  const vllm = "lychd-soulstone-vllm.service";
  const llama = "lychd-soulstone-llamacpp.service";
  const state: Record<string, Record<string, string>> = {
    [vllm]: { ActiveState: "inactive", SubState: "dead", Conflicts: llama },
    [llama]: { ActiveState: "active", SubState: "running" },
  };
  let polls = 0;
  let finish: (() => void) | undefined;
  h.runner.handler = (cmd, args) => {
    if (cmd !== "systemctl") return undefined;
    if (args.includes("start")) {
      if (!live) {
        state[llama] = { ActiveState: "inactive", SubState: "dead" };
        state[vllm] = { ...state[vllm], ActiveState: "active", SubState: "running" };
        return undefined;
      }
      return new Promise((resolve) => (finish = () => resolve(undefined)));
    }
    if (args.includes("show") && args.includes(vllm) && args.includes(llama)) {
      polls++;
      if (polls === 2) {
        state[llama] = { ActiveState: "inactive", SubState: "dead" };
        state[vllm] = { ...state[vllm], ActiveState: "activating", SubState: "start" };
      }
      if (polls === 4) {
        state[vllm] = { ...state[vllm], ActiveState: "active", SubState: "running" };
        queueMicrotask(() => finish?.());
      }
    }
    if (args.includes("show")) return showAnswer(args, state);
    return undefined;
  };
}

Deno.test("summon: a progress line on a TTY, plain lines otherwise, nothing with --quiet", async () => {
  const tty = await host({ codex: DEFAULT_CODEX, tty: true });
  summonHost(tty, true);
  const r = await runInProcess(tty, ["summon", "vllm"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes("\r"), "updates a line in place");
  assert.ok(!SGR.test(r.stderr), "the progress line has no escape codes");
  assert.ok(
    r.stderr.includes(
      "stopping lychd-soulstone-llamacpp.service (conflicts with lychd-soulstone-vllm.service) (0s)",
    ),
  );
  assert.ok(r.stderr.includes("waiting for lychd-soulstone-vllm.service to be healthy (2s)"), r.stderr);
  assert.ok(
    r.stderr.includes("\nlychd: stopped lychd-soulstone-llamacpp.service\n") ||
      r.stderr.includes("\rlychd: stopped"),
  );
  const last = r.stderr.split("\r").at(-1)!;
  assert.match(
    last,
    /^lychd: lychd-soulstone-vllm\.service is active after 4\.\d+s; displaced lychd-soulstone-llamacpp\.service\n$/,
  );

  const pipe = await host({ codex: DEFAULT_CODEX });
  summonHost(pipe, false);
  const p = await runInProcess(pipe, ["summon", "vllm"]);
  assert.equal(p.code, 0, p.stderr);
  assert.ok(!p.stderr.includes("\r"));
  assert.deepEqual(linesOf(p.stderr), [
    "lychd: stopping lychd-soulstone-llamacpp.service (conflicts with lychd-soulstone-vllm.service)",
    "lychd: starting lychd-soulstone-vllm.service and waiting for it to be healthy",
    "lychd: lychd-soulstone-vllm.service is active after 0.0s; displaced lychd-soulstone-llamacpp.service",
  ]);

  const quiet = await host({ codex: DEFAULT_CODEX, tty: true });
  summonHost(quiet, false);
  const q = await runInProcess(quiet, ["summon", "vllm", "-q", "--json"]);
  assert.equal(q.stderr, "");
  assert.deepEqual(JSON.parse(q.stdout), {
    unit: "lychd-soulstone-vllm.service",
    active: true,
    displaced: ["lychd-soulstone-llamacpp.service"],
    evicted: [],
    seconds: 0,
  });
});

// ------------------------------------------------------------------------------------------- json

Deno.test("--json shapes are stable: the same keys on success, refusal and empty state", async () => {
  const keys = (o: unknown) => Object.keys(o as object).sort();
  const ok = await runInProcess(await host({ codex: DEFAULT_CODEX }), ["check", "--json"]);
  const bad = await runInProcess(await host({ codex: "version = 2\n" }), ["check", "--json"]);
  assert.equal(ok.code, 0);
  assert.equal(bad.code, 1);
  assert.deepEqual(keys(JSON.parse(bad.stdout)), keys(JSON.parse(ok.stdout)));
  assert.deepEqual(keys(JSON.parse(ok.stdout)), [
    "embedded",
    "errors",
    "file",
    "gateway",
    "podmanVersion",
    "services",
    "valid",
    "warnings",
  ]);

  const h = await host({ codex: DEFAULT_CODEX });
  const none = await runInProcess(h, ["status", "--json"]);
  const dry = await runInProcess(h, ["bind", "--dry-run", "--json"]);
  const bound = await runInProcess(h, ["bind", "--json"]);
  const some = await runInProcess(h, ["status", "--json"]);
  const doctor = await runInProcess(h, ["doctor", "--json"]);
  const unbound = await runInProcess(h, ["unbind", "--json"]);
  assert.deepEqual(keys(JSON.parse(none.stdout)), keys(JSON.parse(some.stdout)));
  assert.deepEqual(keys(JSON.parse(some.stdout)), ["bound", "codex", "units"]);
  const unit = JSON.parse(some.stdout).units.find((u: { name?: string }) => u.name === "vllm");
  assert.deepEqual(keys(unit), [
    "active",
    "changed",
    "claims",
    "conflicts",
    "drift",
    "file",
    "models",
    "name",
    "physical",
    "restarts",
    "result",
    "role",
    "since",
    "sub",
    "unit",
  ]);
  const report = ["added", "changed", "diff", "recovered", "reloaded", "removed", "restored", "unchanged"];
  assert.deepEqual(keys(JSON.parse(dry.stdout)), ["dryRun", ...report].sort());
  assert.deepEqual(keys(JSON.parse(bound.stdout)), ["dryRun", ...report].sort());
  assert.deepEqual(keys(JSON.parse(unbound.stdout)), report);
  assert.deepEqual(keys(JSON.parse(doctor.stdout)), ["findings"]);
});
