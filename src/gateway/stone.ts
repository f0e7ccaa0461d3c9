/**
 * One stone's side of the swap engine: its systemd unit (`Units`) and upstream probe (`Probe`),
 * its slot (state, in-flight count, last use), leases that count requests in and out, waiting for
 * a started upstream to answer, draining then stopping it, and `Unavailable` (why a request could
 * not get its model). The queueing lives in `pool.ts`.
 *
 * @module
 */
import type { GatewayStone } from "./config.ts";
import type { Pool } from "./pool.ts";
import { LychdError } from "../errors.ts";

/** A stone's state. */
export type StoneState = "off" | "loading" | "ready" | "draining";

/** Why a request could not get its model. */
export class Unavailable extends LychdError {
  override readonly name: string = "Unavailable";
  constructor(message: string, readonly kind: "timeout" | "refused" | "failed" | "cancelled") {
    super(message);
  }
}

/** The systemd side, as the pool needs it. */
export interface Units {
  /** Start and wait for the start job (active, or healthy); rejects when it fails. */
  start(unit: string, timeoutMs: number): Promise<void>;
  stop(unit: string, timeoutMs: number): Promise<void>;
  /** unit → ActiveState. */
  states(units: string[]): Promise<Record<string, string>>;
}

/** Whether a stone's upstream answers HTTP at all (any status). */
export type Probe = (stone: GatewayStone, signal: AbortSignal) => Promise<boolean>;

/** The probe of both gateways: any HTTP answer from the upstream counts (a 404 on /health is still a server). */
export const httpProbe: Probe = async (stone, signal) => {
  if (!stone.upstream) return true;
  try {
    const r = await fetch(`${stone.upstream}/health`, { signal });
    await r.body?.cancel();
    return true;
  } catch {
    return false;
  }
};

/** A held slot on a ready stone; `release()` once the response ends. */
export interface Lease {
  stone: GatewayStone;
  release(): void;
}

/** A stone's slot in the pool. */
export interface Slot {
  state: StoneState;
  inFlight: number;
  lastUsed: number;
  /** Last use ever (for status); 0 = never. */
  everUsed: number;
  drained?: () => void;
}

/** systemd ActiveStates of a unit that runs (or is about to). */
export const ACTIVE = new Set(["active", "activating", "reloading", "deactivating"]);

/** Count a request in on a ready stone; the lease counts it out once. */
export function lease(pool: Pool, s: GatewayStone): Lease {
  const slot = pool.slots.get(s.name)!;
  slot.inFlight++;
  slot.lastUsed = slot.everUsed = pool.now();
  pool.metrics.inFlight(s.ids[0], slot.inFlight);
  let released = false;
  return {
    stone: s,
    release: () => {
      if (released) return;
      released = true;
      slot.inFlight--;
      slot.lastUsed = slot.everUsed = pool.now();
      pool.metrics.inFlight(s.ids[0], slot.inFlight);
      if (slot.inFlight === 0) slot.drained?.();
    },
  };
}

/** After a start: wait until the upstream answers HTTP, the unit fails, or `deadline`. */
export async function waitUpstream(pool: Pool, s: GatewayStone, deadline: number): Promise<void> {
  if (!s.upstream) return;
  for (let delay = 50;; delay = Math.min(delay * 2, 1000)) {
    if (await pool.probe(s, AbortSignal.timeout(2000)).catch(() => false)) return;
    if (pool.now() > deadline) throw new Error("the upstream never answered HTTP");
    const st = (await pool.units.states([s.unit]))[s.unit];
    if (!ACTIVE.has(st ?? "")) throw new Error(`${s.unit} is ${st} after starting`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Let in-flight requests end (at most `drain_timeout`), then stop the unit. */
export async function drainAndStop(pool: Pool, name: string): Promise<void> {
  const s = pool.cfg.stones.get(name)!;
  const slot = pool.slots.get(name)!;
  slot.state = "draining";
  if (slot.inFlight > 0) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, pool.cfg.drainMs);
      slot.drained = () => {
        clearTimeout(t);
        resolve();
      };
    });
    slot.drained = undefined;
  }
  await pool.units.stop(s.unit, 300_000);
  slot.state = "off";
}
