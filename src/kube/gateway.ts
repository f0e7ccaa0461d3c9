/**
 * The gateway (`[gateway]`, soulstone `models`) → lychd's own gateway in route-only mode
 * (src/gateway/route.ts): a single-replica Deployment `<prefix>-gateway` (`strategy: Recreate`:
 * its queue and in-flight counts live in memory, so two replicas would each hold half), a
 * Service `gateway` with a cluster IP on the gateway's port, a ConfigMap `<prefix>-gateway-routes`
 * holding the routing table (model → `http://<stone>:<container port>`, served_name,
 * queue_timeout, the key file's path), and `api_key_file` as the Secret `<prefix>-gateway-key`
 * (created from the file; the command is printed). Pure.
 *
 * The pod runs `deno run` with the gateway's exact permissions written out: listen on
 * `0.0.0.0:<port>`, dial each upstream `<stone>:<port>`, read the routing table and the key.
 * The image (`--gateway-image`, default `localhost/lychd-gateway:<version>`) is the one
 * Containerfile.gateway builds: deno on PATH and the checkout's gateway at /app.
 *
 * @module
 */
import type { ConfigMap as IConfigMap, Deployment as IDeployment, Service as IService } from "./types.ts";
import { type Ctx, warn } from "./context.ts";
import { KubeError } from "./errors.ts";
import { ANN, SECRET_KEY, selectorOf } from "./names.ts";
import { routesText, type RouteTable } from "../gateway/routes.ts";
import { VERSION } from "../version.ts";

/** The image `lychd export kubernetes` names without `--gateway-image`. */
export const DEFAULT_GATEWAY_IMAGE = `localhost/lychd-gateway:${VERSION}`;

/** Where the image holds the route gateway's entry. */
export const GATEWAY_ENTRY = "/app/gateway_route.ts";

/** Where the pod mounts the routing table. */
export const ROUTES_DIR = "/etc/lychd-gateway";

/** The Service clients in the cluster use: `http://gateway:<port>/v1`. */
export const GATEWAY_SERVICE = "gateway";

/** The gateway's objects and the command that creates its key's Secret. */
export interface GatewayExport {
  configMap: IConfigMap;
  service: IService;
  deployment: IDeployment;
  secretCommand?: string;
}

/** FNV-1a of a text, 8 hex digits: the routing table's hash on the pod, so a change rolls it. */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** Build the gateway's objects, or undefined without a gateway. @throws {KubeError} */
export function gatewayObjects(ctx: Ctx): GatewayExport | undefined {
  const codex = ctx.plan.codex;
  const g = codex.gateway;
  if (!g) {
    if (ctx.opts.gatewayImage !== undefined) {
      warn(
        ctx,
        "kube-gateway-image-unused",
        "--gateway-image",
        "the Codex has no [gateway]: no object uses the image",
      );
    }
    return undefined;
  }
  const prefix = codex.prefix;
  const clash = codex.services.find((s) => s.name === GATEWAY_SERVICE);
  if (clash) {
    throw new KubeError(
      clash.path,
      `the gateway's Service is named "${GATEWAY_SERVICE}", and so would this service's be`,
      "rename the service in the Codex",
    );
  }
  if (codex.network === "pod" && prefix === GATEWAY_SERVICE) {
    // The pod's Deployment is labelled with the prefix as its name (./service.ts).
    throw new KubeError(
      "sepulcher.name",
      `with network = "pod" the pod is labelled app.kubernetes.io/name: ${prefix}, so the gateway's Service would select the pod too`,
      "rename the Sepulcher in the Codex",
    );
  }
  const stones = codex.services.filter((s) => s.role === "soulstone" && s.served);
  if (!stones.length) {
    throw new KubeError(
      "gateway",
      "no soulstone has models: the gateway would serve nothing",
      "add models to a soulstone",
    );
  }
  const name = `${prefix}-gateway`;
  const secretName = `${prefix}-gateway-key`;
  const keyPath = `/run/secrets/${secretName}`;
  const table: RouteTable = {
    version: 1,
    prefix,
    listen: `0.0.0.0:${g.port}`,
    queue_timeout_seconds: g.queueSeconds,
    ...(g.apiKeyFile ? { api_key_file: keyPath } : {}),
    stones: {},
  };
  const dial: string[] = [];
  for (const s of stones) {
    // The first TCP port is the upstream (the Codex checks one exists); on the cluster the
    // stone's Service answers on the container's port.
    const port = s.ports.find((p) => p.proto === "tcp")!.container;
    table.stones[s.name] = {
      workload: codex.network === "pod" ? prefix : s.stem,
      models: s.served!.ids,
      served_name: s.served!.servedName,
      upstream: `http://${s.name}:${port}`,
    };
    dial.push(`${s.name}:${port}`);
  }
  const routes = routesText(table);

  if (g.ip !== "0.0.0.0" && g.ip !== "::") {
    warn(
      ctx,
      "kube-gateway-host-only",
      "gateway.listen",
      `the address ${g.ip} is not exported: the gateway listens on 0.0.0.0:${g.port} in its pod, reached through the Service "${GATEWAY_SERVICE}" (cluster-internal)`,
    );
  }
  const onHost = [
    ...(g.default ? ["gateway.default"] : []),
    ...stones.filter((s) => s.served!.pinned).map((s) => `${s.path}.pinned`),
    ...stones.filter((s) => s.served!.idleSeconds !== undefined).map((s) => `${s.path}.idle_stop`),
  ];
  if (onHost.length) {
    warn(
      ctx,
      "kube-gateway-host-only",
      "",
      `${
        onHost.join(", ")
      } not exported: on a cluster the gateway only routes (each stone has its own GPUs; scale with kubectl scale)`,
    );
  }
  // Nothing starts a stone on demand on a cluster: a routed stone at replicas 0 answers no one.
  const idle = codex.network === "pod"
    ? (codex.services.some((s) => s.autostart) ? [] : stones)
    : stones.filter((s) => !s.autostart);
  if (idle.length) {
    warn(
      ctx,
      "kube-gateway-stone-scaled-down",
      "",
      `${
        idle.map((s) => s.path).join(", ")
      } exported at replicas 0 (autostart = false), and nothing on a cluster starts a stone on demand: the gateway's requests for ${
        idle.length === 1 ? "its" : "their"
      } models wait, then get 503, until you scale ${
        codex.network === "pod"
          ? `deployment/${prefix}`
          : idle.length === 1
          ? `deployment/${idle[0].stem}`
          : "them"
      } to 1 (kubectl scale --replicas=1) or set autostart = true`,
    );
  }
  if (ctx.opts.gatewayImage === undefined) {
    warn(
      ctx,
      "kube-gateway-image-default",
      "gateway",
      `the image ${DEFAULT_GATEWAY_IMAGE} is built from Containerfile.gateway (docs/kubernetes.md); push it where the cluster pulls from and pass --gateway-image REF`,
    );
  }

  const selector = selectorOf(prefix, GATEWAY_SERVICE);
  const metaLabels = { "app.kubernetes.io/name": GATEWAY_SERVICE, "app.kubernetes.io/component": "gateway" };
  const configMap: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: ctx.meta(`${name}-routes`, metaLabels),
    data: { "routes.json": routes },
  };
  const service: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: ctx.meta(GATEWAY_SERVICE, metaLabels),
    spec: { selector, ports: [{ name: "http", port: g.port, targetPort: g.port, protocol: "TCP" }] },
  };
  const reads = [ROUTES_DIR, ...(g.apiKeyFile ? [keyPath] : [])];
  const probe = {
    httpGet: { path: "/health", port: g.port },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
  const meta = ctx.meta(name, metaLabels);
  const deployment: IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      ...meta,
      annotations: {
        [`${ANN}/description`]:
          "lychd's gateway, route-only: one OpenAI endpoint routing by model to the soulstones' Services. Single replica: its queues live in memory",
      },
    },
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...meta.labels }, annotations: { [`${ANN}/routes-hash`]: fnv(routes) } },
        spec: {
          containers: [{
            name: "gateway",
            image: ctx.opts.gatewayImage ?? DEFAULT_GATEWAY_IMAGE,
            command: [
              "deno",
              "run",
              "--no-config",
              "--cached-only",
              // request.signal aborts when the client goes, not also after a response (deno.json's
              // "unstable" for a checkout; here there is no config).
              "--unstable-no-legacy-abort",
              `--allow-net=0.0.0.0:${g.port},${dial.join(",")}`,
              `--allow-read=${reads.join(",")}`,
              GATEWAY_ENTRY,
            ],
            args: ["--routes", `${ROUTES_DIR}/routes.json`],
            ports: [{ name: "http", containerPort: g.port, protocol: "TCP" }],
            volumeMounts: [
              { name: "routes", mountPath: ROUTES_DIR, readOnly: true },
              ...(g.apiKeyFile
                ? [{ name: "key", mountPath: keyPath, subPath: SECRET_KEY, readOnly: true }]
                : []),
            ],
            readinessProbe: probe,
            livenessProbe: probe,
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          }],
          volumes: [
            { name: "routes", configMap: { name: configMap.metadata.name } },
            ...(g.apiKeyFile ? [{ name: "key", secret: { secretName } }] : []),
          ],
        },
      },
    },
  };
  const ns = ctx.opts.namespace ? ` --namespace ${ctx.opts.namespace}` : "";
  return {
    configMap,
    service,
    deployment,
    ...(g.apiKeyFile
      ? {
        secretCommand:
          `kubectl create secret generic ${secretName}${ns} --from-file=${SECRET_KEY}=${g.apiKeyFile}`,
      }
      : {}),
  };
}
