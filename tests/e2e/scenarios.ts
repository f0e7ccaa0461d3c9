/**
 * End-to-end scenarios on a real host: systemd user manager, the Quadlet generator, podman 5.4
 * running busybox containers. Runs INSIDE the e2e root (scripts/e2e.sh starts it); lychd is the
 * working tree's main.ts. Not matched by `deno test`'s default pattern on purpose: run it with
 * `deno task e2e`.
 */
import assert from "node:assert/strict";
import { type Out, sh } from "./shell.ts";

const LYCHD = ["run", "-A", "/lychd/main.ts"];
const CODEX_SRC = "/lychd/tests/e2e/codex.toml";
const CODEX = "/root/.config/lychd/codex.toml";
const UNITS = "/root/.config/containers/systemd";
const GENERATOR_OUT = "/run/user/0/systemd/generator";
const SHARED = "/var/lib/lychd-e2e-shared";

const lychd = (...args: string[]) => sh(Deno.execPath(), [...LYCHD, ...args]);
const sctl = (...args: string[]) => sh("systemctl", ["--user", ...args]);

/** On failure: the command, its output, and `systemctl --user status` of the units involved. */
async function explain(units: string[], ...outs: Out[]): Promise<string> {
  const parts = outs.map((o) => `$ ${o.cmd}\n(exit ${o.code})\n${o.stdout}${o.stderr}`);
  if (units.length) {
    const st = await sctl("status", "--no-pager", "-l", ...units);
    parts.push(`$ systemctl --user status ${units.join(" ")}\n${st.stdout}${st.stderr}`);
  }
  return parts.join("\n");
}

async function ok(o: Out, units: string[] = []): Promise<Out> {
  if (o.code !== 0) assert.fail(`command failed\n${await explain(units, o)}`);
  return o;
}

async function activeState(unit: string): Promise<string> {
  return (await sctl("show", "-p", "ActiveState", "--value", unit)).stdout.trim();
}

async function mtime(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? null;
  } catch {
    return null;
  }
}

const timings: Record<string, number> = {};
async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    timings[name] = Math.round(performance.now() - t);
  }
}

Deno.test({
  name: "e2e: bind, start, network, literal values, summon, status, reconcile, unbind",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // Fresh state.
    await sh("sh", [
      "-c",
      `rm -rf ${SHARED} && mkdir -p ${SHARED} /etc/cdi /root/.config/lychd && cp /lychd/tests/e2e/cdi/example.yaml /etc/cdi/`,
    ]);
    await Deno.copyFile(CODEX_SRC, CODEX);
    await Deno.mkdir(UNITS, { recursive: true });
    await Deno.writeTextFile(
      `${UNITS}/foreign.container`,
      "# not lychd's\n[Container]\nImage=localhost/busybox:latest\nExec=true\n",
    );

    await t.step("bind + start: every autostart service is active", async () => {
      await timed("bind", async () => await ok(await lychd("bind")));
      await timed("start", async () => await ok(await lychd("start"), ["e2e.target"]));
      for (const u of ["e2e-vessel.service", "e2e-phylactery.service"]) {
        const st = await activeState(u);
        if (st !== "active") assert.fail(`${u} is ${st}\n${await explain([u])}`);
      }
      for (const u of ["e2e-soulstone-a.service", "e2e-soulstone-b.service", "e2e-soulstone-c.service"]) {
        assert.equal(await activeState(u), "inactive", `${u} must not autostart`);
      }
    });

    await t.step("the vessel reaches the phylactery by its service name", async () => {
      // The vessel's own workload fetches http://phylactery:8080/ (DNS by service name through
      // aardvark-dns on the sepulcher network) and writes the answer to the shared volume.
      // (`podman exec` is not used for this: on the chroot e2e host its mount view of
      // /etc/resolv.conf is skewed, while the workload's own view is right.)
      let dns: string | null = null;
      for (let i = 0; i < 60 && dns === null; i++) {
        try {
          dns = await Deno.readTextFile(`${SHARED}/dns`);
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      if (dns === null) {
        assert.fail(`no answer by name\n${await explain(["e2e-vessel.service", "e2e-phylactery.service"])}`);
      }
      assert.equal(dns, "phylactery-ok\n");
    });

    await t.step("values arrive literally inside the container", async () => {
      const env = await ok(await sh("podman", ["exec", "e2e-vessel", "env"]));
      const vars = new Map(
        env.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      assert.equal(vars.get("PCT"), "100%");
      assert.equal(vars.get("DOLLAR"), "$HOME and ${PATH}");
      assert.equal(vars.get("QUOTED"), `say "hi" it's  spaced`);
      // `$GREETING` reached the container unexpanded and its own shell expanded it.
      assert.equal(await Deno.readTextFile(`${SHARED}/greeting`), "hello from the container\n");
      const args = await ok(await sh("podman", ["inspect", "-f", "{{json .Config.Cmd}}", "e2e-vessel"]));
      const cmd = JSON.parse(args.stdout);
      assert.equal(
        cmd[2],
        "echo \"$GREETING\" > /shared/greeting; until wget -qO /shared/dns.tmp http://phylactery:8080/; do sleep 1; done; mv /shared/dns.tmp /shared/dns; trap 'exit 0' TERM; while :; do sleep 1; done",
      );
      assert.equal(cmd[3], "arg two");
    });

    await t.step(
      "summon a / summon b, three rounds: one active, the other inactive, no fallback, stop before start",
      async () => {
        const a = "e2e-soulstone-a.service";
        const b = "e2e-soulstone-b.service";
        const c = "e2e-soulstone-c.service";
        for (let round = 1; round <= 3; round++) {
          for (const [name, unit, other] of [["a", a, b], ["b", b, a]] as const) {
            const out = await timed(`summon ${name} #${round}`, () => lychd("summon", name));
            await ok(out, [unit, other]);
            assert.equal(await activeState(unit), "active", `round ${round}: ${unit}`);
            const os = await activeState(other);
            if (os !== "inactive") {
              assert.fail(
                `round ${round}: displaced ${other} is ${os}, not inactive\n${await explain([other], out)}`,
              );
            }
            if (round > 1 || name === "b") {
              assert.match(out.stderr, new RegExp(`displaced ${other.replace(".", "\\.")}`));
            }
            assert.equal(await activeState(c), "inactive", "the fallback must not run on a conflict stop");
            // The displaced stone was fully stopped before the summoned one started.
            const stopped = Number(
              (await sctl("show", "-p", "InactiveEnterTimestampMonotonic", "--value", other)).stdout.trim(),
            );
            const started = Number(
              (await sctl("show", "-p", "ExecMainStartTimestampMonotonic", "--value", unit)).stdout.trim(),
            );
            if (round > 1 || name === "b") {
              assert.ok(
                stopped > 0 && stopped <= started,
                `round ${round}: ${other} stopped at ${stopped}, ${unit} started at ${started}`,
              );
            }
          }
        }
        const events = (await Deno.readTextFile(`${SHARED}/events`)).trim().split("\n");
        const starts = events.filter((e) => e.startsWith("start-"));
        assert.deepEqual(starts, ["start-a", "start-b", "start-a", "start-b", "start-a", "start-b"]);
        // a traps SIGTERM and logs its stop before b's start each time.
        for (let i = 0; i < events.length; i++) {
          if (events[i] === "start-b") {
            assert.equal(events[i - 1], "stop-a", `stop-a must precede start-b: ${events.join(",")}`);
          }
        }
        const cStarted = (await sctl("show", "-p", "ExecMainStartTimestampMonotonic", "--value", c)).stdout
          .trim();
        assert.equal(cStarted, "0", "fallback c was started");
      },
    );

    await t.step(
      "on demand: a request starts the stone, a request to the other swaps them, idle stops it",
      async () => {
        const oda = "e2e-soulstone-oda.service";
        const odb = "e2e-soulstone-odb.service";
        const units = [oda, odb, "e2e-soulstone-oda-proxy.socket", "e2e-soulstone-odb-proxy.socket"];
        assert.equal(await activeState("e2e-soulstone-oda-proxy.socket"), "active", "socket not listening");
        assert.equal(await activeState(oda), "inactive", "nothing runs before a request");
        const onDemand = async (unit: string) =>
          JSON.parse((await ok(await lychd("status", "--json"))).stdout).units.find((u: { unit: string }) =>
            u.unit === unit
          )
            ?.onDemand;
        assert.equal(await onDemand(oda), "waiting for a request");
        const get = async (port: number) => {
          const t0 = performance.now();
          try {
            const r = await fetch(`http://127.0.0.1:${port}/`);
            return { body: await r.text(), ms: Math.round(performance.now() - t0) };
          } catch (e) {
            assert.fail(`request to :${port} failed: ${(e as Error).message}\n${await explain(units)}`);
          }
        };
        const a = await get(8001);
        assert.equal(a.body, "model-oda\n");
        timings["on-demand first request (a)"] = a.ms;
        assert.equal(await activeState(oda), "active");
        assert.equal(await onDemand(oda), "serving");
        const b = await get(8002);
        assert.equal(b.body, "model-odb\n");
        timings["on-demand first request (b, swapping a out)"] = b.ms;
        const aState = await activeState(oda);
        if (aState !== "inactive") {
          assert.fail(`oda is ${aState} after odb took the GPU\n${await explain(units)}`);
        }
        const again = await get(8002);
        timings["on-demand warm request (b)"] = again.ms;
        const idleFrom = performance.now();
        let st = "";
        for (let i = 0; i < 60; i++) {
          st = await activeState(odb);
          if (st === "inactive") break;
          await new Promise((r) => setTimeout(r, 250));
        }
        assert.equal(st, "inactive", "odb did not stop after idle_stop");
        timings["on-demand idle stop after last request (idle_stop 4s)"] = Math.round(
          performance.now() - idleFrom,
        );
        assert.equal(
          await activeState("e2e-soulstone-odb-proxy.socket"),
          "active",
          "the socket keeps listening",
        );
        // summon of an on-demand stone starts its proxy: active now, idles out the same way.
        await ok(await lychd("summon", "oda"), units);
        assert.equal(await activeState(oda), "active");
        assert.equal((await get(8001)).body, "model-oda\n");
        for (let i = 0; i < 60 && (await activeState(oda)) !== "inactive"; i++) {
          await new Promise((r) => setTimeout(r, 250));
        }
        assert.equal(await activeState(oda), "inactive", "a summoned on-demand stone must idle out");
      },
    );

    await t.step("status --json agrees with systemctl is-active", async () => {
      const st = JSON.parse((await ok(await lychd("status", "--json"))).stdout);
      assert.ok(st.units.length >= 7);
      for (const u of st.units) {
        const real = (await sctl("is-active", u.unit)).stdout.trim();
        assert.equal(u.active, real, `${u.unit}: status says ${u.active}, systemctl says ${real}`);
        assert.equal(u.drift, "ok");
      }
    });

    await t.step("reconcile restores a deleted Rune; a no-change bind does not reload", async () => {
      await Deno.remove(`${UNITS}/e2e-vessel.container`);
      await ok(await lychd("reconcile"));
      assert.ok(await mtime(`${UNITS}/e2e-vessel.container`), "Rune not restored");
      const load = (await sctl("show", "-p", "LoadState", "--value", "e2e-vessel.service")).stdout.trim();
      assert.equal(load, "loaded");
      const before = await mtime(`${GENERATOR_OUT}/e2e-vessel.service`);
      assert.ok(before, "generator output missing");
      await new Promise((r) => setTimeout(r, 1100));
      const again = await ok(await lychd("bind"));
      assert.match(again.stderr, /0 added, 0 changed, 0 restored, 0 removed/);
      assert.equal(
        await mtime(`${GENERATOR_OUT}/e2e-vessel.service`),
        before,
        "the generator ran again: systemd was reloaded",
      );
    });

    await t.step("unbind leaves no owned Rune, unit or container; the foreign file stays", async () => {
      await timed("unbind", async () => await ok(await lychd("unbind")));
      const left = [...Deno.readDirSync(UNITS)].map((e) => e.name).filter((n) => n.startsWith("e2e"));
      assert.deepEqual(left, []);
      assert.ok(await mtime(`${UNITS}/foreign.container`), "the foreign file was removed");
      const units = await sctl("list-units", "--all", "--no-legend", "e2e*");
      assert.equal(
        units.stdout.split("\n").filter((l) => l.includes("e2e") && !l.includes("not-found")).join("\n"),
        "",
      );
      let left2 = "";
      for (let i = 0; i < 40; i++) { // podman's --rm cleanup finishes just after the unit stops
        const ps = await sh("podman", ["ps", "-a", "--format", "{{.Names}}"]);
        left2 = ps.stdout.split("\n").filter((n) => n.startsWith("e2e")).join(",");
        if (!left2) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(left2, "", "containers left behind after unbind");
    });
    console.log(`e2e timings (ms): ${JSON.stringify(timings)}`);
  },
});
