/**
 * The normalized Codex: what the planner and renderer consume. Defaults are applied and every
 * grammar is parsed, so nothing downstream re-parses strings.
 *
 * @module
 */
import type { Port } from "./quantities.ts";
import type { RawSoulstone } from "./schema.ts";

/** The role a service plays in the Sepulcher. */
export type Role = "vessel" | "phylactery" | "oculus" | "soulstone" | "service";

/** A parsed `volumes` entry. */
export interface Mount {
  /** Absolute host path, or a named volume's name. */
  source: string;
  named: boolean;
  target: string;
  options: string[];
}

/** A parsed `secrets` entry. */
export interface SecretRef {
  name: string;
  type?: "env" | "mount";
  target?: string;
}

/** `on_demand` of a soulstone. */
export interface OnDemand {
  ip: string;
  port: number;
  /** `--exit-idle-time=` value, or undefined for "never". */
  idleStop?: string;
  idleSeconds?: number;
}

/** What the gateway serves of a soulstone (`models`, `served_name`, `pinned`, `idle_stop`). */
export interface Served {
  /** Model ids, the canonical one first. */
  ids: string[];
  /** What the backend expects in `model` (default: the first id). */
  servedName: string;
  pinned: boolean;
  /** Stop after this many seconds without a request through the gateway. */
  idleSeconds?: number;
  /** The first published TCP port, as the gateway dials it (wildcards become loopback). */
  upstream?: { ip: string; port: number };
}

/** `[gateway]`, with defaults applied. Present when `[gateway]` is written or a stone has `models`. */
export interface Gateway {
  /** `listen` as written (default "4000"). */
  listen: string;
  ip: string;
  port: number;
  apiKeyFile?: string;
  queueSeconds: number;
  drainSeconds: number;
  default?: string;
}

/** One service of any role, normalized. */
export interface Service {
  role: Role;
  /** `vessel`, `phylactery`, `oculus`, or the table key. */
  name: string;
  /** Field path of the table, e.g. `soulstones.vllm`. */
  path: string;
  /** Unit stem: `<prefix>-vessel`, `<prefix>-soulstone-x`, `<prefix>-x`. */
  stem: string;
  /** The fields as written (after schema validation). */
  raw: RawSoulstone;
  ports: Port[];
  mounts: Mount[];
  secrets: SecretRef[];
  memory?: string;
  shmSize?: string;
  autostart: boolean;
  restart: "always" | "on-failure" | "no";
  restartSec: number;
  noNewPrivileges: boolean;
  /** Soulstones only (false elsewhere). */
  exclusive: boolean;
  onDemand?: OnDemand;
  /** Soulstones with `models`: what the gateway serves. */
  served?: Served;
}

/** A validated, normalized Codex. */
export interface Codex {
  /** Path the Codex was read from (or `<embedded default>`). */
  file: string;
  prefix: string;
  network: "bridge" | "host" | "none" | "pod";
  bindAddress: string;
  /**
   * `sepulcher.subnet` as written, or its default when the bridge Sepulcher has a gateway
   * (src/codex/subnet.ts); undefined = Podman picks the subnet.
   */
  subnet?: string;
  /** `sepulcher.podman_version` as written, if any. */
  podmanVersion?: string;
  /** `[gpu.vram_gib]`. */
  vramGib: Record<string, number>;
  /** vessel, phylactery, oculus, soulstones, services — in that order, tables in file order. */
  services: Service[];
  /** The gateway, when `[gateway]` is written or any soulstone has `models`. */
  gateway?: Gateway;
  /** Named volumes, sorted. */
  volumes: string[];
  /** `[volumes.NAME]` settings (export only), by volume name. */
  volumeSettings: Record<string, { size?: string }>;
  /** `[gpu.mig_profiles]`: MIG profile of a slice, keyed by CDI name (export only). */
  migProfiles: Record<string, string>;
}
