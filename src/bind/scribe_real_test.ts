/** The bind transaction on the real file system (a temp dir), in one process and in eight. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { realHost } from "../host/real.ts";
import {
  JOURNAL_FILE,
  LOCK_FILE,
  MANIFEST_FILE,
  parseManifest,
  serializeManifest,
  sha256,
} from "./manifest.ts";
import { bind, type BindReport, type DesiredFile, type ScribeOptions } from "./scribe.ts";

const PROC = fileURLToPath(new URL("../../tests/fixtures/bind_proc.ts", import.meta.url));

function desired(dir: string, version = 1): DesiredFile[] {
  return [
    { path: join(dir, "quadlet", "lychd-vessel.container"), text: `[Container]\nImage=vessel:${version}\n` },
    { path: join(dir, "quadlet", "lychd-phylactery.container"), text: "[Container]\nImage=postgres:16\n" },
    { path: join(dir, "quadlet", "lychd.network"), text: "[Network]\n" },
    { path: join(dir, "user", "lychd.target"), text: "[Unit]\nDescription=lychd\n" },
  ];
}

function options(dir: string, events: string[]): ScribeOptions {
  return {
    manifestDir: join(dir, "quadlet"),
    codexPath: join(dir, "codex.toml"),
    unitOf: (path) => path.replace(/^.*\//, "").replace(/\.container$/, ".service"),
    stopUnits: (units) => {
      events.push(`stop ${units.join(" ")}`);
      return Promise.resolve();
    },
    daemonReload: () => {
      events.push("reload");
      return Promise.resolve();
    },
  };
}

/** Every file under `dir` (recursively) with its text; the lock file left out. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.name !== LOCK_FILE) out[p] = await Deno.readTextFile(p);
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function expectedTree(dir: string, files: DesiredFile[]): Record<string, string> {
  const manifestPath = join(dir, "quadlet", MANIFEST_FILE);
  const manifest = serializeManifest({
    version: 1,
    codex: join(dir, "codex.toml"),
    files: Object.fromEntries(files.map((f) => [f.path, sha256(f.text)])),
  });
  const out: Record<string, string> = { [manifestPath]: manifest };
  for (const f of files) out[f.path] = f.text;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function withTempDir(f: (dir: string) => Promise<void>) {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "lychd-bind-" }));
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bind() on a real fs leaves unchanged Runes alone: same inode, same mtime", async () => {
  await withTempDir(async (dir) => {
    const events: string[] = [];
    const host = realHost();
    await bind(host, desired(dir), options(dir, events));
    const stats = async () =>
      await Promise.all(
        [...desired(dir).map((f) => f.path), join(dir, "quadlet", MANIFEST_FILE)].map(async (p) => {
          const s = await Deno.lstat(p);
          return { p, ino: s.ino, mtime: s.mtime?.getTime(), ctime: s.ctime?.getTime() };
        }),
      );
    const before = await stats();
    await new Promise((r) => setTimeout(r, 20)); // an mtime written now would differ
    const report = await bind(host, desired(dir), options(dir, events));
    assert.equal(report.unchanged.length, 4);
    assert.equal(report.reloaded, false);
    assert.deepEqual(await stats(), before);
    assert.deepEqual(events, ["reload"]);
    assert.deepEqual(await tree(dir), expectedTree(dir, desired(dir)));

    // A real change replaces only the changed file.
    const changed = await bind(host, desired(dir, 2), options(dir, events));
    assert.deepEqual(changed.changed, [join(dir, "quadlet", "lychd-vessel.container")]);
    const after = await stats();
    assert.notEqual(after[0].ino, before[0].ino);
    assert.deepEqual(after.slice(1, 4), before.slice(1, 4));
    assert.deepEqual(events, ["reload", "reload"]);
    const names = (await Array.fromAsync(Deno.readDir(join(dir, "quadlet")))).map((e) => e.name).sort();
    assert.deepEqual(names, [
      ".lychd-manifest.json",
      ".lychd.lock",
      "lychd-phylactery.container",
      "lychd-vessel.container",
      "lychd.network",
    ]);
  });
});

Deno.test("bind() x8 concurrent in one process ends like one bind, with one reload", async () => {
  await withTempDir(async (dir) => {
    const events: string[] = [];
    const reports = await Promise.all(
      Array.from({ length: 8 }, () => bind(realHost(), desired(dir), options(dir, events))),
    );
    assert.deepEqual(events, ["reload"]);
    assert.equal(reports.filter((r) => r.added.length === 4).length, 1);
    assert.equal(reports.filter((r) => r.unchanged.length === 4).length, 7);
    assert.deepEqual(await tree(dir), expectedTree(dir, desired(dir)));
  });
});

Deno.test("bind() x8 concurrent processes ends like one bind, with one reload", async () => {
  await withTempDir(async (dir) => {
    const spec = join(dir, "desired.json");
    const log = join(dir, "reloads.log");
    await Deno.writeTextFile(spec, JSON.stringify(desired(dir)));
    const outputs = await Promise.all(
      Array.from({ length: 8 }, () =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-all",
            "--no-lock",
            PROC,
            join(dir, "quadlet"),
            spec,
            log,
            join(dir, "codex.toml"),
          ],
          stdout: "piped",
          stderr: "piped",
        }).output()),
    );
    const reports: BindReport[] = outputs.map((o) => {
      assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
      return JSON.parse(new TextDecoder().decode(o.stdout));
    });
    const lines = (await Deno.readTextFile(log)).trimEnd().split("\n");
    assert.equal(lines.length, 1, lines.join("; "));
    assert.match(lines[0], /^reload \d+$/);
    assert.equal(reports.filter((r) => r.added.length === 4 && r.reloaded).length, 1);
    assert.equal(reports.filter((r) => r.unchanged.length === 4 && !r.reloaded).length, 7);
    await Deno.remove(spec);
    await Deno.remove(log);
    assert.deepEqual(await tree(dir), expectedTree(dir, desired(dir)));
  });
});

Deno.test("bind() on a real fs rolls a journal left by a crash forward", async () => {
  await withTempDir(async (dir) => {
    const events: string[] = [];
    const host = realHost();
    const a = desired(dir);
    await bind(host, a, options(dir, events));
    const manifestPath = join(dir, "quadlet", MANIFEST_FILE);
    // The crash: a complete journal for A → (vessel v2, no phylactery), only its first step applied.
    const b = desired(dir, 2).filter((f) => !f.path.endsWith("lychd-phylactery.container"));
    const journal = {
      version: 1,
      steps: [
        { path: b[0].path, old: a[0].text, new: b[0].text },
        { path: a[1].path, old: a[1].text, new: null },
      ],
      oldManifest: parseManifest(await Deno.readTextFile(manifestPath), manifestPath),
      newManifest: {
        version: 1,
        codex: join(dir, "codex.toml"),
        files: Object.fromEntries(b.map((f) => [f.path, sha256(f.text)])),
      },
    };
    await Deno.writeTextFile(join(dir, "quadlet", JOURNAL_FILE), JSON.stringify(journal));
    await Deno.writeTextFile(b[0].path, b[0].text);
    events.length = 0;

    const report = await bind(host, b, options(dir, events));
    assert.equal(report.recovered, true);
    assert.equal(report.reloaded, true);
    assert.deepEqual(report.unchanged.length, 3, "the journal already brought every file to B");
    assert.deepEqual(events, ["reload"]);
    assert.deepEqual(await tree(dir), expectedTree(dir, b));
  });
});
