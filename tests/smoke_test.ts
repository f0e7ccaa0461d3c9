/**
 * scripts/smoke.sh, the one smoke test with two callers: the release workflow runs it on the
 * compiled binary (`scripts/smoke.sh ./dist/lychd-x86_64-unknown-linux-gnu`, checked in
 * tests/workflows_test.ts), and this test runs it on `main.ts` under exactly the compile flags of
 * src/permissions.ts (the machines here cannot download denort, so this is the binary's stand-in).
 * The negative cases prove each check can fail: a wider permission set, a wrong version line, a
 * dry run that writes, a write that is not refused.
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileFlags } from "../src/permissions.ts";
import { VERSION } from "../src/version.ts";
import { FAKE_BIN, linesOf, ROOT } from "./lib/cli.ts";

const SMOKE = `${ROOT}/scripts/smoke.sh`;
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/root"}/.cache`}/deno`;
/** `main.ts` under exactly the flags `deno task compile` builds the binary with. */
const UNDER_COMPILE_FLAGS = [Deno.execPath(), "run", "--quiet", ...compileFlags(), `${ROOT}/main.ts`];
const CHECKS = ["version", "permissions", "network", "render", "bind", "write"];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `bash scripts/smoke.sh CMD…` with the fake podman/systemctl first on PATH. */
async function smoke(cmd: string[], env: Record<string, string> = {}): Promise<Result> {
  const out = await new Deno.Command("bash", {
    args: [SMOKE, ...cmd],
    env: {
      PATH: `${FAKE_BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      HOME: Deno.env.get("HOME") ?? "/root",
      DENO_DIR,
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The smoke script's temporary files and homes in /tmp. */
function smokeTemps(): string[] {
  return [...Deno.readDirSync("/tmp")].map((e) => e.name).filter((n) => /^lychd-smoke(-out|-err)?\./.test(n));
}

/** The names of the checks that passed (`smoke: ok NAME …`). */
function passed(r: Result): string[] {
  return linesOf(r.stdout).flatMap((l) => /^smoke: ok (\S+)/.exec(l)?.[1] ?? []);
}

/** Exit 1 with exactly one `smoke: FAIL <check>: …` line on stderr, after `before` passed. */
function assertFails(r: Result, check: string, before: string[], ...parts: string[]): void {
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = linesOf(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], new RegExp(`^smoke: FAIL ${check}: `));
  for (const p of parts) {
    assert.ok(lines[0].includes(p), `${JSON.stringify(lines[0])} lacks ${JSON.stringify(p)}`);
  }
  assert.deepEqual(passed(r), before);
}

/** A stand-in for lychd: a bash script that runs `main.ts` under the compile flags after `prelude`. */
async function wrapper(prelude: string): Promise<{ path: string; cleanup(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "lychd-smoke-wrapper-" });
  const path = `${dir}/lychd`;
  const exec = UNDER_COMPILE_FLAGS.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  await Deno.writeTextFile(path, `#!/usr/bin/env bash\n${prelude}\nexec ${exec} "$@"\n`);
  await Deno.chmod(path, 0o755);
  return { path, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("smoke.sh passes on main.ts under exactly the compile flags (the release runs it on the binary)", async () => {
  const before = smokeTemps();
  const r = await smoke(UNDER_COMPILE_FLAGS, {
    LYCHD_SMOKE_VERSION: VERSION,
    LYCHD_SMOKE_DENO: Deno.version.deno,
    LYCHD_SMOKE_TARGET: Deno.build.target,
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(passed(r), CHECKS);
  assert.ok(
    r.stdout.includes(
      `smoke: ok version (lychd ${VERSION} (deno ${Deno.version.deno}, ${Deno.build.target}))`,
    ),
    r.stdout,
  );
  assert.match(r.stdout, /^smoke: passed 6 checks: /m);
  assert.deepEqual(smokeTemps().filter((n) => !before.includes(n)), [], "temporary files left in /tmp");
});

Deno.test("smoke.sh fails at `permissions` under -A (a wider set than the compile set)", async () => {
  const r = await smoke([Deno.execPath(), "run", "--quiet", "-A", `${ROOT}/main.ts`]);
  assertFails(r, "permissions", ["version"], "holds MORE than the compile set");
});

Deno.test("smoke.sh fails at `version` on a wrong version, Deno, target, or a program that is not lychd", async () => {
  for (
    const [env, part] of [
      [{ LYCHD_SMOKE_VERSION: "9.9.9" }, `version ${VERSION}, want 9.9.9`],
      [{ LYCHD_SMOKE_DENO: "1.0.0" }, `deno ${Deno.version.deno}, want 1.0.0`],
      [{ LYCHD_SMOKE_TARGET: "aarch64-unknown-linux-gnu" }, "want aarch64-unknown-linux-gnu"],
    ] as const
  ) {
    assertFails(await smoke(UNDER_COMPILE_FLAGS, env), "version", [], part);
  }
  assertFails(await smoke(["/bin/echo"]), "version", [], 'want one line "lychd X.Y.Z (deno A.B.C, TARGET)"');
});

Deno.test("smoke.sh fails at `bind` when the dry run writes into the home", async () => {
  const w = await wrapper('[[ "${1:-}" == bind ]] && mkdir -p "$HOME/.config/stray"');
  try {
    const r = await smoke([w.path]);
    assertFails(
      r,
      "bind",
      ["version", "permissions", "network", "render"],
      "--dry-run wrote /tmp/lychd-smoke.",
    );
  } finally {
    await w.cleanup();
  }
});

Deno.test("smoke.sh fails at `write` when a write outside the grants is not refused", async () => {
  // The stand-in writes the directory itself and exits 0, as a binary with a wider set would.
  const w = await wrapper('[[ "${1:-}" == render && "${3:-}" == --out ]] && { mkdir -p "$4"; exit 0; }');
  try {
    const r = await smoke([w.path]);
    assertFails(r, "write", ["version", "permissions", "network", "render", "bind"], "exit 0, want 1");
  } finally {
    await w.cleanup();
  }
});

Deno.test("smoke.sh without a command prints its usage and exits 2", async () => {
  const r = await smoke([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^smoke\.sh CMD \[ARG\.\.\.\]/);
});
