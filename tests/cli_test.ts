/**
 * End-to-end tests of the real entry point: `deno run -A main.ts …` with the fake systemctl,
 * podman, journalctl and loginctl of tests/fakes/bin first on PATH, `$HOME` and
 * `$XDG_CONFIG_HOME` in a temp dir, and every fake call logged to `$LYCHD_FAKE_LOG`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadCommands } from "../src/cli/commands/index.ts";
import { VERSION } from "../src/version.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { genCodex } from "../bench/gen.ts";
import { type CliResult, linesOf, NVIDIA_SPEC, type Sandbox, sandbox } from "./lib/cli.ts";

const COMMANDS = await loadCommands();

/** Printed when the tests run as root; not part of what a verb says. */
const ROOT_NOTE = /^lychd: warning: running as root without --system/;

/** stderr lines, without the root-only note. */
function errLines(r: CliResult): string[] {
  return linesOf(r.stderr).filter((l) => !ROOT_NOTE.test(l));
}

/** Assert a refusal or usage error: `code`, exactly one `lychd: ` line containing `parts`. */
function assertOneLine(r: CliResult, code: number, ...parts: string[]): string {
  const lines = linesOf(r.stderr); // strict: not even the root note may join a refusal
  assert.equal(r.code, code, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `want one stderr line, got: ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], /^lychd: /);
  assert.ok(!r.stderr.includes("    at "), "stack trace on stderr");
  for (const p of parts) {
    assert.ok(lines[0].includes(p), `${JSON.stringify(lines[0])} lacks ${JSON.stringify(p)}`);
  }
  return lines[0];
}

function assertOk(r: CliResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** Every regular file under `dir` (recursively, sorted) with its text; `{}` when `dir` is missing. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else out[p] = await Deno.readTextFile(p);
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** mtime + inode of every file of a tree. */
async function identities(files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const st = await Deno.stat(f);
    out[f] = `${st.mtime?.getTime()}:${st.ino}`;
  }
  return out;
}

/**
 * Put a `systemctl` wrapper first on PATH that logs `files<TAB>…` (the unit directory's listing)
 * before delegating to the fake: the log then shows what was on disk at each systemctl call.
 */
async function watchUnitDir(sb: Sandbox): Promise<void> {
  const bin = `${sb.dir}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  const fake = sb.env.PATH.split(":")[0];
  await Deno.writeTextFile(
    `${bin}/systemctl`,
    `#!/bin/sh\nprintf 'files\\t%s\\n' "$(ls -A '${sb.unitDir}' 2>/dev/null | tr '\\n' ' ')" >>"$LYCHD_FAKE_LOG"\nexec '${fake}/systemctl' "$@"\n`,
  );
  await Deno.chmod(`${bin}/systemctl`, 0o755);
  sb.env.PATH = `${bin}:${sb.env.PATH}`;
}

/** The fake log: tool calls and, with `watchUnitDir`, `files …` lines, in order. */
async function rawLog(sb: Sandbox): Promise<string[]> {
  return (await Deno.readTextFile(sb.log)).split("\n").filter(Boolean).map((l) => l.replaceAll("\t", " "));
}

async function toolCalls(sb: Sandbox, tool?: string): Promise<string[]> {
  return (await rawLog(sb)).filter((l) => !l.startsWith("files ") && (!tool || l.startsWith(`${tool} `)));
}

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

const CODEX = `version = 1

[sepulcher]
name = "tomb"

[vessel]
image = "docker.io/library/nginx:1.27"
ports = ["8080:80"]
volumes = ["webdata:/usr/share/nginx/html:ro"]
requires = ["cache"]

[services.cache]
image = "docker.io/library/redis:7"

[soulstones.vllm]
image = "docker.io/vllm/vllm-openai:v0.11.0"
devices = ["nvidia.com/gpu=0"]
ports = ["8000:8000"]
`;

/** The Codex without services.cache (and the vessel's dependency on it). */
const CODEX_NO_CACHE = CODEX
  .replace('requires = ["cache"]\n', "")
  .replace('\n[services.cache]\nimage = "docker.io/library/redis:7"\n', "");

Deno.test("bind, rebind, prune, collisions, reconcile, secrets, status, lifecycle verbs, unbind", async (t) => {
  const sb = await sandbox();
  await watchUnitDir(sb);
  const cdi = `${sb.dir}/cdi`;
  await Deno.mkdir(cdi);
  await Deno.copyFile(NVIDIA_SPEC, `${cdi}/nvidia.yaml`);
  await Deno.mkdir(`${sb.config}/lychd`, { recursive: true });
  await Deno.mkdir(sb.unitDir, { recursive: true });
  await Deno.writeTextFile(sb.codex, CODEX);
  const foreign = `${sb.unitDir}/tomb-foo.container`;
  const FOREIGN_TEXT = "[Container]\nImage=docker.io/library/busybox\n";
  await Deno.writeTextFile(foreign, FOREIGN_TEXT);

  const lychd = (args: string[], env?: Record<string, string>) => sb.lychd([...args, "--cdi-dir", cdi], env);
  const U = (n: string) => `${sb.unitDir}/${n}`;
  const runes = [
    U("tomb-cache.container"),
    U("tomb-soulstone-vllm.container"),
    U("tomb-vessel.container"),
    U("tomb-webdata.volume"),
    U("tomb.network"),
    `${sb.systemdDir}/tomb.target`,
  ];
  const both = async () => ({ ...(await tree(sb.unitDir)), ...(await tree(sb.systemdDir)) });

  try {
    await t.step("bind --dry-run prints a unified diff and writes nothing", async () => {
      const r = await lychd(["bind", "--dry-run"]);
      assertOk(r);
      for (const f of runes) {
        assert.ok(r.stdout.includes(`--- /dev/null\n+++ b${f}\n`), `diff lacks ${f}`);
      }
      assert.match(r.stdout, /^\+Image=docker\.io\/library\/nginx:1\.27$/m);
      assert.deepEqual(await both(), { [foreign]: FOREIGN_TEXT });
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      assert.match(errLines(r).join("\n"), /would bind: 6 added/);
    });

    let first: Record<string, string> = {};
    await t.step("first bind writes the Runes and reloads once", async () => {
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOk(r);
      first = await both();
      for (const f of runes) assert.ok(first[f]?.startsWith("# "), `${f} missing or without the header`);
      assert.ok(first[U("tomb-vessel.container")].includes("Image=docker.io/library/nginx:1.27"));
      assert.ok(first[U("tomb-vessel.container")].includes("Requires=tomb-cache.service"));
      assert.ok(
        first[U("tomb-vessel.container")].includes("Volume=tomb-webdata.volume:/usr/share/nginx/html:ro"),
      );
      assert.ok(first[U("tomb-soulstone-vllm.container")].includes("AddDevice=nvidia.com/gpu=0"));
      assert.equal(first[foreign], FOREIGN_TEXT);
      assert.ok(first[U(".lychd-manifest.json")]);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user daemon-reload"]);
      assert.match(errLines(r).join("\n"), /bound: 6 added, .*daemon-reload done/);
    });

    await t.step("a second bind of the same Codex changes nothing and does not reload", async () => {
      const ids = await identities(runes);
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOk(r);
      assert.deepEqual(await identities(runes), ids);
      assert.deepEqual(await both(), first);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      assert.match(errLines(r).join("\n"), /6 unchanged; no reload needed/);
    });

    await t.step("status --json lists the owned units, drift ok", async () => {
      const r = await lychd(["status", "--json"]);
      assertOk(r);
      const s = JSON.parse(r.stdout);
      assert.equal(s.bound, true);
      assert.equal(s.codex, sb.codex);
      const units = s.units.map((u: { unit: string }) => u.unit).sort();
      assert.deepEqual(units, [
        "tomb-cache.service",
        "tomb-network.service",
        "tomb-soulstone-vllm.service",
        "tomb-vessel.service",
        "tomb-webdata-volume.service",
        "tomb.target",
      ]);
      for (const u of s.units) assert.equal(u.drift, "ok", u.unit);
      assert.ok(!r.stdout.includes("tomb-foo"), "status lists the foreign file");
      const vllm = s.units.find((u: { unit: string }) => u.unit === "tomb-soulstone-vllm.service");
      assert.deepEqual(vllm.claims, ["nvidia.com/gpu=0"]);
    });

    await t.step("bind --dry-run of a removal shows it and touches nothing", async () => {
      await Deno.writeTextFile(sb.codex, CODEX_NO_CACHE);
      await sb.clearCalls();
      const r = await lychd(["bind", "--dry-run"]);
      assertOk(r);
      assert.ok(r.stdout.includes(`--- a${U("tomb-cache.container")}\n+++ /dev/null\n`), r.stdout);
      assert.match(r.stdout, /^-Requires=tomb-cache\.service$/m);
      assert.deepEqual(await both(), first);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
    });

    let pruned: Record<string, string> = {};
    await t.step("removing a service stops its unit, prunes only its file, reloads once", async () => {
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOk(r);
      pruned = await both();
      const gone = Object.keys(first).filter((f) => !(f in pruned));
      assert.deepEqual(gone, [U("tomb-cache.container")]);
      assert.equal(pruned[foreign], FOREIGN_TEXT);
      assert.ok(!pruned[U("tomb-vessel.container")].includes("tomb-cache"));
      const log = await rawLog(sb);
      const calls = log.filter((l) => l.startsWith("systemctl "));
      assert.deepEqual(calls, ["systemctl --user stop tomb-cache.service", "systemctl --user daemon-reload"]);
      // The unit was stopped while its file was still there.
      const stopAt = log.indexOf("systemctl --user stop tomb-cache.service");
      assert.ok(log[stopAt - 1].startsWith("files ") && log[stopAt - 1].includes("tomb-cache.container"));
      const reloadAt = log.indexOf("systemctl --user daemon-reload");
      assert.ok(!log[reloadAt - 1].includes("tomb-cache.container"), "reloaded before the removal");
    });

    await t.step("a foreign file where a Rune would go makes bind refuse, writing nothing", async () => {
      const squatter = U("tomb-cache.container");
      await Deno.writeTextFile(squatter, "# hand-written\n");
      await Deno.writeTextFile(sb.codex, CODEX);
      const before = await both();
      await sb.clearCalls();
      const r = await lychd(["bind"]);
      assertOneLine(r, 1, squatter, "lychd did not write it");
      assert.deepEqual(await both(), before);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      await Deno.remove(squatter);
      await Deno.writeTextFile(sb.codex, CODEX_NO_CACHE);
    });

    await t.step("a missing podman secret refuses bind with one line, writing nothing", async () => {
      await Deno.writeTextFile(
        sb.codex,
        CODEX_NO_CACHE.replace('ports = ["8080:80"]\n', 'ports = ["8080:80"]\nsecrets = ["api-key"]\n'),
      );
      await sb.clearCalls();
      const r = await lychd(["bind"], { LYCHD_FAKE_MISSING_SECRETS: "other,api-key" });
      assertOneLine(r, 1, sb.codex, "vessel.secrets", 'podman secret "api-key" does not exist');
      assert.deepEqual(await both(), pruned);
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
      assert.ok((await toolCalls(sb, "podman")).includes("podman secret exists api-key"));
      await Deno.writeTextFile(sb.codex, CODEX_NO_CACHE);
    });

    await t.step("reconcile restores a deleted owned Rune and reloads once", async () => {
      const vessel = U("tomb-vessel.container");
      await Deno.remove(vessel);
      await sb.clearCalls();
      const r = await lychd(["reconcile"]);
      assertOk(r);
      assert.deepEqual(await both(), pruned);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user daemon-reload"]);
      assert.match(errLines(r).join("\n"), /1 restored/);

      await sb.clearCalls();
      const again = await lychd(["reconcile"]);
      assertOk(again);
      assert.deepEqual(errLines(again), [], "a reconcile with nothing to do is silent");
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);
    });

    await t.step("start, stop NAME, summon of a non-soulstone, logs -n", async () => {
      await sb.clearCalls();
      const start = await lychd(["start"]);
      assertOk(start);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user start tomb.target"]);

      await sb.clearCalls();
      const stop = await lychd(["stop", "vessel"]);
      assertOk(stop);
      assert.deepEqual(await toolCalls(sb, "systemctl"), ["systemctl --user stop tomb-vessel.service"]);

      await sb.clearCalls();
      const summon = await lychd(["summon", "vessel"]);
      assertOneLine(summon, 2, '"vessel" is not a soulstone', "vllm");
      assert.deepEqual(await toolCalls(sb, "systemctl"), []);

      await sb.clearCalls();
      const logs = await lychd(["logs", "vessel", "-n", "5"]);
      assertOk(logs);
      assert.deepEqual(await toolCalls(sb), ["journalctl --user -u tomb-vessel.service -n 5 --no-pager"]);
      assert.ok(logs.stdout.includes("-- fake journal of tomb-vessel.service --"), logs.stdout);
    });

    await t.step(
      "a failed stop says systemctl's failure in the wrapper's words; nothing changed",
      async () => {
        const before = await both();
        const r = await lychd(["unbind"], { LYCHD_FAKE_FAIL: "systemctl:stop" });
        const line = assertOneLine(
          r,
          1,
          "lychd: stopping ",
          "failed: `systemctl --user stop ",
          "` failed with exit code 1: Failed to stop: fake failure (LYCHD_FAKE_FAIL); nothing changed",
        );
        assert.ok(line.includes('"tomb-vessel.service"'), line);
        assert.deepEqual(await both(), before);
      },
    );

    await t.step("unbind stops the owned units before removing them, keeps the foreign file", async () => {
      await sb.clearCalls();
      const r = await lychd(["unbind"]);
      assertOk(r);
      const left = await both();
      assert.deepEqual(Object.keys(left).filter((f) => !f.endsWith("/.lychd.lock")), [foreign]);
      assert.equal(left[foreign], FOREIGN_TEXT);
      const log = await rawLog(sb);
      const calls = log.filter((l) => l.startsWith("systemctl "));
      assert.equal(calls.length, 2, calls.join("\n"));
      const stopped = calls[0].split(" ");
      assert.deepEqual(stopped.slice(0, 3), ["systemctl", "--user", "stop"]);
      assert.deepEqual(stopped.slice(3).sort(), [
        "tomb-network.service",
        "tomb-soulstone-vllm.service",
        "tomb-vessel.service",
        "tomb-webdata-volume.service",
        "tomb.target",
      ]);
      assert.equal(calls[1], "systemctl --user daemon-reload");
      const stopAt = log.indexOf(calls[0]);
      assert.ok(log[stopAt - 1].includes("tomb-vessel.container"), "stopped after the files were removed");
      assert.ok(!log[log.indexOf(calls[1]) - 1].includes("tomb-vessel.container"));

      const status = await lychd(["status", "--json"]);
      assertOk(status);
      assert.deepEqual(JSON.parse(status.stdout), { bound: false, codex: null, units: [] });
    });
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
