/**
 * The Kubernetes export of a Codex: services, warnings, volumes, secrets, env files, GPUs,
 * replicas. The gateway's tests are in gateway_test.ts, the naming rules' in names_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EnvFileError, parseEnvFile } from "./envfile.ts";
import { loadCodex } from "../codex/load.ts";
import type { Deployment as IDeployment } from "./types.ts";
import { exportRig } from "./_export_rig.ts";

const { SPEC, TOPO, registry, exp, lines, container, refuses } = exportRig(Deno.readTextFileSync);

Deno.test("parseEnvFile: Podman's format, values verbatim; a bare name is refused", () => {
  assert.deepEqual(parseEnvFile('# c\n\n  A=1\nB="q" x\nA=2\nC=a=b\r\n'), [["B", '"q" x'], ["A", "2"], [
    "C",
    "a=b",
  ]]);
  assert.throws(() => parseEnvFile("A=1\nHOME\n"), (e) => e instanceof EnvFileError && e.line === 2);
});

Deno.test("a service: command/args escaped, env, probes, limits, security context, labels", () => {
  const r = exp(`
[services.web]
image = "localhost/busybox:latest"
entrypoint = ["/bin/sh", "-c"]
command = ["echo $(hostname) $$"]
env = { A = "x$(y)" }
memory = "1.5g"
cpus = 0.5
read_only = true
cap_add = ["CAP_NET_ADMIN"]
cap_drop = ["all"]
user = "1000:100"
shm_size = "64m"
labels = { tier = "web", "bad key" = "v" }
health = { cmd = ["wget", "-q", "http://localhost"], interval = "5s", retries = 2, start_period = "1m" }
`);
  const c = container(r, "web");
  assert.deepEqual(c.command, ["/bin/sh", "-c"]);
  assert.deepEqual(c.args, ["echo $$(hostname) $$$"]);
  assert.deepEqual(c.env, [{ name: "A", value: "x$$(y)" }]);
  assert.deepEqual(c.resources?.limits, { memory: "1536Mi", cpu: "500m" });
  assert.deepEqual(c.securityContext, {
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
    runAsUser: 1000,
    runAsGroup: 100,
  });
  assert.deepEqual(c.readinessProbe, {
    exec: { command: ["wget", "-q", "http://localhost"] },
    periodSeconds: 5,
    timeoutSeconds: 30,
    failureThreshold: 2,
  });
  assert.equal(c.startupProbe?.failureThreshold, 12 + 2);
  assert.ok(c.volumeMounts?.some((m) => m.mountPath === "/dev/shm"));
  const d = r.objects.find((o) => o.kind === "Deployment") as IDeployment;
  assert.equal(d.metadata?.labels?.tier, "web");
  assert.equal(d.spec?.template.metadata?.annotations?.["bad key"], "v");
  assert.ok(lines(r).some((w) => w.includes("services.web.labels.bad key")));
  assert.equal(d.spec?.strategy, undefined, "no named volume, not a soulstone: rolling update");
});

Deno.test("warnings are structured: a code per kind, the Codex field path, the line as before", () => {
  const r = exp(`[services.web]
image = "x"
env = { URL = "http://host.containers.internal:4000/v1" }
devices = ["/dev/fuse"]
ipc = "host"
add_hosts = ["h:host-gateway"]
labels = { "bad key" = "v" }
restart = "no"
volumes = ["cache:/cache", "/srv/x:/x:ro,U"]
ports = ["8080:80"]
requires = ["db"]
[services.db]
image = "y"
volumes = ["cache:/c"]
`);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.path]), [
    ["kube-podman-host-named", "services.web.env.URL"],
    ["kube-field-dropped", "services.web.volumes[1]"],
    ["kube-pins-node", "services.web.volumes[1]"],
    ["kube-field-dropped", "services.web.devices"],
    ["kube-field-approximated", "services.web.ipc"],
    ["kube-field-dropped", "services.web.add_hosts[0]"],
    ["kube-field-approximated", "services.web.labels.bad key"],
    ["kube-field-dropped", "services.web.restart"],
    ["kube-volume-size-default", "volumes.cache"],
    ["kube-pins-node", "volumes.cache"],
    ["kube-host-behaviour-dropped", ""],
    ["kube-host-behaviour-dropped", ""],
  ]);
  // The printed line is PATH: MESSAGE, the words unchanged; a summary line has no path.
  assert.equal(
    lines(r)[3],
    "services.web.devices: /dev/fuse is not exported (a Kubernetes device plugin hands out host devices)",
  );
  assert.ok(lines(r)[10].startsWith("requires/wants/after (services.web) are not exported"));
  assert.ok(r.warnings.every((w) => !w.hint && !w.message.startsWith(":")));
});

Deno.test("a named user is refused; names with _ are refused", () => {
  refuses(() => exp(`[services.db]\nimage = "x"\nuser = "postgres"\n`), "services.db.user", /not numeric/);
  refuses(
    () => exp(`[services.my_db]\nimage = "x"\n`),
    "services.my_db",
    /not a valid Kubernetes Service name/,
  );
});

Deno.test("volumes: PVC with [volumes] size or the default, hostPath warns, Recreate", () => {
  const r = exp(`
[volumes.data]
size = "50Gi"
[services.db]
image = "x"
volumes = ["data:/var/lib/db", "cache:/cache", "/srv/x:/x:ro,U"]
`);
  const pvc = (n: string) =>
    r.objects.find((o) => o.kind === "PersistentVolumeClaim" && o.metadata?.name === n);
  // deno-lint-ignore no-explicit-any
  assert.equal((pvc("lychd-data") as any).spec.resources.requests.storage, "50Gi");
  // deno-lint-ignore no-explicit-any
  assert.equal((pvc("lychd-cache") as any).spec.resources.requests.storage, "10Gi");
  assert.ok(lines(r).some((w) => w.startsWith("volumes.cache: no size set")));
  assert.ok(lines(r).some((w) => w.includes("host path /srv/x becomes a hostPath")));
  assert.ok(lines(r).some((w) => w.includes("mount options U")));
  const d = r.objects.find((o) => o.kind === "Deployment") as IDeployment;
  assert.equal(d.spec?.strategy?.type, "Recreate");
  assert.deepEqual(d.spec?.template.spec?.containers[0].volumeMounts?.[2], {
    name: "host-2",
    mountPath: "/x",
    readOnly: true,
  });
});

Deno.test("[volumes.NAME] must name a mounted volume, and size must be a quantity", () => {
  assert.throws(
    () =>
      loadCodex(
        `version = 1\n[volumes.dta]\nsize = "1Gi"\n[services.a]\nimage = "x"\nvolumes = ["data:/d"]\n`,
        "c",
      ),
    /no service mounts a named volume "dta".*did you mean "data"/,
  );
  assert.throws(
    () =>
      loadCodex(
        `version = 1\n[volumes.data]\nsize = "1GB"\n[services.a]\nimage = "x"\nvolumes = ["data:/d"]\n`,
        "c",
      ),
    /not a volume size/,
  );
});

Deno.test("secrets: env → secretKeyRef, mount → secret volume at /run/secrets; commands listed", () => {
  const r = exp(
    `
[services.db]
image = "x"
secrets = [{ name = "pw", type = "env", target = "PGPASS" }, "tls", { name = "key", target = "/etc/key" }]
`,
    { namespace: "ai" },
  );
  const c = container(r, "db");
  assert.deepEqual(c.env, [{ name: "PGPASS", valueFrom: { secretKeyRef: { name: "pw", key: "value" } } }]);
  assert.deepEqual(c.volumeMounts?.map((m) => m.mountPath), ["/run/secrets/tls", "/etc/key"]);
  assert.equal(r.secretCommands.length, 3);
  assert.match(
    r.secretCommands[0],
    /^kubectl create secret generic key --namespace ai --from-literal=value=/,
  );
});

Deno.test("env_files become ConfigMaps read at export; an unreadable or bad file is refused", () => {
  const toml = `[services.a]\nimage = "x"\nenv_files = ["/etc/a.env"]\nenv = { B = "2" }\n`;
  const r = exp(toml, { envFiles: new Map([["/etc/a.env", "A=1\n"]]) });
  const cm = r.objects.find((o) => o.kind === "ConfigMap");
  // deno-lint-ignore no-explicit-any
  assert.deepEqual((cm as any).data, { A: "1" });
  assert.deepEqual(container(r, "a").envFrom, [{ configMapRef: { name: "lychd-a-env-0" } }]);
  refuses(() => exp(toml), "services.a.env_files[0]", /cannot read/);
  refuses(
    () => exp(toml, { envFiles: new Map([["/etc/a.env", "A=1\nHOME\n"]]) }),
    "services.a.env_files[0]",
    /a.env:2:/,
  );
});

Deno.test("GPUs, device plugin: counts distinct physical GPUs from the CDI specs", () => {
  const stone = (devs: string) => `[soulstones.s]\nimage = "x"\ndevices = [${devs}]\n`;
  const lim = (devs: string, reg = registry(SPEC)) =>
    container(exp(stone(devs), {}, reg), "s").resources?.limits;
  assert.deepEqual(lim(`"nvidia.com/gpu=all"`), { "nvidia.com/gpu": "2" });
  assert.deepEqual(lim(`"nvidia.com/gpu=0"`), { "nvidia.com/gpu": "1" });
  assert.deepEqual(lim(`"nvidia.com/gpu=0", "nvidia.com/gpu=1"`), { "nvidia.com/gpu": "2" });
  // =0 and its UUID are one GPU.
  assert.deepEqual(
    lim(`"nvidia.com/gpu=0", "nvidia.com/gpu=GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c"`, registry(TOPO)),
    { "nvidia.com/gpu": "1" },
  );
  // Without a spec, `all` has no count; DRA needs none.
  refuses(
    () => exp(stone(`"nvidia.com/gpu=all"`), {}, registry()),
    "soulstones.s.devices[0]",
    /needs a count/,
  );
  const dra = exp(stone(`"nvidia.com/gpu=all"`), { gpu: "dra" }, registry());
  // deno-lint-ignore no-explicit-any
  const rct = dra.objects.find((o) => o.kind === "ResourceClaimTemplate") as any;
  assert.deepEqual(rct.spec.spec.devices.requests, [{
    name: "nvidia-gpus",
    exactly: { deviceClassName: "gpu.nvidia.com", allocationMode: "All" },
  }]);
  assert.deepEqual(container(dra, "s").resources, { claims: [{ name: "gpu" }] });
});

Deno.test("GPUs: MIG slices need [gpu.mig_profiles]; AMD and Intel map to their plugins", () => {
  const mig = `[soulstones.s]\nimage = "x"\ndevices = ["nvidia.com/gpu=0:1"]\n`;
  refuses(() => exp(mig, {}, registry(TOPO)), "soulstones.s.devices[0]", /MIG slice/);
  const r = exp(`[gpu.mig_profiles]\n"nvidia.com/gpu=0:1" = "3g.20gb"\n${mig}`, {}, registry(TOPO));
  assert.deepEqual(container(r, "s").resources?.limits, { "nvidia.com/mig-3g.20gb": "1" });
  assert.deepEqual(lines(r).filter((w) => w.startsWith("gpu.mig_profiles")), []);
  const stray = exp(
    `[gpu.mig_profiles]\n"nvidia.com/gpu=0" = "1g.10gb"\n"nvidia.com/gpu=0:0" = "1g.10gb"\n"nvidia.com/gpu=0:1" = "3g.20gb"\n${mig}`,
    {
      gpu: "dra",
    },
    registry(TOPO),
  );
  assert.ok(lines(stray).some((w) => w.includes("nvidia.com/gpu=0 is a whole GPU, not a MIG slice")));
  assert.ok(lines(stray).some((w) => w.includes("no soulstone claims nvidia.com/gpu=0:0")));
  assert.deepEqual(stray.warnings.filter((w) => w.path.startsWith("gpu.")).map((w) => [w.code, w.path]), [
    ["kube-mig-profile-unused", 'gpu.mig_profiles."nvidia.com/gpu=0"'],
    ["kube-mig-profile-unused", 'gpu.mig_profiles."nvidia.com/gpu=0:0"'],
  ]);
  assert.throws(
    () => loadCodex(`version = 1\n[gpu.mig_profiles]\n"nvidia.com/gpu=0:1" = "big"\n`, "c"),
    /not a MIG profile/,
  );
  const amd = exp(
    `[soulstones.s]\nimage = "x"\ndevices = ["amd.com/gpu=0", "intel.com/gpu=1"]\n`,
    {},
    registry(),
  );
  assert.deepEqual(container(amd, "s").resources?.limits, { "amd.com/gpu": "1", "gpu.intel.com/i915": "1" });
  refuses(
    () => exp(`[soulstones.s]\nimage = "x"\ndevices = ["example.com/fpga=0"]\n`, {}, registry()),
    "soulstones.s.devices[0]",
    /no Kubernetes device plugin/,
  );
});

Deno.test("autostart = false → replicas 0 with an annotation; pod network → one Deployment", () => {
  const r = exp(`[services.a]\nimage = "x"\nautostart = false\n`);
  const d = r.objects.find((o) => o.kind === "Deployment") as IDeployment;
  assert.equal(d.spec?.replicas, 0);
  assert.equal(d.metadata?.annotations?.["io.lychd/autostart"], "false");
  const p = exp(
    `[sepulcher]\nnetwork = "pod"\n[services.a]\nimage = "x"\n[services.b]\nimage = "y"\nautostart = false\n`,
  );
  const deps = p.objects.filter((o) => o.kind === "Deployment") as IDeployment[];
  assert.equal(deps.length, 1);
  assert.deepEqual(deps[0].spec?.template.spec?.containers.map((c) => c.name), ["a", "b"]);
  assert.ok(lines(p).some((w) => w.includes("services.b (autostart = false) will run with the others")));
  assert.equal(p.objects.filter((o) => o.kind === "Service").length, 2);
});

Deno.test("env naming the Podman host is exported as written, with a warning naming the field", () => {
  const r = exp(`[vessel]
image = "x"
env = { URL = "http://host.containers.internal:4000/v1", PLAIN = "http://vllm:8000/v1" }
`);
  assert.equal(
    container(r, "vessel").env?.find((e) => e.name === "URL")?.value,
    "http://host.containers.internal:4000/v1",
  );
  assert.deepEqual(lines(r).filter((w) => w.includes("Podman host")).map((w) => w.split(":")[0]), [
    "vessel.env.URL",
  ]);
});
