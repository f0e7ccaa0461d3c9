/**
 * `deno task install`: a `lychd` on PATH through `deno install --global`, honouring
 * DENO_INSTALL_ROOT, whose flags are exactly the compile permission set, so the installed
 * `lychd permissions` exits 0 (it would exit 1 under any wider set, e.g. `-A`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileFlags } from "../src/permissions.ts";
import { V8_FLAGS } from "../scripts/v8_flags.ts";
import { versionLine } from "../src/version.ts";
import { installRoot, readableBy, runtimeConfig } from "../scripts/install.ts";
import { ROOT } from "./lib/cli.ts";
import { invocationFor } from "../src/cli/invocation.ts";
import type { Paths } from "../src/cli/context.ts";

async function sh(cmd: string, args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const out = await new Deno.Command(cmd, { args, env, cwd, stdin: "null", stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The words of the shim's `exec … run … main.ts "$@"` line (single-quoted words unquoted). */
function shimWords(shim: string): string[] {
  const line = shim.split("\n").find((l) => l.startsWith("exec "))!;
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

Deno.test("install: a verb's modules load with the verb only where the permission set may read the install", () => {
  const flags = ["--allow-read=/home,/root,/tmp", "--allow-write=/tmp"];
  assert.equal(readableBy(flags, "/root/.deno/bin/.lychd"), true);
  assert.equal(readableBy(flags, "/home/u/.deno/bin/.lychd"), true);
  assert.equal(readableBy(flags, "/opt/lychd/bin/.lychd"), false);
  assert.equal(readableBy(flags, "/homer/x"), false, "a grant is a path, not a prefix of letters");
  assert.equal(readableBy(["--allow-write=/opt"], "/opt/x"), false);
});

Deno.test("install root: --root, then DENO_INSTALL_ROOT, then ~/.deno (deno install's order)", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(installRoot(["--root", "/opt/x/"], env({ DENO_INSTALL_ROOT: "/y" })), "/opt/x");
  assert.equal(installRoot(["--root=/opt/z"], env({})), "/opt/z");
  assert.equal(installRoot([], env({ DENO_INSTALL_ROOT: "/y", HOME: "/home/u" })), "/y");
  assert.equal(installRoot([], env({ HOME: "/home/u" })), "/home/u/.deno");
});

Deno.test("deno task install: DENO_INSTALL_ROOT/bin/lychd with exactly the compile set; permissions exits 0", async () => {
  const root = await Deno.makeTempDir({ prefix: "lychd-install-" });
  try {
    const inst = await sh(Deno.execPath(), ["task", "install"], { DENO_INSTALL_ROOT: root, NO_COLOR: "1" });
    assert.equal(inst.code, 0, inst.stderr);
    assert.match(inst.stdout, new RegExp(`installed ${root}/bin/lychd`));
    const shim = await Deno.readTextFile(`${root}/bin/lychd`);
    const words = shimWords(shim);
    assert.equal(words[1], Deno.execPath(), "the shim names the installing Deno by path");
    assert.equal(words[2], "run");
    const isPermission = (w: string) => /^--(allow|deny|ignore)-|^--no-prompt$/.test(w);
    const flags = words.slice(3).filter(isPermission);
    assert.deepEqual([...flags].sort(), [...compileFlags()].sort());
    // Besides them only --quiet (no download chatter), the install's own --config, its node_modules
    // used as installed (`manual`: no check against the lockfile on each start), the shipped V8
    // flags (scripts/v8_flags.ts) and, the install being under /tmp (readable by the set), a verb's
    // modules loaded with the verb.
    const other = words.slice(3).filter((w) => w.startsWith("--") && !isPermission(w));
    assert.deepEqual(
      other.sort(),
      ["--config", "--node-modules-dir=manual", "--quiet", V8_FLAGS, "--unstable-lazy-dynamic-imports"]
        .sort(),
    );
    assert.equal(words.at(-2), `file://${root}/bin/.lychd/main.js`, "the shim runs the built tree");
    // Started from elsewhere, with nothing but PATH and HOME.
    const env = { PATH: "/usr/bin:/bin", HOME: root, NO_COLOR: "1" };
    const perms = await sh(`${root}/bin/lychd`, ["permissions"], env, root);
    assert.equal(perms.code, 0, perms.stdout + perms.stderr);
    assert.match(perms.stderr + perms.stdout, /exactly the compile set/);
    const version = await sh(`${root}/bin/lychd`, ["--version"], env, root);
    assert.equal(version.stdout, `${versionLine()}\n`);
    // The permission set is enforced: a path outside it is refused in one line.
    const outside = await sh(`${root}/bin/lychd`, ["check", "--codex", "/var/tmp/x.toml"], env, root);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /^lychd: reading "\/var\/tmp\/x\.toml" failed: not permitted/);
    // A compose file outside the set is named itself (not the .env compose reads beside it first).
    const varTmp = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "lychd-import-" });
    try {
      await Deno.writeTextFile(`${varTmp}/x.yaml`, "services:\n  web:\n    image: nginx\n");
      const imp = await sh(`${root}/bin/lychd`, ["import", "compose", `${varTmp}/x.yaml`], env, root);
      assert.equal(imp.code, 1);
      assert.match(imp.stderr, new RegExp(`^lychd: inspecting "${varTmp}/x\\.yaml" failed: not permitted`));
    } finally {
      await Deno.remove(varTmp, { recursive: true });
    }
    // The npm packages come from the install's own node_modules: a fresh HOME (empty DENO_DIR)
    // and no network still load the TOML parser.
    const check = await sh(`${root}/bin/lychd`, ["check", "--quiet"], env, root);
    assert.equal(check.code, 0, check.stderr);
    // Verbs whose modules load after start (lazily): each runs.
    for (const argv of [["schema"], ["completions", "bash"], ["status"], ["bind", "--dry-run", "--quiet"]]) {
      const r = await sh(`${root}/bin/lychd`, argv, env, root);
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
    }
    // A refused Codex is worded by zod, loaded only then.
    await Deno.writeTextFile(`${root}/bad.toml`, "version = 1\n[services.x]\nimage = 3\n");
    const bad = await sh(`${root}/bin/lychd`, ["check", "--codex", `${root}/bad.toml`], env, root);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad\.toml:3:1: services\.x\.image: expected a string, got the integer 3/);
    // The built tree renders the bytes main.ts renders (the embedded default Codex), but for the
    // units that run lychd: they name the tree's entry points and config.
    const built = await sh(`${root}/bin/lychd`, ["render"], env, root);
    const denoDir = JSON.parse((await sh(Deno.execPath(), ["info", "--json"])).stdout).denoDir as string;
    const source = await sh(Deno.execPath(), ["run", "-A", `${ROOT}/main.ts`, "render"], {
      ...env,
      DENO_DIR: denoDir, // this checkout's cache: no downloads
    }, root);
    assert.equal(built.code, 0, built.stderr);
    assert.ok(
      built.stdout.includes(` ${root}/bin/.lychd/gateway.js --socket `),
      "the gateway unit runs the tree",
    );
    const asSource = built.stdout.replaceAll(`${root}/bin/.lychd/deno.json`, `${ROOT}/deno.json`)
      .replaceAll(`${root}/bin/.lychd/gateway.js`, `${ROOT}/gateway.ts`)
      .replaceAll(`${root}/bin/.lychd/main.js`, `${ROOT}/main.ts`);
    assert.equal(asSource, source.stdout);
    assert.equal(built.stderr, source.stderr);
    // Every module of the tree links (an import of a name that was only a type would not).
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of Deno.readDirSync(d)) {
        if (e.isDirectory && e.name !== "node_modules") walk(`${d}/${e.name}`);
        else if (e.name.endsWith(".js")) files.push(`${d}/${e.name}`);
      }
    };
    walk(`${root}/bin/.lychd`);
    assert.ok(files.length > 100, `${files.length} modules built`);
    for (const f of files) await import(`file://${f}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("install: the tree's config keeps the version, the npm imports and the unstable features, not the checkout", async () => {
  const checkout = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const linked = { ...checkout, imports: { ...checkout.imports, "@lychd/lychd": `file://${ROOT}/main.ts` } };
  const cfg = runtimeConfig(linked);
  assert.equal(cfg.version, checkout.version);
  assert.deepEqual(cfg.unstable, checkout.unstable);
  assert.equal(cfg.lock, false);
  assert.equal(cfg.nodeModulesDir, "manual");
  assert.deepEqual(Object.keys(cfg.imports).sort(), Object.keys(checkout.imports).sort());
  assert.ok(Object.values(cfg.imports).every((t) => t.startsWith("npm:")));
  assert.ok(!JSON.stringify(cfg).includes(ROOT), "nothing names the checkout");
});

Deno.test("deno task install: the command keeps working once the checkout it came from is deleted", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "lychd-outlive-" });
  try {
    // A copy of this checkout's files (tracked and new, as `git ls-files` lists them).
    const ls = await sh("git", ["ls-files", "-co", "--exclude-standard", "-z"]);
    assert.equal(ls.code, 0, ls.stderr);
    const src = `${tmp}/src`;
    for (const f of ls.stdout.split("\0").filter(Boolean)) {
      const from = `${ROOT}/${f}`;
      if (!(await Deno.lstat(from).catch(() => undefined))?.isFile) continue; // deleted, not yet staged
      await Deno.mkdir(`${src}/${f}`.replace(/\/[^/]*$/, ""), { recursive: true });
      await Deno.copyFile(from, `${src}/${f}`);
    }
    const inst = await sh(
      Deno.execPath(),
      ["task", "install", "--root", `${tmp}/inst`],
      { NO_COLOR: "1" },
      src,
    );
    assert.equal(inst.code, 0, inst.stderr);
    await Deno.remove(src, { recursive: true });
    const lychd = `${tmp}/inst/bin/lychd`;
    const env = { PATH: "/usr/bin:/bin", HOME: tmp, NO_COLOR: "1" };
    const version = await sh(lychd, ["--version"], env, tmp);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `${versionLine()}\n`);
    const render = await sh(lychd, ["render", "--quiet"], env, tmp);
    assert.equal(render.code, 0, render.stderr);
    assert.match(render.stdout, /# FileName=lychd-vessel\.container/);
    await Deno.writeTextFile(`${tmp}/bad.toml`, "version = 1\n[services.x]\nimage = 3\n");
    const bad = await sh(lychd, ["check", "--codex", `${tmp}/bad.toml`], env, tmp);
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      `lychd: ${tmp}/bad.toml:3:1: services.x.image: expected a string, got the integer 3\n`,
    );
    const config = await Deno.readTextFile(`${tmp}/inst/bin/.lychd/deno.json`);
    assert.ok(!config.includes(src), "the tree's config names nothing of the checkout");
    // The units run the tree with its config and without the shim's flags (the admission guard's
    // command here): with an empty Deno cache they load the packages from the tree, fetching none.
    const guard = invocationFor(
      { exec: Deno.execPath(), main: `file://${tmp}/inst/bin/.lychd/main.js` },
      { cdiDirs: ["/etc/cdi", "/var/run/cdi"], system: false } as Paths,
      `${tmp}/bad.toml`,
    );
    const [exec, ...args] = guard.binder;
    const unit = await sh(exec, [...args, "check", ...guard.context], { ...env, DENO_DIR: `${tmp}/dd` }, tmp);
    assert.equal(unit.code, 1, unit.stderr);
    assert.match(unit.stderr, /bad\.toml:3:1: services\.x\.image: expected a string, got the integer 3/);
    const fetched = [...Deno.readDirSync(`${tmp}/dd`)].some((e) => e.name === "npm")
      ? [...Deno.readDirSync(`${tmp}/dd/npm`)]
      : [];
    assert.deepEqual(fetched, [], "no package fetched into the Deno cache");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
