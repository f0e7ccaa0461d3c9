/**
 * What the gateway's end-to-end scenarios (gateway_scenarios.ts) use on the real host: the paths,
 * key and address of the scenario, running lychd, systemctl and journalctl, chat requests and
 * metrics against the gateway, waiting for a condition, and importing the fake OpenAI image.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Out, sh } from "./shell.ts";

/** How lychd runs: `deno run -A` of this checkout, or the installed command (`useInstalled`). */
let PROGRAM = Deno.execPath();
let LYCHD = ["run", "-A", "/lychd/main.ts"];
export const CODEX = "/root/.config/lychd/codex.toml";
export const KEY_FILE = "/root/.config/lychd/gateway.key";
export const KEY = "e2e-gateway-key-0123456789";
export const GW = "http://127.0.0.1:4000";
const IMAGE = "localhost/lychd-fake-openai:latest";
export const U = (n: string) => `gwe-soulstone-${n}.service`;
export const PROBE_DIR = "/root/gwe-probe";

export { type Out, sh };
export const lychd = (...args: string[]) => sh(PROGRAM, [...LYCHD, ...args]);

/**
 * From here on, lychd is the command `deno task install` puts in `root` (its shim: the audited
 * permission set, the JavaScript copy of the code); the units it binds run that copy's gateway.
 */
export async function useInstalled(root: string): Promise<string> {
  const o = await sh(Deno.execPath(), ["run", "-A", "/lychd/scripts/install.ts", "--root", root]);
  if (o.code !== 0) assert.fail(`deno task install failed (exit ${o.code})\n${o.stdout}${o.stderr}`);
  PROGRAM = `${root}/bin/lychd`;
  LYCHD = [];
  return PROGRAM;
}
export const sctl = (...args: string[]) => sh("systemctl", ["--user", ...args]);
export const state = async (u: string) =>
  (await sctl("show", "-p", "ActiveState", "--value", u)).stdout.trim();
export const prop = async (u: string, p: string) => (await sctl("show", "-p", p, "--value", u)).stdout.trim();
export async function ok(o: Out, what: string): Promise<Out> {
  if (o.code !== 0) {
    const st = await sctl("status", "--no-pager", "-l", "gwe-gateway.service", "gwe-gateway-proxy.service");
    const j = await sh("journalctl", ["--user", "-n", "60", "--no-pager"]);
    assert.fail(`${what} failed (exit ${o.code})\n${o.stdout}${o.stderr}\n${st.stdout}\n${j.stdout}`);
  }
  return o;
}
export const auth = { authorization: `Bearer ${KEY}` };

export async function gatewayLogs(): Promise<string> {
  const j = await sh("journalctl", [
    "--user",
    "-u",
    "gwe-gateway.service",
    "-u",
    "gwe-gateway-proxy.service",
    "--no-pager",
    "-n",
    "40",
  ]);
  return j.stdout + j.stderr;
}

export async function chat(model: string, stream = false, key = KEY) {
  const r = await fetch(`${GW}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
    signal: AbortSignal.timeout(150_000),
  });
  const text = await r.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch { /* SSE */ }
  return { status: r.status, text, json, headers: r.headers };
}

export async function metric(name: string): Promise<number> {
  const t = await (await fetch(`${GW}/metrics`, { headers: auth })).text();
  return t.split("\n").filter((l) => l.startsWith(name)).reduce((s, l) => s + Number(l.split(" ").pop()), 0);
}

export async function waitFor(what: string, f: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** busybox + deno (+ its shared libraries) + the fake server, imported as an image. */
export async function importImage(): Promise<void> {
  if ((await sh("podman", ["image", "exists", IMAGE])).code === 0) return;
  await ok(
    await sh("sh", [
      "-c",
      `set -e; d=/tmp/fake-openai-image; rm -rf $d; mkdir -p $d/bin $d/usr/local/bin $d/srv $d/tmp
chmod 1777 $d/tmp
cp "$(readlink -f /bin/busybox)" $d/bin/busybox; ln -s busybox $d/bin/sh
cp -L /usr/local/bin/deno $d/usr/local/bin/deno
for lib in $(ldd /usr/local/bin/deno | grep -o '/[^ ]*'); do mkdir -p "$d$(dirname $lib)"; cp -L "$lib" "$d$lib"; done
cp /lychd/tests/fixtures/fake_openai.ts $d/srv/
tar -C $d --numeric-owner -cf /tmp/fake-openai.tar .
podman import -q --change 'ENV DENO_DIR=/tmp/deno HOME=/tmp' \
  --change 'CMD ["/usr/local/bin/deno","run","--quiet","--allow-net","--allow-env","/srv/fake_openai.ts"]' \
  /tmp/fake-openai.tar ${IMAGE} >/dev/null
rm -rf $d /tmp/fake-openai.tar`,
    ]),
    "importing the fake OpenAI image",
  );
}
