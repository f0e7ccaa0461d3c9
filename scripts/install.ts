/**
 * `deno task install [--root DIR]`: put a `lychd` command on PATH without `denort`, through
 * `deno install --global`, with exactly the audited permission set of src/permissions.ts (the
 * flags the single binary is compiled with), so `lychd permissions` tells the same story.
 *
 * - Where: `deno install`'s own rules: `--root DIR`, else `$DENO_INSTALL_ROOT`, else `~/.deno`;
 *   the command is `<root>/bin/lychd`.
 * - What: a shell shim that runs, with those flags, this checkout's code as JavaScript: the tree
 *   scripts/build_js.ts writes into `<root>/bin/.lychd` (types stripped, lines and columns kept;
 *   Deno loads a `.ts` module from an emit carrying its whole source again as a source map, and a
 *   `.js` one as written: render 0.95–0.97, `--version` 0.93). The install does not depend on
 *   the checkout afterwards; run the task again after changing it.
 * - What loads when: where the permission set may read the install (the default `~/.deno`, under
 *   /home or /root), the shim adds `--unstable-lazy-dynamic-imports`, so a verb's modules are read
 *   when it runs; Deno otherwise reads and analyses the modules of every verb (compose, kube,
 *   gateway, bind…) before running one: render 0.94–0.97, `--version` 0.74. Elsewhere (`--root
 *   /opt/lychd`) it cannot (Deno checks read permission for a module imported after start, and the
 *   audited set is not widened for it): every module is read at start, as from a checkout.
 * - Which Deno: the shim names the Deno that ran this task by its absolute path, so the permission
 *   semantics are those of the audited Deno version even if another `deno` comes first on PATH.
 * - Dependencies: first checked against the committed, frozen `deno.lock` (`deno cache --frozen`),
 *   then installed from that cache into `<root>/bin/.lychd/node_modules` (with `deno install`'s
 *   own lockfile there, which must be allowed to add the entry for lychd itself), so the command
 *   works from any HOME without a warm Deno cache or network. The shim then runs with
 *   `--node-modules-dir=manual`: `auto` would have Deno check that directory against the lockfile
 *   on every start, 10–20 ms of each cold `lychd render` of 1,000 services (BENCHMARKS.md). The
 *   tree's config is then replaced by one that names nothing of the checkout ({@linkcode
 *   runtimeConfig}): the install keeps working once the checkout is moved or deleted.
 *
 * @module
 */
import { compileFlags } from "../src/permissions.ts";
import { V8_FLAGS } from "./v8_flags.ts";
import { build, ENTRIES } from "./build_js.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.execPath();

async function run(args: string[], opts: { quiet?: boolean } = {}): Promise<void> {
  const out = await new Deno.Command(DENO, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: opts.quiet ? "piped" : "inherit",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").find((l) => l.trim()) ?? "";
    throw new Error(`\`deno ${args.slice(0, 2).join(" ")} …\` exited ${out.code}: ${err}`);
  }
}

/**
 * Whether the permission set may read `dir` (one of its `--allow-read=` paths is `dir` or above
 * it): then the installed lychd can load a verb's modules when the verb runs
 * (`--unstable-lazy-dynamic-imports`), since Deno checks read permission for a module imported
 * after start. Elsewhere (`--root /opt/lychd`) every module any verb could load is read at start.
 */
export function readableBy(flags: string[], dir: string): boolean {
  const grants = flags.find((f) => f.startsWith("--allow-read="))?.slice("--allow-read=".length).split(",") ??
    [];
  return grants.some((g) => dir === g || dir.startsWith(g.endsWith("/") ? g : `${g}/`));
}

/**
 * The config the installed tree runs with (the shim's `--config`, also named by the gateway units it
 * renders), from the checkout's: the version (`lychd --version` reads it), the npm imports, the
 * unstable features, and no lockfile. `deno install --global` copies the checkout's config with the
 * checkout linked in as the package `@lychd/lychd` (in the imports and the lockfile's workspace),
 * so that once the checkout was moved or deleted every start failed with "The lockfile is out of
 * date". The packages were checked against the committed lockfile when they were installed
 * (`deno cache --frozen`) and run from the install's own node_modules: at run time there is nothing
 * left to lock. `nodeModulesDir: "manual"` says so for the units too (the gateway, the admission
 * guard: `deno run --config=<tree>/deno.json …`, without the shim's flag), which otherwise read the
 * packages from the user's Deno cache and, once it was cleared, downloaded them at start.
 */
export function runtimeConfig(checkout: {
  version: string;
  imports: Record<string, string>;
  unstable?: string[];
}): {
  version: string;
  imports: Record<string, string>;
  unstable: string[];
  nodeModulesDir: "manual";
  lock: false;
} {
  const imports = Object.fromEntries(
    Object.entries(checkout.imports).filter(([, target]) => target.startsWith("npm:")),
  );
  return {
    version: checkout.version,
    imports,
    unstable: checkout.unstable ?? [],
    nodeModulesDir: "manual",
    lock: false,
  };
}

/** The install root `deno install` will use: `--root`, `$DENO_INSTALL_ROOT`, `~/.deno`. */
export function installRoot(argv: string[], env: (name: string) => string | undefined): string {
  const i = argv.indexOf("--root");
  const flag = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--root="))?.slice(7);
  const root = flag ?? env("DENO_INSTALL_ROOT") ?? `${env("HOME") ?? ""}/.deno`;
  return root.replace(/\/$/, "");
}

async function main(argv: string[]): Promise<number> {
  // Absolute (the shim names the tree by a file URL), a relative one against where `deno task` was
  // typed (INIT_CWD; the task itself runs in the checkout).
  const given = installRoot(argv, (n) => Deno.env.get(n));
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const root = decodeURIComponent(new URL(given, `file://${cwd}/`).pathname).replace(/\/$/, "");
  const bin = `${root}/bin/lychd`;
  const tree = `${root}/bin/.lychd`;
  const lazy = readableBy(compileFlags(), tree);
  // 1. The dependencies, exactly as the committed lockfile pins them.
  await run(["cache", "--frozen", "--quiet", "main.ts"], { quiet: true });
  // 2. The shim, with the compile permission set.
  await run([
    "install",
    "--global",
    "--force",
    "--quiet",
    "--frozen=false",
    "--node-modules-dir=auto",
    "--name",
    "lychd",
    "--root",
    root,
    "--config",
    `${ROOT}/deno.json`,
    ...compileFlags(),
    V8_FLAGS,
    ...(lazy ? ["--unstable-lazy-dynamic-imports"] : []),
    `${ROOT}/main.ts`,
  ]);
  // 3. The JavaScript tree, beside the install's config and node_modules (the files of an earlier
  // build removed first: they are this task's own).
  for (const old of ["src", ...ENTRIES.map((e) => e.replace(/\.ts$/, ".js"))]) {
    await Deno.remove(`${tree}/${old}`, { recursive: true }).catch(() => {});
  }
  build(ROOT, tree);
  // 4. Name this Deno by its absolute path (deno install writes a bare `deno`), run the tree and
  // its node_modules as installed (see the module header).
  const shim = await Deno.readTextFile(bin);
  const edits: [string | RegExp, string][] = [
    [/^exec deno run /m, `exec '${DENO.replaceAll("'", `'"'"'`)}' run `],
    [" --node-modules-dir=auto ", " --node-modules-dir=manual "],
    [`'file://${ROOT}/main.ts'`, `'file://${tree}/main.js'`],
  ];
  let text = shim;
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${bin}: no ${from} in the shim deno install wrote`);
    text = next;
  }
  await Deno.writeTextFile(bin, text);
  // 5. The tree's own config (see runtimeConfig): nothing of it names the checkout.
  await Deno.writeTextFile(
    `${tree}/deno.json`,
    JSON.stringify(runtimeConfig(JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`))), null, 2) + "\n",
  );
  await Deno.remove(`${tree}/deno.lock`).catch(() => {});
  const onPath = (Deno.env.get("PATH") ?? "").split(":").includes(`${root}/bin`);
  console.log(
    `installed ${bin} (runs ${tree}/main.js, built from ${ROOT}, with Deno ${Deno.version.deno} at ${DENO})`,
  );
  if (!lazy) {
    console.log(
      `note: the permission set may not read ${tree}, so every verb's modules load at each start (a few ms; ` +
        "under /home or /root they load with their verb)",
    );
  }
  if (!onPath) console.log(`add it to PATH: export PATH="${root}/bin:$PATH"`);
  if (/\/_npx\//.test(DENO)) {
    console.log("note: this Deno lives in npx's cache; if npx clears it, run `deno task install` again");
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(`install: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
