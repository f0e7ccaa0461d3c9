/**
 * The gateway in the Kubernetes export: a route-only Deployment + Service + routing table, and
 * what only one host does (moved from kube_test.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ConfigMap as IConfigMap, Deployment as IDeployment, Service as IService } from "./types.ts";
import { DEFAULT_GATEWAY_IMAGE } from "./gateway.ts";
import { parseRoutes } from "../gateway/routes.ts";
import { warningLine } from "../warnings.ts";
import { exportRig } from "./_export_rig.ts";

const { exp, lines, refuses } = exportRig(Deno.readTextFileSync);

Deno.test("the gateway: a route-only Deployment + Service + routing table, warnings for what only one host does", () => {
  const toml = `[gateway]
listen = "127.0.0.1:4000"
api_key_file = "/home/u/.config/lychd/gateway.key"
queue_timeout = "90s"
default = "qwen"
[soulstones.vllm]
image = "x"
ports = ["127.0.0.1:8001:8000"]
models = ["qwen2.5-7b", "qwen"]
served_name = "Qwen/Qwen2.5-7B-Instruct"
idle_stop = "15m"
[soulstones.tei]
image = "y"
ports = ["127.0.0.1:8002:80"]
models = ["bge-m3"]
pinned = true
autostart = true
[soulstones.other]
image = "z"
`;
  const r = exp(toml, { namespace: "ai" });
  const dep = r.objects.find((o) => o.metadata.name === "lychd-gateway") as IDeployment;
  assert.equal(dep.spec.replicas, 1);
  assert.deepEqual(dep.spec.strategy, { type: "Recreate" });
  const c = dep.spec.template.spec.containers[0];
  assert.equal(c.image, DEFAULT_GATEWAY_IMAGE);
  assert.deepEqual(c.command?.slice(0, 4), ["deno", "run", "--no-config", "--cached-only"]);
  assert.deepEqual(c.command?.slice(4), [
    "--unstable-no-legacy-abort",
    "--allow-net=0.0.0.0:4000,vllm:8000,tei:80",
    "--allow-read=/etc/lychd-gateway,/run/secrets/lychd-gateway-key",
    "/app/gateway_route.ts",
  ]);
  assert.deepEqual(c.readinessProbe?.httpGet, { path: "/health", port: 4000 });
  assert.deepEqual(c.livenessProbe?.httpGet, { path: "/health", port: 4000 });
  const svc = r.objects.find((o) => o.kind === "Service" && o.metadata.name === "gateway") as IService;
  assert.equal(svc.spec.clusterIP, undefined, "a cluster IP, not headless");
  assert.deepEqual(svc.spec.ports, [{ name: "http", port: 4000, targetPort: 4000, protocol: "TCP" }]);
  const cm = r.objects.find((o) => o.metadata.name === "lychd-gateway-routes") as IConfigMap;
  const table = parseRoutes(cm.data["routes.json"], "routes.json");
  assert.deepEqual(table, {
    version: 1,
    prefix: "lychd",
    listen: "0.0.0.0:4000",
    queue_timeout_seconds: 90,
    api_key_file: "/run/secrets/lychd-gateway-key",
    stones: {
      tei: {
        workload: "lychd-soulstone-tei",
        models: ["bge-m3"],
        served_name: "bge-m3",
        upstream: "http://tei:80",
      },
      vllm: {
        workload: "lychd-soulstone-vllm",
        models: ["qwen2.5-7b", "qwen"],
        served_name: "Qwen/Qwen2.5-7B-Instruct",
        upstream: "http://vllm:8000",
      },
    },
  });
  assert.deepEqual(r.secretCommands, [
    "kubectl create secret generic lychd-gateway-key --namespace ai --from-file=value=/home/u/.config/lychd/gateway.key",
  ]);
  assert.deepEqual(lines(r).filter((w) => w.includes("gateway")).map((w) => w.split(":")[0]), [
    "gateway.listen",
    "gateway.default, soulstones.tei.pinned, soulstones.vllm.idle_stop not exported",
    "soulstones.vllm exported at replicas 0 (autostart = false), and nothing on a cluster starts a stone on demand",
    "gateway",
  ]);
  assert.deepEqual(
    r.warnings.filter((w) => w.code.startsWith("kube-gateway-")).map((w) => [w.code, w.path]),
    [
      ["kube-gateway-host-only", "gateway.listen"],
      ["kube-gateway-host-only", ""],
      ["kube-gateway-stone-scaled-down", ""],
      ["kube-gateway-image-default", "gateway"],
    ],
  );
  // The routed stone at replicas 0 (vllm, not autostarted) is named with the command that scales
  // it; tei (autostart = true) runs and is not named.
  const scaled = lines(r).find((w) => w.includes("replicas 0"));
  assert.ok(scaled?.startsWith("soulstones.vllm exported at replicas 0 (autostart = false)"), scaled);
  assert.ok(scaled?.includes("deployment/lychd-soulstone-vllm"), scaled);
  assert.ok(!scaled?.includes("soulstones.tei"), scaled);
  assert.ok(!lines(r).some((w) => w.includes("not exported yet")));
  // --gateway-image: named, and no warning about the default.
  const own = exp(toml, { gatewayImage: "ghcr.io/me/lychd-gateway:1" });
  const c2 = (own.objects.find((o) => o.metadata.name === "lychd-gateway") as IDeployment).spec.template.spec
    .containers[0];
  assert.equal(c2.image, "ghcr.io/me/lychd-gateway:1");
  assert.ok(!lines(own).some((w) => w.startsWith("gateway: the image")));
  // A routing-table change changes the pod template, so apply rolls the gateway.
  const hash = (x: typeof r) =>
    (x.objects.find((o) => o.metadata.name === "lychd-gateway") as IDeployment).spec.template.metadata
      .annotations?.["io.lychd/routes-hash"];
  assert.notEqual(hash(exp(toml.replace('"bge-m3"]', '"bge-m3", "bge"]'))), hash(r));
  assert.equal(hash(exp(toml)), hash(r));
  // Without a gateway: none of it.
  const plain = exp(`[soulstones.s]\nimage = "x"\n`, { gpu: "dra" });
  assert.ok(!plain.objects.some((o) => o.metadata.name.includes("gateway")));
  assert.ok(!lines(plain).some((w) => w.includes("gateway")));
  // … but an image named for a gateway that is not there is said out loud.
  const unused = exp(`[soulstones.s]\nimage = "x"\n`, { gatewayImage: "ghcr.io/me/lychd-gateway:1" });
  assert.deepEqual(
    unused.warnings.filter((w) => w.code === "kube-gateway-image-unused").map(warningLine),
    ["--gateway-image: the Codex has no [gateway]: no object uses the image"],
  );
});

Deno.test("the gateway: pod network routes to the one pod; a service named gateway is refused", () => {
  const r = exp(`[sepulcher]
network = "pod"
[soulstones.vllm]
image = "x"
ports = ["8001:8000"]
models = ["q"]
`);
  const cm = r.objects.find((o) => o.metadata.name === "lychd-gateway-routes") as IConfigMap;
  assert.equal(parseRoutes(cm.data["routes.json"], "r").stones.vllm.workload, "lychd");
  assert.equal(parseRoutes(cm.data["routes.json"], "r").stones.vllm.upstream, "http://vllm:8000");
  refuses(
    () =>
      exp(
        `[soulstones.gateway]\nimage = "x"\nports = ["8001:8000"]\nmodels = ["q"]\n`,
      ),
    "soulstones.gateway",
    /the gateway's Service is named "gateway"/,
  );
  // With network = "pod" the pod's name label is the prefix: "gateway" would put the pod under
  // the gateway's Service too.
  refuses(
    () =>
      exp(
        `[sepulcher]\nname = "gateway"\nnetwork = "pod"\n[soulstones.vllm]\nimage = "x"\nports = ["8001:8000"]\nmodels = ["q"]\n`,
      ),
    "sepulcher.name",
    /the gateway's Service would select the pod too/,
  );
});
