/**
 * When a compose service is healthy, restarts, and starts: `healthcheck` → `health` (or
 * `--no-healthcheck`), `restart` / `deploy.restart_policy` → `restart`, and `depends_on` →
 * `requires` / `wants` / `after`, with `notify_healthy` or `oneshot` on the dependency that a
 * condition waits for.
 *
 * Pure.
 *
 * @module
 */
import type { Warning } from "../warnings.ts";
import type { Obj, Project } from "./project.ts";
import { type Entry, refuse, type ServiceCtx } from "./model.ts";
import { duration } from "./values.ts";

/** `healthcheck:` of one service. */
export function healthKey(ctx: ServiceCtx, v: unknown): void {
  const { n, file, f, drop, note } = ctx;
  const h = v as Obj;
  const test: string[] | undefined = h.test;
  if (h.disable === true || test?.[0] === "NONE") {
    f.podman_args = [...(f.podman_args ?? []), "--no-healthcheck"];
    note("healthcheck disabled → --no-healthcheck");
    return;
  }
  const health: Obj = {};
  // deno-lint-ignore no-control-regex
  if (test?.some((w) => /[\u0000-\u001f\u007f]/.test(String(w)))) {
    drop(
      "healthcheck",
      "the test has a newline or control character, which systemd cannot pass",
      "put it in a script inside the image",
    );
    return;
  }
  if (!test) {
    drop("healthcheck", "sets timings but no test (the image's own check would apply)", "add test:");
    return;
  }
  if (test[0] === "CMD-SHELL") health.cmd = test.slice(1).join(" ");
  else if (test[0] === "CMD") health.cmd = test.slice(1);
  else health.cmd = test;
  for (const k of ["interval", "timeout", "start_period"]) {
    if (h[k] !== undefined) {
      const d = duration(String(h[k]));
      if (d === undefined) {
        refuse(
          file,
          n,
          `healthcheck.${k}`,
          `${JSON.stringify(h[k])} is not a duration`,
          'e.g. "30s"',
        );
      }
      if (d !== "0s") health[k] = d;
    }
  }
  if (h.retries !== undefined) health.retries = Number(h.retries);
  if (h.start_interval !== undefined) {
    note(`healthcheck.start_interval ${h.start_interval}: podman uses interval throughout`);
  }
  f.health = health;
}

/** `restart:` (compose's default is "no"; lychd's is "always"). */
export function restartKey(ctx: ServiceCtx): void {
  const { n, s, file, f, note } = ctx;
  const rp = s.deploy?.restart_policy?.condition;
  const restart = String(
    s.restart ?? (rp === "any" ? "always" : rp === "on-failure" ? "on-failure" : rp ?? "no"),
  );
  if (restart === "no" || restart === "none") f.restart = "no";
  else if (restart === "always") f.restart = "always";
  else if (restart === "unless-stopped") {
    f.restart = "always";
    note("restart: unless-stopped → always (systemd does not restart a unit you stopped)");
  } else if (/^on-failure(:\d+)?$/.test(restart)) {
    f.restart = "on-failure";
    if (restart.includes(":")) {
      note(`restart: ${restart} → on-failure (systemd's StartLimit bounds retries)`);
    }
  } else {refuse(
      file,
      n,
      "restart",
      `unknown restart policy ${JSON.stringify(restart)}`,
      'use "no", "always", "on-failure" or "unless-stopped"',
    );}
}

/** depends_on → requires/wants/after, notify_healthy, oneshot. */
export function dependsOn(
  p: Project,
  entries: Entry[],
  droppedServices: Map<string, string>,
  warnings: Warning[],
): void {
  // depends_on → requires/wants/after, notify_healthy, oneshot.
  const byCompose = new Map(entries.map((e) => [e.compose, e]));
  for (const e of entries) {
    const deps = (p.services[e.compose].depends_on ?? {}) as Obj;
    for (const [dep, d] of Object.entries(deps)) {
      const t = byCompose.get(dep);
      if (!t && droppedServices.has(dep)) {
        e.comments.push(`# lychd import: dropped depends_on ${dep}: that service was dropped`);
        e.dropped.push(`depends_on.${dep}`);
        warnings.push({
          code: "compose-depends-on-dropped",
          path: e.compose,
          message: `dropped depends_on ${dep}: that service was dropped`,
        });
        continue;
      }
      if (!t) continue; // required:false dependency on a disabled service
      const file = p.origin[e.compose];
      const kind = d.required === false ? "wants" : "requires";
      (e.fields[kind] ??= []).push(dep);
      (e.fields.after ??= []).push(dep);
      if (d.condition === "service_healthy") {
        if (!t.fields.health) {
          refuse(
            file,
            e.compose,
            `depends_on.${dep}`,
            `service_healthy, but ${dep} has no healthcheck lychd can see`,
            `add a healthcheck to ${dep} (the image's own HEALTHCHECK is not visible here)`,
          );
        }
        t.fields.notify_healthy = true;
      } else if (d.condition === "service_completed_successfully") {
        if (t.fields.restart === "always") {
          refuse(
            file,
            e.compose,
            `depends_on.${dep}`,
            `service_completed_successfully, but ${dep} restarts always`,
            `set restart: "no" on ${dep}`,
          );
        }
        t.fields.oneshot = true;
      } else if (d.condition !== "service_started") {
        refuse(
          file,
          e.compose,
          `depends_on.${dep}.condition`,
          `unknown condition ${JSON.stringify(d.condition)}`,
          "use service_started, service_healthy or service_completed_successfully",
        );
      }
      e.comments.push(
        `# depends_on ${dep}: ${d.condition}${
          d.required === false ? ", required: false → wants" : " → requires"
        }${d.restart ? ", restart: true (Requires= restarts it with " + dep + ")" : ""}`,
      );
    }
  }
}
