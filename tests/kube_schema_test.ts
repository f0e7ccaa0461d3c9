/**
 * Every object `lychd export kubernetes` writes, for every golden Codex in both GPU modes,
 * validates against the Kubernetes OpenAPI schemas shipped by `kubernetes-models` 5.1.0 (pinned
 * in deno.json; its changelog names Kubernetes 1.36.0 schemas), parses back from the YAML
 * stream, and holds together: labels, selectors and references between objects.
 */
import assert from "node:assert/strict";
import { parseAllDocuments, stringify } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { ResourceClaimTemplate } from "kubernetes-models/resource.k8s.io/v1/ResourceClaimTemplate";
import { goldenCases } from "./lib/golden.ts";
import { exportCase, MODES } from "./lib/kube.ts";
import { toStream } from "../src/kube/emit.ts";
import type { KubeObject } from "../src/kube/objects.ts";
import { isLabel } from "../src/kube/names.ts";
import { parseRoutes } from "../src/gateway/routes.ts";
import type { Deployment as IDeployment } from "../src/kube/types.ts";

// deno-lint-ignore no-explicit-any
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  Deployment,
  Service,
  PersistentVolumeClaim,
  ConfigMap,
  ResourceClaimTemplate,
};

/** Validate one object against its schema; throws with the schema's message. */
function validate(o: KubeObject): void {
  const Model = MODELS[o.kind];
  assert.ok(Model, `no schema for kind ${o.kind}`);
  new Model(structuredClone(o)).validate();
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

for (const c of goldenCases()) {
  for (const mode of MODES) {
    Deno.test(`kube schema ${c.name} ${mode}: every object validates and the objects agree`, () => {
      const { objects } = exportCase(c, mode, "ai");
      assert.ok(objects.length > 0);
      for (const o of objects) {
        const what = `${o.kind}/${o.metadata?.name}`;
        try {
          validate(o);
        } catch (e) {
          assert.fail(`${c.name} ${mode} ${what}: ${(e as Error).message}`);
        }
        const m = o.metadata!;
        assert.ok(m.name && m.name.length <= 253 && DNS_SUBDOMAIN.test(m.name), `${what}: bad name`);
        assert.equal(m.namespace, "ai", `${what}: namespace`);
        assert.equal(m.labels?.["app.kubernetes.io/managed-by"], "lychd", `${what}: managed-by`);
        assert.ok(m.labels?.["app.kubernetes.io/part-of"], `${what}: part-of`);
        for (const [k, v] of Object.entries(m.labels ?? {})) {
          assert.ok(isLabel(k, v), `${what}: label ${k}=${v}`);
        }
      }
      const names = (kind: string) =>
        new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata!.name));
      const pvcs = names("PersistentVolumeClaim");
      const cms = names("ConfigMap");
      const rcts = names("ResourceClaimTemplate");
      const deps = objects.filter((o): o is IDeployment => o.kind === "Deployment");
      for (const d of deps) {
        const tmpl = d.spec!.template.metadata!.labels!;
        for (const [k, v] of Object.entries(d.spec!.selector.matchLabels!)) {
          assert.equal(tmpl[k], v, "selector");
        }
        const pod = d.spec!.template.spec!;
        for (const v of pod.volumes ?? []) {
          if (v.persistentVolumeClaim) assert.ok(pvcs.has(v.persistentVolumeClaim.claimName), "claim exists");
          if (v.configMap) assert.ok(cms.has(v.configMap.name!), "config map volume exists");
        }
        for (const rc of pod.resourceClaims ?? []) {
          assert.ok(rcts.has(rc.resourceClaimTemplateName!), "template");
        }
        for (const ct of pod.containers) {
          for (const ef of ct.envFrom ?? []) assert.ok(cms.has(ef.configMapRef!.name!), "config map exists");
          for (const vm of ct.volumeMounts ?? []) {
            assert.ok(pod.volumes?.some((v) => v.name === vm.name), "mount");
          }
          for (const cl of ct.resources?.claims ?? []) {
            assert.ok(pod.resourceClaims?.some((r) => r.name === cl.name));
          }
        }
        if (mode === "device-plugin") assert.equal(pod.resourceClaims, undefined);
      }
      // Every Service selects exactly one Deployment's pods.
      for (const s of objects.filter((o) => o.kind === "Service")) {
        const sel = (s as { spec: { selector: Record<string, string> } }).spec.selector;
        const hit = deps.filter((d) =>
          Object.entries(sel).every(([k, v]) => d.spec!.template.metadata!.labels![k] === v)
        );
        assert.equal(hit.length, 1, `Service ${s.metadata!.name} selects ${hit.length} Deployments`);
      }
      // The gateway's routing table names Services that exist, on ports the pod may dial.
      const routes = objects.find((o) =>
        o.kind === "ConfigMap" && o.metadata!.name!.endsWith("-gateway-routes")
      );
      assert.equal(
        routes !== undefined,
        /^(\[gateway\]|models\s*=)/m.test(c.codexText),
        "a routing table iff a gateway",
      );
      if (routes) {
        const table = parseRoutes(
          (routes as { data: Record<string, string> }).data["routes.json"],
          "routes.json",
        );
        const gw = deps.find((d) => d.metadata!.name === `${table.prefix}-gateway`)!;
        const allow = gw.spec!.template.spec!.containers[0].command!.find((a) =>
          a.startsWith("--allow-net=")
        )!;
        for (const st of Object.values(table.stones)) {
          const u = new URL(st.upstream);
          assert.ok(names("Service").has(u.hostname), `${u.hostname} is a Service`);
          assert.ok(allow.split(/[=,]/).includes(st.upstream.slice(7)), `${st.upstream} may be dialled`);
          assert.ok(deps.some((d) => d.metadata!.name === st.workload), `${st.workload} is a Deployment`);
        }
      }
      // The stream parses back to the same objects.
      const docs = parseAllDocuments(toStream(objects, "codex.toml", stringify), { version: "1.1" });
      assert.deepEqual(docs.map((d) => d.toJS()), JSON.parse(JSON.stringify(objects)));
    });
  }
}

Deno.test("kube schema: the validator refuses a broken object (the check can fail)", () => {
  const c = goldenCases().find((g) => g.name === "default")!;
  const dep = exportCase(c, "dra").objects.find((o) => o.kind === "Deployment") as IDeployment;
  const bad = structuredClone(dep);
  // deno-lint-ignore no-explicit-any
  (bad.spec!.template.spec!.containers[0] as any).ports = [{ containerPort: "http" }];
  assert.throws(() => validate(bad), /containerPort must be integer/);
  // deno-lint-ignore no-explicit-any
  const noSelector = structuredClone(dep) as any;
  delete noSelector.spec.selector;
  assert.throws(() => validate(noSelector), /selector/);
});
