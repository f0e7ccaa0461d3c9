/**
 * What the export's mapping modules share while they build one plan's objects: the options, the
 * warnings in the order they arise, and the objects that services add on the side (ConfigMaps,
 * ResourceClaimTemplates, Secret names, claim users).
 *
 * @module
 */
import type { ConfigMap, ResourceClaimTemplate } from "./types.ts";
import type { Plan } from "../plan/plan.ts";
import type { CdiRegistry } from "../cdi/registry.ts";
import type { GpuMode } from "./gpu.ts";
import type { Warning, WarningCode } from "../warnings.ts";

/** Export options. */
export interface ExportOptions {
  namespace?: string;
  gpu: GpuMode;
  /** Text of each `env_files` path (read through the host seam); a missing file is refused. */
  envFiles: ReadonlyMap<string, string | undefined>;
  /** The gateway's image (`--gateway-image`); default ./gateway.ts's DEFAULT_GATEWAY_IMAGE. */
  gatewayImage?: string;
}

/** The state of one export run. */
export interface Ctx {
  plan: Plan;
  registry: CdiRegistry;
  opts: ExportOptions;
  warnings: Warning[];
  meta: (name: string, extra?: Record<string, string>) => {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
  };
  configMaps: ConfigMap[];
  claimTemplates: ResourceClaimTemplate[];
  secrets: Set<string>;
  /** Volume name → Deployments that mount its claim. */
  pvcUsers: Map<string, string[]>;
}

/**
 * Note a warning on `ctx`, in the order it arises (no de-duplication: each line says something of
 * its own). `path` is the Codex field the line begins with; empty for a line that names its subject.
 */
export function warn(ctx: Ctx, code: WarningCode, path: string, message: string): void {
  ctx.warnings.push({ code, path, message });
}
