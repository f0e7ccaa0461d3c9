/**
 * The swap engine: which stone runs, who waits, what is drained and stopped. One FIFO per queue
 * group (stones sharing a device): swaps happen in the order of each model's first waiting
 * request, and once a stone is ready every request waiting for it goes through together. A
 * request for a ready stone with nobody waiting in its group goes straight through. Every systemd
 * effect goes through `Units` (./stone.ts; ./main.ts's `systemdUnits` over the systemctl wrapper
 * of the host seam, or on a cluster ./route.ts's `scheduledUnits`); readiness = the unit is
 * active (healthy, with `Notify=healthy`) AND the upstream answers HTTP (`probe`).
 *
 * @module
 */
import { admit } from "../plan/admission.ts";
import type { GatewayConfig, GatewayStone } from "./config.ts";
import type { Metrics } from "./metrics.ts";
import {
  ACTIVE,
  drainAndStop,
  type Lease,
  lease,
  type Probe,
  type Slot,
  Unavailable,
  type Units,
  waitUpstream,
} from "./stone.ts";

interface Job {
  kind: "acquire" | "stop" | "preload";
  stone: string;
  resolve: (lease?: Lease) => void;
  reject: (e: Error) => void;
  done: boolean;
}

/** The pool. */
export class Pool {
  readonly slots = new Map<string, Slot>();
  readonly #queues = new Map<string, Job[]>();
  readonly #pumping = new Set<string>();
  #timer?: ReturnType<typeof setInterval>;

  constructor(
    readonly cfg: GatewayConfig,
    readonly units: Units,
    readonly probe: Probe,
    readonly metrics: Metrics,
    readonly now: () => number = Date.now,
  ) {
    for (const s of cfg.stones.values()) {
      this.slots.set(s.name, { state: "off", inFlight: 0, lastUsed: 0, everUsed: 0 });
    }
  }

  /** Learn which stones already run (a restarted gateway adopts them), then watch idle times. */
  async init(opts: { idleEveryMs?: number } = {}): Promise<void> {
    await this.#refresh([...this.cfg.stones.keys()]);
    for (const [name, slot] of this.slots) {
      if (slot.state !== "off") slot.lastUsed = this.now();
      const s = this.cfg.stones.get(name)!;
      // Running and answering: adopted as ready. Running but silent: "loading"; the first request
      // for it waits until it answers (starting an active unit is a no-op).
      if (
        slot.state !== "off" && s.upstream &&
        await this.probe(s, AbortSignal.timeout(2000)).catch(() => false)
      ) {
        slot.state = "ready";
      }
    }
    const every = opts.idleEveryMs ?? 1000;
    if (every > 0) {
      const t = setInterval(() => void this.idleCheck().catch(() => {}), every);
      Deno.unrefTimer(t);
      this.#timer = t;
    }
  }

  /** Stop the idle timer (tests, shutdown). */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** Requests waiting in a group. */
  queued(group: string): number {
    return (this.#queues.get(group) ?? []).filter((j) => !j.done && j.kind === "acquire").length;
  }

  /** Requests waiting for one stone. */
  queuedFor(stone: string): number {
    const g = this.cfg.stones.get(stone)!.group;
    return (this.#queues.get(g) ?? []).filter((j) => !j.done && j.kind === "acquire" && j.stone === stone)
      .length;
  }

  /**
   * Get a lease on `stone`, starting it (and draining and stopping what must go) if needed.
   * Rejects with `Unavailable` on queue_timeout, a refusal (pinned), a failed start, or `signal`.
   */
  acquire(stone: string, signal?: AbortSignal): Promise<Lease> {
    const s = this.cfg.stones.get(stone)!;
    const slot = this.slots.get(stone)!;
    const q = this.#queue(s.group);
    if (slot.state === "ready" && !q.some((j) => !j.done)) return Promise.resolve(lease(this, s));
    return new Promise<Lease>((resolve, reject) => {
      const job: Job = {
        kind: "acquire",
        stone,
        resolve: (l) => resolve(l!),
        reject,
        done: false,
      };
      const timer = setTimeout(() => {
        this.#finish(
          job,
          undefined,
          new Unavailable(
            `${JSON.stringify(s.ids[0])} did not become ready within queue_timeout (${
              Math.round(this.cfg.queueMs / 1000)
            }s)`,
            "timeout",
          ),
        );
      }, this.cfg.queueMs);
      const abort = () => this.#finish(job, undefined, new Unavailable("client went away", "cancelled"));
      signal?.addEventListener("abort", abort, { once: true });
      const inner = job.resolve;
      const innerReject = job.reject;
      job.resolve = (l) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        inner(l);
      };
      job.reject = (e) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        innerReject(e);
      };
      q.push(job);
      this.metrics.queueDepth(s.group, this.queued(s.group));
      void this.#pump(s.group);
    });
  }

  /** Drain and stop stones (all served ones when `names` is empty); resolves with what stopped. */
  async unload(names: string[]): Promise<string[]> {
    const targets = names.length
      ? names
      : [...this.slots].filter(([n, sl]) => sl.state !== "off" && this.cfg.stones.get(n)!.ids.length).map((
        [n],
      ) => n);
    const stopped: string[] = [];
    await Promise.all(targets.map((n) =>
      new Promise<void>((resolve, reject) => {
        const s = this.cfg.stones.get(n)!;
        const job: Job = {
          kind: "stop",
          stone: n,
          resolve: () => {
            stopped.push(n);
            resolve();
          },
          reject,
          done: false,
        };
        this.#queue(s.group).push(job);
        void this.#pump(s.group);
      })
    ));
    return stopped.sort();
  }

  /** A ready stone's upstream stopped answering: forget it, so the next request starts it again. */
  markDown(stone: string): void {
    const slot = this.slots.get(stone)!;
    if (slot.state === "ready") slot.state = "off";
  }

  /** Stop stones idle past `idle_stop`; then start `default` where its device is free. */
  async idleCheck(): Promise<void> {
    const now = this.now();
    const idle: string[] = [];
    for (const s of this.cfg.stones.values()) {
      const slot = this.slots.get(s.name)!;
      if (
        s.idleMs !== undefined && slot.state === "ready" && slot.inFlight === 0 &&
        now - slot.lastUsed >= s.idleMs && !this.#queue(s.group).some((j) => !j.done)
      ) idle.push(s.name);
    }
    if (idle.length) await this.unload(idle);
    const d = this.cfg.default ? this.cfg.models.get(this.cfg.default) : undefined;
    if (!d || !idle.length) return;
    const slot = this.slots.get(d)!;
    const s = this.cfg.stones.get(d)!;
    if (slot.state !== "off" || this.#queue(s.group).some((j) => !j.done)) return;
    const verdict = admit(this.cfg.admission, d, this.#running(), { noEvict: true });
    if (!verdict.ok) return;
    await new Promise<void>((resolve) => {
      this.#queue(s.group).push({
        kind: "preload",
        stone: d,
        resolve: () => resolve(),
        reject: () => resolve(),
        done: false,
      });
      void this.#pump(s.group);
    });
  }

  // ---------------------------------------------------------------------------------------------

  #queue(group: string): Job[] {
    let q = this.#queues.get(group);
    if (!q) this.#queues.set(group, q = []);
    return q;
  }

  #finish(job: Job, lease: Lease | undefined, err?: Error): void {
    if (job.done) {
      lease?.release();
      return;
    }
    job.done = true;
    const s = this.cfg.stones.get(job.stone)!;
    this.metrics.queueDepth(s.group, this.queued(s.group));
    if (err) job.reject(err);
    else job.resolve(lease);
  }

  #running(): { name: string; lastUsed: number }[] {
    return [...this.slots].filter(([, sl]) => sl.state !== "off").map(([name, sl]) => ({
      name,
      lastUsed: sl.lastUsed,
    }));
  }

  async #refresh(names: string[]): Promise<void> {
    const units = names.map((n) => this.cfg.stones.get(n)!.unit);
    if (!units.length) return;
    const states = await this.units.states(units);
    names.forEach((n, i) => {
      const slot = this.slots.get(n)!;
      const active = ACTIVE.has(states[units[i]] ?? "");
      if (!active) slot.state = "off";
      else if (slot.state === "off") slot.state = "loading"; // running, not started by us: not yet probed
    });
  }

  async #pump(group: string): Promise<void> {
    if (this.#pumping.has(group)) return;
    this.#pumping.add(group);
    const q = this.#queue(group);
    try {
      while (q.length) {
        const job = q[0];
        if (!job.done) {
          try {
            await this.#run(job);
          } catch (e) {
            this.#finish(job, undefined, e instanceof Unavailable ? e : new Unavailable(String(e), "failed"));
          }
        }
        q.shift();
      }
    } finally {
      this.#pumping.delete(group);
      this.metrics.queueDepth(group, this.queued(group));
    }
  }

  async #run(job: Job): Promise<void> {
    const s = this.cfg.stones.get(job.stone)!;
    const slot = this.slots.get(job.stone)!;
    if (job.kind === "stop") {
      if (slot.state !== "off") await drainAndStop(this, s.name);
      this.#finish(job, undefined);
      return;
    }
    if (slot.state !== "ready") {
      await this.#refresh(
        [...this.cfg.stones.values()].filter((x) => x.group === s.group || x.name === s.name).map((x) =>
          x.name
        ),
      );
    }
    if (slot.state === "loading" && s.upstream) {
      // Running, adopted or started by someone else: ready once it answers.
      if (await this.probe(s, AbortSignal.timeout(2000)).catch(() => false)) slot.state = "ready";
    }
    if (slot.state === "ready") {
      this.#serveWaiting(job, s);
      return;
    }
    const verdict = admit(this.cfg.admission, s.name, this.#running().filter((r) => r.name !== s.name));
    if (!verdict.ok) {
      this.#finish(job, undefined, new Unavailable(verdict.reason, "refused"));
      return;
    }
    if (job.kind === "preload" && verdict.evict.length) {
      this.#finish(job, undefined);
      return;
    }
    for (const e of verdict.evict) await drainAndStop(this, e.name);
    slot.state = "loading";
    const t0 = this.now();
    this.metrics.swap(s.ids[0] ?? s.name);
    try {
      await this.units.start(s.unit, this.cfg.queueMs);
      await waitUpstream(this, s, t0 + this.cfg.queueMs);
    } catch (e) {
      slot.state = "off";
      // Do not leave a failing unit restarting behind our back.
      await this.units.stop(s.unit, 60_000).catch(() => {});
      const err = new Unavailable(
        `${JSON.stringify(s.ids[0] ?? s.name)} failed to start: ${(e as Error).message.split("\n")[0]}`,
        "failed",
      );
      // Everyone waiting for this load gets the same answer; a later request tries again.
      for (const other of this.#queue(s.group)) {
        if (other !== job && other.stone === s.name && other.kind === "acquire") {
          this.#finish(other, undefined, err);
        }
      }
      this.#finish(job, undefined, err);
      return;
    }
    slot.state = "ready";
    slot.lastUsed = this.now();
    this.metrics.loadSeconds((this.now() - t0) / 1000);
    this.#serveWaiting(job, s);
  }

  /**
   * The stone is ready: the job and every other request waiting for the same stone go through
   * now (waiters are grouped by model, swaps follow the order of each model's first waiter), so
   * alternating requests cost one swap per model, not one per request.
   */
  #serveWaiting(job: Job, s: GatewayStone): void {
    this.#finish(job, job.kind === "acquire" ? lease(this, s) : undefined);
    for (const other of this.#queue(s.group)) {
      if (!other.done && other.kind === "acquire" && other.stone === s.name) {
        this.#finish(other, lease(this, s));
      }
    }
  }
}
