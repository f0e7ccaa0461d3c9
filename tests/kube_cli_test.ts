/**
 * `lychd export kubernetes` end to end in-process on the fake host: stdout stream, --out with
 * kustomization.yaml, the ownership rule for DIR, env files read through the host, refusals.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { fakeHost } from "../src/host/_fake.ts";
import { runInProcess } from "./lib/cli.ts";

const CODEX = `version = 1
[services.web]
image = "localhost/busybox:latest"
env_files = ["/etc/lychd/web.env"]
volumes = ["data:/data"]
secrets = ["token"]
ports = ["8080:80"]
`;

function host(codex = CODEX) {
  const h = fakeHost({ env: { HOME: "/home/u" }, cwd: "/home/u" });
  h.fs.put("/home/u/.config/lychd/codex.toml", codex);
  h.fs.put("/etc/lychd/web.env", "GREETING=hello\n");
  return h;
}

const argv = (...more: string[]) => ["export", "kubernetes", "--cdi-dir", "/none", ...more];

Deno.test("export kubernetes: one multi-document stream on stdout, secrets commands on stderr", async () => {
  const h = host();
  const r = await runInProcess(h, argv());
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), [
    "ConfigMap/lychd-web-env-0",
    "PersistentVolumeClaim/lychd-data",
    "Service/web",
    "Deployment/lychd-web",
  ]);
  assert.deepEqual(docs[0].data, { GREETING: "hello" });
  assert.match(r.stderr, /kubectl create secret generic token --from-literal=value=/);
  assert.match(r.stderr, /warning: volumes.data: no size set/);
  const again = await runInProcess(h, argv());
  assert.equal(again.stdout, r.stdout, "same Codex, same bytes");
});

Deno.test("export kubernetes --out: files + kustomization + marker; replaces only its own files", async () => {
  const h = host();
  const r = await runInProcess(h, argv("--out", "k8s", "--namespace", "ai"));
  assert.equal(r.code, 0, r.stderr);
  const dir = "/home/u/k8s";
  const names = (await h.fs.readDir(dir))!;
  assert.deepEqual(names, [
    ".lychd-export",
    "configmap-lychd-web-env-0.yaml",
    "deployment-lychd-web.yaml",
    "kustomization.yaml",
    "persistentvolumeclaim-lychd-data.yaml",
    "service-web.yaml",
  ]);
  assert.match(h.fs.text(`${dir}/kustomization.yaml`)!, /resources:\n {2}- configmap-lychd-web-env-0.yaml\n/);
  assert.match(h.fs.text(`${dir}/service-web.yaml`)!, /namespace: ai/);

  // A second export with fewer objects removes the stale file it wrote before.
  h.fs.put("/home/u/.config/lychd/codex.toml", CODEX.replace('volumes = ["data:/data"]\n', ""));
  assert.equal((await runInProcess(h, argv("--out", "k8s"))).code, 0);
  assert.ok(!(await h.fs.readDir(dir))!.includes("persistentvolumeclaim-lychd-data.yaml"));

  // A file lychd did not write: refuse, write nothing.
  h.fs.put(`${dir}/mine.yaml`, "kind: Secret\n");
  const before = h.fs.text(`${dir}/deployment-lychd-web.yaml`);
  h.fs.put("/home/u/.config/lychd/codex.toml", CODEX);
  const refused = await runInProcess(h, argv("--out", "k8s"));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /holds "mine.yaml", which lychd did not write; nothing was written/);
  assert.equal(h.fs.text(`${dir}/deployment-lychd-web.yaml`), before);
  assert.ok(!(await h.fs.readDir(dir))!.includes("persistentvolumeclaim-lychd-data.yaml"));
});

Deno.test("export kubernetes --out: a non-empty directory without the marker is refused", async () => {
  const h = host();
  h.fs.put("/home/u/k8s/README", "mine\n");
  const r = await runInProcess(h, argv("--out", "/home/u/k8s"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /holds "README", which lychd did not write/);
  assert.deepEqual(await h.fs.readDir("/home/u/k8s"), ["README"]);
});

Deno.test("export: usage errors and one-line Codex refusals", async () => {
  assert.equal((await runInProcess(host(), ["export"])).code, 2);
  assert.equal((await runInProcess(host(), ["export", "nomad"])).code, 2);
  const bad = await runInProcess(host(), argv("--gpu", "magic"));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--gpu "magic" is not a GPU mode/);
  const h = host(CODEX.replace('image = "localhost/busybox:latest"', 'image = "x"\nuser = "postgres"'));
  const r = await runInProcess(h, argv());
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^lychd: \/home\/u\/.config\/lychd\/codex.toml:4:\d+: services.web.user: "postgres" is not numeric/,
  );
  assert.equal(r.stderr.trim().split("\n").length, 1);
  const ns = await runInProcess(host(), argv("--namespace", "Bad_NS"));
  assert.equal(ns.code, 2);
  assert.match(ns.stderr, /--namespace: "Bad_NS" is not a valid Kubernetes namespace name/);
});

Deno.test("export: a missing env file is refused with its field", async () => {
  const h = host();
  await h.fs.remove("/etc/lychd/web.env");
  const r = await runInProcess(h, argv());
  assert.equal(r.code, 1);
  assert.match(r.stderr, /services.web.env_files\[0\]: cannot read \/etc\/lychd\/web.env/);
});

Deno.test("export kubernetes: the host's VRAM-as-a-set note is not printed (every pod has its own GPUs)", async () => {
  // Three stones that fit pairwise on one 24 GiB GPU but not together: on the host, check and bind
  // warn that the admission guard decides; on a cluster the scheduler gives each its own GPU.
  const codex = `version = 1
[gpu.vram_gib]
"nvidia.com/gpu=0" = 24
${
    ["a", "b", "c"].map((n) =>
      `[soulstones.${n}]\nimage = "x"\ndevices = ["nvidia.com/gpu=0"]\nvram_gib = 10\n`
    )
      .join("")
  }`;
  const h = host(codex);
  const checked = await runInProcess(h, ["check", "--cdi-dir", "/none"]);
  assert.match(checked.stderr, /together need 30 GiB/, "the host's check does warn");
  const r = await runInProcess(h, argv("--gpu", "dra"));
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /together need|ExecCondition/);
});
