import assert from "node:assert/strict";
import { fakeHost } from "../host/_fake.ts";
import { BindError } from "./errors.ts";
import {
  checkOwned,
  MANIFEST_FILE,
  ownedFiles,
  parseManifest,
  serializeManifest,
  sha256,
} from "./manifest.ts";

Deno.test("sha256() hashes the UTF-8 bytes as lowercase hex", () => {
  assert.equal(sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(sha256("é"), "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
  assert.notEqual(sha256("a"), sha256("b"));
});

Deno.test("serializeManifest() sorts files and is stable", () => {
  const text = serializeManifest({
    version: 1,
    codex: "/c.toml",
    files: { "/b": sha256("b"), "/a": sha256("a") },
  });
  assert.equal(
    text,
    `{\n  "version": 1,\n  "codex": "/c.toml",\n  "files": {\n    "/a": "${sha256("a")}",\n    "/b": "${
      sha256("b")
    }"\n  }\n}\n`,
  );
  assert.deepEqual(parseManifest(text, "/m"), {
    version: 1,
    codex: "/c.toml",
    files: { "/a": sha256("a"), "/b": sha256("b") },
  });
});

Deno.test("parseManifest() refuses malformed manifests, naming the file", () => {
  const cases: [string, RegExp][] = [
    ["[]", /expected a JSON object/],
    [`{"version":2,"codex":"/c","files":{}}`, /unsupported version 2/],
    [`{"version":1,"files":{}}`, /"codex" must be a string/],
    [`{"version":1,"codex":"/c","files":{"rel":"${sha256("")}"}}`, /file "rel" is not an absolute path/],
    [`{"version":1,"codex":"/c","files":{"/a":"nope"}}`, /file "\/a" has no sha256/],
    ["{", /^"\/d\/m" is not a lychd manifest: /],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseManifest(text, "/d/m"),
      (e) => e instanceof BindError && pattern.test(e.message),
      text,
    );
  }
});

Deno.test("ownedFiles() and checkOwned() report owned files and their drift", async () => {
  const host = fakeHost();
  assert.equal(await ownedFiles(host, "/u"), undefined);
  host.fs.put(
    `/u/${MANIFEST_FILE}`,
    serializeManifest({
      version: 1,
      codex: "/c.toml",
      files: { "/u/a.container": sha256("A"), "/u/b.container": sha256("B"), "/u/c.container": sha256("C") },
    }),
  );
  host.fs.put("/u/a.container", "A");
  host.fs.put("/u/b.container", "B edited");
  const manifest = await ownedFiles(host, "/u");
  assert.deepEqual(Object.keys(manifest!.files), ["/u/a.container", "/u/b.container", "/u/c.container"]);
  assert.deepEqual(await checkOwned(host.fs, manifest!), [
    { path: "/u/a.container", state: "ok" },
    { path: "/u/b.container", state: "edited" },
    { path: "/u/c.container", state: "vanished" },
  ]);
});
