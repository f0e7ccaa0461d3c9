/**
 * Operator experience: help for every verb, flags of other verbs, shell completions (bash
 * scripted through its completion function; zsh and fish when installed), `NO_COLOR` and TTY
 * colour, `--quiet`, tables that fit 80 columns, the summon progress line, stable `--json` shapes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadCommands } from "../src/cli/commands/index.ts";
import { completeNames, liveTables } from "../src/cli/commands/completions.ts";
import { completionScript, SHELLS } from "../src/cli/completion_scripts.ts";
import { GLOBAL_FLAGS } from "../src/cli/flags.ts";
import { table } from "../src/cli/output.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { type FakeHost, fakeHost } from "../src/host/_fake.ts";
import { linesOf, NVIDIA_SPEC, ROOT, runInProcess, type Sandbox, sandbox } from "./lib/cli.ts";

const COMMANDS = await loadCommands();

const HOME = "/home/u";
const CODEX = `${HOME}/.config/lychd/codex.toml`;
// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/;

/** Soulstones and services with long names, claiming overlapping GPUs. */
const LONG_CODEX = `version = 1
[sepulcher]
name = "a-rather-long-sepulcher-name-x"
[vessel]
image = "docker.io/library/nginx:1.27"
[services.an-extremely-long-companion-service-name-for-tests]
image = "docker.io/library/redis:7"
[soulstones.vllm-qwen2-5-72b-instruct-awq-tensor-parallel]
image = "docker.io/vllm/vllm-openai:v0.11.0"
devices = ["nvidia.com/gpu=0", "nvidia.com/gpu=1"]
[soulstones.llamacpp-qwen2-5-72b-instruct-gguf-q4-k-m]
image = "ghcr.io/ggml-org/llama.cpp:server-cuda"
devices = ["nvidia.com/gpu=all"]
[soulstones.sglang-deepseek-r1-distill-qwen-32b]
image = "docker.io/lmsysorg/sglang:latest"
devices = ["nvidia.com/gpu=1"]
`;

async function has(program: string): Promise<boolean> {
  try {
    const r = await new Deno.Command("sh", { args: ["-c", `command -v ${program}`], stdout: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/** `systemctl show` answers from a table of unit → property → value (missing: inactive/dead). */
function showAnswer(args: string[], state: Record<string, Record<string, string>>) {
  const i = args.indexOf("show");
  const rest = args.slice(i + 1);
  const props = rest[0] === "-p" ? rest[1].split(",") : ["ActiveState"];
  const units = rest[0] === "-p" ? rest.slice(2) : rest;
  const blocks = units.map((u) =>
    props.map((p) => {
      const s = state[u] ?? {};
      const def: Record<string, string> = { ActiveState: "inactive", SubState: "dead", Result: "success" };
      return `${p}=${s[p] ?? def[p] ?? ""}`;
    }).join("\n")
  );
  return { stdout: blocks.join("\n\n") + "\n" };
}

/** A fake host with a Codex (or none), podman 5.4.2, and systemd state to answer `show` from. */
async function host(
  opts: { codex?: string; tty?: boolean; env?: Record<string, string>; cdi?: boolean } = {},
  state: Record<string, Record<string, string>> = {},
): Promise<FakeHost> {
  const h = fakeHost({
    env: { HOME, USER: "u", PATH: "/usr/bin:/bin", ...opts.env },
    cwd: HOME,
    isTerminal: opts.tty ?? false,
    implicitDirs: true,
  });
  if (opts.codex !== undefined) h.fs.put(CODEX, opts.codex);
  if (opts.cdi) h.fs.put("/etc/cdi/nvidia.yaml", await Deno.readTextFile(NVIDIA_SPEC));
  h.runner.handler = (cmd, args) => {
    if (cmd === "podman" && args[0] === "--version") return { stdout: "podman version 5.4.2\n" };
    if (cmd === "systemctl" && args.includes("show")) return showAnswer(args, state);
    return undefined;
  };
  return h;
}

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

// ----------------------------------------------------------------------------------- completions

/** A sandbox with a `lychd` on PATH that runs `deno run -A main.ts`. */
async function completionSandbox(): Promise<Sandbox> {
  const sb = await sandbox();
  const bin = `${sb.dir}/bin`;
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    `${bin}/lychd`,
    `#!/bin/sh\nexec '${Deno.execPath()}' run -A --quiet '${ROOT}/main.ts' "$@"\n`,
  );
  await Deno.chmod(`${bin}/lychd`, 0o755);
  sb.env.PATH = `${bin}:${sb.env.PATH}`;
  for (const s of SHELLS) {
    await Deno.writeTextFile(`${sb.dir}/lychd.${s}`, (await sb.lychd(["completions", s])).stdout);
  }
  return sb;
}

async function shell(
  sb: Sandbox,
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(cmd, {
    args,
    env: sb.env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** Complete `line` (cursor at its end) with the bash script; the candidates, sorted. */
async function bashComplete(sb: Sandbox, line: string): Promise<string[]> {
  const script = `
source "$1"
line="$2"
read -ra COMP_WORDS <<<"$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$line"
COMP_POINT=\${#line}
spec=$(complete -p lychd)
fn=\${spec#*-F }
fn=\${fn%% *}
"$fn" lychd "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const r = await shell(sb, "bash", ["-c", script, "_", `${sb.dir}/lychd.bash`, line]);
  assert.equal(r.code, 0, r.err);
  return linesOf(r.out).filter(Boolean).sort();
}

Deno.test("completions: scripts come from the verb tables; bash completes verbs, flags, Codex names", async (t) => {
  const sb = await completionSandbox();
  try {
    const tables = await liveTables();
    await t.step("every script names every verb and every flag", () => {
      for (const s of SHELLS) {
        const text = completionScript(s, tables);
        for (const c of COMMANDS) {
          assert.ok(text.includes(c.name), `${s}: ${c.name}`);
          for (const f of c.flags) {
            assert.ok(text.includes(s === "fish" ? `-l ${f.name}` : `--${f.name}`), `${s}: ${f.name}`);
          }
        }
        for (const f of GLOBAL_FLAGS) {
          assert.ok(text.includes(s === "fish" ? `-l ${f.name}` : `--${f.name}`), s);
        }
        assert.ok(!text.includes("__complete-names --help"), s);
        assert.ok(text.includes("__complete-names"), s);
      }
    });

    await t.step("bash -n accepts the bash script", async () => {
      const r = await shell(sb, "bash", ["-n", `${sb.dir}/lychd.bash`]);
      assert.equal(r.code, 0, r.err);
    });

    await t.step("lychd sum<TAB> → summon; lychd summon <TAB> → the soulstones", async () => {
      assert.deepEqual(await bashComplete(sb, "lychd sum"), ["summon"]);
      assert.deepEqual(await bashComplete(sb, "lychd st"), ["start", "status", "stop"]);
      assert.deepEqual(await bashComplete(sb, "lychd summon "), [
        "llamacpp",
        "qwen",
        "qwen2.5-7b",
        "qwen2.5-7b-gguf",
        "vllm",
      ]);
      assert.deepEqual(await bashComplete(sb, "lychd summon v"), ["vllm"]);
      assert.deepEqual(await bashComplete(sb, "lychd summon vllm "), [], "summon takes one name");
      assert.deepEqual(await bashComplete(sb, "lychd logs "), [
        "gateway",
        "llamacpp",
        "oculus",
        "phylactery",
        "vessel",
        "vllm",
      ]);
      assert.deepEqual(await bashComplete(sb, "lychd stop vessel "), [
        "gateway",
        "llamacpp",
        "oculus",
        "phylactery",
        "vessel",
        "vllm",
      ]);
      assert.deepEqual(await bashComplete(sb, "lychd bind --d"), ["--dry-run"]);
      assert.deepEqual(await bashComplete(sb, "lychd --sys"), ["--system", "--systemd-dir"]);
      assert.deepEqual(await bashComplete(sb, "lychd summon --t"), ["--timeout"]);
      assert.deepEqual(await bashComplete(sb, "lychd completions "), ["bash", "fish", "zsh"]);
      assert.deepEqual(await bashComplete(sb, "lychd summon --timeout "), [], "a flag value is not a name");
    });

    await t.step("names come from the Codex named on the command line", async () => {
      const codex = `${sb.dir}/mine.toml`;
      await Deno.writeTextFile(
        codex,
        'version = 1\n[soulstones.sglang]\nimage = "x"\n[services.cache]\nimage = "y"\n',
      );
      assert.deepEqual(await bashComplete(sb, `lychd --codex ${codex} summon `), ["sglang"]);
      assert.deepEqual(await bashComplete(sb, `lychd start --codex ${codex} `), ["cache", "sglang"]);
    });

    await t.step("__complete-names: silent, exit 0, even on a bad Codex", async () => {
      const bad = `${sb.dir}/bad.toml`;
      await Deno.writeTextFile(bad, "version = [\n");
      const r = await sb.lychd(["__complete-names", "--codex", bad]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
      const d = await sb.lychd(["__complete-names", "--soulstones"]);
      assert.deepEqual([d.code, d.stdout, d.stderr], [
        0,
        "vllm\nllamacpp\nqwen2.5-7b\nqwen\nqwen2.5-7b-gguf\n",
        "",
      ]);
    });

    const zsh = await has("zsh");
    if (!zsh) {
      console.warn(
        "\n!!! zsh is not installed: SKIPPING the zsh completion checks (apt-get install zsh) !!!\n",
      );
    }
    await t.step({
      name: "zsh -n accepts the zsh script; its function offers the soulstones for summon",
      ignore: !zsh,
      fn: async () => {
        const n = await shell(sb, "zsh", ["-n", `${sb.dir}/lychd.zsh`]);
        assert.equal(n.code, 0, n.err);
        // compsys stubbed: compadd/_describe print their candidates.
        const stub = `
compdef() { :; }
compadd() { local a arr=0; for a in "$@"; do
  if [[ $a == -a ]]; then arr=1; continue; fi; [[ $a == -- ]] && continue
  if (( arr )); then print -rl -- \${(P)a}; else print -r -- $a; fi; done; }
_describe() { shift 3; local n; for n in "$@"; do [[ $n == -- ]] && continue; print -rl -- \${(P)n}; done; }
_files() { print FILES; }
_message() { :; }
source "$1"
words=(\${=2}); [[ $2 == *' ' ]] && words+=('')
CURRENT=\${#words}
_lychd`;
        const run = async (line: string) =>
          linesOf((await shell(sb, "zsh", ["-f", "-c", stub, "_", `${sb.dir}/lychd.zsh`, line])).out).sort();
        assert.deepEqual(await run("lychd summon "), [
          "llamacpp",
          "qwen",
          "qwen2.5-7b",
          "qwen2.5-7b-gguf",
          "vllm",
        ]);
        assert.ok((await run("lychd s")).some((l) => l.startsWith("summon:start a soulstone")));
        assert.ok((await run("lychd bind --")).some((l) => l.startsWith("--dry-run:")));
        assert.deepEqual(await run("lychd --codex "), ["FILES"]);
      },
    });

    const fish = await has("fish");
    if (!fish) {
      console.warn(
        "\n!!! fish is not installed: SKIPPING the fish completion checks (apt-get install fish) !!!\n",
      );
    }
    await t.step({
      name: "fish -n accepts the fish script; complete -C offers verbs and soulstones",
      ignore: !fish,
      fn: async () => {
        const n = await shell(sb, "fish", ["-n", `${sb.dir}/lychd.fish`]);
        assert.equal(n.code, 0, n.err);
        const run = async (line: string) =>
          linesOf(
            (await shell(sb, "fish", [
              "--no-config",
              "-c",
              `source $argv[1]; complete -C $argv[2]`,
              `${sb.dir}/lychd.fish`,
              line,
            ]))
              .out,
          ).map((l) => l.split("\t")[0]).sort();
        assert.deepEqual(await run("lychd sum"), ["summon"]);
        assert.deepEqual(await run("lychd summon "), [
          "llamacpp",
          "qwen",
          "qwen2.5-7b",
          "qwen2.5-7b-gguf",
          "vllm",
        ]);
        assert.deepEqual(await run("lychd summon vllm "), []);
        assert.deepEqual(await run("lychd bind --dr"), ["--dry-run"]);
      },
    });
  } finally {
    await sb.cleanup();
  }
});

// ------------------------------------------------------------------------------------------ colour

Deno.test("colour: on a TTY only, never with NO_COLOR (bind --dry-run, status, check, doctor)", async () => {
  const bound = async (tty: boolean, env: Record<string, string> = {}) => {
    const h = await host({ codex: DEFAULT_CODEX, tty, env }, {
      "lychd-vessel.service": { ActiveState: "active", SubState: "running" },
      "lychd-soulstone-vllm.service": { ActiveState: "failed", SubState: "failed" },
    });
    const bind = await runInProcess(h, ["bind", "--quiet"]);
    assert.equal(bind.code, 0, bind.stderr);
    return h;
  };
  for (
    const [tty, env, want] of [[true, {}, true], [true, { NO_COLOR: "1" }, false], [
      false,
      {},
      false,
    ]] as const
  ) {
    const what = `tty=${tty} ${JSON.stringify(env)}`;
    const h = await host({ codex: DEFAULT_CODEX, tty, env });
    const dry = await runInProcess(h, ["bind", "--dry-run", "--quiet"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(SGR.test(dry.stdout), want, `bind --dry-run ${what}`);
    if (want) assert.ok(dry.stdout.includes("\x1b[32m+[Container]\x1b[0m"), "added lines are green");
    assert.equal(
      dry.stdout.replaceAll(new RegExp(SGR, "g"), ""),
      (await runInProcess(await host({ codex: DEFAULT_CODEX }), ["bind", "--dry-run", "-q"])).stdout,
    );

    const b = await bound(tty, env);
    const st = await runInProcess(b, ["status"]);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(SGR.test(st.stdout), want, `status ${what}`);
    if (want) {
      assert.ok(st.stdout.includes("\x1b[32mactive\x1b[0m"), st.stdout);
      assert.ok(st.stdout.includes("\x1b[31mfailed\x1b[0m"), st.stdout);
    }
    const ck = await runInProcess(h, ["check", "--quiet"]);
    assert.equal(ck.code, 0);
    const ck2 = await runInProcess(h, ["check"]);
    assert.equal(SGR.test(ck2.stdout), want, `check ${what}`);
    const dr = await runInProcess(h, ["doctor"]);
    assert.equal(SGR.test(dr.stdout), want, `doctor ${what}`);
    for (const r of [dry, st, ck2, dr]) {
      assert.ok(!SGR.test(r.stderr), `stderr is never coloured: ${r.stderr}`);
    }
  }
});

Deno.test("colour: spawned with NO_COLOR=1 (and on a pipe) nothing is coloured", async () => {
  const sb = await sandbox();
  try {
    for (const env of [{ NO_COLOR: "1" }, { NO_COLOR: "" }]) {
      for (const argv of [["--help"], ["check"], ["bind", "--dry-run"], ["doctor"], ["status"], ["render"]]) {
        const r = await sb.lychd(argv, env);
        assert.ok(!SGR.test(r.stdout + r.stderr), `${argv.join(" ")} ${JSON.stringify(env)}`);
      }
    }
    // On a real pseudo-terminal (util-linux `script`): coloured, unless NO_COLOR.
    if (await has("script")) {
      const tty = async (noColor: boolean) => {
        const cmd = `'${Deno.execPath()}' run -A --quiet main.ts bind --dry-run --quiet`;
        const env = { ...sb.env };
        if (noColor) env.NO_COLOR = "1";
        else delete env.NO_COLOR;
        const r = await new Deno.Command("script", {
          args: ["-qec", cmd, "/dev/null"],
          cwd: ROOT,
          env,
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        return new TextDecoder().decode(r.stdout);
      };
      assert.ok(SGR.test(await tty(false)), "a pty gets colour");
      assert.ok(!SGR.test(await tty(true)), "NO_COLOR wins on a pty");
    } else console.warn("!!! `script` (util-linux) missing: the real-pty colour check is skipped !!!");
  } finally {
    await sb.cleanup();
  }
});

// ------------------------------------------------------------------------------------------- quiet

Deno.test("--quiet silences notes and warnings of every verb", async () => {
  const sb = await sandbox();
  try {
    const runs: string[][] = [
      ["check"],
      ["render"],
      ["bind", "--dry-run"],
      ["status"],
      ["start"],
      ["stop", "vllm"],
      ["init"],
      ["bind"],
      ["reconcile"],
      ["summon", "vllm"],
      ["unbind"],
    ];
    for (const argv of runs) {
      const r = await sb.lychd([...argv, "--quiet"], { LYCHD_FAKE_ACTIVE: "lychd-soulstone-vllm.service" });
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, "", `${argv.join(" ")} --quiet printed ${JSON.stringify(r.stderr)}`);
    }
    // Errors still show.
    const bad = await sb.lychd(["summon", "nope", "-q"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^lychd: "nope" is not a soulstone/);
  } finally {
    await sb.cleanup();
  }
});

// ------------------------------------------------------------------------------------------ tables

function assertFits(text: string, width: number, what: string): void {
  for (const l of linesOf(text)) {
    assert.ok(visibleLength(l) <= width, `${what}: ${visibleLength(l)} > ${width}: ${l}`);
  }
}

/**
 * The first column's cells of a table, rebuilt across wrapped lines: a row starts where the
 * column `next` (which never wraps) has text.
 */
function firstColumn(text: string, next: string): string[] {
  const lines = linesOf(text);
  const at = lines.findIndex((l) => new RegExp(`\\s${next}\\s`).test(l));
  const col = lines[at].indexOf(` ${next} `) + 1;
  const cells: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const cell = l.slice(0, col).trim();
    if ((l[col] ?? " ") !== " ") cells.push(cell);
    else cells[cells.length - 1] += cell;
  }
  return cells;
}

Deno.test("tables: check and status fit 80 columns with the default and with long names", async () => {
  const stones = [
    "vllm-qwen2-5-72b-instruct-awq-tensor-parallel",
    "llamacpp-qwen2-5-72b-instruct-gguf-q4-k-m",
  ];
  for (const [codex, name] of [[DEFAULT_CODEX, "default"], [LONG_CODEX, "long"]] as const) {
    const h = await host({ codex, cdi: true });
    const ck = await runInProcess(h, ["check"]);
    assert.equal(ck.code, 0, ck.stderr);
    assertFits(ck.stdout, 80, `check ${name}`);
    assert.match(ck.stdout, /^SERVICE +ROLE +START +CLAIMS +CONFLICTS$/m);
    const wide = await runInProcess(await host({ codex, cdi: true, env: { COLUMNS: "250" } }), ["check"]);
    if (name === "long") {
      // Wrapped at 80, intact at 250 columns.
      for (const s of stones) {
        assert.ok(!ck.stdout.includes(s), `${s} should wrap at 80 columns`);
        assert.ok(wide.stdout.includes(s), `${s} intact at 250 columns`);
        assert.ok(firstColumn(ck.stdout, "ROLE").includes(s), `${s}: ${firstColumn(ck.stdout, "ROLE")}`);
      }
    } else {
      const body = (t: string) => t.slice(t.indexOf("SERVICE"));
      assert.equal(body(wide.stdout), body(ck.stdout), "the default table already fits");
    }

    const state = Object.fromEntries(
      (name === "long" ? ["vessel", `soulstone-${stones[0]}`] : ["vessel", "phylactery"]).map((u) => [
        `${name === "long" ? "a-rather-long-sepulcher-name-x" : "lychd"}-${u}.service`,
        {
          ActiveState: "active",
          SubState: "running",
          StateChangeTimestamp: localStamp(Date.now() - 3_725_000),
        },
      ]),
    );
    const b = await host({ codex, cdi: true }, state);
    assert.equal((await runInProcess(b, ["bind", "-q"])).code, 0);
    b.setNow(Date.now());
    const st = await runInProcess(b, ["status"]);
    assert.equal(st.code, 0, st.stderr);
    assertFits(st.stdout, 80, `status ${name}`);
    assert.match(st.stdout, /^UNIT +STATE +SINCE +CLAIMS +CONFLICTS$/m);
    assert.match(st.stdout, /\b1h2m ago\b/, st.stdout);
    const units = firstColumn(st.stdout, "STATE");
    for (const u of Object.keys(state)) {
      assert.ok(units.includes(u.replace(/\.service$/, "")), `${u}: ${units}`);
    }
    if (name === "default") {
      assert.match(
        st.stdout,
        /^lychd-soulstone-vllm +inactive +- +nvidia\.com\/gpu=all +llamacpp$/m,
        st.stdout,
      );
      assert.match(st.stdout, /^lychd-vessel +active +1h2m ago +- +-$/m, st.stdout);
    }
  }
});

/** A systemd-style local timestamp ("Thu 2025-01-02 03:04:05 CET"). */
function localStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `Thu ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())} XYZ`;
}

Deno.test("table(): wraps lists at commas, keeps columns, never exceeds the width it can reach", () => {
  const rows = [["NAME", "LIST"], ["a", "one, two, three, four, five, six, seven"], ["bb", "-"]];
  assert.equal(
    table(rows, { width: 20 }),
    "NAME  LIST\na     one, two,\n      three, four,\n      five, six,\n      seven\nbb    -\n",
  );
  const t = table([["UNIT", "X"], ["lychd-soulstone-very-long-name", "a, b"]], { width: 24, keep: [0] });
  assertFits(t, 24, "keep");
  assert.match(t, /^lychd-soulstone-\s/m);
  assert.equal(table([["a", "b"]], { width: 10, paint: (_r, c, s) => (c === 0 ? `<${s}>` : s) }), "<a>  b\n");
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

/** The visible length of a line (ANSI colour codes do not count). */
function visibleLength(line: string): number {
  // deno-lint-ignore no-control-regex
  return [...line.replace(/\x1b\[[0-9;]*m/g, "")].length;
}
