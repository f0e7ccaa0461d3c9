/**
 * The host side of admission for the CLI (`summon`, `admit`): read the running soulstones from
 * systemd and ask the pure admission function (src/plan/admission.ts).
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import type { Codex } from "../codex/model.ts";
import { makePlan } from "../plan/plan.ts";
import {
  type Admission,
  type AdmissionModel,
  admissionModel,
  admit,
  type RunningStone,
} from "../plan/admission.ts";
import { manager, type Paths, readRegistry } from "./context.ts";

const RUNNING = ["active", "activating", "reloading"];

/** The admission model of a Codex on this host (CDI specs read from `paths.cdiDirs`). */
export async function hostAdmissionModel(host: Host, paths: Paths, codex: Codex): Promise<AdmissionModel> {
  return admissionModel(makePlan(codex, await readRegistry(host, paths.cdiDirs)));
}

/**
 * The running soulstones (active, activating or reloading), least recently started first: the
 * CLI has no request history, so the start time stands in for the last use.
 */
export async function runningStones(
  host: Host,
  paths: Paths,
  codex: Codex,
  except?: string,
): Promise<RunningStone[]> {
  const stones = codex.services.filter((s) => s.role === "soulstone" && s.name !== except);
  if (!stones.length) return [];
  const units = stones.map((s) => `${s.stem}.service`);
  const shown = await manager(host, paths).show(units, ["ActiveState", "ActiveEnterTimestampMonotonic"]);
  return stones.flatMap((s, i) => {
    const st = shown[units[i]];
    return RUNNING.includes(st?.ActiveState ?? "")
      ? [{ name: s.name, lastUsed: Number(st.ActiveEnterTimestampMonotonic || "0") }]
      : [];
  });
}

/** Admission for `want` against what runs now. */
export async function hostAdmit(
  host: Host,
  paths: Paths,
  codex: Codex,
  want: string,
  opts: { noEvict?: boolean } = {},
): Promise<Admission> {
  const model = await hostAdmissionModel(host, paths, codex);
  return admit(model, want, await runningStones(host, paths, codex, want), opts);
}
