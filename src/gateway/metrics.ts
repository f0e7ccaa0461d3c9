/**
 * The gateway's counters, exported as Prometheus text (names from the gateway contract):
 * `lychd_gateway_requests_total{model,code}`, `lychd_gateway_in_flight{model}`,
 * `lychd_gateway_queue_depth{device}`, `lychd_gateway_swaps_total{model}`,
 * `lychd_gateway_load_seconds` (histogram). Pure.
 *
 * @module
 */

const BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800];

function esc(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** The counters. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  readonly #queue = new Map<string, number>();
  readonly #swaps = new Map<string, number>();
  readonly #load = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };

  request(model: string, code: number): void {
    const k = `model="${esc(model)}",code="${code}"`;
    this.#requests.set(k, (this.#requests.get(k) ?? 0) + 1);
  }
  inFlight(model: string, n: number): void {
    this.#inFlight.set(model, n);
  }
  queueDepth(device: string, n: number): void {
    this.#queue.set(device, n);
  }
  swap(model: string): void {
    this.#swaps.set(model, (this.#swaps.get(model) ?? 0) + 1);
  }
  loadSeconds(s: number): void {
    BUCKETS.forEach((b, i) => {
      if (s <= b) this.#load.counts[i]++;
    });
    this.#load.sum += s;
    this.#load.count++;
  }
  /** Total swaps (loads started) so far, for tests and benches. */
  swaps(model?: string): number {
    if (model !== undefined) return this.#swaps.get(model) ?? 0;
    return [...this.#swaps.values()].reduce((a, b) => a + b, 0);
  }

  /** Prometheus text exposition format 0.0.4. */
  text(): string {
    const out: string[] = [];
    const block = (name: string, type: string, help: string, rows: [string, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) out.push(`${name}${labels ? `{${labels}}` : ""} ${v}`);
    };
    block(
      "lychd_gateway_requests_total",
      "counter",
      "Requests answered, by model and HTTP status.",
      [...this.#requests].sort(),
    );
    block(
      "lychd_gateway_in_flight",
      "gauge",
      "Requests being forwarded now, by model.",
      [...this.#inFlight].sort().map(([m, n]) => [`model="${esc(m)}"`, n]),
    );
    block(
      "lychd_gateway_queue_depth",
      "gauge",
      "Requests waiting for their model, by device.",
      [...this.#queue].sort().map(([d, n]) => [`device="${esc(d)}"`, n]),
    );
    block(
      "lychd_gateway_swaps_total",
      "counter",
      "Model loads started by the gateway, by model.",
      [...this.#swaps].sort().map(([m, n]) => [`model="${esc(m)}"`, n]),
    );
    out.push(
      "# HELP lychd_gateway_load_seconds Seconds from starting a model's unit to its upstream answering.",
      "# TYPE lychd_gateway_load_seconds histogram",
    );
    BUCKETS.forEach((b, i) =>
      out.push(`lychd_gateway_load_seconds_bucket{le="${b}"} ${this.#load.counts[i]}`)
    );
    out.push(
      `lychd_gateway_load_seconds_bucket{le="+Inf"} ${this.#load.count}`,
      `lychd_gateway_load_seconds_sum ${this.#load.sum}`,
      `lychd_gateway_load_seconds_count ${this.#load.count}`,
    );
    return out.join("\n") + "\n";
  }
}
