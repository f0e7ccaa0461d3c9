import assert from "node:assert/strict";
import { FsError, HostError } from "./host.ts";
import { ENOSPC, fakeHost } from "./_fake.ts";

Deno.test("fakeHost() fs keeps inode and mtime until a write replaces the file", async () => {
  const host = fakeHost();
  await host.fs.mkdirp("/d");
  await host.fs.writeFileAtomic("/d/a", "one");
  const first = await host.fs.stat("/d/a");
  host.setNow(host.now() + 5000);
  assert.deepEqual(await host.fs.stat("/d/a"), first);
  assert.equal(await host.fs.readTextFile("/d/a"), "one");
  await host.fs.writeFileAtomic("/d/a", "two");
  const second = await host.fs.stat("/d/a");
  assert.notEqual(second?.ino, first?.ino);
  assert.ok((second?.mtimeMs ?? 0) > (first?.mtimeMs ?? 0));
  assert.equal(second?.size, 3);
});

Deno.test("fakeHost() fs refuses writes into a missing directory unless implicitDirs", async () => {
  const strict = fakeHost();
  await assert.rejects(
    strict.fs.writeFileAtomic("/nope/a", "x"),
    (e) => e instanceof FsError && /No such file/.test(e.message),
  );
  const loose = fakeHost({ implicitDirs: true });
  await loose.fs.writeFileAtomic("/nope/a", "x");
  assert.deepEqual(await loose.fs.readDir("/nope"), ["a"]);
});

Deno.test("fakeHost() fs reports missing paths as undefined and lists directories sorted", async () => {
  const host = fakeHost({ files: { "/d/b": "B", "/d/a": "A", "/d/sub/c": "C" } });
  assert.equal(await host.fs.readTextFile("/d/none"), undefined);
  assert.equal(await host.fs.stat("/x/y"), undefined);
  assert.equal(await host.fs.readDir("/x"), undefined);
  assert.deepEqual(await host.fs.readDir("/d"), ["a", "b", "sub"]);
  assert.equal((await host.fs.stat("/d/sub"))?.isDirectory, true);
  await host.fs.remove("/d/none");
  await host.fs.remove("/d/a");
  assert.deepEqual(host.fs.snapshot("/d"), { "/d/b": "B", "/d/sub/c": "C" });
  await assert.rejects(host.fs.remove("/d/sub"), /Directory not empty/);
});

Deno.test("fakeHost() fs resolves symlinks in realPath and reads through them", async () => {
  const host = fakeHost({ files: { "/real/dir/unit.container": "[Container]\n" } });
  host.fs.symlink("/real/dir", "/home/u/.config/containers/systemd");
  host.fs.symlink("unit.container", "/real/dir/alias.container");
  assert.equal(await host.fs.realPath("/home/u/.config/containers/systemd"), "/real/dir");
  assert.equal(
    await host.fs.realPath("/home/u/.config/containers/systemd/alias.container"),
    "/real/dir/unit.container",
  );
  assert.equal(
    await host.fs.readTextFile("/home/u/.config/containers/systemd/unit.container"),
    "[Container]\n",
  );
  assert.equal((await host.fs.stat("/real/dir/alias.container"))?.isSymlink, true);
  assert.equal(await host.fs.realPath("/home/u/missing"), undefined);
  await host.fs.writeFileAtomic("/home/u/.config/containers/systemd/new.container", "n");
  assert.equal(host.fs.text("/real/dir/new.container"), "n");
});

Deno.test("fakeHost() fs lock serializes concurrent holders in arrival order", async () => {
  const host = fakeHost({ files: { "/d/x": "" } });
  const events: string[] = [];
  let inside = 0;
  const worker = async (name: string) => {
    const lock = await host.fs.lock("/d/.lock");
    inside++;
    assert.equal(inside, 1, "two holders at once");
    events.push(`${name}+`);
    await new Promise((r) => setTimeout(r, 5));
    events.push(`${name}-`);
    inside--;
    await lock.release();
  };
  await Promise.all(["a", "b", "c"].map(worker));
  assert.deepEqual(events, ["a+", "a-", "b+", "b-", "c+", "c-"]);
  assert.deepEqual(host.fs.locksHeld(), []);
  assert.equal(host.fs.text("/d/.lock"), "");
});

Deno.test("fakeHost() fs failWrites makes the chosen write fail with ENOSPC and change nothing", async () => {
  const host = fakeHost({ files: { "/d/a": "old" } });
  host.fs.failWrites = (path, nth) => nth === 2 || path.endsWith("/b");
  await host.fs.writeFileAtomic("/d/a", "new1");
  await assert.rejects(host.fs.writeFileAtomic("/d/a", "new2"), (e) => {
    assert.ok(e instanceof FsError);
    assert.equal(e.reason, ENOSPC);
    assert.equal(e.message, `writing "/d/a" failed: No space left on device (os error 28)`);
    return true;
  });
  await assert.rejects(host.fs.writeFileAtomic("/d/b", "x"), /No space left/);
  assert.deepEqual(host.fs.snapshot(), { "/d/a": "new1" });
  assert.equal(host.fs.writes, 3);
  assert.deepEqual(host.fs.writeLog, ["/d/a", "/d/a", "/d/b"]);
});

Deno.test("fakeHost() runner records calls and answers from the handler", async () => {
  const host = fakeHost({ missing: ["podman"] });
  assert.deepEqual(await host.runner.run("systemctl", ["--user", "daemon-reload"]), {
    code: 0,
    stdout: "",
    stderr: "",
  });
  host.runner.handler = (_cmd, args) =>
    args[1] === "is-active" ? { code: 3, stdout: "inactive\n" } : undefined;
  assert.deepEqual(await host.runner.run("systemctl", ["--user", "is-active", "x.service"]), {
    code: 3,
    stdout: "inactive\n",
    stderr: "",
  });
  await assert.rejects(
    host.runner.run("podman", ["--version"]),
    (e) => e instanceof HostError && /podman not found/.test(e.message),
  );
  assert.deepEqual(host.runner.lines(), [
    "systemctl --user daemon-reload",
    "systemctl --user is-active x.service",
    "podman --version",
  ]);
});

Deno.test("fakeHost() captures output and lets tests set env, uid, cwd and clock", async () => {
  const host = fakeHost({ env: { HOME: "/home/u" }, uid: 0, now: 1000 });
  host.stdout.write("out\n");
  host.stderr.write("err\n");
  assert.equal(host.stdout.text, "out\n");
  assert.equal(host.stderr.text, "err\n");
  assert.equal(host.env("HOME"), "/home/u");
  host.setEnv("HOME", undefined);
  assert.equal(host.env("HOME"), undefined);
  assert.equal(host.uid(), 0);
  host.setUid(1000);
  assert.equal(host.uid(), 1000);
  await host.sleep(250);
  assert.equal(host.now(), 1250);
  assert.deepEqual(host.sleeps, [250]);
  host.setCwd("/work");
  await host.fs.mkdirp("/work");
  await host.fs.writeFileAtomic("rel.txt", "r");
  assert.equal(host.fs.text("/work/rel.txt"), "r");
});
