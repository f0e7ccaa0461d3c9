/**
 * End-to-end tests of the real entry point: `deno run -A main.ts …` with the fake systemctl,
 * podman, journalctl and loginctl of tests/fakes/bin first on PATH, `$HOME` and
 * `$XDG_CONFIG_HOME` in a temp dir, and every fake call logged to `$LYCHD_FAKE_LOG`: --version and
 * help, init, the embedded default, a reader that goes away. The bind life cycle is in
 * cli_bind_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadCommands } from "../src/cli/commands/index.ts";
import { VERSION } from "../src/version.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { genCodex } from "../bench/gen.ts";
import { sandbox } from "./lib/cli.ts";
import { assertOk, assertOneLine, errLines, identities, toolCalls, tree } from "./lib/cli_checks.ts";

const COMMANDS = await loadCommands();

// ---------------------------------------------------------------------------------------------

Deno.test("--version, --help, every verb's --help, unknown verbs and flags", async () => {
  const sb = await sandbox();
  try {
    const [version, help, bare, rendr, dryrun, ...verbs] = await Promise.all([
      sb.lychd(["--version"]),
      sb.lychd(["--help"]),
      sb.lychd([]),
      sb.lychd(["rendr"]),
      sb.lychd(["bind", "--dryrun"]),
      ...COMMANDS.map((c) => sb.lychd([c.name, "--help"])),
    ]);
    assertOk(version);
    assert.equal(version.stdout, `lychd ${VERSION} (deno ${Deno.version.deno}, ${Deno.build.target})\n`);
    assert.equal(version.stderr, "");

    assertOk(help);
    assert.equal(help.stderr, "");
    assert.match(help.stdout, /^lychd \S+ — /);
    assert.ok(COMMANDS.length >= 12);
    for (const c of COMMANDS) {
      assert.match(help.stdout, new RegExp(`^  ${c.name} +\\S`, "m"), `--help lacks the verb ${c.name}`);
    }
    for (const f of ["--codex", "--unit-dir", "--systemd-dir", "--cdi-dir", "--system", "--podman-version"]) {
      assert.ok(help.stdout.includes(f), `--help lacks ${f}`);
    }

    assert.equal(bare.code, 2, "no verb is a usage error");
    assert.equal(bare.stdout, help.stdout);

    assertOneLine(rendr, 2, 'unknown verb "rendr"', "did you mean `lychd render`?");
    assert.equal(rendr.stdout, "");
    assertOneLine(dryrun, 2, "unknown flag --dryrun", "did you mean --dry-run?");
    assert.equal(dryrun.stdout, "");

    COMMANDS.forEach((c, i) => {
      const r = verbs[i];
      assertOk(r);
      assert.equal(r.stderr, "", c.name);
      assert.ok(r.stdout.startsWith(`lychd ${c.name} — `), `${c.name} --help: ${r.stdout}`);
      assert.match(r.stdout, new RegExp(`^Usage: lychd ${c.name}\\b`, "m"), c.name);
      const examples = r.stdout.split("\nExamples:\n")[1];
      assert.ok(examples, `${c.name} --help has no examples`);
      assert.match(examples, new RegExp(`^  lychd ${c.name}\\b`, "m"), c.name);
      for (const f of c.flags) {
        assert.ok(r.stdout.includes(`--${f.name}`), `${c.name} --help lacks --${f.name}`);
      }
    });
    assert.deepEqual(await toolCalls(sb), [], "help and usage errors run nothing");
  } finally {
    await sb.cleanup();
  }
});

Deno.test("init writes the Codex and its schema, and refuses to overwrite", async () => {
  const sb = await sandbox();
  try {
    const first = await sb.lychd(["init"]);
    assertOk(first);
    assert.equal(await Deno.readTextFile(sb.codex), DEFAULT_CODEX);
    const schemaPath = sb.codex.replace(/codex\.toml$/, "codex.schema.json");
    const schema = JSON.parse(await Deno.readTextFile(schemaPath));
    assert.equal(typeof schema, "object");
    assert.ok(JSON.stringify(schema).includes("soulstones"));
    const before = await identities([sb.codex, schemaPath]);

    await Deno.writeTextFile(sb.codex, "version = 1\n# mine\n");
    const second = await sb.lychd(["init"]);
    assertOneLine(second, 1, sb.codex, "already exists");
    assert.equal(await Deno.readTextFile(sb.codex), "version = 1\n# mine\n");
    assert.equal((await identities([schemaPath]))[schemaPath], before[schemaPath]);
    assert.deepEqual(await toolCalls(sb), []);
  } finally {
    await sb.cleanup();
  }
});

Deno.test("without a Codex: render and check use the embedded default, bind refuses", async () => {
  const sb = await sandbox();
  try {
    const outDir = `${sb.dir}/out/runes`;
    const [render, check, bind, dry, out] = await Promise.all([
      sb.lychd(["render"]),
      sb.lychd(["check"]),
      sb.lychd(["bind"]),
      sb.lychd(["bind", "--dry-run"]),
      sb.lychd(["render", "--out", outDir]),
    ]);
    const note = `lychd: no Codex at ${sb.codex}; using the embedded default Sepulcher`;

    assertOk(render);
    assert.ok(errLines(render)[0]?.startsWith(note), render.stderr);
    const sections = render.stdout.split("---\n");
    const names = [...render.stdout.matchAll(/^# FileName=(\S+)$/gm)].map((m) => m[1]);
    assert.equal(sections.length, names.length);
    for (
      const n of [
        "lychd-vessel.container",
        "lychd-phylactery.container",
        "lychd-oculus.container",
        "lychd-soulstone-vllm.container",
        "lychd-soulstone-llamacpp.container",
        "lychd.network",
        "lychd.target",
      ]
    ) assert.ok(names.includes(n), `render lacks ${n}: ${names.join(", ")}`);
    sections.forEach((s, i) => assert.ok(s.startsWith(`# FileName=${names[i]}\n`), s.slice(0, 80)));

    assertOk(check);
    assert.ok(errLines(check)[0]?.startsWith(note), check.stderr);
    assert.match(check.stdout, /<embedded default>: valid — 5 services \(2 soulstones\)/);

    assertOneLine(bind, 1, `no Codex at ${sb.codex}`, "lychd init");
    assert.equal(bind.stdout, "");

    assertOk(dry);
    assert.ok(errLines(dry)[0]?.startsWith(note), dry.stderr);
    assert.ok(dry.stdout.includes(`+++ b${sb.unitDir}/lychd-vessel.container`), dry.stdout.slice(0, 300));

    assertOk(out);
    const written = await tree(outDir);
    assert.deepEqual(Object.keys(written).map((p) => p.slice(outDir.length + 1)).sort(), [...names].sort());
    for (const [i, n] of names.entries()) {
      assert.equal(`# FileName=${n}\n${written[`${outDir}/${n}`]}`, sections[i]);
    }

    // Nothing was bound and systemd was never asked anything.
    assert.deepEqual(await tree(`${sb.config}/containers`), {});
    assert.deepEqual(await tree(`${sb.config}/systemd`), {});
    assert.deepEqual(await toolCalls(sb, "systemctl"), []);
  } finally {
    await sb.cleanup();
  }
});

Deno.test("a reader that goes away (`lychd render | head -c 1`) ends lychd quietly, exit 0", async () => {
  const main = new URL("../main.ts", import.meta.url).pathname;
  // Far more Runes than a pipe holds (64 KiB), so lychd is still writing when the reader leaves.
  const home = await Deno.makeTempDir();
  const codex = `${home}/codex.toml`;
  await Deno.writeTextFile(codex, genCodex(300, { stoneShare: 0 }));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "render", "--codex", codex, "--podman-version", "5.4"],
    env: { HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // the first chunk, then hang up
  await reader.cancel();
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  assert.doesNotMatch(stderr, /internal error/);
  assert.equal(status.code, 0, stderr);
  await Deno.remove(home, { recursive: true });
});
