/**
 * A loaded Compose project → a commented Codex (TOML text). Every Compose key of a service is
 * either carried over (to a Codex field, stated in a comment where the meaning shifts), or
 * refused with one line naming the service, the key and what to do instead; with `lenient` the
 * refusal becomes a `# lychd import: dropped …` comment plus a warning. Nothing is dropped
 * silently.
 *
 * This module runs the conversion: service names, then per service the image, each key (handed
 * to keys.ts, health.ts, storage.ts), aliases and network (network.ts), environment, GPUs
 * (gpus.ts), restart and deploy; then depends_on, roles (roles.ts), the prefix, and the text
 * (emit.ts). The shared types live in model.ts and are re-exported here.
 *
 * Pure: env_file contents are read through the injected `read`; the host's CDI device names come
 * in through `gpus`.
 *
 * @module
 */
import type { Warning } from "../warnings.ts";
import { ComposeError, type Obj, type Project, type ReadFile } from "./project.ts";
import { GrammarError, parseDotenv } from "./text.ts";
import { NAME_RE, PREFIX_RE } from "../codex/schema.ts";
import { isEnvName } from "../codex/grammar.ts";
import { type Converted, type ConvertOptions, type Entry, refuse, type ServiceCtx } from "./model.ts";
import { aliasesOf, stackNetwork } from "./network.ts";
import { commandKey, deployKey, plainKey } from "./keys.ts";
import { dependsOn, healthKey, restartKey } from "./health.ts";
import { configsKey, portsKey, secretsKey, volumesKey } from "./storage.ts";
import { gpuClaims } from "./gpus.ts";
import { assignRoles } from "./roles.ts";
import { emit } from "./emit.ts";

export { duration } from "./values.ts";

/** Keys of a service that need no Codex field (said in a comment where it matters). */
const IGNORED = new Set(["profiles", "extends"]);
/** Keys with no effect on a service lychd runs: a comment says why. */
const NOTED: Record<string, string> = {
  expose: "expose: nothing to do; every service on the lychd bridge reaches the others' ports",
  attach: "attach: compose's log attachment; logs go to the journal (lychd logs NAME)",
  develop: "develop: compose watch (development only) is not carried over",
  stdin_open: "stdin_open: no terminal is attached to a systemd service",
};

/** Convert a project. Throws `ComposeError` on the first refusal. */
export async function convertProject(p: Project, read: ReadFile, opts: ConvertOptions): Promise<Converted> {
  const warnings: Warning[] = [];
  const nextSteps: string[] = [];
  const secretSteps = new Map<string, string>();
  const entries: Entry[] = [];
  const names = new Map<string, string>();
  const used = new Map<string, string>();

  for (const n of Object.keys(opts.roles)) {
    if (!p.services[n]) {
      throw new ComposeError(
        p.files[0],
        "",
        `--role names ${JSON.stringify(n)}, which is not an enabled service`,
        `services: ${Object.keys(p.services).join(", ")}`,
      );
    }
  }
  for (const n of Object.keys(p.services)) {
    const codexName = n.toLowerCase().replace(/[^a-z0-9_-]/g, "-").replace(/^[^a-z0-9]+/, "");
    if (!NAME_RE.test(codexName)) {
      refuse(
        p.origin[n],
        n,
        "",
        `the service name ${JSON.stringify(n)} has no valid Codex name`,
        "rename it",
      );
    }
    if (used.has(codexName)) {
      refuse(
        p.origin[n],
        n,
        "",
        `services ${used.get(codexName)} and ${n} both become ${codexName}`,
        "rename one",
      );
    }
    used.set(codexName, n);
    names.set(n, codexName);
  }

  const { network, networkNotes } = stackNetwork(p, opts, warnings);

  const droppedServices = new Map<string, string>();
  // Host ports: compose publishes on every interface unless an IP is given.
  let anyUnboundPort = false;

  for (const [n, s] of Object.entries(p.services)) {
    const file = p.origin[n];
    const e: Entry = {
      compose: n,
      name: names.get(n)!,
      role: "service",
      fields: {},
      comments: [],
      dropped: [],
      gpu: [],
    };
    const f = e.fields;
    const drop = (key: string, why: string, hint: string) => {
      if (!opts.lenient) refuse(file, n, key, why, hint);
      e.dropped.push(key);
      e.comments.push(`# lychd import: dropped ${key}: ${why}`);
      warnings.push({ code: "compose-key-dropped", path: n, message: `dropped ${key}: ${why}` });
    };
    const note = (t: string) => e.comments.push(`# ${t}`);
    note(`compose service ${JSON.stringify(n)} (${file})`);

    // image / build
    if (s.image === undefined) {
      if (s.build !== undefined && opts.lenient) {
        const why = `build: without image (lychd runs images); build it and add image: to import it`;
        droppedServices.set(n, why);
        warnings.push({
          code: "compose-service-dropped",
          path: n,
          message: `dropped the whole service: ${why}`,
        });
        continue;
      }
      if (s.build !== undefined) {
        refuse(
          file,
          n,
          "build",
          "build: without image: lychd runs images, it does not build them",
          `build it (podman build -t localhost/${e.name} ${
            s.build.context ?? "."
          }) and add image: localhost/${e.name}`,
        );
      }
      refuse(file, n, "image", "the service has no image", "add image:");
    }
    f.image = String(s.image);
    if (s.build !== undefined) {
      note(`build: not carried over; compose pulls ${f.image} before building, lychd only pulls it`);
    }

    const ctx: ServiceCtx = { p, n, s, file, e, f, drop, note };

    for (const [key, v] of Object.entries(s)) {
      if (key.startsWith("x-") || IGNORED.has(key) || v === undefined || v === null) continue;
      if (NOTED[key]) {
        if (v !== false) note(NOTED[key]);
        continue;
      }
      switch (key) {
        case "image":
        case "build":
        case "network_mode":
        case "networks":
        case "depends_on":
        case "restart":
        case "deploy":
        case "gpus":
        case "runtime":
        case "devices":
        case "environment":
        case "env_file":
        case "container_name":
          break; // handled below
        case "command":
        case "entrypoint":
          commandKey(ctx, key, v);
          break;
        case "healthcheck":
          healthKey(ctx, v);
          break;
        case "ports":
          if (portsKey(ctx, v)) anyUnboundPort = true;
          break;
        case "volumes":
          volumesKey(ctx, v);
          break;
        case "secrets":
          secretsKey(ctx, v, secretSteps);
          break;
        case "configs":
          configsKey(ctx, v);
          break;
        default:
          plainKey(ctx, key, v);
      }
    }

    aliasesOf(ctx);

    // environment: env_file first, then environment (which wins).
    const env: Obj = {};
    for (const ef of (s.env_file ?? []) as Obj[]) {
      const text = await read(ef.path);
      if (text === undefined) {
        if (ef.required === false) {
          note(`env_file ${ef.path} (required: false) does not exist: skipped, as compose does`);
          continue;
        }
        refuse(file, n, "env_file", `env file ${ef.path} not found`, "create it, or mark it required: false");
      }
      try {
        for (const [k, x] of parseDotenv(text, p.lookup)) env[k] = x;
      } catch (err) {
        if (err instanceof GrammarError) refuse(ef.path, n, "env_file", err.message, "fix the env file");
        throw err;
      }
      note(`env from env_file ${ef.path}, values inlined as compose passes them`);
    }
    for (const [k, x] of Object.entries((s.environment ?? {}) as Obj)) env[k] = x === null ? "" : String(x);
    if (f.env_script !== undefined) {
      env.LYCHD_SCRIPT = f.env_script;
      delete f.env_script;
    }
    const envOk: Obj = {};
    for (const [k, x] of Object.entries(env)) {
      if (!isEnvName(k)) {
        drop(
          `environment.${k}`,
          `${JSON.stringify(k)} is not a name systemd can pass`,
          "rename the variable",
        );
        continue;
      }
      const val = typeof x === "boolean" || typeof x === "number" ? String(x) : x;
      // deno-lint-ignore no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(val)) {
        drop(
          `environment.${k}`,
          "the value has a newline or control character, which systemd cannot pass",
          "use a secret (type = env) or a file",
        );
        continue;
      }
      envOk[k] = val;
    }
    if (Object.keys(envOk).length) f.env = envOk;

    // GPUs and devices.
    gpuClaims(p, n, s, e, file, opts, warnings, drop);

    restartKey(ctx);
    deployKey(ctx);
    entries.push(e);
  }

  dependsOn(p, entries, droppedServices, warnings);
  const codexName = assignRoles(p, entries, opts);

  if (p.unset.length) {
    warnings.push({
      code: "compose-variables-unset",
      path: "",
      message: `lychd import: variables not set, substituted with "" as compose does: ${p.unset.join(", ")}`,
    });
  }
  for (const [, step] of [...secretSteps].sort()) nextSteps.push(step);

  // Prefix.
  let prefix = opts.name ?? p.name ?? p.lookup("COMPOSE_PROJECT_NAME") ?? p.projectDir.split("/").pop() ??
    "lychd";
  prefix = prefix.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^[^a-z]+/, "").slice(0, 31).replace(
    /-+$/,
    "",
  );
  if (!PREFIX_RE.test(prefix)) {
    throw new ComposeError(
      p.files[0],
      "name",
      `cannot make a sepulcher name from ${JSON.stringify(opts.name ?? p.name)}`,
      "pass --name PREFIX",
    );
  }

  for (const [n, why] of droppedServices) networkNotes.push(`# lychd import: dropped service ${n}: ${why}`);
  const toml = emit(p, entries, codexName, { prefix, network, anyUnboundPort, networkNotes, opts });
  const paths: Record<string, string> = {};
  const dropped: Record<string, string[]> = {};
  for (const e of entries) {
    const cn = codexName.get(e.compose)!;
    paths[e.compose] = e.role === "soulstone"
      ? `soulstones.${cn}`
      : e.role === "service"
      ? `services.${cn}`
      : cn;
    if (e.dropped.length) dropped[e.compose] = e.dropped;
  }
  for (const n of droppedServices.keys()) dropped[n] = ["(service)"];
  return { toml, warnings, nextSteps, paths, dropped };
}
