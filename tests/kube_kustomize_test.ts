/**
 * A second real consumer, when kubectl is on PATH: `kubectl kustomize` (kustomize's own reader)
 * builds every golden export directory and yields exactly the objects the files hold. Offline;
 * no cluster. Without kubectl the test is skipped with a warning (LYCHD_REQUIRE_KUBECTL=1 makes
 * that a failure).
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { KUBE_GOLDEN_DIR } from "./lib/kube.ts";

async function kubectl(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  try {
    const o = await new Deno.Command("kubectl", { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
  } catch {
    return undefined;
  }
}

const available = (await kubectl(["version", "--client"]))?.code === 0;
const required = Deno.env.get("LYCHD_REQUIRE_KUBECTL") === "1";
if (!available && !required) console.warn("tests/kube_kustomize_test.ts: kubectl not found; skipped");

const dirs: string[] = [];
for (const c of [...Deno.readDirSync(KUBE_GOLDEN_DIR)].map((e) => e.name).sort()) {
  for (const m of [...Deno.readDirSync(`${KUBE_GOLDEN_DIR}${c}`)].map((e) => e.name).sort()) {
    dirs.push(`${c}/${m}`);
  }
}

Deno.test({
  name: "kubectl kustomize builds every golden export directory",
  ignore: !available && !required,
  async fn() {
    assert.ok(dirs.length >= 6);
    for (const d of dirs) {
      const dir = `${KUBE_GOLDEN_DIR}${d}`;
      const r = await kubectl(["kustomize", dir]);
      assert.ok(r, "kubectl not found");
      assert.equal(r.code, 0, `${d}: ${r.stderr}`);
      const built = parseAllDocuments(r.stdout).map((x) => x.toJS()).filter(Boolean);
      const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "kustomization.yaml");
      const own = files.map((f) =>
        parseAllDocuments(Deno.readTextFileSync(`${dir}/${f}`), { version: "1.1" })[0].toJS()
      );
      const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
      assert.deepEqual(built.map(key).sort(), own.map(key).sort(), d);
      // kustomize changes no value (it only reorders keys).
      const byKey = new Map(own.map((o) => [key(o), o]));
      for (const b of built) assert.deepEqual(b, byKey.get(key(b)), `${d} ${key(b)}`);
    }
  },
});
