/**
 * The gateway's Kubernetes export, run for real: on the e2e host, `podman kube play` runs the
 * exported Deployments of tests/e2e/kube/gateway_codex.toml (two fake OpenAI soulstones + lychd's
 * route-only gateway, its routing-table ConfigMap and its key Secret), and the gateway routes each
 * model to its own pod by the soulstones' Service names. Runs INSIDE the e2e root
 * (scripts/e2e.sh); lychd is the working tree's main.ts, the gateway image is built here from
 * busybox + deno + this checkout's gateway (the layout Containerfile.gateway gives: /app).
 *
 * Podman ignores Services, so Service names do not resolve by themselves: each Deployment is
 * played on a DNS-enabled Podman network with its Service's name as a network alias
 * (`--network kgw:alias=alpha`), which is what a Service gives on a cluster. docs/kubernetes.md
 * lists it among what kube play lacks.
 */
import assert from "node:assert/strict";
import { ok, sh } from "./shell.ts";

const LYCHD = ["run", "-A", "/lychd/main.ts"];
const CODEX = "/lychd/tests/e2e/kube/gateway_codex.toml";
const DIR = "/var/lib/lychd-e2e-kube-gw";
const OUT = `${DIR}/out`;
const KEY_FILE = `${DIR}/gateway.key`;
const KEY = "kgw-e2e-key-0123456789";
const NET = "kgw";
const GW = "http://127.0.0.1:14000";
const GW_IMAGE = "localhost/lychd-gateway-e2e:latest";
const FAKE_IMAGE = "localhost/lychd-fake-openai:latest";
const STONES = { alpha: "kgw-soulstone-alpha", bravo: "kgw-soulstone-bravo" };

/** busybox + deno (+ its shared libraries) + files, imported as an image. */
async function importImage(ref: string, copy: string, env: string, cmd: string): Promise<void> {
  ok(
    await sh("sh", [
      "-c",
      `set -e; d=$(mktemp -d); mkdir -p $d/bin $d/usr/local/bin $d/tmp; chmod 1777 $d/tmp
cp "$(readlink -f /bin/busybox)" $d/bin/busybox; ln -s busybox $d/bin/sh
cp -L /usr/local/bin/deno $d/usr/local/bin/deno
for lib in $(ldd /usr/local/bin/deno | grep -o '/[^ ]*'); do mkdir -p "$d$(dirname $lib)"; cp -L "$lib" "$d$lib"; done
${copy}
tar -C $d --numeric-owner -cf $d.tar .
podman rmi -f ${ref} >/dev/null 2>&1 || true
podman import -q --change '${env}' --change '${cmd}' $d.tar ${ref} >/dev/null
rm -rf $d $d.tar`,
    ]),
  );
}

async function chat(model: string, opts: { stream?: boolean; key?: string } = {}) {
  const r = await fetch(`${GW}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${opts.key ?? KEY}` },
    body: JSON.stringify({
      model,
      stream: opts.stream ?? false,
      messages: [{ role: "user", content: "hi" }],
    }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await r.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch { /* SSE */ }
  return { status: r.status, text, json, headers: r.headers };
}

async function waitHttp(url: string, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 4; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.body?.cancel();
      if (r.ok) return true;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const files = (names: string[]) => names.map((n) => `${OUT}/${n}`);
const plays: string[][] = [];

async function cleanup(): Promise<void> {
  for (const p of plays) await sh("podman", ["kube", "down", ...p]);
  for (const s of Object.values(STONES)) await sh("podman", ["pod", "rm", "-f", `${s}-pod`]);
  await sh("podman", ["pod", "rm", "-f", "kgw-gateway-pod"]);
  await sh("podman", ["secret", "rm", "kgw-gateway-key"]);
  await sh("podman", ["network", "rm", "-f", NET]);
}

Deno.test({
  name: "e2e kube gateway: podman kube play runs the exported gateway, which routes each model to its pod",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await cleanup();
    await sh("sh", ["-c", `rm -rf ${DIR} && mkdir -p ${OUT}`]);
    await Deno.writeTextFile(KEY_FILE, `${KEY}\n`, { mode: 0o600 });
    try {
      await t.step(
        "images: the fake OpenAI server and the gateway (the layout Containerfile.gateway gives)",
        async () => {
          await importImage(
            FAKE_IMAGE,
            "mkdir -p $d/srv; cp /lychd/tests/fixtures/fake_openai.ts $d/srv/",
            "ENV DENO_DIR=/tmp/deno HOME=/tmp",
            'CMD ["/usr/local/bin/deno","run","--quiet","--allow-net","--allow-env","/srv/fake_openai.ts"]',
          );
          await importImage(
            GW_IMAGE,
            "mkdir -p $d/app; cp /lychd/gateway_route.ts $d/app/; cp -r /lychd/src $d/app/src",
            "ENV DENO_DIR=/tmp/deno HOME=/tmp PATH=/usr/local/bin:/bin",
            'CMD ["deno","--version"]',
          );
        },
      );

      await t.step(
        "lychd export kubernetes writes the gateway's objects and the Secret's command",
        async () => {
          const exp = ok(
            await sh(Deno.execPath(), [
              ...LYCHD,
              "export",
              "kubernetes",
              "--codex",
              CODEX,
              "--out",
              OUT,
              "--gateway-image",
              GW_IMAGE,
            ]),
          );
          console.log(exp.stderr);
          assert.match(
            exp.stderr,
            /kubectl create secret generic kgw-gateway-key --from-file=value=\/var\/lib\/lychd-e2e-kube-gw\/gateway\.key/,
          );
          assert.doesNotMatch(exp.stderr, /not exported yet/);
          const names = [...Deno.readDirSync(OUT)].map((e) => e.name).sort();
          for (
            const f of [
              "configmap-kgw-gateway-routes.yaml",
              "deployment-kgw-gateway.yaml",
              "service-gateway.yaml",
              "deployment-kgw-soulstone-alpha.yaml",
              "service-alpha.yaml",
            ]
          ) assert.ok(names.includes(f), `${f} in ${names.join(" ")}`);
          // The Secret as `kubectl create secret generic --from-file=value=KEY_FILE` would make it.
          await Deno.writeTextFile(
            `${DIR}/secret.yaml`,
            `apiVersion: v1\nkind: Secret\nmetadata:\n  name: kgw-gateway-key\ntype: Opaque\ndata:\n  value: ${
              btoa(await Deno.readTextFile(KEY_FILE))
            }\n`,
          );
        },
      );

      await t.step(
        "podman kube play runs the stones and the gateway, each under its Service's name",
        async () => {
          ok(await sh("podman", ["network", "create", NET]));
          const secret = ok(await sh("podman", ["kube", "play", `${DIR}/secret.yaml`]));
          console.log(`$ podman kube play secret.yaml\n${secret.stdout}${secret.stderr}`);
          for (const [svc, dep] of Object.entries(STONES)) {
            const p = files([`deployment-${dep}.yaml`]);
            plays.push(p);
            const play = await sh("podman", [
              "kube",
              "play",
              "--replace",
              "--network",
              `${NET}:alias=${svc}`,
              ...p,
            ]);
            console.log(`$ ${play.cmd}\n${play.stdout}${play.stderr}`);
            ok(play);
          }
          const gw = files(["deployment-kgw-gateway.yaml"]);
          plays.push(gw);
          const play = await sh("podman", [
            "kube",
            "play",
            "--replace",
            "--network",
            `${NET}:alias=gateway`,
            "--publish",
            "127.0.0.1:14000:14000",
            "--configmap",
            `${OUT}/configmap-kgw-gateway-routes.yaml`,
            ...gw,
          ]);
          console.log(`$ ${play.cmd}\n${play.stdout}${play.stderr}`);
          ok(play);
          const up = await waitHttp(`${GW}/health`, 60);
          const logs = await sh("podman", ["logs", "kgw-gateway-pod-gateway"]);
          console.log(`gateway log: ${logs.stdout}${logs.stderr}`);
          assert.ok(up, `the gateway answers /health\n${logs.stdout}${logs.stderr}`);
          assert.match(logs.stderr + logs.stdout, /routing 3 model ids on 0\.0\.0\.0:14000 \(route-only\)/);
          const ps = ok(await sh("podman", ["ps", "--format", "{{.Names}} {{.Status}}"]));
          console.log(ps.stdout);
        },
      );

      await t.step("/v1/models, the key, and a chat completion per model reach the right pod", async () => {
        const none = await fetch(`${GW}/v1/models`);
        assert.equal(none.status, 401);
        await none.body?.cancel();
        const models = await (await fetch(`${GW}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } }))
          .json();
        assert.deepEqual(models.data.map((m: { id: string }) => m.id), ["alpha-7b", "a", "bravo-1"]);
        for (
          const [model, server, served] of [["alpha-7b", "alpha", "org/Alpha-7B"], [
            "a",
            "alpha",
            "org/Alpha-7B",
          ], ["bravo-1", "bravo", "bravo-1"]]
        ) {
          const r = await chat(model);
          console.log(`${model} → ${r.status} ${r.text}`);
          assert.equal(r.status, 200, r.text);
          assert.equal(r.json!.server, server, `${model} answered by ${server}`);
          assert.equal(r.json!.model, served, "model rewritten to served_name");
        }
        const s = await chat("bravo-1", { stream: true });
        assert.equal(s.status, 200);
        assert.match(s.text, /"server":"bravo"/);
        assert.match(s.text, /data: \[DONE\]/);
        const nf = await chat("nope");
        assert.equal(nf.status, 404);
        assert.equal((nf.json!.error as Record<string, unknown>).code, "model_not_found");
      });

      await t.step(
        "a stone that is down: its requests wait, 503 + Retry-After past queue_timeout, then it serves again",
        async () => {
          ok(await sh("podman", ["pod", "stop", "-t", "2", `${STONES.bravo}-pod`]));
          const t0 = Date.now();
          const down = await chat("bravo-1");
          const waited = Date.now() - t0;
          console.log(
            `bravo-1 while down → ${down.status} after ${waited} ms, Retry-After ${
              down.headers.get("retry-after")
            }: ${down.text}`,
          );
          assert.equal(down.status, 503, down.text);
          assert.equal(down.headers.get("retry-after"), "4");
          assert.ok(waited >= 3500, `waited queue_timeout (4s), not ${waited} ms`);
          // alpha is unaffected meanwhile.
          assert.equal((await chat("a")).status, 200);
          // The pod comes back while a request waits: the request goes through.
          const pending = chat("bravo-1");
          await new Promise((r) => setTimeout(r, 300));
          ok(await sh("podman", ["pod", "start", `${STONES.bravo}-pod`]));
          const back = await pending;
          console.log(`bravo-1 while starting → ${back.status} ${back.text}`);
          assert.equal(back.status, 200, back.text);
          assert.equal(back.json!.server, "bravo");
        },
      );

      await t.step("what podman made of the probes and the security context", async () => {
        const fmt = "{{json .Config.Healthcheck}} caps={{json .EffectiveCaps}} user={{.Config.User}}";
        const gw = ok(await sh("podman", ["inspect", "--format", fmt, "kgw-gateway-pod-gateway"])).stdout
          .trim();
        console.log(`gateway container: ${gw}`);
        // The httpGet probes become a curl health check (the image needs curl for it to pass: the
        // busybox image here has none, and this chroot host runs no health-check timers anyway);
        // capabilities drop ALL leaves none.
        assert.match(gw, /"Test":\["CMD-SHELL","curl","-f","http:\/\/localhost:14000\/health"/);
        assert.match(gw, /caps=(null|\[\])/);
        const metrics = await (await fetch(`${GW}/metrics`, { headers: { authorization: `Bearer ${KEY}` } }))
          .text();
        assert.match(metrics, /lychd_gateway_requests_total\{model="bravo-1",code="503"\} 1/);
      });
    } finally {
      await cleanup();
    }
  },
});
