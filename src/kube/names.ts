/**
 * The Kubernetes grammars the export writes to: DNS labels and subdomains, label keys and values,
 * ConfigMap keys, `$(VAR)` escaping, quantities, and the 63-character pod-internal names. One
 * place each, so every mapping module checks a name the same way.
 *
 * @module
 */
import { KubeError } from "./errors.ts";

/** Annotation prefix (the Podman labels use `io.lychd.*`). */
export const ANN = "io.lychd";

/** The key of each Secret that holds a Podman secret's value. */
export const SECRET_KEY = "value";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Kubernetes expands `$(VAR)` in command, args and env values; `$$` stays one `$`. */
export function escapeExpansion(s: string): string {
  return s.replace(/\$(?=[$(])/g, "$$$$");
}

/** A label key and value Kubernetes accepts. */
export function isLabel(key: string, value: string): boolean {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  if (name.length > 63 || !LABEL_NAME.test(name)) return false;
  return value === "" || (value.length <= 63 && LABEL_NAME.test(value));
}

/** MiB as a Kubernetes quantity: `16Gi`, `512Mi`, `300Ki`. */
export function quantity(mib: number): string {
  if (Number.isInteger(mib / 1024)) return `${mib / 1024}Gi`;
  if (Number.isInteger(mib)) return `${mib}Mi`;
  const ki = mib * 1024;
  return Number.isInteger(ki) ? `${ki}Ki` : `${Math.ceil(ki * 1024)}`;
}

/**
 * A pod-internal name (volume, claim) as a DNS label: at most 63 characters. A longer one keeps
 * its first 54 and gets a hash of the whole, so names stay distinct and deterministic.
 */
export function label63(name: string): string {
  if (name.length <= 63) return name;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `${name.slice(0, 54).replace(/-+$/, "")}-${h.toString(16).padStart(8, "0")}`;
}

/** Refuses a name Kubernetes would reject. @throws {KubeError} */
export function checkName(path: string, name: string, what: string, dns1035 = false): void {
  const re = dns1035 ? DNS1035 : DNS_LABEL;
  if (name.length <= 63 && re.test(name)) return;
  throw new KubeError(
    path,
    `${JSON.stringify(name)} is not a valid Kubernetes ${what} name`,
    `Kubernetes names take a-z, 0-9 and "-" (no "_"), at most 63 characters${
      dns1035 ? ", starting with a letter" : ""
    }; rename it in the Codex`,
  );
}

/** The selector labels of a workload (a Deployment and the Services that reach it). */
export function selectorOf(prefix: string, name: string): Record<string, string> {
  return { "app.kubernetes.io/part-of": prefix, "app.kubernetes.io/name": name };
}
