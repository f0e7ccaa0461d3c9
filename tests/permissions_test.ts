/**
 * The compile permission set (src/permissions.ts): the set itself (never everything, no network,
 * FFI or remote imports; literal absolute paths), an audit of the source (every program, variable
 * and fixed path lychd uses is in the set), and the `permissions` verb against a fake host.
 * `main.ts` under exactly these flags, and the compile task, are in permissions_compiled_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { policyOf, spawn } from "./lib/permissions.ts";
import { compileFlags, DENO_DEFAULT_IMPORT_HOSTS, flagLines, POLICY } from "../src/permissions.ts";
import { auditPermissions } from "../src/cli/commands/permissions.ts";
import { fakeHost } from "../src/host/_fake.ts";
import type { PermissionQuery, PermissionState } from "../src/host/host.ts";
import { run } from "../src/cli/run.ts";
import { ROOT } from "./lib/cli.ts";

const FLAGS = compileFlags();
// ---- the set itself ----

Deno.test("compileFlags() never grants everything, the network, FFI or remote imports", () => {
  assert.ok(!FLAGS.some((f) => f === "-A" || f === "--allow-all"));
  for (const kind of ["net", "ffi", "import"]) {
    assert.ok(!FLAGS.some((f) => f.startsWith(`--allow-${kind}`)), `--allow-${kind} in ${FLAGS}`);
  }
  assert.ok(FLAGS.includes("--deny-net") && FLAGS.includes("--deny-ffi") && FLAGS.includes("--no-prompt"));
  assert.ok(FLAGS.includes(`--deny-import=${DENO_DEFAULT_IMPORT_HOSTS.join(",")}`));
  for (const kind of ["read", "write", "run", "env", "sys"]) {
    assert.equal(
      FLAGS.filter((f) => f.startsWith(`--allow-${kind}=`)).length,
      1,
      `one scoped --allow-${kind}`,
    );
    assert.ok(!FLAGS.includes(`--allow-${kind}`), `unscoped --allow-${kind}`);
  }
  assert.equal(flagLines().length, FLAGS.length);
  for (const l of flagLines()) assert.ok(l.why.length > 10 && !l.why.includes("\n"), l.flag);
});

Deno.test("compileFlags() paths are absolute and literal (compile keeps them raw; run time resolves them)", () => {
  for (const kind of ["read", "write"] as const) {
    for (const g of policyOf(kind).grants) {
      assert.match(g.value, /^\/[a-z]/, `${kind} ${g.value} is not absolute`);
      assert.ok(!/[~$]|\/\.\.?(\/|$)|\/$/.test(g.value), `${kind} ${g.value} is not literal`);
      assert.ok(!/^\/(proc|dev|sys)(\/|$)/.test(g.value), `${kind} ${g.value}: Deno ignores grants there`);
      assert.ok(g.why.length > 5, `${kind} ${g.value} has no reason`);
    }
  }
  const reads = policyOf("read").grants.map((g) => g.value);
  for (const w of policyOf("write").grants) {
    assert.ok(
      reads.some((r) => w.value === r || w.value.startsWith(`${r}/`)),
      `write ${w.value} not readable`,
    );
  }
});

Deno.test("Deno's default import hosts are the ones the set denies by name", async () => {
  const help = await spawn(["run", "--help"], {});
  // deno-lint-ignore no-control-regex
  const m = /--allow-import[\s\S]*?Default value: (\S+)/.exec(help.stdout.replace(/\x1b\[[0-9;]*m/g, ""));
  assert.ok(m, "no default import list in `deno run --help`");
  assert.deepEqual(m[1].split(",").sort(), [...DENO_DEFAULT_IMPORT_HOSTS].sort());
});

// ---- the source uses nothing outside the set ----

async function sources(): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      // Test-only modules carry std's `_` prefix (`_fake.ts`, `_testing.ts`, `_scribe_rig.ts`).
      else if (p.endsWith(".ts") && !p.endsWith("_test.ts") && !/\/_[^/]*\.ts$/.test(p)) {
        out.push({ path: p.slice(ROOT.length + 1), text: await Deno.readTextFile(p) });
      }
    }
  };
  await walk(`${ROOT}/src`);
  return out;
}

Deno.test("every program lychd runs is in --allow-run", async () => {
  const allowed = new Set(policyOf("run").grants.map((g) => g.value));
  const seen = new Set<string>();
  for (const { path, text } of await sources()) {
    for (const m of text.matchAll(/\.run\(\s*"([^"]+)"/g)) {
      seen.add(m[1]);
      assert.ok(
        allowed.has(m[1]),
        `${path} runs "${m[1]}", which is not in --allow-run (src/permissions.ts)`,
      );
    }
  }
  for (const p of allowed) assert.ok(seen.has(p), `--allow-run=${p}, but nothing in src runs it: drop it`);
});

Deno.test("every variable lychd reads is in --allow-env", async () => {
  const env = policyOf("env");
  const allowed = new Set([...env.grants, ...(env.ignored ?? [])].map((g) => g.value));
  const seen = new Set<string>();
  for (const { path, text } of await sources()) {
    for (const m of text.matchAll(/\benv(?:\.get)?\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g)) {
      seen.add(m[1]);
      assert.ok(
        allowed.has(m[1]),
        `${path} reads $${m[1]}, which is not in --allow-env (src/permissions.ts)`,
      );
    }
  }
  for (const g of env.grants) {
    assert.ok(seen.has(g.value), `--allow-env=${g.value}, but nothing in src reads it`);
  }
});

/** Fixed paths that cannot be granted, and why; each is a known gap, not a grant. */
const UNGRANTABLE: Record<string, string> = {
  "/sys/fs/cgroup/cgroup.controllers":
    "Deno requires --allow-all for /sys (denoland/deno#27564): doctor's cgroup check must ask a program",
};

Deno.test("every fixed host path in src/cli, src/host and src/bind is readable under the set", async () => {
  const reads = policyOf("read").grants.map((g) => g.value);
  const under = (p: string) => reads.some((r) => p === r || p.startsWith(`${r}/`));
  for (const { path, text } of await sources()) {
    if (!/^src\/(cli|host|bind)\//.test(path)) continue;
    for (const m of text.matchAll(/"(\/(?:etc|usr|lib|var|run|sys|proc|opt|srv)\/[^"$`{}\s]*)"/g)) {
      if (m[1] in UNGRANTABLE) continue;
      assert.ok(under(m[1]), `${path} uses ${m[1]}, which is outside --allow-read (src/permissions.ts)`);
    }
  }
});

// ---- the verb against a fake host ----

/** What a process started with the compile flags answers (the model the verb checks against). */
function compiled(q: PermissionQuery): PermissionState {
  const p = POLICY.find((k) => k.kind === q.kind)!;
  if (q.target === undefined) return p.deny ? "denied" : "prompt";
  const t = q.target;
  if ([...(p.ignored ?? []), ...(p.denied ?? [])].some((g) => g.value === t)) return "denied";
  if (p.grants.some((g) => t === g.value || t.startsWith(`${g.value}/`))) return "granted";
  return p.deny ? "denied" : "prompt";
}

Deno.test("auditPermissions() finds no difference for the compile set, and says what -A adds", async () => {
  const host = fakeHost({ permissions: compiled });
  const checks = await auditPermissions(host);
  assert.deepEqual(checks.filter((c) => c.verdict !== "ok"), []);
  assert.equal(checks.filter((c) => c.role === "probe").length, POLICY.length);
  assert.equal(await run(["permissions"], host), 0);

  const all = fakeHost(); // the fake host grants everything, like -A
  const wide = await auditPermissions(all);
  assert.deepEqual(
    wide.filter((c) => c.verdict === "wider" && c.role === "kind").map((c) => c.kind),
    POLICY.map((p) => p.kind),
  );
  assert.equal(await run(["permissions"], all), 1);
  assert.match(all.stderr.text, /^lychd: this process holds MORE than the compile set \(read \(any\), /);
});

Deno.test("auditPermissions(): a program missing from PATH is n/a, a missing path grant is less", async () => {
  const host = fakeHost({
    permissions: (q) =>
      (q.kind === "run" && q.target === "podman") || (q.kind === "read" && q.target === "/etc/cdi")
        ? "prompt"
        : compiled(q),
  });
  const bad = (await auditPermissions(host)).filter((c) => c.verdict !== "ok");
  assert.deepEqual(bad.map((c) => [c.kind, c.target, c.verdict]), [
    ["read", "/etc/cdi", "narrower"],
    ["run", "podman", "missing"],
  ]);
  assert.equal(await run(["permissions", "--json"], host), 1);
  const j = JSON.parse(host.stdout.text);
  assert.deepEqual([j.narrower, j.missing], [["read /etc/cdi"], ["run podman"]]);
});
