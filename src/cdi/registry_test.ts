import assert from "node:assert/strict";
import { warningLine } from "../warnings.ts";
import { parse as parseYaml } from "yaml";
import { CdiRegistry, ignoredSpecFiles, selectSpecFiles } from "./registry.ts";

const FIXTURES = new URL("../../tests/fixtures/cdi/", import.meta.url).pathname;

/** What the host layer does: each dir in order, filtered and sorted by selectSpecFiles(). */
async function readDirs(dirs: string[]): Promise<{ path: string; text: string; priority: number }[]> {
  const files: { path: string; text: string; priority: number }[] = [];
  for (const [priority, dir] of dirs.entries()) {
    const entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
    for (const path of selectSpecFiles(dir, entries)) {
      files.push({ path, text: await Deno.readTextFile(path), priority });
    }
  }
  return files;
}

Deno.test("selectSpecFiles() keeps *.json and *.yaml files, sorted, and drops the rest", () => {
  assert.deepEqual(
    selectSpecFiles("/etc/cdi/", [
      "z.yaml",
      "b.json",
      "a.yml",
      { name: "dir.yaml", isDirectory: true },
      { name: "a.yaml", isDirectory: false },
      "README",
      ".json",
      "x.JSON",
      "B.yaml",
    ]),
    ["/etc/cdi/.json", "/etc/cdi/B.yaml", "/etc/cdi/a.yaml", "/etc/cdi/b.json", "/etc/cdi/z.yaml"],
  );
  assert.deepEqual(ignoredSpecFiles("/etc/cdi", ["a.yml", "b.yaml", { name: "d.yml", isDirectory: true }]), [
    "/etc/cdi/a.yml",
  ]);
  assert.deepEqual(selectSpecFiles("/", ["a.json"]), ["/a.json"]);
});

Deno.test("CdiRegistry.fromSpecs(, parseYaml) lets a later directory redefine a device, ignoring .yml and subdirectories", async () => {
  const files = await readDirs([`${FIXTURES}etc`, `${FIXTURES}run`]);
  assert.deepEqual(files.map((f) => f.path.slice(FIXTURES.length)), [
    "etc/nvidia.yaml",
    "run/nvidia.json",
    "run/vendor-fpga.yaml",
  ]);
  const reg = CdiRegistry.fromSpecs(files, parseYaml);
  assert.deepEqual(reg.kinds(), ["example.com/fpga", "nvidia.com/gpu"]);
  assert.deepEqual(reg.knownNames("nvidia.com/gpu"), [
    "0",
    "1",
    "GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a",
    "all",
  ]);
  assert.equal(reg.device("nvidia.com/gpu=7"), undefined, ".yml file was read");
  assert.equal(reg.device("nvidia.com/gpu=9"), undefined, "subdirectory was read");
  const one = reg.device("nvidia.com/gpu=1");
  assert.ok(one);
  assert.equal(one.specPath, `${FIXTURES}run/nvidia.json`);
  assert.deepEqual(one.nodes, ["/run/nvidia/driver/dev/nvidia1"]);
  assert.equal(reg.device("nvidia.com/gpu=0")?.specPath, `${FIXTURES}etc/nvidia.yaml`);
  assert.deepEqual(reg.shadowed, [
    { qualified: "nvidia.com/gpu=1", path: `${FIXTURES}etc/nvidia.yaml`, by: `${FIXTURES}run/nvidia.json` },
  ]);
  assert.deepEqual(reg.specPaths("nvidia.com/gpu"), [
    `${FIXTURES}etc/nvidia.yaml`,
    `${FIXTURES}run/nvidia.json`,
  ]);
  assert.deepEqual(reg.resolve("example.com/fpga=card1"), {
    ok: true,
    device: reg.device("example.com/fpga=card1"),
    nodes: ["/dev/fpga1"],
  });
});

Deno.test("CdiRegistry.fromSpecs(, parseYaml) skips a spec that fails to load and names it, as the library does", () => {
  const reg = CdiRegistry.fromSpecs([
    {
      path: "/etc/cdi/a.json",
      text:
        '{"cdiVersion":"0.6.0","kind":"a.com/b","devices":[{"name":"x","containerEdits":{"env":["A=1"]}}]}',
    },
    { path: "/etc/cdi/b.yaml", text: "cdiVersion: [" },
    { path: "/etc/cdi/c.json", text: '{"cdiVersion": "0.6.0", "kind": "c.com/gpu", "devices": [' },
  ], parseYaml);
  assert.deepEqual(reg.kinds(), ["a.com/b"]);
  assert.deepEqual(reg.failures.map((f) => [f.path, f.kind]), [
    ["/etc/cdi/b.yaml", undefined],
    ["/etc/cdi/c.json", "c.com/gpu"],
  ]);
  const w = reg.warnings().map(warningLine);
  assert.equal(w.length, 2);
  assert.match(w[0], /^CDI spec \/etc\/cdi\/b.yaml is skipped \(podman skips it too\): is not valid YAML: /);
  // A kind only the broken spec declares: refused, naming the file and why.
  const r = reg.resolve("c.com/gpu=0");
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.reason === "broken-spec", JSON.stringify(r));
  assert.ok(!r.ok && r.message.includes("/etc/cdi/c.json (is not valid JSON"), !r.ok ? r.message : "");
  // A kind nobody declares: only a warning (the host may gain a spec later).
  const none = reg.resolve("d.com/gpu=0");
  assert.ok(!none.ok && none.reason === "no-spec");
  assert.ok(
    !none.ok && none.message.endsWith("; /etc/cdi/b.yaml fails to load, kind unknown"),
    JSON.stringify(none),
  );
});

Deno.test("CdiRegistry.fromSpecs(, parseYaml) drops a device two files of one directory define, and reports overrides", () => {
  const spec = (nodes: string[]) =>
    JSON.stringify({
      cdiVersion: "0.6.0",
      kind: "nvidia.com/gpu",
      devices: [
        { name: "all", containerEdits: { deviceNodes: nodes.map((path) => ({ path })) } },
        { name: nodes[0].slice(-1), containerEdits: { deviceNodes: [{ path: nodes[0] }] } },
      ],
    });
  const files = [
    { path: "/etc/cdi/nvidia.json", text: spec(["/dev/nvidia0"]), priority: 0 },
    { path: "/etc/cdi/nvidia.yaml", text: spec(["/dev/nvidia1"]), priority: 0 },
    { path: "/var/run/cdi/nvidia.json", text: spec(["/dev/nvidia0"]), priority: 1 },
  ];
  const reg = CdiRegistry.fromSpecs(files, parseYaml, { ignored: ["/etc/cdi/nvidia.yml"] });
  // `all` conflicts in /etc/cdi; the later directory's definition does not save it (cache.go).
  assert.deepEqual(reg.conflicts, [
    { qualified: "nvidia.com/gpu=all", paths: ["/etc/cdi/nvidia.json", "/etc/cdi/nvidia.yaml"] },
  ]);
  assert.equal(reg.device("nvidia.com/gpu=all"), undefined);
  assert.deepEqual(reg.knownNames("nvidia.com/gpu"), ["0", "1"]);
  assert.equal(reg.device("nvidia.com/gpu=0")?.specPath, "/var/run/cdi/nvidia.json");
  assert.deepEqual(reg.shadowed.map((s) => [s.qualified, s.path, s.by]), [
    ["nvidia.com/gpu=0", "/etc/cdi/nvidia.json", "/var/run/cdi/nvidia.json"],
  ]);
  const r = reg.resolve("nvidia.com/gpu=all");
  assert.ok(!r.ok && r.reason === "conflict", JSON.stringify(r));
  assert.ok(!r.ok && r.message.includes("/etc/cdi/nvidia.json and /etc/cdi/nvidia.yaml"));
  assert.deepEqual(reg.warnings().map(warningLine), [
    'CDI device "nvidia.com/gpu=all" is defined by both /etc/cdi/nvidia.json and /etc/cdi/nvidia.yaml: ' +
    "the CDI library drops it as a conflict, so podman cannot use it until one definition goes",
    'CDI spec /var/run/cdi/nvidia.json overrides a device of /etc/cdi/nvidia.json ("nvidia.com/gpu=0"): ' +
    "a later CDI directory wins",
    "/etc/cdi/nvidia.yml is not read: CDI reads only *.json and *.yaml spec files (rename it to /etc/cdi/nvidia.yaml)",
  ]);
});
