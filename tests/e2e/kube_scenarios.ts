/**
 * A real consumer of `lychd export kubernetes`: on the e2e host, `podman kube play` runs the
 * exported objects of a busybox Codex (env, env file → ConfigMap, entrypoint/command, a named
 * volume → PVC, a host path, probes) and the pods come up. Runs INSIDE the e2e root
 * (scripts/e2e.sh); lychd is the working tree's main.ts.
 */
import assert from "node:assert/strict";
import { ok, type Out, sh } from "./shell.ts";

const LYCHD = ["run", "-A", "/lychd/main.ts"];
const CODEX = "/lychd/tests/e2e/kube/codex.toml";
const DIR = "/var/lib/lychd-e2e-kube";
const OUT = `${DIR}/out`;
const STREAM = `${DIR}/stream.yaml`;

async function waitFile(path: string, seconds = 60): Promise<string | undefined> {
  for (let i = 0; i < seconds * 2; i++) {
    try {
      const t = await Deno.readTextFile(path);
      if (t.endsWith("\n")) return t;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

async function cleanup(): Promise<void> {
  await sh("podman", ["kube", "down", STREAM]);
  await sh("podman", ["volume", "rm", "-f", "kube-kdata"]);
}

Deno.test({
  name: "e2e kube: podman kube play runs the exported Deployments",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await sh("sh", ["-c", `rm -rf ${DIR} && mkdir -p ${OUT}`]);
    await Deno.writeTextFile(
      `${DIR}/vessel.env`,
      "# read at export into a ConfigMap\nFROM_FILE=from the env file\n",
    );
    const exported = ok(await sh(Deno.execPath(), [...LYCHD, "export", "kubernetes", "--codex", CODEX]));
    await Deno.writeTextFile(STREAM, exported.stdout);
    await cleanup();
    try {
      await t.step("podman kube play accepts the stream and starts both pods", async () => {
        const play = await sh("podman", ["kube", "play", "--replace", STREAM]);
        console.log(`$ podman kube play ${STREAM}\n${play.stdout}${play.stderr}`);
        ok(play);
        const ps = ok(await sh("podman", ["ps", "--format", "{{.Names}} {{.Status}}"]));
        console.log(ps.stdout);
        assert.match(ps.stdout, /kube-vessel-pod-vessel Up/);
        assert.match(ps.stdout, /kube-phylactery-pod-phylactery Up/);
      });

      await t.step("env, the env file's ConfigMap, command and volumes arrive", async () => {
        // Podman does not undo Kubernetes' "$$(" escape in env values (a cluster would give
        // "hello $(NOT_A_REF)"): docs/kubernetes.md lists it among what kube play lacks.
        const env = await waitFile(`${OUT}/env`);
        assert.equal(env, "hello $$(NOT_A_REF)|from the env file|100%\n");
        // In command and args podman does expand like Kubernetes, so the escape round-trips.
        assert.equal(await waitFile(`${OUT}/literal`), "$(literal) $$\n");
        assert.ok(await waitFile(`${OUT}/stamp`), "the PVC-backed volume was written");
        const vol = ok(await sh("podman", ["volume", "inspect", "--format", "{{.Name}}", "kube-kdata"]));
        assert.equal(vol.stdout.trim(), "kube-kdata");
      });

      await t.step("probes become health checks; the phylactery's passes inside its container", async () => {
        // The chroot host has no system manager, so podman's health-check timers never run: the
        // check is run by hand. (The vessel's startup check cannot hand over to its regular check
        // here either: podman does that with a systemd timer; its settings are checked instead.)
        const c = "kube-phylactery-pod-phylactery";
        let run: Out | undefined;
        for (let i = 0; i < 60; i++) {
          run = await sh("podman", ["healthcheck", "run", c]);
          if (run.code === 0) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        ok(run!);
        const state = (await sh("podman", ["inspect", "--format", "{{.State.Health.Status}}", c])).stdout
          .trim();
        assert.equal(state, "healthy");
        const fmt = "{{json .Config.Healthcheck}} startup={{json .Config.StartupHealthCheck}}";
        const phyl = ok(await sh("podman", ["inspect", "--format", fmt, c])).stdout.trim();
        const vessel = ok(await sh("podman", ["inspect", "--format", fmt, "kube-vessel-pod-vessel"])).stdout
          .trim();
        console.log(`phylactery: ${phyl}\nvessel: ${vessel}`);
        assert.match(
          phyl,
          /"Test":\["CMD","\/bin\/sh","-c","wget -qO \/dev\/null http:\/\/127.0.0.1:8080\/"\],"Interval":2000000000,"Timeout":30000000000,"Retries":3\} startup=null/,
        );
        // Vessel: start_period 10s at interval 2s → a startup check of 10/2 + 3 = 8 tries.
        assert.match(
          vessel,
          /"Test":\["CMD","test","-f","\/out\/env"\].*startup=\{"Test":\["CMD","test","-f","\/out\/env"\],"Interval":2000000000,"Timeout":30000000000,"Retries":8\}/,
        );
      });
    } finally {
      await cleanup();
    }
  },
});
