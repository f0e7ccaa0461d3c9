/**
 * Loading compose files: each file is parsed (YAML, `!reset` / `!override` as markers),
 * interpolated, type-cast, validated against the official JSON Schema (errors at file:line:col),
 * normalized; then `extends` (same or other file) and `include` (a project of its own, with its
 * own env files; clashing resources refused) are resolved, and the files of a project merged in
 * order.
 *
 * Pure: files are read through `ctx.read`, the schema check is `ctx.schema`.
 *
 * @module
 */
import { LineCounter, parseDocument, visit } from "yaml";
import { GrammarError, interpolate, parseDotenv } from "./text.ts";
import {
  ComposeError,
  type Ctx,
  dirname,
  fieldPath,
  type Loaded,
  type Obj,
  OVERRIDE,
  RESET,
  resolvePath,
} from "./common.ts";
import { castTypes } from "./casts.ts";
import { mergeService, mergeTop, stripMarkers } from "./merge.ts";
import { NormalizeError, normalizeService } from "./normalize.ts";

/** Load files in order and merge them (a project or an include). */
export async function loadMerged(ctx: Ctx, files: string[], baseDir: string): Promise<Loaded> {
  let acc: Loaded = { services: {}, origin: {} };
  for (const f of files) {
    const one = await loadFile(ctx, f, baseDir);
    const origin = { ...acc.origin };
    for (const n of Object.keys(one.services ?? {})) origin[n] = f;
    acc = { ...mergeTop(acc, one), origin };
  }
  return acc;
}

/** One file: parse, interpolate, validate, normalize, include, extends. */
async function loadFile(ctx: Ctx, file: string, baseDir: string): Promise<Loaded> {
  if (ctx.depth > 20) {
    throw new ComposeError(file, "", "include/extends nest deeper than 20 levels (a cycle?)");
  }
  const text = await ctx.read(file);
  if (text === undefined) throw new ComposeError(file, "", "compose file not found");
  const lc = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number | undefined) => {
    if (offset === undefined) return { line: undefined, col: undefined };
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const p = pos(e.pos[0]);
    throw new ComposeError(file, "", e.message.split("\n")[0], "fix the YAML", p.line, p.col);
  }
  // !reset and !override (13-merge.md) become markers the merge understands.
  visit(doc, {
    Node(_key, node) {
      if (node.tag === "!reset") return doc.createNode(RESET);
      if (node.tag === "!override") {
        node.tag = undefined;
        return doc.createNode({ [OVERRIDE]: node });
      }
    },
  });
  const where = (path: (string | number)[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number] } | undefined;
    return pos(node?.range?.[0]);
  };
  let raw: Obj;
  try {
    raw = (doc.toJS({ maxAliasCount: 10000 }) ?? {}) as Obj;
  } catch (e) {
    throw new ComposeError(file, "", (e as Error).message.split("\n")[0]);
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ComposeError(file, "", "the top level is not a mapping");
  }

  // Interpolation of every value (keys are not interpolated).
  const interp = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === "string") {
      try {
        return interpolate(v, ctx.lookup, ctx.unset);
      } catch (e) {
        if (!(e instanceof GrammarError)) throw e;
        const p = where(path);
        throw new ComposeError(file, fieldPath(path), e.message, e.hint, p.line, p.col);
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => interp(x, [...path, i]));
    if (v && typeof v === "object") {
      const o: Obj = {};
      for (const [k, x] of Object.entries(v)) o[k] = interp(x, [...path, k]);
      return o;
    }
    return v;
  };
  const data = castTypes(interp(raw, []) as Obj);

  if (ctx.schema) {
    const errs = ctx.schema(stripMarkers(data));
    if (errs.length) {
      const e = errs[0];
      const p = where(e.path.map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
      throw new ComposeError(
        file,
        fieldPath(e.path),
        e.message,
        "see the Compose Specification (spec.md); lychd validates against its JSON Schema",
        p.line,
        p.col,
      );
    }
  }

  const fileDir = dirname(file);
  const out: Loaded = { services: {}, origin: {} };
  for (const k of ["name", "volumes", "networks", "secrets", "configs"]) {
    if (data[k] !== undefined) out[k] = data[k];
  }
  for (const [name, s] of Object.entries((data.services ?? {}) as Obj)) {
    try {
      out.services[name] = normalizeService(s ?? {}, baseDir, ctx);
    } catch (e) {
      if (!(e instanceof NormalizeError)) throw e;
      const path = ["services", name, ...e.path];
      const p = where(path);
      throw new ComposeError(file, fieldPath(path), e.message, e.hint, p.line, p.col);
    }
    out.origin[name] = file;
  }
  for (const [k, sec] of Object.entries((out.secrets ?? {}) as Obj)) {
    if (sec && typeof sec.file === "string") {
      out.secrets[k] = { ...sec, file: resolvePath(baseDir, sec.file, ctx.home) };
    }
  }
  for (const [k, cfg] of Object.entries((out.configs ?? {}) as Obj)) {
    if (cfg && typeof cfg.file === "string") {
      out.configs[k] = { ...cfg, file: resolvePath(baseDir, cfg.file, ctx.home) };
    }
  }

  // extends (same file or another file, resolved against that file's directory).
  const resolving = new Set<string>();
  const resolveExt = async (name: string): Promise<Obj> => {
    const svc = out.services[name];
    if (!svc?.extends) return svc;
    if (resolving.has(name)) {
      throw new ComposeError(file, `services.${name}.extends`, "extends forms a cycle");
    }
    resolving.add(name);
    const ext = typeof svc.extends === "string" ? { service: svc.extends } : svc.extends;
    let base: Obj | undefined;
    if (ext.file) {
      const other = resolvePath(fileDir, ext.file, ctx.home);
      const loaded = await loadFile({ ...ctx, depth: ctx.depth + 1 }, other, dirname(other));
      base = loaded.services[ext.service];
      if (!base) {
        throw new ComposeError(
          file,
          `services.${name}.extends`,
          `${other} has no service ${JSON.stringify(ext.service)}`,
        );
      }
    } else {
      if (!out.services[ext.service]) {
        throw new ComposeError(
          file,
          `services.${name}.extends`,
          `no service ${JSON.stringify(ext.service)} in this file`,
        );
      }
      base = await resolveExt(ext.service);
    }
    const { extends: _drop, ...own } = svc;
    const merged = mergeService(structuredClone(base), own);
    out.services[name] = merged;
    resolving.delete(name);
    return merged;
  };
  for (const name of Object.keys(out.services)) await resolveExt(name);

  // include: each entry is a project of its own; its resources may not clash with this file's.
  for (const [i, inc] of ((data.include ?? []) as unknown[]).entries()) {
    const spec: Obj = typeof inc === "string" ? { path: inc } : inc as Obj;
    const paths = (Array.isArray(spec.path) ? spec.path : [spec.path]).map((p: string) =>
      resolvePath(fileDir, p, ctx.home)
    );
    const incDir = spec.project_directory
      ? resolvePath(fileDir, spec.project_directory, ctx.home)
      : dirname(paths[0]);
    let lookup = ctx.lookup;
    const envFiles = spec.env_file === undefined
      ? [`${incDir}/.env`]
      : (Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file]).map((p: string) =>
        resolvePath(fileDir, p, ctx.home)
      );
    for (const ef of envFiles) {
      const t = await ctx.read(ef);
      if (t === undefined) {
        if (spec.env_file !== undefined) {
          throw new ComposeError(file, `include[${i}].env_file`, `${ef} not found`);
        }
        continue;
      }
      let vars: Map<string, string>;
      try {
        vars = parseDotenv(t, lookup);
      } catch (e) {
        if (!(e instanceof GrammarError)) throw e;
        throw new ComposeError(ef, "", e.message, e.hint);
      }
      const prev = lookup;
      lookup = (n) => prev(n) ?? vars.get(n);
    }
    const sub = await loadMerged({ ...ctx, lookup, depth: ctx.depth + 1 }, paths, incDir);
    for (const kind of ["services", "volumes", "networks", "secrets", "configs"]) {
      for (const [k, v] of Object.entries((sub[kind] ?? {}) as Obj)) {
        if (out[kind]?.[k] !== undefined) {
          throw new ComposeError(
            file,
            `include[${i}]`,
            `${kind}.${k} is defined both here and in ${paths[0]}`,
            "rename one",
          );
        }
        out[kind] = { ...(out[kind] ?? {}), [k]: v };
        if (kind === "services") out.origin[k] = sub.origin[k];
      }
    }
  }
  return out;
}
