/**
 * Golden Kubernetes manifests: the default, gateway, pod and topology8 cases in both GPU modes, byte for
 * byte (`deno task test:update` rewrites tests/golden-kube/<case>/<mode>/).
 */
import assert from "node:assert/strict";
import { goldenCases } from "./lib/golden.ts";
import { caseFiles, KUBE_GOLDEN_DIR, MODES } from "./lib/kube.ts";

const update = Deno.args.includes("--update");
const CASES = ["default", "gateway", "pod", "topology8"];

for (const c of goldenCases().filter((g) => CASES.includes(g.name))) {
  for (const mode of MODES) {
    Deno.test(`kube golden ${c.name} ${mode}: manifests match byte for byte`, () => {
      const files = caseFiles(c, mode);
      const dir = `${KUBE_GOLDEN_DIR}${c.name}/${mode}`;
      if (update) {
        try {
          Deno.removeSync(dir, { recursive: true });
        } catch { /* fresh */ }
        Deno.mkdirSync(dir, { recursive: true });
        for (const f of files) Deno.writeTextFileSync(`${dir}/${f.name}`, f.text);
        return;
      }
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(
        files.map((f) => f.name).sort(),
        names,
        "the set of files differs (deno task test:update)",
      );
      for (const f of files) {
        assert.equal(
          f.text,
          Deno.readTextFileSync(`${dir}/${f.name}`),
          `${c.name}/${mode}/${f.name} differs`,
        );
      }
    });
  }
}

Deno.test("kube golden: every case exists", () => {
  assert.deepEqual(goldenCases().filter((g) => CASES.includes(g.name)).map((g) => g.name), CASES);
});

Deno.test("kube golden: exporting twice gives identical bytes", () => {
  for (const c of goldenCases()) for (const m of MODES) assert.deepEqual(caseFiles(c, m), caseFiles(c, m));
});
