import assert from "node:assert/strict";
import { join } from "node:path";
import { FsError } from "./host.ts";
import { osReason, realFs, realHost } from "./real.ts";

Deno.test("realFs() writeFileAtomic creates, replaces and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fs = realFs();
    const path = join(dir, "lychd-vessel.container");
    await fs.writeFileAtomic(path, "one\n");
    assert.equal(await fs.readTextFile(path), "one\n");
    const before = await fs.stat(path);
    await fs.writeFileAtomic(path, "two\n", 0o600);
    assert.equal(await Deno.readTextFile(path), "two\n");
    const after = await fs.stat(path);
    assert.notEqual(after?.ino, before?.ino);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual(await fs.readDir(dir), ["lychd-vessel.container"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("realFs() writeFileAtomic into a missing directory throws FsError naming the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "missing", "x.container");
    await assert.rejects(realFs().writeFileAtomic(path, "x"), (e) => {
      assert.ok(e instanceof FsError);
      assert.equal(e.message, `writing "${path}" failed: No such file or directory (os error 2)`);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("realFs() answers undefined for missing paths and lstat-s symlinks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fs = realFs();
    assert.equal(await fs.readTextFile(join(dir, "none")), undefined);
    assert.equal(await fs.readDir(join(dir, "none")), undefined);
    assert.equal(await fs.stat(join(dir, "none")), undefined);
    assert.equal(await fs.realPath(join(dir, "none")), undefined);
    await fs.mkdirp(join(dir, "a", "b"));
    await Deno.writeTextFile(join(dir, "a", "b", "f"), "F");
    await Deno.symlink(join(dir, "a", "b"), join(dir, "link"));
    const info = await fs.stat(join(dir, "link"));
    assert.equal(info?.isSymlink, true);
    assert.equal(await fs.realPath(join(dir, "link", "f")), join(await Deno.realPath(dir), "a", "b", "f"));
    assert.equal(await fs.readTextFile(join(dir, "link", "f")), "F");
    await fs.remove(join(dir, "none"));
    await fs.remove(join(dir, "link"));
    assert.deepEqual(await fs.readDir(dir), ["a"]);
    await assert.rejects(
      fs.readTextFile(join(dir, "a")),
      /reading ".*" failed: Is a directory \(os error 21\)$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("realFs() lock excludes a second holder until released", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fs = realFs();
    const path = join(dir, ".lychd.lock");
    const first = await fs.lock(path);
    let second = false;
    const waiting = fs.lock(path).then((l) => {
      second = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(second, false);
    await first.release();
    const l2 = await waiting;
    assert.equal(second, true);
    await l2.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("osReason() drops the operation and path Deno appends", () => {
  assert.equal(
    osReason(new Error("No such file or directory (os error 2): readfile '/x'")),
    "No such file or directory (os error 2)",
  );
  assert.equal(
    osReason(new Error("Not a directory (os error 20): rename '/a' -> '/b'")),
    "Not a directory (os error 20)",
  );
});

Deno.test("realHost() reads env, uid, cwd and clock from Deno", () => {
  const host = realHost();
  assert.equal(host.env("PATH"), Deno.env.get("PATH"));
  assert.equal(host.uid(), Deno.uid());
  assert.equal(host.cwd(), Deno.cwd());
  assert.ok(Math.abs(host.now() - Date.now()) < 1000);
});

Deno.test("realFs() writeFile creates, replaces, sets the mode and replaces a symlink, not its target", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fs = realFs();
    const path = join(dir, "a.container");
    await fs.writeFile(path, "one\n");
    assert.equal(await Deno.readTextFile(path), "one\n");
    await fs.writeFile(path, "two\n", 0o600);
    assert.equal(await Deno.readTextFile(path), "two\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const target = join(dir, "target");
    await Deno.writeTextFile(target, "keep\n");
    const link = join(dir, "b.container");
    await Deno.symlink(target, link);
    await fs.writeFile(link, "new\n");
    assert.equal(await Deno.readTextFile(target), "keep\n");
    assert.equal((await fs.stat(link))?.isSymlink, false);
    assert.equal(await Deno.readTextFile(link), "new\n");
    await assert.rejects(fs.writeFile(join(dir, "missing", "x"), "x"), FsError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("realFs() readTextFile refuses a file that is not UTF-8, at its line and column", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fs = realFs();
    const path = `${dir}/codex.toml`;
    await Deno.writeFile(
      path,
      new Uint8Array([...new TextEncoder().encode('a = "ok \uFFFD"\nb = "caf'), 0xe9, 0x22]),
    );
    await assert.rejects(() => fs.readTextFile(path), (e: unknown) => {
      assert.ok(e instanceof FsError);
      assert.equal(e.message, `reading "${path}" failed: it is not UTF-8 (line 2, column 9)`);
      assert.equal(e.hint, "save the file as UTF-8");
      return true;
    });
    await Deno.writeTextFile(path, 'a = "ok \uFFFD é"\n');
    assert.equal(await fs.readTextFile(path), 'a = "ok \uFFFD é"\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
