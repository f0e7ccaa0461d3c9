/**
 * Health check → probes (readiness, liveness, and a startup probe for the start period), and the
 * container's securityContext (read-only root, no privilege escalation, capabilities, numeric
 * user). Podman's health defaults: interval 30s, timeout 30s, retries 3.
 *
 * @module
 */
import type { Container as IContainer, Probe as IProbe } from "./types.ts";
import type { Service } from "../codex/model.ts";
import { parseDuration } from "../codex/quantities.ts";
import { KubeError } from "./errors.ts";

type Health = NonNullable<Service["raw"]["health"]>;
type SecurityContext = NonNullable<IContainer["securityContext"]>;

function seconds(v: string | number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const d = parseDuration(v);
  return d.ok ? Math.max(1, Math.ceil(d.value.seconds)) : dflt;
}

/** Sets the container's startup (with a start period), readiness and liveness probes. */
export function applyProbes(c: IContainer, h: Health): void {
  const exec = { command: typeof h.cmd === "string" ? ["/bin/sh", "-c", h.cmd] : [...h.cmd] };
  const period = seconds(h.interval, 30);
  const probe: IProbe = {
    exec,
    periodSeconds: period,
    timeoutSeconds: seconds(h.timeout, 30),
    failureThreshold: h.retries ?? 3,
  };
  if (h.start_period !== undefined) {
    // Failures during the start period do not count: a startup probe holds the others back.
    c.startupProbe = {
      ...probe,
      failureThreshold: Math.ceil(seconds(h.start_period, 0) / period) + (h.retries ?? 3),
    };
  }
  c.readinessProbe = probe;
  c.livenessProbe = { ...probe };
}

/** The container's securityContext (empty when nothing is set). @throws {KubeError} */
export function securityContext(s: Service): SecurityContext {
  const r = s.raw;
  const p = (f: string) => `${s.path}.${f}`;
  const sc: SecurityContext = {};
  if (r.read_only) sc.readOnlyRootFilesystem = true;
  if (s.noNewPrivileges) sc.allowPrivilegeEscalation = false;
  const cap = (x: string) => x.toUpperCase().replace(/^CAP_/, "");
  if (r.cap_add?.length || r.cap_drop?.length) {
    sc.capabilities = {
      ...(r.cap_add?.length ? { add: r.cap_add.map(cap) } : {}),
      ...(r.cap_drop?.length ? { drop: r.cap_drop.map(cap) } : {}),
    };
  }
  if (r.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(r.user);
    if (!m) {
      throw new KubeError(
        p("user"),
        `${JSON.stringify(r.user)} is not numeric, and Kubernetes runs containers as numeric ids only`,
        'write the uid (and gid), e.g. user = "999:999"; Podman takes that form too',
      );
    }
    sc.runAsUser = Number(m[1]);
    if (m[2] !== undefined) sc.runAsGroup = Number(m[2]);
  }
  return sc;
}
