/**
 * The editor schema (`lychd schema`, `codex.schema.json`): generated from the zod schema, it
 * accepts every golden Codex and the embedded default, and rejects what the loader rejects for
 * shape reasons (unknown key, wrong type, bad enum, missing image, version 2).
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { codexJsonSchema } from "../src/codex/jsonschema.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { loadCodex } from "../src/codex/load.ts";
// Words schema rejections (loaded lazily by the CLI; a synchronous caller imports it once).
import "../src/codex/explain.ts";
import { CodexError } from "../src/codex/errors.ts";
import { fakeHost } from "../src/host/_fake.ts";
import { ROOT, runInProcess } from "./lib/cli.ts";
import { type Schema, validate } from "./lib/jsonschema.ts";

const schema = codexJsonSchema() as Schema;

async function goldenCodexes(): Promise<{ name: string; text: string }[]> {
  const out = [{ name: "embedded default", text: DEFAULT_CODEX }];
  for await (const e of Deno.readDir(`${ROOT}/tests/golden`)) {
    const file = `${ROOT}/tests/golden/${e.name}/codex.toml`;
    try {
      out.push({ name: e.name, text: await Deno.readTextFile(file) });
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err; // a case may use the default
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

Deno.test("the schema is draft 2020-12 JSON with the Codex's top-level keys", () => {
  const s = codexJsonSchema() as Record<string, unknown>;
  assert.equal(s.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(s.type, "object");
  assert.equal(s.additionalProperties, false);
  assert.deepEqual(s.required, ["version"]);
  const props = Object.keys(s.properties as object).sort();
  assert.deepEqual(props, [
    "gateway",
    "gpu",
    "oculus",
    "phylactery",
    "sepulcher",
    "services",
    "soulstones",
    "version",
    "vessel",
    "volumes",
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, "plain JSON (no functions, no undefined)");
  assert.ok(
    DEFAULT_CODEX.startsWith("#:schema ./codex.schema.json\n"),
    "the default Codex points taplo at it",
  );
});

Deno.test("the schema accepts every golden Codex and the embedded default", async () => {
  const cases = await goldenCodexes();
  assert.ok(cases.length >= 5, cases.map((c) => c.name).join(", "));
  for (const c of cases) {
    assert.deepEqual(validate(schema, parseToml(c.text)), [], c.name);
  }
});

const BAD: { name: string; text: string; want: RegExp }[] = [
  { name: "unknown top-level key", text: 'version = 1\nsepulchre = { name = "x" }\n', want: /sepulchre/ },
  {
    name: "unknown service key",
    text: 'version = 1\n[vessel]\nimage = "nginx"\nimgae = "x"\n',
    want: /\$\.vessel\.imgae/,
  },
  {
    name: "wrong type",
    text: 'version = 1\n[vessel]\nimage = "nginx"\nports = "8080:80"\n',
    want: /\$\.vessel\.ports: want array/,
  },
  {
    name: "bad enum",
    text: 'version = 1\n[sepulcher]\nnetwork = "overlay"\n',
    want: /\$\.sepulcher\.network: "overlay" is not one of/,
  },
  {
    name: "missing image",
    text: 'version = 1\n[soulstones.vllm]\ndevices = ["nvidia.com/gpu=0"]\n',
    want: /\$\.soulstones\.vllm: missing image/,
  },
  { name: "version 2", text: "version = 2\n", want: /\$\.version: want 1/ },
  { name: "no version", text: '[vessel]\nimage = "nginx"\n', want: /\$: missing version/ },
  {
    name: "bad soulstone name",
    text: 'version = 1\n[soulstones.Big]\nimage = "x"\n',
    want: /\$\.soulstones\.Big \(name\)/,
  },
  {
    name: "cpus not positive",
    text: 'version = 1\n[vessel]\nimage = "nginx"\ncpus = 0\n',
    want: /\$\.vessel\.cpus: not above 0/,
  },
];

Deno.test("the schema rejects bad Codexes, and so does the loader", async (t) => {
  for (const b of BAD) {
    await t.step(b.name, () => {
      const errs = validate(schema, parseToml(b.text));
      assert.ok(errs.some((e) => b.want.test(e)), `${b.name}: ${JSON.stringify(errs)}`);
      assert.throws(() => loadCodex(b.text, "/x/codex.toml"), CodexError, b.name);
    });
  }
});

Deno.test("`lychd schema` prints the same schema; init writes it beside the Codex", async () => {
  const host = fakeHost({ env: { HOME: "/home/u" }, cwd: "/home/u", implicitDirs: true });
  const printed = await runInProcess(host, ["schema"]);
  assert.equal(printed.code, 0);
  assert.equal(printed.stderr, "");
  assert.deepEqual(JSON.parse(printed.stdout), codexJsonSchema());
  const init = await runInProcess(host, ["init", "--quiet"]);
  assert.equal(init.code, 0, init.stderr);
  const written = await host.fs.readTextFile("/home/u/.config/lychd/codex.schema.json");
  assert.equal(written, printed.stdout);
  assert.equal(await host.fs.readTextFile("/home/u/.config/lychd/codex.toml"), DEFAULT_CODEX);
});
