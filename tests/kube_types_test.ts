/**
 * Compile-time proof that src/kube/types.ts (the export's own Kubernetes types, kept out of the
 * binary's module graph) names only fields that exist in the `kubernetes-models` 5.1.0 interfaces,
 * with assignable types, at every depth. `deno check` of this file fails otherwise; the
 * `@ts-expect-error` lines prove the check can fail.
 */
import assert from "node:assert/strict";
import type * as Local from "../src/kube/types.ts";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IService } from "kubernetes-models/v1/Service";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IResourceClaimTemplate } from "kubernetes-models/resource.k8s.io/v1/ResourceClaimTemplate";

/** Every key of L, at every depth, is a key of O. */
type NoExtraKeys<L, O> = [L] extends [readonly (infer LE)[]]
  ? ([O] extends [readonly (infer OE)[]] ? NoExtraKeys<LE, OE> : false)
  : [L] extends [object] ? (
      [Exclude<keyof L, keyof NonNullable<O>>] extends [never] ? ({
          [K in keyof L]-?: NoExtraKeys<
            NonNullable<L[K]>,
            NonNullable<NonNullable<O>[K & keyof NonNullable<O>]>
          >;
        }[
          keyof L
        ] extends true ? true : false)
        : false
    )
  : true;

/** L is assignable to O and names nothing O lacks. */
type Conforms<L, O> = [L] extends [O] ? NoExtraKeys<L, O> : false;

const checks: true[] = [
  true as Conforms<Local.Deployment, IDeployment>,
  true as Conforms<Local.Service, IService>,
  true as Conforms<Local.PersistentVolumeClaim, IPersistentVolumeClaim>,
  true as Conforms<Local.ConfigMap, IConfigMap>,
  true as Conforms<Local.ResourceClaimTemplate, IResourceClaimTemplate>,
];

// The check can fail: a misspelt field deep inside, and a wrong type.
type Typo = Local.Deployment & { spec: { template: { spec: { containers: { imagePulPolicy: string }[] } } } };
// @ts-expect-error imagePulPolicy is not a Container field
const typo: true = true as Conforms<Typo, IDeployment>;
// @ts-expect-error replicas is a number
const wrongType: true = true as Conforms<
  Omit<Local.Deployment, "spec"> & { spec: { replicas: string } },
  IDeployment
>;

Deno.test("src/kube/types.ts conforms to kubernetes-models (checked by the type checker)", () => {
  assert.equal(checks.length, 5);
  assert.ok(typo && wrongType);
});
