/**
 * The Codex v1 schema (zod 4): the one source of truth for field names, types and defaults.
 * Objects are strict (unknown keys are errors). Field grammars that need more than a type are
 * checked with `superRefine`, so the schema stays exportable as JSON Schema (`lychd schema`).
 *
 * @module
 */
import { z } from "zod";
import { isIP, type Parsed, parseDuration, parsePort, parseSize } from "./quantities.ts";
import { healthMeaning } from "./health.ts";

/** Names of services, volumes and secrets. */
export const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
/** The sepulcher name, used as the unit prefix. */
export const PREFIX_RE = /^[a-z][a-z0-9-]{0,30}$/;
/** Environment variable names. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** CDI qualified device names (see src/cdi/name.ts for the full rules). */
export const CDI_NAME_RE = /^[A-Za-z][A-Za-z0-9._-]*\/[A-Za-z][A-Za-z0-9_-]*=[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Attach a grammar check to a schema; the failure's hint travels in `params.hint`. */
function grammar<T extends z.ZodType>(schema: T, check: (v: z.output<T>) => Parsed<unknown>): T {
  return schema.superRefine((v, ctx) => {
    const r = check(v);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.message, params: { hint: r.hint } });
  }) as unknown as T;
}

const name = (what: string) =>
  z.string().regex(NAME_RE, {
    error: (iss) =>
      `${
        JSON.stringify(iss.input)
      } is not a valid ${what} name (hint: lower-case letters, digits, "-" and "_", starting with a letter or digit)`,
  });

const names = (what: string) => z.array(name(what));
const absPath = z.string().refine((s) => s.startsWith("/"), {
  error: (iss) => `${JSON.stringify(iss.input)} is not an absolute path (hint: start it with "/")`,
});

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
  cmd: z.union([z.string().min(1), z.array(z.string()).min(1)]).superRefine((v, ctx) => {
    const m = healthMeaning(v);
    if (m.kind === "error") ctx.addIssue({ code: "custom", message: m.message, params: { hint: m.hint } });
  }),
  interval: grammar(duration, parseDuration).optional(),
  timeout: grammar(duration, parseDuration).optional(),
  retries: z.int().min(1).optional(),
  start_period: grammar(duration, parseDuration).optional(),
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
  ports: z.array(grammar(z.string(), (s) => parsePort(s, "127.0.0.1"))).optional(),
  volumes: z.array(z.string()).optional(),
  tmpfs: z.array(
    z.string().regex(/^\/[^:]*(:[A-Za-z0-9=,._-]+)?$/, {
      error: (iss) => `${JSON.stringify(iss.input)} is not "/path[:options]"`,
    }),
  ).optional(),
  devices: z.array(z.string()).optional(),
  add_hosts: z.array(
    z.string().refine((s) => {
      const i = s.indexOf(":");
      return i > 0 && /^[A-Za-z0-9.-]+$/.test(s.slice(0, i)) &&
        (isIP(s.slice(i + 1)) || s.slice(i + 1) === "host-gateway");
    }, { error: (iss) => `${JSON.stringify(iss.input)} is not "name:ip" (hint: e.g. "db.local:10.0.0.5")` }),
  ).optional(),
  read_only: z.boolean().optional(),
  no_new_privileges: z.boolean().optional(),
  cap_add: z.array(capability("NET_ADMIN")).optional(),
  cap_drop: z.array(capability("ALL")).optional(),
  user: z.string().min(1).optional(),
  userns: z.string().min(1).optional(),
  memory: grammar(size, parseSize).optional(),
  cpus: z.number().positive({ error: "cpus must be a number greater than 0" }).optional(),
  shm_size: grammar(size, parseSize).optional(),
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
};

const OnDemand = z.strictObject({
  listen: z.string().min(1),
  idle_stop: grammar(duration, parseDuration).optional(),
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
  bind_address: z.string().refine(isIP, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IP address (hint: e.g. "127.0.0.1" or "0.0.0.0")`,
  }).optional(),
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
      z.string().regex(CDI_NAME_RE, {
        error: (iss) =>
          `${
            JSON.stringify(iss.input)
          } is not a CDI device name (hint: "vendor/class=name", e.g. "nvidia.com/gpu=0")`,
      }),
      z.number().positive(),
    ).optional(),
  }).optional(),
  vessel: ServiceSchema.optional(),
  phylactery: ServiceSchema.optional(),
  oculus: ServiceSchema.optional(),
  soulstones: z.record(name("soulstone"), SoulstoneSchema).optional(),
  services: z.record(name("service"), ServiceSchema).optional(),
});

/** What the schema accepts, before normalization. */
export type RawCodex = z.output<typeof CodexSchema>;
/** One role's raw fields. */
export type RawService = z.output<typeof ServiceSchema>;
/** One soulstone's raw fields. */
export type RawSoulstone = z.output<typeof SoulstoneSchema>;
