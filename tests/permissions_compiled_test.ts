/**
 * The compile permission set proved the only way this machine allows: `deno compile` needs the
 * denort runtime, which is not downloadable here, so `main.ts` runs under `deno run` with exactly
 * the flags the binary is compiled with. Plus the compile task's one-line failures.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DENO_DIR, type Result, spawn } from "./lib/permissions.ts";
import { compileFlags } from "../src/permissions.ts";
import { VERSION } from "../src/version.ts";
import { cachedZip, explainFailure } from "../scripts/compile.ts";
import { FAKE_BIN, linesOf, NVIDIA_SPEC } from "./lib/cli.ts";

const FLAGS = compileFlags();
/** A home under a granted prefix (`/home`, else `/tmp`), with the fake tools first on PATH. */
async function home(): Promise<{ dir: string; env: Record<string, string>; cleanup(): Promise<void> }> {
  let dir: string;
  try {
    dir = await Deno.makeTempDir({ dir: "/home", prefix: "lychd-test-" });
  } catch {
    dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "lychd-test-" });
  }
  await Deno.mkdir(`${dir}/cdi`, { recursive: true });
  await Deno.copyFile(NVIDIA_SPEC, `${dir}/cdi/nvidia.yaml`);
  await Deno.writeTextFile(`${dir}/fake.log`, "");
  return {
    dir,
    env: {
      HOME: dir,
      USER: "u",
      PATH: `${FAKE_BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      LYCHD_FAKE_LOG: `${dir}/fake.log`,
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** `main.ts` under exactly the compile flags. */
function lychd(args: string[], env: Record<string, string>): Promise<Result> {
  return spawn(["run", "--quiet", ...FLAGS, "main.ts", ...args], env);
}

/** Exit 1 and exactly one `lychd: ` line naming `parts`, no stack trace. */
function assertRefusal(r: Result, ...parts: string[]): string {
  const lines = linesOf(r.stderr).filter((l) => !/^lychd: warning: /.test(l));
  assert.equal(r.code, 1, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `want one line, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], /^lychd: /);
  assert.ok(!r.stderr.includes("    at "), "stack trace on stderr");
  for (const p of parts) {
    assert.ok(lines[0].includes(p), `${JSON.stringify(lines[0])} lacks ${JSON.stringify(p)}`);
  }
  return lines[0];
}

// ---- main.ts under exactly the compile flags ----

Deno.test("under the compile flags: --version works", async () => {
  const h = await home();
  try {
    const r = await lychd(["--version"], h.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `lychd ${VERSION} (deno ${Deno.version.deno}, ${Deno.build.target})\n`);
  } finally {
    await h.cleanup();
  }
});

Deno.test("under the compile flags: the embedded default Codex renders (no repository file read)", async () => {
  const h = await home();
  try {
    const r = await lychd(["render", "--cdi-dir", `${h.dir}/cdi`], h.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# FileName=lychd-/);
    assert.match(r.stdout, /# FileName=lychd-soulstone-vllm\.container\n/);
    assert.match(r.stderr, /using the embedded default Sepulcher/);
  } finally {
    await h.cleanup();
  }
});

Deno.test("under the compile flags: render --out into a granted place writes the Runes", async () => {
  const h = await home();
  try {
    const out = `${h.dir}/runes`;
    const r = await lychd(["render", "--quiet", "--cdi-dir", `${h.dir}/cdi`, "--out", out], h.env);
    assert.equal(r.code, 0, r.stderr);
    const names = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort();
    assert.ok(names.includes("lychd-vessel.container") && names.includes("lychd.target"), names.join(" "));
  } finally {
    await h.cleanup();
  }
});

Deno.test("under the compile flags: a write outside the set is one refusal line naming the path", async () => {
  const h = await home();
  const outside = `/var/tmp/lychd-denied-${crypto.randomUUID()}`;
  try {
    const r = await lychd(["render", "--quiet", "--out", outside], h.env);
    const line = assertRefusal(r, `"${outside}"`, "not permitted", "lychd permissions");
    assert.doesNotMatch(line, /--allow-write/, "a compiled binary cannot be re-run with flags");
    await assert.rejects(Deno.stat(outside), Deno.errors.NotFound);
  } finally {
    await Deno.remove(outside, { recursive: true }).catch(() => {});
    await h.cleanup();
  }
});

Deno.test("under the compile flags: every network attempt is refused (fetch, connect, listen, DNS)", async () => {
  const r = await spawn(["run", "--quiet", ...FLAGS, "tests/fixtures/net_probe.ts"], {});
  const lines = linesOf(r.stdout);
  assert.equal(lines.length, 4, r.stdout + r.stderr);
  for (const l of lines) assert.match(l, / refused$/, l);
});

Deno.test("under the compile flags: a read outside the set is one refusal line naming the path", async () => {
  const h = await home();
  // /var/tmp is outside the set (the checkout itself may sit under a granted /tmp or /home).
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "lychd-perm-read-" });
  try {
    const codex = `${dir}/codex.toml`;
    await Deno.writeTextFile(codex, 'version = 1\n[vessel]\nimage = "x"\n');
    assertRefusal(
      await lychd(["check", "--codex", codex], h.env),
      `"${codex}"`,
      "not permitted: this lychd may not read",
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await h.cleanup();
  }
});

Deno.test("under the compile flags: init, bind (fake systemctl/podman) and unbind work in a home", async () => {
  const h = await home();
  try {
    const cdi = ["--cdi-dir", `${h.dir}/cdi`];
    assert.equal((await lychd(["init", "--quiet"], h.env)).code, 0);
    const b = await lychd(["bind", "--quiet", ...cdi], h.env);
    assert.equal(b.code, 0, b.stderr);
    const unitDir = `${h.dir}/.config/containers/systemd`;
    const runes = (await Array.fromAsync(Deno.readDir(unitDir))).map((e) => e.name);
    assert.ok(
      runes.includes("lychd-vessel.container") && runes.includes(".lychd-manifest.json"),
      runes.join(" "),
    );
    await Deno.stat(`${h.dir}/.config/systemd/user/lychd.target`);
    const calls = await Deno.readTextFile(`${h.dir}/fake.log`);
    assert.match(calls, /^systemctl\t--user\tdaemon-reload$/m);
    assert.match(calls, /^podman\t--version$/m);
    const s = await lychd(["status", "--json", ...cdi], h.env);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).bound, true);
    const u = await lychd(["unbind", "--quiet", ...cdi], h.env);
    assert.equal(u.code, 0, u.stderr);
    assert.ok(!(await Array.fromAsync(Deno.readDir(unitDir))).some((e) => e.name.endsWith(".container")));
  } finally {
    await h.cleanup();
  }
});

Deno.test("under the compile flags: npm yaml's LOG_TOKENS/LOG_STREAM are no refusal", async () => {
  const h = await home();
  try {
    const r = await lychd(["check", "--quiet", "--cdi-dir", `${h.dir}/cdi`], {
      ...h.env,
      LOG_TOKENS: "1",
      LOG_STREAM: "1",
    });
    assert.equal(r.code, 0, r.stderr);
    // The package's CommonJS build reads them (without --ignore-env it could not parse a spec at
    // all); lychd loads its ES module build (src/cli/yaml.ts), which reads no environment. The
    // flag stays for a binary that falls back to the CommonJS build.
    const strict = FLAGS.filter((f) => !f.startsWith("--ignore-env"));
    const r2 = await spawn(
      ["run", "--quiet", ...strict, "main.ts", "check", "--quiet", "--cdi-dir", `${h.dir}/cdi`],
      h.env,
    );
    assert.equal(r2.code, 0, r2.stderr);
  } finally {
    await h.cleanup();
  }
});

Deno.test("under the compile flags: `lychd permissions` exits 0 and shows net, ffi and imports denied", async () => {
  const h = await home();
  try {
    const r = await lychd(["permissions", "--json"], h.env);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.matches, true);
    assert.deepEqual(j.wider, []);
    assert.deepEqual(j.narrower, []);
    assert.deepEqual(j.flags, FLAGS);
    const state = (kind: string, target: string | null) =>
      j.checks.find((c: { kind: string; target: string | null }) => c.kind === kind && c.target === target)
        ?.state;
    assert.equal(state("net", null), "denied");
    assert.equal(state("net", "example.com:443"), "denied");
    assert.equal(state("ffi", null), "denied");
    assert.equal(state("import", "deno.land:443"), "denied");
    assert.equal(state("write", "/etc/passwd"), "prompt"); // not granted; --no-prompt makes it an error
    assert.equal(state("run", "curl"), "prompt");
    assert.equal(state("write", h.dir.startsWith("/home/") ? "/home" : "/tmp"), "granted");
    const text = await lychd(["permissions"], h.env);
    assert.equal(text.code, 0);
    assert.equal(text.stderr, "lychd: this process holds exactly the compile set\n");
  } finally {
    await h.cleanup();
  }
});

Deno.test("under -A: `lychd permissions` exits 1 and names what is MORE than the compile set", async () => {
  const h = await home();
  try {
    const r = await spawn(["run", "--quiet", "-A", "main.ts", "permissions", "--json"], h.env);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.matches, false);
    assert.ok(j.wider.includes("net (any)") && j.wider.includes("write /etc/passwd"), j.wider.join(", "));
    assertRefusal(r, "this process holds MORE than the compile set");
  } finally {
    await h.cleanup();
  }
});

// ---- deno task compile ----

/** `deno task --quiet compile …` (no "Task" echo line), with `env` on top of this process's. */
function compileTask(args: string[], env: Record<string, string>): Promise<Result> {
  const base = Deno.env.toObject();
  delete base.DENORT_BIN;
  return spawn(["task", "--quiet", "compile", ...args], { ...base, ...env });
}

Deno.test("compile task: DENORT_BIN naming no file fails with one line", async () => {
  const out = await Deno.makeTempDir({ prefix: "lychd-dist-" });
  try {
    const r = await compileTask(["--out", out, Deno.build.target], { DENORT_BIN: "/nonexistent/denort" });
    assert.equal(r.code, 1);
    assert.deepEqual(linesOf(r.stderr), [
      `compile: DENORT_BIN=/nonexistent/denort: no such file; it must name the denort ${Deno.version.deno} runtime for ${Deno.build.target}`,
    ]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("compile task: DENORT_BIN naming the deno CLI is refused with one line", async () => {
  const out = await Deno.makeTempDir({ prefix: "lychd-dist-" });
  try {
    const r = await compileTask(["--out", out, Deno.build.target], { DENORT_BIN: Deno.execPath() });
    assert.equal(r.code, 1);
    const lines = linesOf(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^compile: DENORT_BIN=.* is the deno CLI, not denort/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test({
  name: "compile task: no runtime and no server fails with one line saying how to provide it",
  // With a warm DENO_DIR the compile succeeds instead: nothing to prove here then.
  ignore: (() => {
    try {
      Deno.statSync(cachedZip(DENO_DIR, "aarch64-unknown-linux-gnu"));
      return true;
    } catch {
      return false;
    }
  })(),
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "lychd-dist-" });
    try {
      // A dead proxy makes the download fail fast even on a machine with internet.
      const dead = "http://127.0.0.1:9";
      const r = await compileTask(["--out", out, "aarch64-unknown-linux-gnu"], {
        HTTPS_PROXY: dead,
        https_proxy: dead,
        NO_PROXY: "",
        no_proxy: "",
      });
      assert.equal(r.code, 1, r.stderr);
      const lines = linesOf(r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0],
        /^compile: the denort runtime for aarch64-unknown-linux-gnu is missing: download of /,
      );
      assert.ok(lines[0].includes("DENORT_BIN_AARCH64_UNKNOWN_LINUX_GNU=/path/to/denort"), lines[0]);
      assert.ok(lines[0].includes(cachedZip(DENO_DIR, "aarch64-unknown-linux-gnu")), lines[0]);
      assert.deepEqual([...Deno.readDirSync(out)], []);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("explainFailure() turns deno compile's errors into one line", () => {
  const dl = "\x1b[31merror\x1b[0m: Writing deno compile executable to temporary file 'x'\n\nCaused by:\n" +
    "    0: Setting up base binary.\n    1: error sending request for url " +
    "(https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): " +
    "dns error: failed to lookup address information\n";
  const line = explainFailure(dl, "x86_64-unknown-linux-gnu", "/d");
  assert.match(
    line,
    /^the denort runtime for x86_64-unknown-linux-gnu is missing: download of https:\/\/dl\.deno\.land\//,
  );
  assert.match(line, /\(dns error: failed to lookup address information\)/);
  assert.ok(!line.includes("\n"));
  assert.match(
    explainFailure(
      "error: The lockfile is out of date. Run `deno install --frozen=false`\nchanges:\n",
      "t",
      "/d",
    ),
    /^deno\.lock does not match deno\.json/,
  );
  assert.equal(
    explainFailure("Check main.ts\nerror: TS2322 [ERROR]: nope\n    at x", "t", "/d"),
    "deno compile for t failed: TS2322 [ERROR]: nope",
  );
});
