/**
 * The part of the Kubernetes API the export writes, as plain types. Written here rather than
 * imported from `kubernetes-models` so that the package (megabytes of generated validators) stays
 * out of lychd's module graph and binary; tests/kube_types_test.ts checks at compile time that
 * every field named here exists in the `kubernetes-models` 5.1.0 interfaces with a compatible type,
 * and tests/kube_schema_test.ts validates the output against its schemas.
 *
 * @module
 */

/** `ObjectMeta` (the fields the export sets). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

/** `EnvVar`. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/** `EnvFromSource`. */
export interface EnvFromSource {
  configMapRef: { name: string };
}

/** `ContainerPort`. */
export interface ContainerPort {
  name: string;
  containerPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
}

/** `VolumeMount`. */
export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

/** `Volume` (the sources the export uses). */
export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  hostPath?: { path: string };
  emptyDir?: { medium?: "Memory"; sizeLimit?: string };
  secret?: { secretName: string };
  configMap?: { name: string };
}

/** `Probe` with an exec action, or an HTTP GET (the gateway's /health). */
export interface Probe {
  exec?: { command: string[] };
  httpGet?: { path: string; port: number };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

/** `ResourceRequirements`. */
export interface ResourceRequirements {
  limits?: Record<string, string>;
  claims?: { name: string }[];
}

/** `SecurityContext`. */
export interface SecurityContext {
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  runAsUser?: number;
  runAsGroup?: number;
}

/** `Container`. */
export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  command?: string[];
  args?: string[];
  envFrom?: EnvFromSource[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  resources?: ResourceRequirements;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: SecurityContext;
}

/** `HostAlias`. */
export interface HostAlias {
  ip: string;
  hostnames: string[];
}

/** `PodResourceClaim`. */
export interface PodResourceClaim {
  name: string;
  resourceClaimTemplateName: string;
}

/** `PodSpec`. */
export interface PodSpec {
  hostNetwork?: boolean;
  dnsPolicy?: "ClusterFirstWithHostNet";
  hostIPC?: boolean;
  hostAliases?: HostAlias[];
  terminationGracePeriodSeconds?: number;
  containers: Container[];
  volumes?: Volume[];
  resourceClaims?: PodResourceClaim[];
}

/** `apps/v1` `Deployment`. */
export interface Deployment {
  apiVersion: "apps/v1";
  kind: "Deployment";
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    strategy?: { type: "Recreate" };
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}

/** `ServicePort`. */
export interface ServicePort {
  name: string;
  port: number;
  targetPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
}

/** `v1` `Service`. */
export interface Service {
  apiVersion: "v1";
  kind: "Service";
  metadata: ObjectMeta;
  /** `clusterIP: "None"` (headless) for every service; the gateway's gets a cluster IP. */
  spec: { clusterIP?: "None"; selector: Record<string, string>; ports?: ServicePort[] };
}

/** `v1` `PersistentVolumeClaim`. */
export interface PersistentVolumeClaim {
  apiVersion: "v1";
  kind: "PersistentVolumeClaim";
  metadata: ObjectMeta;
  spec: { accessModes: "ReadWriteOnce"[]; resources: { requests: { storage: string } } };
}

/** `v1` `ConfigMap`. */
export interface ConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: ObjectMeta;
  data: Record<string, string>;
}

/** A `resource.k8s.io/v1` `DeviceRequest` with an exact request. */
export interface DeviceRequest {
  name: string;
  exactly: {
    deviceClassName: string;
    allocationMode: "All" | "ExactCount";
    count?: number;
    selectors?: { cel: { expression: string } }[];
  };
}

/** `resource.k8s.io/v1` `ResourceClaimTemplate`. */
export interface ResourceClaimTemplate {
  apiVersion: "resource.k8s.io/v1";
  kind: "ResourceClaimTemplate";
  metadata: ObjectMeta;
  spec: { spec: { devices: { requests: DeviceRequest[] } } };
}
