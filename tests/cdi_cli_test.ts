/**
 * The CDI specs as `check`, `check --json`, `render` and `bind --dry-run` report them (in-process,
 * fake host): a broken unrelated spec is one warning line and nothing else; a claim only a broken
 * spec would resolve is one refusal naming it; a device two files define, a `.yml` file, and
 * `check --json` on every exit path that has a Codex.
 */
import assert from "node:assert/strict";
import { type FakeHost, fakeHost } from "../src/host/_fake.ts";
import { linesOf, NVIDIA_SPEC, runInProcess } from "./lib/cli.ts";

const HOME = "/home/u";
const CODEX = `${HOME}/.config/lychd/codex.toml`;
const SPECS = new URL("./cdi/specs/", import.meta.url).pathname;
const ROOT_NOTE = /^lychd: warning: running as root without --system/;

const codex = (devices: string[]) =>
  `version = 1\n\n[sepulcher]\nname = "t"\n\n` +
  devices.map((d, i) => `[soulstones.s${i}]\nimage = "localhost/busybox:latest"\ndevices = ["${d}"]\n`).join(
    "\n",
  );

function host(files: Record<string, string>, text: string): FakeHost {
  const h = fakeHost({ env: { HOME, USER: "u", PATH: "/usr/bin:/bin" }, cwd: HOME, implicitDirs: true });
  h.fs.put(CODEX, text);
  for (const [p, t] of Object.entries(files)) h.fs.put(p, t);
  h.runner.handler = (cmd, args) =>
    cmd === "podman" && args[0] === "--version" ? { stdout: "podman version 5.4.2\n" } : undefined;
  return h;
}

const spec = (file: string) => Deno.readTextFileSync(`${SPECS}${file}`);
const warnings = (stderr: string) => linesOf(stderr).filter((l) => !ROOT_NOTE.test(l));
const BROKEN = "/etc/cdi/vendor-annotations.json";

async function nvidiaWithBroken(): Promise<FakeHost> {
  return host({
    "/etc/cdi/nvidia.yaml": await Deno.readTextFile(NVIDIA_SPEC),
    [BROKEN]: spec("cdi-readme-vendor-annotations.json"),
  }, codex(["nvidia.com/gpu=0", "nvidia.com/gpu=1"]));
}

Deno.test("a broken unrelated spec: check, render and bind --dry-run work, with one warning line naming it", async () => {
  const want = new RegExp(
    `^lychd: warning: CDI spec ${BROKEN} is skipped \\(podman skips it too\\): is not valid JSON`,
  );
  for (const argv of [["check"], ["render"], ["bind", "--dry-run"]]) {
    const h = await nvidiaWithBroken();
    const r = await runInProcess(h, argv);
    assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
    const w = warnings(r.stderr).filter((l) => l.startsWith("lychd: warning:"));
    assert.equal(w.length, 1, `${argv.join(" ")}: ${JSON.stringify(w)}`);
    assert.match(w[0], want);
  }
  const h = await nvidiaWithBroken();
  const r = await runInProcess(h, ["check", "--json"]);
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.valid, true);
  assert.equal(doc.warnings.length, 1);
  assert.ok(doc.warnings[0].startsWith(`CDI spec ${BROKEN} is skipped`));
});

Deno.test("a claim only a broken spec would resolve: one refusal naming it; check --json still prints one document", async () => {
  const amd = spec("amd-rocm-issue-3029.yaml").replace(
    "kind: amd.com/gpu\n",
    "kind: amd.com/gpu\nvendorNote: x\n",
  );
  const files = { "/etc/cdi/amd.yaml": amd, "/etc/cdi/nvidia.yaml": await Deno.readTextFile(NVIDIA_SPEC) };
  const text = codex(["amd.com/gpu=0"]);
  const r = await runInProcess(host(files, text), ["check"]);
  assert.equal(r.code, 1);
  const lines = linesOf(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /soulstones\.s0\.devices\[0\]/);
  assert.match(lines[0], /the only spec for kind "amd\.com\/gpu" fails to load: \/etc\/cdi\/amd\.yaml/);
  assert.match(lines[0], /"vendorNote" is an unknown field/);

  const j = await runInProcess(host(files, text), ["check", "--json"]);
  assert.equal(j.code, 1);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.valid, false);
  assert.equal(doc.file, CODEX);
  assert.equal(doc.errors.length, 1);
  assert.equal(doc.errors[0].path, "soulstones.s0.devices[0]");
  assert.deepEqual(doc.warnings.length, 1, "the skipped spec is reported on exit 1 too");
  assert.match(doc.warnings[0], /^CDI spec \/etc\/cdi\/amd\.yaml is skipped/);

  const rendered = await runInProcess(host(files, text), ["render"]);
  assert.equal(rendered.code, 1);
  assert.equal(linesOf(rendered.stderr).length, 1);
  assert.equal(rendered.stdout, "");
});

Deno.test("AMD GPUs 0 and 1 do not conflict; a dotted class is a kind", async () => {
  const dotted = JSON.stringify({
    cdiVersion: "0.6.0",
    kind: "vendor1.com/class.subclass",
    devices: [{ name: "x", containerEdits: { deviceNodes: [{ path: "/dev/vendor1x" }] } }],
  });
  const h = host(
    { "/etc/cdi/amd.yaml": spec("amd-rocm-issue-3029.yaml"), "/var/run/cdi/v.json": dotted },
    codex(["amd.com/gpu=0", "amd.com/gpu=1", "vendor1.com/class.subclass=x"]),
  );
  const r = await runInProcess(h, ["check", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.warnings, []);
  for (const s of doc.services) assert.deepEqual(s.conflicts, [], s.name);
  assert.deepEqual(doc.services.find((s: { name: string }) => s.name === "s2").claims, [
    { device: "vendor1.com/class.subclass=x", physical: ["/dev/vendor1x"], byName: false },
  ]);
});

Deno.test("a device two files of one directory define is refused when claimed, a warning otherwise", async () => {
  const one = (name: string, node: string) =>
    JSON.stringify({
      cdiVersion: "0.5.0",
      kind: "nvidia.com/gpu",
      devices: [
        { name, containerEdits: { deviceNodes: [{ path: node }] } },
        { name: "all", containerEdits: { deviceNodes: [{ path: node }] } },
      ],
    });
  const files = {
    "/etc/cdi/nvidia.json": one("0", "/dev/nvidia0"),
    "/etc/cdi/nvidia.yaml": one("1", "/dev/nvidia1"),
  };
  const refused = await runInProcess(host(files, codex(["nvidia.com/gpu=all"])), ["check"]);
  assert.equal(refused.code, 1);
  assert.equal(linesOf(refused.stderr).length, 1);
  assert.match(
    refused.stderr,
    /CDI device "nvidia.com\/gpu=all" is defined by both \/etc\/cdi\/nvidia.json and \/etc\/cdi\/nvidia.yaml/,
  );
  const warned = await runInProcess(host(files, codex(["nvidia.com/gpu=0", "nvidia.com/gpu=1"])), ["check"]);
  assert.equal(warned.code, 0, warned.stderr);
  const w = warnings(warned.stderr).filter((l) => l.startsWith("lychd: warning:"));
  assert.equal(w.length, 1, JSON.stringify(w));
  assert.match(w[0], /"nvidia.com\/gpu=all" is defined by both/);
});

Deno.test("a .yml spec is named: in a warning of its own and in the no-spec warning", async () => {
  const h = host(
    { "/etc/cdi/nvidia.yml": await Deno.readTextFile(NVIDIA_SPEC) },
    codex(["nvidia.com/gpu=0"]),
  );
  const r = await runInProcess(h, ["check"]);
  assert.equal(r.code, 0, r.stderr);
  const w = warnings(r.stderr).filter((l) => l.startsWith("lychd: warning:"));
  assert.equal(w.length, 2, JSON.stringify(w));
  assert.match(w[0], /\/etc\/cdi\/nvidia\.yml is not read: CDI reads only \*\.json and \*\.yaml/);
  assert.match(w[1], /no CDI spec defines kind "nvidia.com\/gpu".*\/etc\/cdi\/nvidia\.yml is not read/);
  assert.match(w[1], /rename \/etc\/cdi\/nvidia\.yml to \/etc\/cdi\/nvidia\.yaml/);
});

Deno.test("check --json prints one document when the failure is not the Codex's (here a usage error, exit 2)", async () => {
  const h = host({}, codex(["nvidia.com/gpu=0"]));
  const r = await runInProcess(h, ["check", "--json", "--podman-version", "bogus"]);
  assert.equal(r.code, 2, "a usage error");
  assert.equal(linesOf(r.stderr).length, 1);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(doc), [
    "valid",
    "file",
    "embedded",
    "podmanVersion",
    "errors",
    "warnings",
    "services",
    "gateway",
  ]);
  assert.equal(doc.valid, false);
  assert.equal(doc.file, CODEX);
  assert.equal(doc.embedded, false);
  assert.match(doc.errors[0].message, /--podman-version "bogus" is not a version/);
  assert.equal(doc.warnings.length, 1, "the no-spec warning");
});

Deno.test("doctor lists a spec podman would skip as a warning, beside the kinds that load", async () => {
  const h = await nvidiaWithBroken();
  const r = await runInProcess(h, ["doctor", "--json"]);
  const cdi = JSON.parse(r.stdout).findings.filter((f: { check: string }) => f.check === "CDI");
  assert.equal(cdi.length, 2, JSON.stringify(cdi));
  assert.equal(cdi[0].level, "ok");
  assert.match(cdi[0].detail, /^nvidia.com\/gpu: \d+ devices$/);
  assert.equal(cdi[1].level, "warn");
  assert.ok(cdi[1].detail.startsWith(`CDI spec ${BROKEN} is skipped`), cdi[1].detail);
});
