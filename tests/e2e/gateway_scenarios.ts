/**
 * The gateway end to end on the real host (scripts/e2e.sh runs it inside the e2e root after
 * tests/e2e/scenarios.ts): systemd owns the TCP listener (socket + systemd-socket-proxyd), lychd
 * is the command `deno task install` installs (so the gateway runs from its JavaScript copy, under
 * its own permission set), the soulstones are containers of a fake OpenAI server image imported
 * here. Scenarios 1–8 of issue 13.
 */
import assert from "node:assert/strict";
import {
  auth,
  chat,
  CODEX,
  gatewayLogs,
  GW,
  importImage,
  KEY,
  KEY_FILE,
  lychd,
  metric,
  ok,
  type Out,
  PROBE_DIR,
  prop,
  sctl,
  sh,
  state,
  U,
  useInstalled,
  waitFor,
} from "./gateway_helpers.ts";

Deno.test({
  name:
    "e2e gateway: one endpoint, swaps that never cut a request, VRAM as a set, pinned, idle, unload, restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const timings: Record<string, number> = {};
    await importImage();
    await sh("sh", [
      "-c",
      "mkdir -p /etc/cdi /root/.config/lychd && cp /lychd/tests/e2e/cdi/example.yaml /etc/cdi/",
    ]);
    await Deno.copyFile("/lychd/tests/e2e/gateway_codex.toml", CODEX);
    await Deno.writeTextFile(KEY_FILE, `${KEY}\n`, { mode: 0o600 });
    await Deno.chmod(KEY_FILE, 0o600);
    // lychd as installed; the gateway it binds runs `deno run` of the install's copy, with the npm
    // modules from the warm module cache.
    const installed = await useInstalled("/root/.deno");
    await ok(
      await sctl("set-environment", `DENO_DIR=${Deno.env.get("DENO_DIR") ?? "/var/cache/lychd-deno-dir"}`),
      "set-environment",
    );
    // The bridge network keeps the subnet it was created with (`podman network create --ignore`):
    // one left by an earlier run, whose subnet Podman chose, must go so the pinned one applies.
    await sh("podman", ["network", "rm", "-f", "gwe"]);
    await Deno.mkdir(PROBE_DIR, { recursive: true });
    for (const f of ["models.json", "control", "control.err"]) {
      await Deno.remove(`${PROBE_DIR}/${f}`).catch(() => {});
    }
    await ok(await lychd("bind"), "lychd bind");
    const unit = await Deno.readTextFile("/root/.config/systemd/user/gwe-gateway.service");
    assert.match(
      unit,
      /\/root\/\.deno\/bin\/\.lychd\/gateway\.js --socket /,
      `the gateway unit runs the installed copy (${installed})`,
    );
    await ok(await lychd("start"), "lychd start");
    const all = ["a", "b", "c", "d", "e"];

    await t.step("1. /v1/models lists every id and starts nothing", async () => {
      const r = await fetch(`${GW}/v1/models`, { headers: auth, signal: AbortSignal.timeout(30_000) });
      const body = await r.json().catch(async () => assert.fail(await gatewayLogs()));
      assert.equal(r.status, 200, JSON.stringify(body));
      assert.deepEqual(body.data.map((m: { id: string }) => m.id), [
        "model-a",
        "model-b",
        "model-c",
        "model-d",
        "model-e",
      ]);
      for (const n of all) assert.equal(await state(U(n)), "inactive", n);
      assert.equal(await state("gwe-gateway.service"), "active", "socket-activated on the first request");
    });

    await t.step(
      "1b. a container on the Sepulcher's bridge gets /v1/models from http://lychd-gateway:4000",
      async () => {
        const listen = await prop("gwe-gateway.socket", "Listen");
        assert.match(listen, /127\.0\.0\.1:4000 \(Stream\)/, listen);
        assert.match(listen, /10\.87\.0\.1:4000 \(Stream\)/, listen);
        assert.doesNotMatch(listen, /0\.0\.0\.0|\[::\]/, "never a wildcard");
        // The control: what the gateway was before this fix, a host listener on loopback only.
        await Deno.mkdir("/tmp/gwe-www", { recursive: true });
        await Deno.writeTextFile("/tmp/gwe-www/ok.txt", "ok\n");
        const httpd = new Deno.Command("busybox", {
          args: ["httpd", "-f", "-p", "127.0.0.1:4999", "-h", "/tmp/gwe-www"],
          stdout: "null",
          stderr: "null",
        }).spawn();
        let run: Out;
        try {
          await waitFor("the loopback control listener", async () => {
            const r = await fetch("http://127.0.0.1:4999/ok.txt").catch(() => undefined);
            return (await r?.text()) === "ok\n";
          });
          run = await sctl("start", "gwe-probe.service");
        } finally {
          httpd.kill();
          await httpd.status;
        }
        const control = (await Deno.readTextFile(`${PROBE_DIR}/control`).catch(() => "")).trim();
        const why = await Deno.readTextFile(`${PROBE_DIR}/control.err`).catch(() => "");
        console.log(`scenario 1b control: 127.0.0.1:4999 from the bridge: ${control} (${why.trim()})`);
        assert.equal(
          control,
          "unreachable",
          "a loopback-only host listener must not be reachable from the bridge",
        );
        const models = await Deno.readTextFile(`${PROBE_DIR}/models.json`).catch(() => "");
        if (run.code !== 0 || !models) {
          const j = await sh("journalctl", ["--user", "-u", "gwe-probe.service", "--no-pager", "-n", "20"]);
          assert.fail(`the probe did not get the model list (exit ${run.code})\n${run.stderr}\n${j.stdout}`);
        }
        // The socket listened (FreeBind) before podman created the bridge with its pinned address.
        const inspect = await ok(await sh("podman", ["network", "inspect", "gwe"]), "podman network inspect");
        const subnets = JSON.parse(inspect.stdout)[0].subnets;
        assert.deepEqual(subnets, [{ subnet: "10.87.0.0/24", gateway: "10.87.0.1" }]);
        // doctor reads the real network: the pinned subnet, so containers reach the gateway.
        const doc = JSON.parse((await lychd("doctor", "--json")).stdout).findings
          .find((x: { check: string }) => x.check === "gateway from containers");
        assert.equal(doc?.level, "ok", JSON.stringify(doc));
        const ids = JSON.parse(models).data.map((m: { id: string }) => m.id);
        assert.deepEqual(ids, ["model-a", "model-b", "model-c", "model-d", "model-e"]);
        console.log(
          `scenario 1b: a bridge container got ${ids.length} models through http://lychd-gateway:4000`,
        );
      },
    );

    await t.step(
      "2. A starts and answers; B while A streams: A completes whole, then A stops, B starts",
      async () => {
        const t0 = Date.now();
        const first = await chat("model-a");
        timings["cold TTFT+response a (load 1500 ms, 10×100 ms tokens)"] = Date.now() - t0;
        assert.equal(first.status, 200, first.text);
        assert.equal(first.json!.model, "org/model-a");
        const sa = chat("model-a", true);
        await new Promise((r) => setTimeout(r, 300));
        const sb = chat("model-b", true);
        const [ra, rb] = await Promise.all([sa, sb]);
        assert.equal(ra.status, 200);
        assert.equal((ra.text.match(/"content":"t\d"/g) ?? []).length, 10, ra.text);
        assert.ok(ra.text.endsWith("data: [DONE]\n\n"));
        assert.equal(rb.status, 200);
        assert.match(rb.text, /^: lychd loading model-b \d+s\n\n/);
        assert.equal((rb.text.match(/"content":"t\d"/g) ?? []).length, 10, rb.text);
        assert.equal(await state(U("a")), "inactive");
        assert.equal(await state(U("b")), "active");
        // systemd's own record: a's stop finished before b's start began.
        const log = (await sh("journalctl", ["--user", "--no-pager", "-o", "cat"])).stdout.split("\n");
        const stopped = log.findLastIndex((l) => l.startsWith(`Stopped ${U("a")}`));
        const starting = log.findLastIndex((l) => l.startsWith(`Starting ${U("b")}`));
        assert.ok(
          stopped >= 0 && starting > stopped,
          `stopped a at line ${stopped}, starting b at line ${starting}`,
        );
      },
    );

    await t.step("3. 20 concurrent requests alternating A/B all succeed; swaps counted", async () => {
      const before = await metric("lychd_gateway_swaps_total");
      const t0 = Date.now();
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(i % 2 ? "model-b" : "model-a")));
      timings["20 alternating requests"] = Date.now() - t0;
      assert.deepEqual(rs.map((r) => r.status), Array(20).fill(200), rs.map((r) => r.text).join("\n"));
      const swaps = (await metric("lychd_gateway_swaps_total")) - before;
      console.log(`scenario 3: 20 alternating requests, ${swaps} swaps`);
      assert.ok(swaps >= 1 && swaps <= 20, String(swaps));
    });

    await t.step("4. the stone on the other GPU serves in parallel without evicting anything", async () => {
      await chat("model-a");
      const [ra, rc] = await Promise.all([chat("model-a", true), chat("model-c")]);
      assert.equal(ra.status, 200);
      assert.equal(rc.status, 200, rc.text);
      assert.equal(await state(U("a")), "active");
      assert.equal(await state(U("c")), "active");
    });

    await t.step(
      "measure: a small request direct to c's published port vs through socket → proxyd → gateway",
      async () => {
        // Printed, not asserted (timing claims are ratios measured in one run, never test verdicts).
        const direct = "http://127.0.0.1:18103"; // c: no per-token delay
        const body = JSON.stringify({ model: "model-c", messages: [] });
        const once = async (base: string) => {
          const t0 = performance.now();
          const r = await fetch(`${base}/v1/completions`, { method: "POST", headers: auth, body });
          const text = await r.text();
          if (r.status !== 200) assert.fail(`${base}: ${r.status} ${text}`);
          return performance.now() - t0;
        };
        const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];
        for (let i = 0; i < 300; i++) await Promise.all([once(direct), once(GW)]); // warm both (JIT)
        const lat: Record<string, number[]> = { direct: [], gateway: [] };
        const rps: Record<string, number> = { direct: 0, gateway: 0 };
        for (let round = 0; round < 2; round++) {
          for (const [name, base] of [["direct", direct], ["gateway", GW]] as const) {
            for (let i = 0; i < 200; i++) lat[name].push(await once(base));
            const t0 = performance.now();
            await Promise.all(Array.from({ length: 8 }, async () => {
              for (let i = 0; i < 50; i++) await once(base);
            }));
            rps[name] += 400 / ((performance.now() - t0) / 1000) / 2;
          }
        }
        console.log(
          `real host, small request: p50 direct ${q(lat.direct, 0.5).toFixed(2)} ms, gateway ${
            q(lat.gateway, 0.5).toFixed(2)
          } ms; ` +
            `p99 direct ${q(lat.direct, 0.99).toFixed(2)} ms, gateway ${
              q(lat.gateway, 0.99).toFixed(2)
            } ms; ` +
            `req/s (concurrency 8) direct ${rps.direct.toFixed(0)}, gateway ${
              rps.gateway.toFixed(0)
            }, ratio ${(rps.direct / rps.gateway).toFixed(2)}`,
        );
        const pid = await prop("gwe-gateway.service", "MainPID");
        const rss = /VmRSS:\s+(\d+) kB/.exec(await Deno.readTextFile(`/proc/${pid}/status`).catch(() => ""))
          ?.[1];
        console.log(`gateway RSS: ${rss ? (Number(rss) / 1024).toFixed(1) : "?"} MiB`);
      },
    );

    await t.step(
      "5 + 6. VRAM as a set and pinned: c, e pinned (20 GiB of 24): d gets 503 naming them",
      async () => {
        assert.equal((await chat("model-e")).status, 200);
        const r = await chat("model-d");
        assert.equal(r.status, 503, r.text);
        assert.ok(Number(r.headers.get("retry-after")) >= 1);
        assert.match(String((r.json!.error as Record<string, unknown>).message), /pinned "c" and "e"/);
        for (const n of ["c", "e"]) assert.equal(await state(U(n)), "active");
        assert.equal(await state(U("d")), "inactive");
        // By hand, the ExecCondition= admission guard skips it (inactive, not failed), reason in the journal.
        await sctl("start", U("d"));
        assert.equal(await state(U("d")), "inactive", "d must not start beside c and e");
        const j = await sh("journalctl", ["--user", "--no-pager", "-o", "cat", "-n", "300"]);
        assert.match(
          j.stdout,
          /"d" needs 10 GiB on "example\.com\/gpu=1" \(24 GiB\), but pinned "c" and "e" hold 20 GiB/,
          j.stdout,
        );
        assert.match(j.stdout, /gwe-soulstone-d\.service: Skipped due to 'exec-condition'/);
        assert.equal(await state(U("c")), "active");
        assert.equal(await state(U("e")), "active");
      },
    );

    await t.step("7. idle_stop stops b; /lychd/unload drains and stops; /metrics counts it", async () => {
      assert.equal((await chat("model-b")).status, 200);
      await waitFor("b to idle out (idle_stop 8s)", async () => (await state(U("b"))) === "inactive", 30_000);
      const u = await fetch(`${GW}/lychd/unload`, { method: "POST", headers: auth, body: "{}" });
      const body = await u.json();
      assert.equal(u.status, 200);
      assert.deepEqual(body.stopped.map((s: { stone: string }) => s.stone).sort(), ["c", "e"]);
      for (const n of all) {
        const st = await state(U(n));
        // "failed" here is podman's ExecStop= (exit 125) on a container that had already exited:
        // the unit is down either way; anything still up is a failure.
        if (st !== "inactive" && st !== "failed") {
          const j = await sh("journalctl", ["--user", "--no-pager", "-n", "60", "-u", U(n)]);
          assert.fail(`${n} is ${st}\n${j.stdout}`);
        }
      }
      const m = await (await fetch(`${GW}/metrics`, { headers: auth })).text();
      assert.match(m, /^lychd_gateway_requests_total\{model="model-d",code="503"\} 1$/m);
      assert.match(m, /^lychd_gateway_swaps_total\{model="model-a"\} \d+$/m);
      assert.match(m, /^lychd_gateway_load_seconds_count \d+$/m);
    });

    await t.step(
      "8. 404 shape, 401 on a bad key, SIGKILL → systemd restarts it and it serves again",
      async () => {
        const nf = await chat("gpt-9");
        assert.equal(nf.status, 404);
        assert.equal((nf.json!.error as Record<string, unknown>).code, "model_not_found");
        assert.equal((await chat("model-a", false, "wrong")).status, 401);
        const pid = await prop("gwe-gateway.service", "MainPID");
        await ok(await sctl("kill", "-s", "SIGKILL", "gwe-gateway.service"), "kill");
        await waitFor("the gateway to come back", async () => {
          const p = await prop("gwe-gateway.service", "MainPID");
          return p !== pid && p !== "0" && (await state("gwe-gateway.service")) === "active";
        });
        assert.ok(Number(await prop("gwe-gateway.service", "NRestarts")) >= 1);
        const r = await fetch(`${GW}/v1/models`, { headers: auth });
        assert.equal(r.status, 200);
        await r.body?.cancel();
      },
    );

    console.log(`gateway e2e timings (ms): ${JSON.stringify(timings)}`);
    await lychd("stop");
    await ok(await lychd("unbind"), "lychd unbind");
    await sctl("unset-environment", "DENO_DIR");
  },
});
