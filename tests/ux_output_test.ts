/**
 * Operator experience: `NO_COLOR` and TTY colour, `--quiet` for every verb, tables that fit 80
 * columns (check, status, `table()`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { table } from "../src/cli/output.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { linesOf, ROOT, runInProcess, sandbox } from "./lib/cli.ts";
import { has, host, LONG_CODEX, SGR } from "./lib/ux.ts";

// ------------------------------------------------------------------------------------------ colour

Deno.test("colour: on a TTY only, never with NO_COLOR (bind --dry-run, status, check, doctor)", async () => {
  const bound = async (tty: boolean, env: Record<string, string> = {}) => {
    const h = await host({ codex: DEFAULT_CODEX, tty, env }, {
      "lychd-vessel.service": { ActiveState: "active", SubState: "running" },
      "lychd-soulstone-vllm.service": { ActiveState: "failed", SubState: "failed" },
    });
    const bind = await runInProcess(h, ["bind", "--quiet"]);
    assert.equal(bind.code, 0, bind.stderr);
    return h;
  };
  for (
    const [tty, env, want] of [[true, {}, true], [true, { NO_COLOR: "1" }, false], [
      false,
      {},
      false,
    ]] as const
  ) {
    const what = `tty=${tty} ${JSON.stringify(env)}`;
    const h = await host({ codex: DEFAULT_CODEX, tty, env });
    const dry = await runInProcess(h, ["bind", "--dry-run", "--quiet"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(SGR.test(dry.stdout), want, `bind --dry-run ${what}`);
    if (want) assert.ok(dry.stdout.includes("\x1b[32m+[Container]\x1b[0m"), "added lines are green");
    assert.equal(
      dry.stdout.replaceAll(new RegExp(SGR, "g"), ""),
      (await runInProcess(await host({ codex: DEFAULT_CODEX }), ["bind", "--dry-run", "-q"])).stdout,
    );

    const b = await bound(tty, env);
    const st = await runInProcess(b, ["status"]);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(SGR.test(st.stdout), want, `status ${what}`);
    if (want) {
      assert.ok(st.stdout.includes("\x1b[32mactive\x1b[0m"), st.stdout);
      assert.ok(st.stdout.includes("\x1b[31mfailed\x1b[0m"), st.stdout);
    }
    const ck = await runInProcess(h, ["check", "--quiet"]);
    assert.equal(ck.code, 0);
    const ck2 = await runInProcess(h, ["check"]);
    assert.equal(SGR.test(ck2.stdout), want, `check ${what}`);
    const dr = await runInProcess(h, ["doctor"]);
    assert.equal(SGR.test(dr.stdout), want, `doctor ${what}`);
    for (const r of [dry, st, ck2, dr]) {
      assert.ok(!SGR.test(r.stderr), `stderr is never coloured: ${r.stderr}`);
    }
  }
});

Deno.test("colour: spawned with NO_COLOR=1 (and on a pipe) nothing is coloured", async () => {
  const sb = await sandbox();
  try {
    for (const env of [{ NO_COLOR: "1" }, { NO_COLOR: "" }]) {
      for (const argv of [["--help"], ["check"], ["bind", "--dry-run"], ["doctor"], ["status"], ["render"]]) {
        const r = await sb.lychd(argv, env);
        assert.ok(!SGR.test(r.stdout + r.stderr), `${argv.join(" ")} ${JSON.stringify(env)}`);
      }
    }
    // On a real pseudo-terminal (util-linux `script`): coloured, unless NO_COLOR.
    if (await has("script")) {
      const tty = async (noColor: boolean) => {
        const cmd = `'${Deno.execPath()}' run -A --quiet main.ts bind --dry-run --quiet`;
        const env = { ...sb.env };
        if (noColor) env.NO_COLOR = "1";
        else delete env.NO_COLOR;
        const r = await new Deno.Command("script", {
          args: ["-qec", cmd, "/dev/null"],
          cwd: ROOT,
          env,
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        return new TextDecoder().decode(r.stdout);
      };
      assert.ok(SGR.test(await tty(false)), "a pty gets colour");
      assert.ok(!SGR.test(await tty(true)), "NO_COLOR wins on a pty");
    } else console.warn("!!! `script` (util-linux) missing: the real-pty colour check is skipped !!!");
  } finally {
    await sb.cleanup();
  }
});

// ------------------------------------------------------------------------------------------- quiet

Deno.test("--quiet silences notes and warnings of every verb", async () => {
  const sb = await sandbox();
  try {
    const runs: string[][] = [
      ["check"],
      ["render"],
      ["bind", "--dry-run"],
      ["status"],
      ["start"],
      ["stop", "vllm"],
      ["init"],
      ["bind"],
      ["reconcile"],
      ["summon", "vllm"],
      ["unbind"],
    ];
    for (const argv of runs) {
      const r = await sb.lychd([...argv, "--quiet"], { LYCHD_FAKE_ACTIVE: "lychd-soulstone-vllm.service" });
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, "", `${argv.join(" ")} --quiet printed ${JSON.stringify(r.stderr)}`);
    }
    // Errors still show.
    const bad = await sb.lychd(["summon", "nope", "-q"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^lychd: "nope" is not a soulstone/);
  } finally {
    await sb.cleanup();
  }
});

// ------------------------------------------------------------------------------------------ tables

function assertFits(text: string, width: number, what: string): void {
  for (const l of linesOf(text)) {
    assert.ok(visibleLength(l) <= width, `${what}: ${visibleLength(l)} > ${width}: ${l}`);
  }
}

/**
 * The first column's cells of a table, rebuilt across wrapped lines: a row starts where the
 * column `next` (which never wraps) has text.
 */
function firstColumn(text: string, next: string): string[] {
  const lines = linesOf(text);
  const at = lines.findIndex((l) => new RegExp(`\\s${next}\\s`).test(l));
  const col = lines[at].indexOf(` ${next} `) + 1;
  const cells: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const cell = l.slice(0, col).trim();
    if ((l[col] ?? " ") !== " ") cells.push(cell);
    else cells[cells.length - 1] += cell;
  }
  return cells;
}

Deno.test("tables: check and status fit 80 columns with the default and with long names", async () => {
  const stones = [
    "vllm-qwen2-5-72b-instruct-awq-tensor-parallel",
    "llamacpp-qwen2-5-72b-instruct-gguf-q4-k-m",
  ];
  for (const [codex, name] of [[DEFAULT_CODEX, "default"], [LONG_CODEX, "long"]] as const) {
    const h = await host({ codex, cdi: true });
    const ck = await runInProcess(h, ["check"]);
    assert.equal(ck.code, 0, ck.stderr);
    assertFits(ck.stdout, 80, `check ${name}`);
    assert.match(ck.stdout, /^SERVICE +ROLE +START +CLAIMS +CONFLICTS$/m);
    const wide = await runInProcess(await host({ codex, cdi: true, env: { COLUMNS: "250" } }), ["check"]);
    if (name === "long") {
      // Wrapped at 80, intact at 250 columns.
      for (const s of stones) {
        assert.ok(!ck.stdout.includes(s), `${s} should wrap at 80 columns`);
        assert.ok(wide.stdout.includes(s), `${s} intact at 250 columns`);
        assert.ok(firstColumn(ck.stdout, "ROLE").includes(s), `${s}: ${firstColumn(ck.stdout, "ROLE")}`);
      }
    } else {
      const body = (t: string) => t.slice(t.indexOf("SERVICE"));
      assert.equal(body(wide.stdout), body(ck.stdout), "the default table already fits");
    }

    const state = Object.fromEntries(
      (name === "long" ? ["vessel", `soulstone-${stones[0]}`] : ["vessel", "phylactery"]).map((u) => [
        `${name === "long" ? "a-rather-long-sepulcher-name-x" : "lychd"}-${u}.service`,
        {
          ActiveState: "active",
          SubState: "running",
          StateChangeTimestamp: localStamp(Date.now() - 3_725_000),
        },
      ]),
    );
    const b = await host({ codex, cdi: true }, state);
    assert.equal((await runInProcess(b, ["bind", "-q"])).code, 0);
    b.setNow(Date.now());
    const st = await runInProcess(b, ["status"]);
    assert.equal(st.code, 0, st.stderr);
    assertFits(st.stdout, 80, `status ${name}`);
    assert.match(st.stdout, /^UNIT +STATE +SINCE +CLAIMS +CONFLICTS$/m);
    assert.match(st.stdout, /\b1h2m ago\b/, st.stdout);
    const units = firstColumn(st.stdout, "STATE");
    for (const u of Object.keys(state)) {
      assert.ok(units.includes(u.replace(/\.service$/, "")), `${u}: ${units}`);
    }
    if (name === "default") {
      assert.match(
        st.stdout,
        /^lychd-soulstone-vllm +inactive +- +nvidia\.com\/gpu=all +llamacpp$/m,
        st.stdout,
      );
      assert.match(st.stdout, /^lychd-vessel +active +1h2m ago +- +-$/m, st.stdout);
    }
  }
});

/** A systemd-style local timestamp ("Thu 2025-01-02 03:04:05 CET"). */
function localStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `Thu ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())} XYZ`;
}

Deno.test("table(): wraps lists at commas, keeps columns, never exceeds the width it can reach", () => {
  const rows = [["NAME", "LIST"], ["a", "one, two, three, four, five, six, seven"], ["bb", "-"]];
  assert.equal(
    table(rows, { width: 20 }),
    "NAME  LIST\na     one, two,\n      three, four,\n      five, six,\n      seven\nbb    -\n",
  );
  const t = table([["UNIT", "X"], ["lychd-soulstone-very-long-name", "a, b"]], { width: 24, keep: [0] });
  assertFits(t, 24, "keep");
  assert.match(t, /^lychd-soulstone-\s/m);
  assert.equal(table([["a", "b"]], { width: 10, paint: (_r, c, s) => (c === 0 ? `<${s}>` : s) }), "<a>  b\n");
});

/** The visible length of a line (ANSI colour codes do not count). */
function visibleLength(line: string): number {
  // deno-lint-ignore no-control-regex
  return [...line.replace(/\x1b\[[0-9;]*m/g, "")].length;
}

Deno.test("reconcile --every says a warning once, not at every interval", async () => {
  const { fakeHost } = await import("../src/host/_fake.ts");
  const { LychdError } = await import("../src/errors.ts");
  const h = fakeHost({ env: { HOME: "/home/u", XDG_RUNTIME_DIR: "/run/user/1000" } });
  h.fs.put(
    "/home/u/codex.toml",
    'version = 1\n[soulstones.llm]\nimage = "localhost/llm"\ndevices = ["nvidia.com/gpu=0"]\n',
  );
  let ticks = 0;
  const slept: number[] = [];
  h.sleep = (ms) => {
    slept.push(ms);
    return ++ticks < 3 ? Promise.resolve() : Promise.reject(new LychdError("stopped by the test"));
  };
  const { code, stderr } = await runInProcess(h, [
    "reconcile",
    "--every",
    "30", // a bare number of seconds, as the Codex's integer durations
    "--codex",
    "/home/u/codex.toml",
    "--cdi-dir",
    "/none",
  ]);
  assert.equal(code, 1);
  const lines = stderr.trim().split("\n");
  assert.equal(ticks, 3, "three passes");
  assert.deepEqual(slept, [30_000, 30_000, 30_000], "--every 30 is 30 seconds");
  assert.equal(
    lines.filter((l) => l.includes('no CDI spec defines kind "nvidia.com/gpu"')).length,
    1,
    h.stderr.text,
  );
  assert.equal(lines.at(-1), "lychd: stopped by the test");
});
