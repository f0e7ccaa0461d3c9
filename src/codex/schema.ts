/**
 * The Codex v1 schema (zod 4): the one source of truth for field names, types and defaults.
 * Objects are strict (unknown keys are errors). Field grammars that need more than a type are
 * checked with `superRefine`, so the schema stays exportable as JSON Schema (`lychd schema`).
 *
 * @module
 */
import { z } from "zod";
import { type GrammarName, GRAMMARS, NAME_RE, type PredicateName, PREDICATES } from "./checks.ts";
import { ENV_NAME_RE, QUALIFIED_NAME_RE } from "./grammar.ts";

export { NAME_RE };
/** The sepulcher name, used as the unit prefix. */
export const PREFIX_RE = /^[a-z][a-z0-9-]{0,30}$/;
/** Model ids a client may send to the gateway. */
export const MODEL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;

/**
 * Which named check of checks.ts each refined schema runs: how the generated validator
 * (`deno task gen`) finds them. Not part of the editors' JSON Schema (`lychd schema`).
 */
export const LYCHD_CHECKS = z.registry<{ check: GrammarName | PredicateName }>();

/** Attach a grammar check to a schema; the failure's hint travels in `params.hint`. */
function grammar<T extends z.ZodType>(schema: T, name: GrammarName): T {
  const check = GRAMMARS[name] as (v: unknown) => ReturnType<(typeof GRAMMARS)[GrammarName]>;
  const refined = schema.superRefine((v, ctx) => {
    const r = check(v);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.message, params: { hint: r.hint } });
  });
  LYCHD_CHECKS.add(refined as z.ZodType, { check: name });
  return refined as unknown as T;
}

/** A string that must pass the predicate `name` of checks.ts, else `error`. */
function predicate(name: PredicateName, error: (iss: { input: unknown }) => string) {
  const refined = z.string().refine(PREDICATES[name], { error });
  LYCHD_CHECKS.add(refined, { check: name });
  return refined;
}

const name = (what: string) =>
  z.string().regex(NAME_RE, {
    error: (iss) =>
      `${
        JSON.stringify(iss.input)
      } is not a valid ${what} name (hint: lower-case letters, digits, "-" and "_", starting with a letter or digit)`,
  });

const names = (what: string) => z.array(name(what));
const absPath = predicate(
  "absPath",
  (iss) => `${JSON.stringify(iss.input)} is not an absolute path (hint: start it with "/")`,
);

/** Quadlet drops empty words from command lines, so an empty argument cannot be passed. */
const nonEmptyWord = z.string().min(1, {
  error:
    "an empty argument cannot be passed through Quadlet (hint: remove it, or use a placeholder the program accepts)",
});

const capability = (example: string) =>
  z.string().regex(/^(CAP_)?[A-Z_]+$/i, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a capability name (hint: e.g. ${example})`,
  });

const size = z.union([z.string(), z.number()]);
const duration = z.union([z.string(), z.number()]);

const Secret = z.union([
  name("secret"),
  z.strictObject({
    name: name("secret"),
    type: z.enum(["env", "mount"]).optional(),
    target: z.string().min(1).optional(),
  }),
]);

const Health = z.strictObject({
  // Docker's ["CMD", …], ["CMD-SHELL", "…"] and ["NONE"] are read by meaning (see health.ts).
  cmd: grammar(z.union([z.string().min(1), z.array(z.string()).min(1)]), "health"),
  interval: grammar(duration, "duration").optional(),
  timeout: grammar(duration, "duration").optional(),
  retries: z.int().min(1).optional(),
  start_period: grammar(duration, "duration").optional(),
});

/** Fields every role shares. */
export const serviceFields = {
  image: z.string().min(1).regex(/^\S+$/, { error: "an image reference has no spaces" }),
  description: z.string().optional(),
  command: z.array(nonEmptyWord).optional(),
  entrypoint: z.array(nonEmptyWord).min(1).optional(),
  env: z.record(
    z.string().regex(ENV_NAME_RE, {
      error: (iss) =>
        `${
          JSON.stringify(iss.input)
        } is not an environment variable name (hint: letters, digits and "_", not starting with a digit)`,
    }),
    z.string(),
  ).optional(),
  env_files: z.array(absPath).optional(),
  ports: z.array(grammar(z.string(), "port")).optional(),
  volumes: z.array(z.string()).optional(),
  tmpfs: z.array(
    z.string().regex(/^\/[^:]*(:[A-Za-z0-9=,._-]+)?$/, {
      error: (iss) => `${JSON.stringify(iss.input)} is not "/path[:options]"`,
    }),
  ).optional(),
  devices: z.array(z.string()).optional(),
  add_hosts: z.array(
    predicate(
      "addHost",
      (iss) => `${JSON.stringify(iss.input)} is not "name:ip" (hint: e.g. "db.local:10.0.0.5")`,
    ),
  ).optional(),
  read_only: z.boolean().optional(),
  no_new_privileges: z.boolean().optional(),
  cap_add: z.array(capability("NET_ADMIN")).optional(),
  cap_drop: z.array(capability("ALL")).optional(),
  user: z.string().min(1).optional(),
  userns: z.string().min(1).optional(),
  memory: grammar(size, "size").optional(),
  cpus: z.number().positive({ error: "cpus must be a number greater than 0" }).optional(),
  shm_size: grammar(size, "size").optional(),
  ipc: z.enum(["host", "private"]).optional(),
  labels: z.record(z.string().min(1), z.string()).optional(),
  annotations: z.record(z.string().min(1), z.string()).optional(),
  secrets: z.array(Secret).optional(),
  health: Health.optional(),
  restart: z.enum(["always", "on-failure", "no"]).optional(),
  restart_sec: z.int().min(0).optional(),
  stop_timeout: z.int().min(1).optional(),
  requires: names("service").optional(),
  wants: names("service").optional(),
  after: names("service").optional(),
  conflicts_with: names("service").optional(),
  autostart: z.boolean().optional(),
  pull: z.enum(["always", "missing", "never", "newer"]).optional(),
  auto_update: z.enum(["registry", "local"]).optional(),
  podman_args: z.array(z.string().min(1)).optional(),
  // Added for `lychd import compose` (real stacks need them): see docs/compose-import.md.
  working_dir: absPath.optional(),
  hostname: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a host name (hint: letters, digits, "." and "-")`,
  }).optional(),
  aliases: z.array(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      error: (iss) =>
        `${JSON.stringify(iss.input)} is not a network alias (hint: letters, digits, ".", "_", "-")`,
    }),
  ).optional(),
  ulimits: z.record(
    z.string().regex(/^[a-z]+$/, {
      error: (iss) => `${JSON.stringify(iss.input)} is not a ulimit name (hint: e.g. "nofile", "memlock")`,
    }),
    z.union([
      z.int(),
      z.string().regex(/^-?\d+(:-?\d+)?$/, {
        error: (iss) => `${JSON.stringify(iss.input)} is not "soft[:hard]" (hint: e.g. "65535:65535" or -1)`,
      }),
    ]),
  ).optional(),
  init: z.boolean().optional(),
  stop_signal: z.string().regex(/^(SIG)?[A-Z0-9+-]+$|^\d+$/, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a signal (hint: e.g. "SIGINT")`,
  }).optional(),
  group_add: z.array(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/)).optional(),
  sysctls: z.record(z.string().regex(/^[a-z0-9_.\/-]+$/), z.string()).optional(),
  notify_healthy: z.boolean().optional(),
  oneshot: z.boolean().optional(),
};

const OnDemand = z.strictObject({
  listen: z.string().min(1),
  idle_stop: grammar(duration, "duration").optional(),
});

/** A plain role (vessel, phylactery, oculus, services.*). */
export const ServiceSchema = z.strictObject(serviceFields);

/** A soulstone: a service with GPU claims and exclusivity. */
export const SoulstoneSchema = z.strictObject({
  ...serviceFields,
  exclusive: z.boolean().optional(),
  coexists_with: names("soulstone").optional(),
  vram_gib: z.number().positive().optional(),
  fallback: name("soulstone").optional(),
  on_demand: OnDemand.optional(),
  models: z.array(
    z.string().regex(MODEL_ID_RE, {
      error: (iss) =>
        `${
          JSON.stringify(iss.input)
        } is not a model id (hint: letters, digits and . _ : / @ + -, e.g. "qwen2.5-32b")`,
    }),
  ).min(1).optional(),
  served_name: z.string().min(1).regex(/^\S+$/, { error: "served_name has no spaces" }).optional(),
  pinned: z.boolean().optional(),
  idle_stop: grammar(duration, "duration").optional(),
});

/** `[gateway]`: one OpenAI-compatible endpoint for every soulstone with `models`. */
export const GatewaySchema = z.strictObject({
  listen: z.string().min(1).optional(),
  api_key_file: absPath.optional(),
  queue_timeout: grammar(duration, "duration").optional(),
  drain_timeout: grammar(duration, "duration").optional(),
  default: z.string().min(1).optional(),
});

/** MIG profile names as nvidia-smi and the NVIDIA device plugin spell them: `1g.10gb`, `1c.2g.20gb`, `1g.10gb+me`. */
export const MIG_PROFILE_RE = /^(\d+c\.)?\d+g\.\d+gb(\+[a-z]+)?$/;

/** `[volumes.NAME]`: settings of a named volume that only exports use (Podman volumes have no size). */
export const VolumeSettingsSchema = z.strictObject({
  size: z.string().regex(/^[1-9][0-9]*(Mi|Gi|Ti|Pi)$/, {
    error: (iss) =>
      `${
        JSON.stringify(iss.input)
      } is not a volume size (hint: a whole number of Mi, Gi, Ti or Pi, e.g. "50Gi")`,
  }).optional(),
});

/** `[sepulcher]`. */
export const SepulcherSchema = z.strictObject({
  name: z.string().regex(PREFIX_RE, {
    error: (iss) =>
      `${
        JSON.stringify(iss.input)
      } is not a valid sepulcher name (hint: a lower-case letter, then up to 30 of a-z, 0-9, "-")`,
  }).optional(),
  network: z.enum(["bridge", "host", "none", "pod"]).optional(),
  bind_address: predicate(
    "ip",
    (iss) => `${JSON.stringify(iss.input)} is not an IP address (hint: e.g. "127.0.0.1" or "0.0.0.0")`,
  ).optional(),
  /** The bridge network's IPv4 subnet (default 10.87.0.0/24 with a gateway); checked in validate.ts. */
  subnet: z.string().min(1).optional(),
  podman_version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a Podman version (hint: e.g. "5.4")`,
  }).optional(),
});

/** The whole Codex. */
export const CodexSchema = z.strictObject({
  version: z.literal(1, { error: (iss) => `version must be 1, got ${JSON.stringify(iss.input)}` }),
  sepulcher: SepulcherSchema.optional(),
  gpu: z.strictObject({
    vram_gib: z.record(
      z.string().regex(QUALIFIED_NAME_RE, {
        error: (iss) =>
          `${
            JSON.stringify(iss.input)
          } is not a CDI device name (hint: "vendor/class=name", e.g. "nvidia.com/gpu=0")`,
      }),
      z.number().positive(),
    ).optional(),
    mig_profiles: z.record(
      z.string().regex(QUALIFIED_NAME_RE, {
        error: (iss) =>
          `${
            JSON.stringify(iss.input)
          } is not a CDI device name (hint: a MIG slice, e.g. "nvidia.com/gpu=0:1")`,
      }),
      z.string().regex(MIG_PROFILE_RE, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a MIG profile (hint: as nvidia-smi names it, e.g. "1g.10gb")`,
      }),
    ).optional(),
  }).optional(),
  volumes: z.record(name("volume"), VolumeSettingsSchema).optional(),
  gateway: GatewaySchema.optional(),
  vessel: ServiceSchema.optional(),
  phylactery: ServiceSchema.optional(),
  oculus: ServiceSchema.optional(),
  soulstones: z.record(name("soulstone"), SoulstoneSchema).optional(),
  services: z.record(name("service"), ServiceSchema).optional(),
});

/** What the schema accepts, before normalization. */
export type RawCodex = z.output<typeof CodexSchema>;
/** One soulstone's raw fields. */
export type RawSoulstone = z.output<typeof SoulstoneSchema>;
