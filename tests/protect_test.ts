/**
 * Protected paths with symlinks resolved: a volume source that is, contains or sits beneath the
 * Codex directory or a unit directory — after resolving symlinks on the host, on either side — is
 * refused by `bind` and `check` with one line naming the field, the source and what it resolves
 * to; nothing is written. Real temp directories with real symlinks; fake systemctl/podman.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "../src/cli/run.ts";
import { realHost } from "../src/host/real.ts";
import { fakeHost, FakeRunner, FakeStream } from "../src/host/_fake.ts";
import type { Host, PermissionQuery, PermissionState } from "../src/host/host.ts";
import { resolveExisting } from "../src/codex/protect.ts";

interface World {
  root: string;
  codex: string;
  codexDir: string;
  unitDir: string;
  systemdDir: string;
}

async function world(): Promise<World> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "lychd-protect-" }));
  const codexDir = join(root, "cfg", "lychd");
  await Deno.mkdir(codexDir, { recursive: true });
  return {
    root,
    codex: join(codexDir, "codex.toml"),
    codexDir,
    unitDir: join(root, "cfg", "containers", "systemd"),
    systemdDir: join(root, "cfg", "systemd", "user"),
  };
}

function testHost(w: World): Host & { stdout: FakeStream; stderr: FakeStream; runner: FakeRunner } {
  const env: Record<string, string> = { HOME: join(w.root, "home"), PATH: "/usr/bin:/bin" };
  return {
    ...realHost(),
    env: (name) => env[name],
    runner: new FakeRunner((cmd, args) =>
      cmd === "podman" && args[0] === "--version" ? { stdout: "podman version 5.4.2\n" } : undefined
    ),
    stdout: new FakeStream(),
    stderr: new FakeStream(),
  };
}

async function lychd(w: World, verb: string, source: string, unitDir = w.unitDir) {
  await Deno.writeTextFile(
    w.codex,
    `version = 1\n\n[vessel]\nimage = "docker.io/library/nginx:1.27"\nvolumes = ["${source}:/data"]\n`,
  );
  const host = testHost(w);
  const code = await run(
    [verb, "--codex", w.codex, "--unit-dir", unitDir, "--systemd-dir", w.systemdDir, "--cdi-dir", w.root],
    host,
  );
  return { code, stderr: host.stderr.text, runs: host.runner.lines() };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The names in a directory; none when it does not exist. */
async function entries(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Both verbs refuse with exactly one line holding every `parts`, and nothing is written. */
async function assertRefused(w: World, source: string, parts: string[], unitDir = w.unitDir) {
  for (const verb of ["bind", "check"]) {
    const { code, stderr, runs } = await lychd(w, verb, source, unitDir);
    assert.equal(code, 1, `${verb} ${source}: ${stderr}`);
    const lines = stderr.split("\n").filter(Boolean);
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], /^lychd: /);
    assert.ok(lines[0].includes(`${w.codex}:5:`), `no file:line in ${lines[0]}`);
    assert.ok(lines[0].includes("vessel.volumes[0]"), lines[0]);
    for (const p of parts) assert.ok(lines[0].includes(p), `${lines[0]} lacks ${p}`);
    assert.deepEqual(runs.filter((r) => r.startsWith("systemctl")), []);
  }
  assert.deepEqual(await entries(unitDir), [], "something was written to the unit dir");
  assert.equal(await exists(w.systemdDir), false, "the systemd dir was created");
}

Deno.test("a symlink to the Codex directory used as a volume source is refused", async () => {
  const w = await world();
  try {
    await Deno.mkdir(join(w.root, "x"));
    await Deno.symlink(w.codexDir, join(w.root, "x", "link"));
    const link = join(w.root, "x", "link");
    await assertRefused(w, link, [`"${link}"`, `resolves to "${w.codexDir}"`, "the Codex directory"]);
    // Beneath it, even where nothing exists yet.
    await assertRefused(w, `${link}/sub/new`, [`resolves to "${w.codexDir}/sub/new"`, "the Codex directory"]);
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("a symlink to a directory containing the unit directories is refused", async () => {
  const w = await world();
  try {
    await Deno.symlink(join(w.root, "cfg"), join(w.root, "up"));
    await assertRefused(w, join(w.root, "up"), [`resolves to "${join(w.root, "cfg")}"`]);
    // A relative symlink whose target does not exist yet (the bind would create it): refused.
    await Deno.mkdir(join(w.root, "a"));
    await Deno.symlink("../up/containers", join(w.root, "a", "rel"));
    await assertRefused(w, join(w.root, "a", "rel", "systemd", "x"), [
      `goes through the dangling symlink "${join(w.root, "a", "rel")}"`,
    ]);
    // Once it resolves, the same chain is refused for where it leads.
    await Deno.mkdir(w.unitDir, { recursive: true });
    for (const verb of ["bind", "check"]) {
      const { code, stderr } = await lychd(w, verb, join(w.root, "a", "rel", "systemd", "x"));
      assert.equal(code, 1);
      assert.ok(
        stderr.includes(`resolves to "${join(w.unitDir, "x")}", which overlaps the Quadlet unit directory`),
        stderr,
      );
      assert.equal(stderr.split("\n").filter(Boolean).length, 1);
    }
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("a symlinked unit directory protects what it points to", async () => {
  const w = await world();
  try {
    const real = join(w.root, "real-units");
    await Deno.mkdir(real);
    const link = join(w.root, "units-link");
    await Deno.symlink(real, link);
    await assertRefused(w, join(real, "data"), [
      `resolves to "${join(real, "data")}"`,
      `the Quadlet unit directory "${link}" ("${real}")`,
    ], link);
    // A unit dir that does not exist yet, beneath a symlinked parent.
    await Deno.mkdir(join(w.root, "preal"));
    await Deno.symlink(join(w.root, "preal"), join(w.root, "plink"));
    const unitDir = join(w.root, "plink", "units");
    await assertRefused(w, join(w.root, "preal", "units", "x"), ["the Quadlet unit directory"], unitDir);
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("a symlink elsewhere is a fine volume source, and so is a path that does not exist yet", async () => {
  const w = await world();
  try {
    await Deno.mkdir(join(w.root, "data"));
    await Deno.symlink(join(w.root, "data"), join(w.root, "data-link"));
    for (const source of [join(w.root, "data-link"), join(w.root, "later", "models")]) {
      const { code, stderr } = await lychd(w, "bind", source);
      assert.equal(code, 0, stderr);
      assert.ok(
        (await Deno.readTextFile(join(w.unitDir, "lychd-vessel.container"))).includes(
          `Volume=${source}:/data`,
        ),
      );
    }
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("resolveExisting resolves the nearest existing ancestor and appends the rest", async () => {
  const host = fakeHost({ cwd: "/home/u" });
  host.fs.put("/real/dir/f", "x");
  host.fs.symlink("/real/dir", "/home/u/link");
  host.fs.symlink("/home/u/loop", "/home/u/loop");
  host.fs.symlink("/real/none", "/home/u/dangling");
  assert.deepEqual(await resolveExisting(host, "/home/u/link"), { real: "/real/dir" });
  assert.deepEqual(await resolveExisting(host, "/home/u/link/a/b"), { real: "/real/dir/a/b" });
  assert.deepEqual(await resolveExisting(host, "link/f"), { real: "/real/dir/f" });
  assert.deepEqual(await resolveExisting(host, "/nowhere/at/all"), { real: "/nowhere/at/all" });
  assert.deepEqual(await resolveExisting(host, "/home/u/loop/x"), {
    real: "/home/u/loop/x",
    dangling: "/home/u/loop",
  });
  assert.deepEqual(await resolveExisting(host, "/home/u/dangling/m"), {
    real: "/home/u/dangling/m",
    dangling: "/home/u/dangling",
  });
  assert.deepEqual(await resolveExisting(host, "/"), { real: "/" });
});

Deno.test("resolveExisting asks nothing beneath a missing directory, nor about a path it may not read", async () => {
  const denied = (q: PermissionQuery): PermissionState =>
    q.kind === "read" && q.target?.startsWith("/secret") ? "denied" : "granted";
  const host = fakeHost({ cwd: "/home/u", permissions: denied });
  host.fs.put("/secret/a/f", "x");
  const asked: string[] = [];
  const stat = host.fs.stat.bind(host.fs);
  host.fs.stat = (p: string) => {
    asked.push(p);
    return stat(p);
  };
  const memo = new Map();
  for (let i = 0; i < 50; i++) {
    assert.deepEqual(await resolveExisting(host, `/srv/none/s${i}`, memo), { real: `/srv/none/s${i}` });
  }
  // `/srv` exists? No: the first missing ancestor ends the questions.
  assert.deepEqual(asked, ["/srv"]);
  asked.length = 0;
  // Unreadable: treated as missing, as a refused lstat would be, without asking.
  assert.deepEqual(await resolveExisting(host, "/secret/a/f", memo), { real: "/secret/a/f" });
  assert.deepEqual(asked, []);
});

Deno.test("the refusal names the right service and volume among many, named ones in between", async () => {
  const w = await world();
  try {
    await Deno.mkdir(join(w.root, "x"));
    const link = join(w.root, "x", "link");
    await Deno.symlink(w.codexDir, link);
    const fine = join(w.root, "fine");
    await Deno.writeTextFile(
      w.codex,
      [
        "version = 1",
        "[services.a]",
        'image = "docker.io/library/nginx:1.27"',
        `volumes = ["data:/d", "${fine}:/x"]`,
        "[services.b]",
        'image = "docker.io/library/nginx:1.27"',
        `volumes = ["${fine}/b:/a", "named:/n", "${link}/deep:/data"]`,
        "",
      ].join("\n"),
    );
    const host = testHost(w);
    const argv = ["check", "--codex", w.codex, "--unit-dir", w.unitDir, "--systemd-dir", w.systemdDir];
    assert.equal(await run([...argv, "--cdi-dir", w.root], host), 1);
    const line = host.stderr.text.trim();
    assert.ok(line.startsWith(`lychd: ${w.codex}:7:`), line);
    assert.ok(line.includes(`services.b.volumes[2]: volume source "${link}/deep" resolves to`), line);
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});
