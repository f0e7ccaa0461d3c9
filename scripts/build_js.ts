/**
 * The JavaScript tree `deno task install` runs: every module of `src/` and the three entry points
 * (main.ts, gateway.ts, gateway_route.ts) with their TypeScript types stripped, as `.js` files
 * beside the install's config and node_modules.
 *
 * Why: Deno runs a `.ts` module from an emitted copy that carries an inline source map holding the
 * whole source (3–4× the bytes to read and hand to V8 on every start), and a `.js` module as
 * written. A cold `lychd render` of 1,000 services loads ~70 modules (BENCHMARKS.md, fourth round).
 *
 * How: `stripTypeScriptTypes` of `node:module` (Deno's, no dependency): types are replaced by
 * blanks, so every line and column stays where it is in the `.ts` file and a stack trace points
 * at the source; the few modules with TypeScript-only syntax that has a runtime meaning
 * (constructor parameter properties) are transformed instead. Relative import specifiers ending
 * in `.ts` become `.js` (the same length). A module importing only types by name would break at
 * load: `build()` loads every built entry point's graph before it returns (tests/install_test.ts).
 * JSON modules are copied.
 *
 * @module
 */
import { stripTypeScriptTypes } from "node:module";

/** The entry points besides src/. */
export const ENTRIES = ["main.ts", "gateway.ts", "gateway_route.ts"];

/** Relative `.ts` specifiers of import/export statements and dynamic imports → `.js`. */
function rewriteSpecifiers(js: string): string {
  return js.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"'\n]*)\.ts\2/g,
    (_m, lead: string, q: string, spec: string) => `${lead}${q}${spec}.js${q}`,
  );
}

/** One module's JavaScript: types stripped (positions kept), specifiers rewritten. */
function toJs(ts: string): string {
  let js: string;
  try {
    js = stripTypeScriptTypes(ts, { mode: "strip" });
  } catch {
    js = stripTypeScriptTypes(ts, { mode: "transform", sourceMap: false });
  }
  return rewriteSpecifiers(js);
}

/** Whether a file of src/ belongs in the tree (tests and test-only `_` modules do not). */
function shipped(name: string): boolean {
  return !name.startsWith("_") && !name.endsWith("_test.ts") && !name.endsWith(".d.ts");
}

/** Write the tree of checkout `root` into `out` (created). Returns the number of files. */
export function build(root: string, out: string): number {
  let n = 0;
  const put = (rel: string, text: string) => {
    const path = `${out}/${rel}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, text);
    n++;
  };
  const walk = (rel: string) => {
    for (const e of [...Deno.readDirSync(`${root}/${rel}`)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (!shipped(e.name)) continue;
      else if (e.name.endsWith(".ts")) {
        put(p.replace(/\.ts$/, ".js"), toJs(Deno.readTextFileSync(`${root}/${p}`)));
      } else if (e.name.endsWith(".js")) put(p, rewriteSpecifiers(Deno.readTextFileSync(`${root}/${p}`)));
      else if (e.name.endsWith(".json")) put(p, Deno.readTextFileSync(`${root}/${p}`));
    }
  };
  walk("src");
  for (const entry of ENTRIES) {
    put(entry.replace(/\.ts$/, ".js"), toJs(Deno.readTextFileSync(`${root}/${entry}`)));
  }
  return n;
}
