/**
 * The first hour with lychd (issue #16): the traps a newcomer fell into, each pinned by a test
 * that failed before the fix. 1) a named Codex path must exist; 2) Docker's health command forms
 * by meaning; 4) an unreachable user manager in `status` and `bind`, and no false "recovered"
 * after a failed reload; 5) one Podman requirement everywhere; 7) the root warning only where it
 * helps. Trap 6 (TOML wording) lives in the bad-input corpus (tests/bad/syntax-*.toml, …) and in
 * src/codex/toml_errors_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { type FakeHost, fakeHost } from "../src/host/_fake.ts";
import { notFoundError } from "../src/host/runner.ts";
import { FILE_KINDS, QUADLET_KEYS } from "../src/quadlet/keys.ts";
import { PODMAN_MINIMUM, PODMAN_RECOMMENDED, podmanRequirement } from "../src/quadlet/requirement.ts";
import { linesOf, ROOT, runInProcess } from "./lib/cli.ts";

const HOME = "/home/u";
const CODEX = `${HOME}/.config/lychd/codex.toml`;
const UNIT_DIR = `${HOME}/.config/containers/systemd`;
const BUS = "Failed to connect to bus: No medium found";

interface Opts {
  codex?: string;
  uid?: number;
  env?: Record<string, string>;
  /** systemctl answers: false = the user manager is unreachable. */
  manager?: boolean;
  podman?: string | null;
}

function host(opts: Opts = {}): FakeHost {
  const h = fakeHost({
    env: { HOME, USER: "u", PATH: "/usr/bin:/bin", ...opts.env },
    cwd: HOME,
    uid: opts.uid ?? 1000,
    implicitDirs: true,
    missing: opts.podman === null ? ["podman"] : [],
  });
  if (opts.codex !== undefined) h.fs.put(CODEX, opts.codex);
  const state = { manager: opts.manager ?? true };
  (h as FakeHost & { state: typeof state }).state = state;
  h.runner.handler = (cmd, args) => {
    if (cmd === "podman" && args[0] === "--version") {
      return { stdout: `podman version ${opts.podman ?? "5.4.2"}\n` };
    }
    if (cmd === "systemctl" && !state.manager) return { code: 1, stderr: `${BUS}\n` };
    if (cmd === "systemctl" && args.includes("show")) {
      const i = args.indexOf("show");
      const units = args.slice(i + 3);
      return { stdout: units.map(() => "ActiveState=inactive\nSubState=dead\nResult=success").join("\n\n") };
    }
    return undefined;
  };
  return h;
}
const setManager = (
  h: FakeHost,
  up: boolean,
) => ((h as FakeHost & { state: { manager: boolean } }).state.manager = up);

// -------------------------------------------------------------------- 1: a named path must exist

Deno.test("trap 1: --codex naming a missing file is one line, exit 1, not the embedded default", async () => {
  for (const verb of [["check"], ["render"], ["bind", "--dry-run"]]) {
    const h = host();
    const r = await runInProcess(h, [...verb, "--codex", "mycodex.tmol"]);
    assert.equal(r.code, 1, `${verb}: ${r.stderr}`);
    assert.equal(r.stdout, "", verb.join(" "));
    assert.equal(linesOf(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^lychd: no Codex at \/home\/u\/mycodex\.tmol \(named by --codex\)/);
    assert.ok(!r.stderr.includes("embedded default"), r.stderr);
  }
});

Deno.test("trap 1: LYCHD_CODEX naming a missing file is refused too", async () => {
  const h = host({ env: { LYCHD_CODEX: "/srv/none.toml" } });
  const r = await runInProcess(h, ["check"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^lychd: no Codex at \/srv\/none\.toml \(named by LYCHD_CODEX\)/);
  assert.equal(linesOf(r.stderr).length, 1);
});

Deno.test("trap 1: with no path named and no file at the default location, the embedded default", async () => {
  const h = host();
  const r = await runInProcess(h, ["check"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /using the embedded default/);
  // A named path that exists is read.
  h.fs.put(`${HOME}/mine.toml`, 'version = 1\n[vessel]\nimage = "docker.io/library/nginx:1.27"\n');
  const mine = await runInProcess(h, ["check", "--codex", "mine.toml"]);
  assert.equal(mine.code, 0, mine.stderr);
  assert.ok(!mine.stderr.includes("embedded default"));
});

// ------------------------------------------------------------------ 2: Docker health forms

const stone = (cmd: string) =>
  `version = 1\n[soulstones.a]\nimage = "docker.io/vllm/vllm-openai:v0.11.0"\nhealth = { cmd = ${cmd} }\n`;

async function renderStone(cmd: string) {
  const h = host({ codex: stone(cmd) });
  return await runInProcess(h, ["render", "--podman-version", "5.4"]);
}

Deno.test('trap 2: ["CMD", …] is the exec form of the rest, never HealthCmd=["CMD","CMD",…]', async () => {
  const r = await renderStone('["CMD", "curl", "-f", "http://localhost:8000/health"]');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^HealthCmd=\["CMD","curl","-f","http:\/\/localhost:8000\/health"\]$/m);
  assert.ok(!r.stdout.includes('"CMD","CMD"'), r.stdout);
  assert.match(r.stdout, /^Notify=healthy$/m);
});

Deno.test('trap 2: ["CMD-SHELL", "x"] is the shell string x', async () => {
  const r = await renderStone('["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"]');
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^HealthCmd=\["CMD-SHELL","curl -f http:\/\/localhost:8000\/health \|\| exit 1"\]$/m,
  );
  assert.ok(!r.stdout.includes('"CMD","CMD-SHELL"'), r.stdout);
  // Same Runes as the string form.
  const s = await renderStone('"curl -f http://localhost:8000/health || exit 1"');
  assert.equal(r.stdout, s.stdout);
});

Deno.test('trap 2: ["NONE"] means no health check (no HealthCmd=, no Notify=healthy)', async () => {
  const r = await renderStone('["NONE"]');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!/^Health/m.test(r.stdout), r.stdout);
  assert.ok(!/^Notify=healthy$/m.test(r.stdout), r.stdout);
});

Deno.test("trap 2: malformed Docker forms are refused with line:col and the right form", async () => {
  const cases: [string, RegExp][] = [
    ['["CMD"]', /health\.cmd: \["CMD"\] names no command .*hint: e\.g\. \["CMD", "curl", "-f"/],
    ['["CMD-SHELL", "a", "b"]', /health\.cmd: "CMD-SHELL" takes exactly one shell string.*hint: /],
    ['["NONE", "x"]', /health\.cmd: \["NONE"\] takes nothing after it/],
  ];
  for (const [cmd, want] of cases) {
    const h = host({ codex: stone(cmd) });
    const r = await runInProcess(h, ["check"]);
    assert.equal(r.code, 1, cmd);
    assert.equal(linesOf(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /codex\.toml:4:\d+: /, r.stderr);
    assert.match(r.stderr, want, r.stderr);
  }
});

// --------------------------------------------------- 4: unreachable user manager, failed reload

Deno.test("trap 4: status without a reachable user manager: one short line with a hint", async () => {
  const h = host({ codex: DEFAULT_CODEX });
  assert.equal((await runInProcess(h, ["bind"])).code, 0);
  setManager(h, false);
  const r = await runInProcess(h, ["status"]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(linesOf(r.stderr).length, 1, r.stderr);
  assert.ok(r.stderr.length < 300, `${r.stderr.length} chars: ${r.stderr}`);
  assert.match(r.stderr, /^lychd: the systemd user manager is not reachable \(`systemctl --user` failed/);
  assert.match(r.stderr, /loginctl enable-linger u/);
  assert.match(r.stderr, /XDG_RUNTIME_DIR/);
  assert.ok(!r.stderr.includes("systemctl --user show -p"), r.stderr);
});

Deno.test("trap 4: status --json without a reachable user manager prints a JSON document", async () => {
  const h = host({ codex: DEFAULT_CODEX });
  assert.equal((await runInProcess(h, ["bind"])).code, 0);
  setManager(h, false);
  const r = await runInProcess(h, ["status", "--json"]);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.bound, true);
  assert.ok(doc.units.length > 0);
  for (const u of doc.units) assert.equal(u.active, "unknown");
  assert.equal(linesOf(r.stderr).length, 1, r.stderr);
});

Deno.test("trap 4: a failed reload in bind is one clear line; the next dry run recovers nothing", async () => {
  const h = host({ codex: DEFAULT_CODEX });
  setManager(h, false);
  const r = await runInProcess(h, ["bind"]);
  assert.equal(r.code, 1);
  // (The default Codex warns that no CDI spec is here; the refusal is the one other line.)
  const refusal = linesOf(r.stderr).filter((l) => !l.startsWith("lychd: warning:"));
  assert.equal(refusal.length, 1, r.stderr);
  assert.match(
    refusal[0],
    /^lychd: the Runes are written, but the systemd user manager is not reachable, so it was not reloaded/,
  );
  assert.match(refusal[0], /hint: .*loginctl enable-linger u.*then run `lychd bind` again/);
  assert.ok(!refusal[0].startsWith(`lychd: ${BUS}`));

  const dry = await runInProcess(h, ["bind", "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.ok(!dry.stderr.includes("recovered"), dry.stderr);
  assert.match(dry.stderr, /would daemon-reload \(the last bind did not finish its reload\)/);
  const json = await runInProcess(h, ["bind", "--dry-run", "--json"]);
  assert.equal(JSON.parse(json.stdout).recovered, false);
  assert.equal(JSON.parse(json.stdout).reloaded, true);

  setManager(h, true);
  const again = await runInProcess(h, ["bind", "--json"]);
  assert.equal(again.code, 0, again.stderr);
  const rep = JSON.parse(again.stdout);
  assert.equal(rep.recovered, false);
  assert.equal(rep.reloaded, true);
  assert.equal(await h.fs.readTextFile(`${UNIT_DIR}/.lychd-journal.json`), undefined);
  const after = await runInProcess(h, ["bind", "--dry-run", "--json"]);
  assert.equal(JSON.parse(after.stdout).reloaded, false);
});

// ------------------------------------------------------------- 5: one Podman requirement

Deno.test("trap 5: one Podman requirement: ≥ 4.4, ≥ 5.0 recommended, everywhere", async () => {
  // The numbers come from the version table.
  assert.equal(PODMAN_MINIMUM, FILE_KINDS.container.since);
  assert.equal(
    PODMAN_RECOMMENDED,
    QUADLET_KEYS.Container.Notify.forms.find((f) => f.name === "healthy")?.since,
  );
  assert.equal(PODMAN_RECOMMENDED, FILE_KINDS.pod.since);
  const req = podmanRequirement();
  assert.match(req, /Podman ≥ 4\.4 .*≥ 5\.0 recommended/);
  // The missing-program line.
  assert.ok(notFoundError("podman").message.includes(req), notFoundError("podman").message);
  // doctor: podman missing, too old, old-but-working.
  const find = async (podman: string | null) => {
    const h = host({ podman });
    const r = await runInProcess(h, ["doctor", "--json"]);
    return JSON.parse(r.stdout).findings.find((f: { check: string }) => f.check === "podman");
  };
  const missing = await find(null);
  assert.ok(`${missing.detail} ${missing.fix}`.includes(req), JSON.stringify(missing));
  const old = await find("4.3.1");
  assert.equal(old.level, "fail");
  assert.ok(`${old.detail} ${old.fix}`.includes("≥ 4.4"), JSON.stringify(old));
  const mid = await find("4.9.3");
  assert.equal(mid.level, "warn");
  assert.ok(`${mid.detail} ${mid.fix}`.includes("≥ 5.0"), JSON.stringify(mid));
  const quadlet = await (async () => {
    const h = host();
    const r = await runInProcess(h, ["doctor", "--json"]);
    return JSON.parse(r.stdout).findings.find((f: { check: string }) => f.check === "quadlet");
  })();
  assert.ok(!/≥ 5\.0\b(?! recommended)/.test(JSON.stringify([missing, old, mid, quadlet])));
  // The README says the same.
  const readme = (await Deno.readTextFile(`${ROOT}/README.md`)).replace(/\s+/g, " ");
  assert.ok(readme.includes(req), "README does not state the requirement verbatim");
  assert.ok(!/needs Podman 5\b/.test(readme));
});

// ----------------------------------------------------------------- 7: the root warning

Deno.test("trap 7: the root warning on the first bind into root's user manager and in doctor only", async () => {
  const h = host({ codex: DEFAULT_CODEX, uid: 0, env: { HOME: "/root", USER: "root" } });
  h.fs.put("/root/.config/lychd/codex.toml", DEFAULT_CODEX);
  const warn = /binding into root's own user manager/;
  const dry = await runInProcess(h, ["bind", "--dry-run"]);
  assert.ok(!warn.test(dry.stderr), dry.stderr);
  const first = await runInProcess(h, ["bind"]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, warn);
  const second = await runInProcess(h, ["bind"]);
  assert.equal(second.code, 0);
  assert.ok(!warn.test(second.stderr), second.stderr);
  const rec = await runInProcess(h, ["reconcile"]);
  assert.equal(rec.code, 0);
  assert.ok(!warn.test(rec.stderr), rec.stderr);
  const doc = await runInProcess(h, ["doctor", "--json"]);
  const user = JSON.parse(doc.stdout).findings.find((f: { check: string }) => f.check === "user");
  assert.equal(user.level, "warn");
  assert.match(user.detail, /root's user manager/);
});

// -------------------------------------------------------------------------------- the README

Deno.test("README: under 200 lines, the quick start CI runs, and links that resolve", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  assert.ok(readme.split("\n").length < 200, `${readme.split("\n").length} lines`);
  assert.match(readme, /^npx --yes deno@2\.9\.6 task demo\b/m);
  assert.match(readme, /^npx --yes deno@2\.9\.6 task test\b/m);
  // Pages other helpers add on their branches; every other relative link must resolve here.
  const elsewhere = new Set([
    "cdi.md",
    "gateway.md",
    "podman-versions.md",
    "compose-import.md",
    "kubernetes.md",
  ]);
  const pages = ["README.md", ...[...Deno.readDirSync(`${ROOT}/docs`)].map((e) => `docs/${e.name}`)];
  for (const page of pages) {
    const text = await Deno.readTextFile(`${ROOT}/${page}`);
    const dir = page.includes("/") ? page.slice(0, page.lastIndexOf("/")) : ".";
    for (const m of text.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)) {
      const target = m[1];
      if (elsewhere.has(target.split("/").pop()!)) continue;
      const path = `${ROOT}/${dir}/${target}`;
      assert.ok(await Deno.stat(path).catch(() => undefined), `${page}: broken link ${target}`);
    }
  }
});

Deno.test("docs/binary.md's permission table names every flag of the compile set as it is", async () => {
  const { compileFlags } = await import("../src/permissions.ts");
  const page = await Deno.readTextFile(`${ROOT}/docs/binary.md`);
  for (const flag of compileFlags()) {
    // The table quotes each flag in backticks, grants joined by commas as on the command line (the
    // import hosts it names by what they are: Deno's default ones).
    const shown = flag.startsWith("--deny-import=")
      ? "`--deny-import=<Deno's default hosts>`"
      : "`" + flag + "`";
    assert.ok(page.includes(shown), `docs/binary.md lacks ${shown}`);
  }
});

Deno.test("docs/codex.md lists every verb's --json shape as its --help gives it", async () => {
  const { loadCommands } = await import("../src/cli/commands/index.ts");
  // deno fmt wraps a long item after its colon: compare with runs of blanks as one space.
  const page = (await Deno.readTextFile(`${ROOT}/docs/codex.md`)).replace(/\s+/g, " ");
  let n = 0;
  for (const c of await loadCommands()) {
    if (!c.json) continue;
    n++;
    assert.ok(
      page.includes("- `" + c.name + "`: `" + c.json + "`"),
      `docs/codex.md: ${c.name}'s --json shape`,
    );
  }
  assert.ok(n >= 7, `${n} verbs declare a --json shape`);
});

Deno.test("paths given relative or with ./ and // are spelled clean in messages, headers and the manifest", async () => {
  const { resolvePaths } = await import("../src/cli/context.ts");
  const h = fakeHost({ env: { HOME: "/home/u" }, cwd: "/x/" });
  const p = resolvePaths(h, { codex: ".//a/./b.toml", "unit-dir": "u//v/", "systemd-dir": "/s/./t/." });
  assert.equal(p.codex, "/x/a/b.toml");
  assert.equal(p.unitDir, "/x/u/v");
  assert.equal(p.systemdDir, "/s/t");
  // ".." stays: through a symlink it does not mean what cutting a segment would.
  assert.equal(resolvePaths(h, { codex: "../c.toml" }).codex, "/x/../c.toml");
  assert.equal(resolvePaths(h, { codex: "/." }).codex, "/");
});
