/**
 * Roles and Codex names of the converted services: `--role` first, a GPU claim makes a
 * soulstone, then image-name heuristics pick the vessel, phylactery and oculus. Singular roles take
 * the role's name (old names stay as aliases, references follow), and soulstones that shared GPUs
 * under compose get `coexists_with`.
 *
 * Pure.
 *
 * @module
 */
import { ComposeError, type Project } from "./project.ts";
import type { ConvertOptions, Entry, ImportRole } from "./model.ts";
import { sameGpu } from "./gpus.ts";

/** Give each entry its role; returns compose service name → Codex name. */
export function assignRoles(p: Project, entries: Entry[], opts: ConvertOptions): Map<string, string> {
  // Roles: --role, GPU claims → soulstone, then image heuristics for the singular roles.
  const taken = new Set<string>();
  for (const e of entries) {
    const forced = opts.roles[e.compose];
    if (forced) {
      if (forced !== "soulstone" && forced !== "service" && taken.has(forced)) {
        throw new ComposeError(
          p.files[0],
          "",
          `--role gives ${forced} to two services`,
          `there is one ${forced}`,
        );
      }
      e.role = forced;
      taken.add(forced);
      e.comments.push(`# role ${forced}: --role`);
    } else if (e.gpu.length) {
      e.role = "soulstone";
      e.comments.push("# role soulstone: it claims GPUs");
    }
  }
  const heuristics: [ImportRole, RegExp, string][] = [
    [
      "phylactery",
      /(^|\/)(postgres|pgvector|postgis|timescaledb|mysql|mariadb|mongo)(:|$)|pgvector/,
      "its image is a database",
    ],
    [
      "oculus",
      /(^|\/)(langfuse(?!-worker)|jaeger|all-in-one|phoenix|arize|opentelemetry-collector|otel|tempo|zipkin|lunary|helicone)[^/]*(:|$)/,
      "its image is tracing/observability",
    ],
    [
      "vessel",
      /(^|\/)(open-webui|librechat|n8n|dify-web|anythingllm|lobe-chat|chatbot-ui|big-agi|flowise|langflow)(:|$)/,
      "its image is an application",
    ],
  ];
  for (const [role, re, why] of heuristics) {
    if (taken.has(role)) continue;
    const hit = entries.find((e) =>
      e.role === "service" && !opts.roles[e.compose] && re.test(e.fields.image)
    );
    if (hit) {
      hit.role = role;
      taken.add(role);
      hit.comments.push(`# role ${role}: ${why} (heuristic; --role ${hit.compose}=service to undo)`);
    }
  }

  // Codex names: singular roles take the role's name; references follow.
  const codexName = new Map<string, string>();
  for (const e of entries) {
    codexName.set(
      e.compose,
      e.role === "vessel" || e.role === "phylactery" || e.role === "oculus" ? e.role : e.name,
    );
    if (codexName.get(e.compose) !== e.name) {
      const a: string[] = e.fields.aliases ?? [];
      if (!a.includes(e.name)) e.fields.aliases = [...a, e.name];
      if (!e.fields.aliases.includes(e.compose) && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.compose)) {
        e.fields.aliases.push(e.compose);
      }
    }
  }
  for (const e of entries) {
    for (const k of ["requires", "wants", "after"]) {
      if (e.fields[k]) e.fields[k] = [...new Set((e.fields[k] as string[]).map((x) => codexName.get(x)!))];
    }
    if (e.fields.aliases) {
      e.fields.aliases = (e.fields.aliases as string[]).filter((a) => a !== codexName.get(e.compose));
    }
    if (e.fields.aliases?.length === 0) delete e.fields.aliases;
  }

  // Soulstones start with the stack (compose started them) and share GPUs they shared there.
  const stones = entries.filter((e) => e.role === "soulstone");
  for (const st of stones) {
    st.fields.autostart ??= true;
    const others = stones.filter((o) => o !== st && o.gpu.some((g) => st.gpu.some((h) => sameGpu(g, h))));
    if (others.length) {
      st.fields.coexists_with = others.map((o) => codexName.get(o.compose)!);
      st.comments.push(
        "# coexists_with: compose ran these together on the same GPUs; remove it to make them take turns",
      );
    }
  }
  for (const e of entries) {
    if (e.role !== "soulstone" && e.gpu.length) {
      e.comments.push("# GPU devices on a non-soulstone: no exclusivity is planned for it");
    }
  }
  return codexName;
}
