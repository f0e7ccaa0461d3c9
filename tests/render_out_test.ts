/**
 * `lychd render --out DIR` and the ownership rule it shares with `export --out`
 * (src/cli/outdir.ts): a unit file in DIR lychd did not write refuses the run, nothing written;
 * the Runes it rendered before and no longer renders are removed; other files are left alone.
 */
import assert from "node:assert/strict";
import { fakeHost } from "../src/host/_fake.ts";
import { RUNE_HEADER } from "../src/quadlet/render.ts";
import { runInProcess } from "./lib/cli.ts";

const DEMO = `version = 1
[sepulcher]
name = "demo"
[services.web]
image = "localhost/busybox:latest"
`;
const OTHER = DEMO.replace('name = "demo"', 'name = "other"');
const DIR = "/home/u/runes";

function host() {
  const h = fakeHost({ env: { HOME: "/home/u" }, cwd: "/home/u" });
  h.fs.put("/home/u/demo.toml", DEMO);
  h.fs.put("/home/u/other.toml", OTHER);
  return h;
}

const render = (h: ReturnType<typeof host>, codex: string, out = "runes") =>
  runInProcess(h, ["render", "--codex", codex, "--cdi-dir", "/none", "--out", out]);

function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, stderr);
  return lines[0];
}

Deno.test("render --out: a file lychd did not write under a Rune's name is refused, nothing written", async () => {
  const h = host();
  h.fs.put(`${DIR}/demo-web.container`, "my own unit\n");
  const before = h.fs.snapshot(DIR);
  const r = await render(h, "demo.toml");
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(
    oneLine(r.stderr),
    `lychd: ${DIR} holds "demo-web.container", which lychd did not write; nothing was written ` +
      "(hint: move it away, or render into an empty or new directory (lychd replaces only the files it rendered))",
  );
  assert.deepEqual(h.fs.snapshot(DIR), before);
});

Deno.test("render --out: any other unit file lychd did not write is refused too (no mixed stack)", async () => {
  for (const name of ["mine.container", "mine.service", "mine.timer", "mine.volume"]) {
    const h = host();
    h.fs.put(`${DIR}/${name}`, "[Unit]\nDescription=mine\n");
    const r = await render(h, "demo.toml");
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.match(
      oneLine(r.stderr),
      new RegExp(`holds "${name.replace(".", "\\.")}", which lychd did not write`),
    );
    assert.deepEqual(Object.keys(h.fs.snapshot(DIR)), [`${DIR}/${name}`]);
  }
});

Deno.test("render --out: a directory or a symlink under a Rune's name is not lychd's", async () => {
  const h = host();
  h.fs.put(`${DIR}/demo.target/keep`, "x\n");
  const r = await render(h, "demo.toml");
  assert.equal(r.code, 1);
  assert.match(oneLine(r.stderr), /holds "demo.target", which lychd did not write/);
  assert.deepEqual(Object.keys(h.fs.snapshot(DIR)), [`${DIR}/demo.target/keep`]);

  const s = host();
  assert.equal((await render(s, "demo.toml", "/home/u/elsewhere")).code, 0);
  s.fs.symlink("/home/u/elsewhere/demo-web.container", `${DIR}/demo-web.container`);
  const l = await render(s, "demo.toml");
  assert.equal(l.code, 1);
  assert.match(oneLine(l.stderr), /holds "demo-web.container", which lychd did not write/);
});

Deno.test("render --out: a second Codex replaces the first's Runes and removes its stale ones; other files stay", async () => {
  const h = host();
  h.fs.put(`${DIR}/README.md`, "my notes\n");
  h.fs.put(`${DIR}/keep.txt`, "mine\n");
  const first = await render(h, "demo.toml");
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^lychd: wrote \d+ files to \/home\/u\/runes \(Podman [\d.]+\)\n$/);
  const demo = Object.keys(h.fs.snapshot(DIR)).filter((p) => p.includes("/demo"));
  assert.ok(demo.length > 2, demo.join(" "));
  for (const p of demo) assert.ok(h.fs.text(p)!.startsWith(RUNE_HEADER), p);

  // The same Codex again: its own files are replaced, nothing is stale.
  const again = await render(h, "demo.toml");
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /stale/);

  const second = await render(h, "other.toml");
  assert.equal(second.code, 0, second.stderr);
  assert.match(
    second.stderr,
    new RegExp(
      `^lychd: wrote ${demo.length} files to /home/u/runes \\(Podman [\\d.]+\\), removed ${demo.length} stale ones\\n$`,
    ),
  );
  const left = Object.keys(h.fs.snapshot(DIR));
  assert.deepEqual(left.filter((p) => p.includes("/demo")), [], left.join(" "));
  assert.ok(left.some((p) => p.endsWith("/other-web.container")), left.join(" "));
  assert.equal(h.fs.text(`${DIR}/README.md`), "my notes\n");
  assert.equal(h.fs.text(`${DIR}/keep.txt`), "mine\n");
});

Deno.test("render --out: one stale Rune is said in the singular", async () => {
  const h = host();
  assert.equal((await render(h, "demo.toml")).code, 0);
  h.fs.put(`${DIR}/demo-gone.volume`, `${RUNE_HEADER}/home/u/demo.toml; edit the Codex\n[Volume]\n`);
  const r = await render(h, "demo.toml");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /, removed 1 stale one\n$/);
  assert.equal(h.fs.text(`${DIR}/demo-gone.volume`), undefined);
});

Deno.test("render --out into a symlink to a directory writes there", async () => {
  const h = host();
  await h.fs.mkdirp("/home/u/real");
  h.fs.symlink("/home/u/real", "/home/u/link");
  const r = await render(h, "demo.toml", "link");
  assert.equal(r.code, 0, r.stderr);
  assert.ok(h.fs.text("/home/u/real/demo-web.container")?.startsWith(RUNE_HEADER));
});

Deno.test("render --out FILE: not a directory, nothing written", async () => {
  const h = host();
  const r = await render(h, "demo.toml", "demo.toml");
  assert.equal(r.code, 1);
  assert.equal(oneLine(r.stderr), "lychd: /home/u/demo.toml is not a directory (hint: pick another --out)");
  assert.equal(h.fs.text("/home/u/demo.toml"), DEMO);
});

Deno.test("an empty --out is a usage error for render and export, not stdout", async () => {
  for (const argv of [["render"], ["export", "kubernetes"]]) {
    const h = host();
    const before = h.fs.snapshot();
    const r = await runInProcess(h, [...argv, "--codex", "demo.toml", "--cdi-dir", "/none", "--out", ""]);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "", argv.join(" "));
    assert.equal(
      oneLine(r.stderr),
      "lychd: --out has an empty value (hint: write --out DIR, or leave --out out)",
    );
    assert.deepEqual(h.fs.snapshot(), before);
  }
});

Deno.test("export --out: stale files are removed and said on the closing line", async () => {
  const h = host();
  h.fs.put("/home/u/demo.toml", DEMO + '[services.db]\nimage = "localhost/busybox:latest"\n');
  const argv = ["export", "kubernetes", "--codex", "demo.toml", "--cdi-dir", "/none", "--out", "k8s"];
  assert.equal((await runInProcess(h, argv)).code, 0);
  h.fs.put("/home/u/demo.toml", DEMO);
  const r = await runInProcess(h, argv);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /wrote 3 files to \/home\/u\/k8s \(device-plugin\), removed 2 stale ones; apply with/,
  );
  assert.deepEqual(await h.fs.readDir("/home/u/k8s"), [
    ".lychd-export",
    "deployment-demo-web.yaml",
    "kustomization.yaml",
    "service-web.yaml",
  ]);
});
