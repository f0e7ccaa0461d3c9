/**
 * Operator experience: shell completions (bash scripted through its completion function; zsh
 * and fish when installed), generated from the verb tables, completing the Codex's names.
 *
 * @module
 */
import assert from "node:assert/strict";
import { liveTables } from "../src/cli/commands/completions.ts";
import { completionScript, SHELLS } from "../src/cli/completion_scripts.ts";
import { GLOBAL_FLAGS } from "../src/cli/flags.ts";
import { linesOf, ROOT, type Sandbox, sandbox } from "./lib/cli.ts";
import { COMMANDS, has } from "./lib/ux.ts";

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
      // import: the source word first, then compose files.
      await Deno.writeTextFile(`${sb.dir}/docker-compose.yml`, "services: {}\n");
      assert.deepEqual(await bashComplete(sb, "lychd import "), ["compose"]);
      assert.deepEqual(await bashComplete(sb, `lychd import compose ${sb.dir}/docker-c`), [
        `${sb.dir}/docker-compose.yml`,
      ]);
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
        assert.deepEqual(await run("lychd import "), ["compose"]);
        assert.deepEqual(await run("lychd import compose "), ["FILES"]);
        // Sourced in a shell that never ran compinit (the plain `source <(lychd completions zsh)`):
        // it loads compsys itself instead of failing on `compdef`.
        const plain = await shell(sb, "zsh", [
          "-f",
          "-c",
          `HOME=${sb.dir} ZDOTDIR=${sb.dir}; source ${sb.dir}/lychd.zsh && print \${+_comps[lychd]}`,
        ]);
        assert.equal(plain.err, "");
        assert.equal(plain.out.trim(), "1", "lychd's completion is registered");
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
        assert.deepEqual(await run("lychd import "), ["compose"]);
        assert.deepEqual(await run(`lychd import compose ${sb.dir}/docker-c`), [
          `${sb.dir}/docker-compose.yml`,
        ]);
      },
    });
  } finally {
    await sb.cleanup();
  }
});
