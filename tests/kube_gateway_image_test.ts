/**
 * The gateway image's contract, as far as it can be checked without building it (the e2e
 * scenario builds the same layout from busybox + deno): Containerfile.gateway puts the entry
 * where the exported Deployment runs it, is tagged as the export's default image, runs the deno
 * these tests run on, and the entry's module graph runs with `--no-config --cached-only` from an
 * empty DENO_DIR (no npm package, no registry at run time), exactly as the Deployment runs it.
 */
import assert from "node:assert/strict";
import { DEFAULT_GATEWAY_IMAGE, GATEWAY_ENTRY } from "../src/kube/gateway.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const file = Deno.readTextFileSync(`${ROOT}Containerfile.gateway`);
const docs = Deno.readTextFileSync(`${ROOT}docs/kubernetes.md`);

Deno.test("Containerfile.gateway: the entry where the Deployment runs it, the default tag, this deno", () => {
  const entry = GATEWAY_ENTRY.slice(GATEWAY_ENTRY.lastIndexOf("/") + 1);
  assert.match(file, new RegExp(`^COPY ${entry} /app/$`, "m"));
  assert.ok(GATEWAY_ENTRY.startsWith("/app/"));
  assert.match(file, /^COPY src\/ \/app\/src\/$/m);
  const build = `podman build -f Containerfile.gateway -t ${DEFAULT_GATEWAY_IMAGE} .`;
  assert.ok(file.includes(build), `the Containerfile says how to build ${DEFAULT_GATEWAY_IMAGE}`);
  assert.ok(docs.includes(build), "docs/kubernetes.md gives the same command");
  assert.match(
    file,
    new RegExp(`^FROM docker\\.io/denoland/deno:${Deno.version.deno.replaceAll(".", "\\.")}$`, "m"),
  );
});

Deno.test("gateway_route.ts runs with --no-config --cached-only from an empty DENO_DIR", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--cached-only",
        "--allow-read",
        `${ROOT}gateway_route.ts`,
        "--routes",
        `${dir}/none.json`,
      ],
      env: { DENO_DIR: `${dir}/deno`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(o.stderr);
    assert.equal(o.code, 1, err);
    assert.equal(
      err,
      `lychd-gateway: ${dir}/none.json does not exist (hint: mount the routing table ConfigMap \`lychd export kubernetes\` writes (<prefix>-gateway-routes))\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
