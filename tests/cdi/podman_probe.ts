/**
 * Ask a real podman (and the CDI library it vendors) what it makes of the corpus: for each spec
 * alone, and for all of them in one directory (the e2e root's /etc/cdi), `podman run --device K=N` for
 * every device of the truth table. Records whether podman RESOLVED the device (any outcome but
 * "unresolvable CDI devices": a missing host node or hook fails later, after resolution) and the
 * library's load errors it logs ("CDI registry refresh failed"). Prints JSON on stdout.
 *
 * Runs INSIDE the e2e root (it needs podman and localhost/busybox:latest):
 *
 *   flock /tmp/lychd-e2e.lock bash -c 'export LYCHD_E2E=1; bash scripts/e2e-host.sh start &&
 *     bash scripts/e2e-host.sh exec deno run -A tests/cdi/podman_probe.ts > tests/cdi/podman-observed.json;
 *     bash scripts/e2e-host.sh stop'
 *
 * tests/cdi_corpus_test.ts compares lychd's reading with the recorded observation.
 *
 * @module
 */
import { TRUTH } from "./truth.ts";

const SPECS = new URL("./specs/", import.meta.url).pathname;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("timeout", { args: ["120", ...args], stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/**
 * podman 5.4 has no --cdi-spec-dir flag, and ignored a containers.conf override here: the specs go
 * into the e2e root's own /etc/cdi (its previous content is put back at the end).
 */
const ETC = "/etc/cdi";
async function install(files: string[]): Promise<void> {
  for (const e of [...Deno.readDirSync(ETC)]) await Deno.remove(`${ETC}/${e.name}`, { recursive: true });
  for (const f of files) await Deno.copyFile(`${SPECS}${f}`, `${ETC}/${f}`);
}

async function probe(device: string) {
  const r = await run([
    "podman",
    "--log-level=debug",
    "run",
    "--rm",
    "--device",
    device,
    "localhost/busybox:latest",
    "true",
  ]);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  return {
    device,
    resolved: !/unresolvable CDI devices/.test(r.stderr),
    exit: r.code,
    // The library's load errors, as podman logs them (debug level and up).
    refresh: lines.filter((l) =>
      /CDI (registry|Spec|spec)|conflicting device/.test(l) && /fail|conflict|invalid/.test(l)
    )
      .map((l) => l.replace(/^time="[^"]*" level=/, "")),
    error: lines.filter((l) => l.startsWith("Error: ")).slice(-1)[0] ?? "",
  };
}

const version = (await run(["podman", "--version"])).stdout.trim();
const devicesOf = (t: (typeof TRUTH)[number]) =>
  t.loads ? Object.keys(t.hardware).map((n) => `${t.kind}=${n}`) : [t.probe ?? "vendor.com/device=myDevice"];

await Deno.mkdir(ETC, { recursive: true });
const saved = `${ETC}.probe-saved`; // same file system as /etc/cdi, for rename
await Deno.mkdir(saved);
for (const e of [...Deno.readDirSync(ETC)]) await Deno.rename(`${ETC}/${e.name}`, `${saved}/${e.name}`);
try {
  const alone = [];
  for (const t of TRUTH) {
    await install([t.file]);
    const results = [];
    for (const d of devicesOf(t)) results.push(await probe(d));
    alone.push({ file: t.file, results });
  }
  await install(TRUTH.map((t) => t.file));
  const together = [];
  for (const t of TRUTH) if (t.loads) { for (const d of devicesOf(t)) together.push(await probe(d)); }
  console.log(JSON.stringify({ podman: version, alone, together }, null, 2));
} finally {
  await install([]);
  for (const e of [...Deno.readDirSync(saved)]) await Deno.rename(`${saved}/${e.name}`, `${ETC}/${e.name}`);
  await Deno.remove(saved, { recursive: true });
}
