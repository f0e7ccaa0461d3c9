/**
 * Synthetic Codexes for the benchmarks: a realistic mix of services and soulstones, generated at
 * run time (nothing large is committed). Deterministic: the same arguments give the same text.
 *
 * @module
 */

/** Options of {@linkcode genCodex}. */
export interface GenOptions {
  /**
   * How soulstones claim GPUs:
   * - `few`: the CDI fixture's two GPUs (`=0`, `=1`, a MIG slice, `=all`, a UUID name) — nearly
   *   every pair of stones conflicts, so the pair count is quadratic by nature;
   * - `many`: stone i alone on `nvidia.com/gpu=i` of a spec with one GPU per stone (see
   *   {@linkcode genCdiSpec}) — no pair conflicts, the graph is linear work.
   */
  gpus?: "few" | "many";
  /** Share of soulstones among the services (default 1/4; 0 = services only, no GPU claims). */
  stoneShare?: number;
}

/** GPU claims of the `few` mix, cycled through; all exist in tests/fixtures/cdi/nvidia.yaml. */
const FEW = [
  ["nvidia.com/gpu=0"],
  ["nvidia.com/gpu=1"],
  ["nvidia.com/gpu=all"],
  ["nvidia.com/gpu=0:0"],
  ["nvidia.com/gpu=GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a"],
  ["nvidia.com/gpu=0", "nvidia.com/gpu=1"],
];

const IMAGES = [
  "docker.io/library/postgres:17",
  "docker.io/library/redis:7.4",
  "ghcr.io/open-webui/open-webui:v0.6.34",
  "docker.io/jaegertracing/jaeger:2.11.0",
  "docker.io/library/nginx:1.27",
];

const s = (v: string) => JSON.stringify(v);
const arr = (v: string[]) => `[${v.map(s).join(", ")}]`;

function stoneCount(n: number, opts: GenOptions): number {
  const share = opts.stoneShare ?? 0.25;
  return share === 0 ? 0 : Math.max(2, Math.round(n * share));
}

/** A Codex with `n` services in total (vessel, phylactery, oculus, soulstones and services). */
export function genCodex(n: number, opts: GenOptions = {}): string {
  const stones = stoneCount(n, opts);
  const plain = Math.max(0, n - 3 - stones);
  const out: string[] = [
    "version = 1",
    "",
    "[sepulcher]",
    'name = "bench"',
    'network = "bridge"',
    'bind_address = "127.0.0.1"',
    'podman_version = "5.4"',
    "",
    "[vessel]",
    'image = "ghcr.io/open-webui/open-webui:v0.6.34"',
    'description = "bench vessel"',
    'ports = ["3000:8080"]',
    'volumes = ["vessel-data:/app/backend/data"]',
    'env = { OPENAI_API_BASE_URL = "http://host.containers.internal:8000/v1" }',
    'requires = ["phylactery"]',
    'wants = ["oculus"]',
    "",
    "[phylactery]",
    'image = "docker.io/library/postgres:17"',
    'volumes = ["phylactery-data:/var/lib/postgresql/data"]',
    'env = { POSTGRES_USER = "lychd", POSTGRES_DB = "lychd" }',
    'health = { cmd = "pg_isready -U lychd", interval = "10s", timeout = "5s", retries = 5 }',
    "stop_timeout = 30",
    "",
    "[oculus]",
    'image = "docker.io/jaegertracing/jaeger:2.11.0"',
    'ports = ["16686:16686"]',
    "",
  ];
  const pad = (i: number) => String(i).padStart(4, "0");
  for (let i = 0; i < stones; i++) {
    const name = `stone-${pad(i)}`;
    const devices = opts.gpus === "many" ? [`nvidia.com/gpu=${i}`] : FEW[i % FEW.length];
    out.push(
      `[soulstones.${name}]`,
      `image = "docker.io/vllm/vllm-openai:v0.11.${i % 7}"`,
      `description = "bench soulstone ${i}"`,
      `command = ${arr(["--model", `org/model-${i}`, "--max-model-len", "8192", "--port", "8000"])}`,
      `devices = ${arr(devices)}`,
      `ports = ["127.0.0.1:${20000 + i}:8000"]`,
      'volumes = ["models:/root/.cache/huggingface"]',
      'shm_size = "16g"',
      'ipc = "private"', // (shm_size with ipc = "host" is refused: podman cannot start that pair)
      `env = { HF_HOME = "/root/.cache/huggingface", MODEL_ID = "org/model-${i}" }`,
      'health = { cmd = "curl -fsS http://localhost:8000/health", interval = "15s", start_period = "10m" }',
    );
    if (i % 10 === 1) out.push(`fallback = "stone-${pad(i - 1)}"`);
    if (i % 10 === 2) out.push(`coexists_with = ["stone-${pad(i - 1)}"]`);
    if (i % 10 === 3) out.push("vram_gib = 8");
    // Explicit conflicts: one the GPU graph already has (same device), one with a plain service.
    if (i % 10 === 6 && i >= 6) out.push(`conflicts_with = ["stone-${pad(i - 6)}"]`);
    if (i % 25 === 9 && i < plain) out.push(`conflicts_with = ["svc-${pad(i)}"]`);
    out.push("");
  }
  for (let i = 0; i < plain; i++) {
    const name = `svc-${pad(i)}`;
    out.push(
      `[services.${name}]`,
      `image = ${s(IMAGES[i % IMAGES.length])}`,
      `description = "bench service ${i} (50% of nothing)"`,
      `ports = ["${30000 + i}:8080", "127.0.0.1:${40000 + i}:9090/udp"]`,
      // A named volume (its own .volume Rune) on every tenth service, a host path on every fifth.
      `volumes = [${
        [
          ...(i % 10 === 0 ? [`"svc-${pad(i)}-data:/data"`] : []),
          ...(i % 5 === 0 ? [`"/srv/bench/${name}:/config:ro,Z"`] : []),
        ].join(", ")
      }]`,
      `env = { LOG_LEVEL = "info", NAME = ${s(name)}, GREETING = "hello $USER", PORT = "8080" }`,
      'labels = { "io.example.team" = "bench", tier = "backend" }',
      `health = { cmd = ["curl", "-fsS", "http://localhost:8080/health"], interval = "30s", retries = 3 }`,
      'memory = "512m"',
      "cpus = 0.5",
      'cap_drop = ["ALL"]',
      "read_only = true",
      'tmpfs = ["/tmp:size=64m"]',
    );
    if (i % 3 === 0) out.push('requires = ["phylactery"]');
    if (i % 5 === 0 && i > 0) out.push(`after = ["svc-${pad(i - 1)}"]`);
    if (i % 50 === 7) out.push(`conflicts_with = ["svc-${pad(i - 1)}"]`);
    out.push("");
  }
  return out.join("\n");
}

/** Number of services {@linkcode genCodex} puts in a Codex of size `n`. */
export function countServices(n: number, opts: GenOptions = {}): number {
  const stones = stoneCount(n, opts);
  return 3 + stones + Math.max(0, n - 3 - stones);
}

/** A CDI spec (YAML) with `gpus` whole GPUs `nvidia.com/gpu=0..gpus-1` plus `all`. */
export function genCdiSpec(gpus: number): string {
  const out = ["cdiVersion: 0.6.0", "kind: nvidia.com/gpu", "containerEdits:", "  deviceNodes:"];
  out.push("    - path: /dev/nvidiactl", "devices:");
  for (let i = 0; i < gpus; i++) {
    out.push("  - name: " + s(String(i)), "    containerEdits:", "      deviceNodes:");
    out.push(`        - path: /dev/nvidia${i}`);
  }
  out.push("  - name: all", "    containerEdits:", "      deviceNodes:");
  for (let i = 0; i < gpus; i++) out.push(`        - path: /dev/nvidia${i}`);
  return out.join("\n") + "\n";
}
