/**
 * The error vocabulary (src/errors.ts): every domain error is a `LychdError`; `run()` prints its
 * one line and exit status, and calls anything else an internal error; `status` degrades to the
 * manifest only for a `LychdError`, never for a bug.
 *
 * @module
 */
import assert from "node:assert/strict";
import { asLychdError, LychdError, ReaderGone } from "../src/errors.ts";
import { UsageError } from "../src/cli/command.ts";
import { CodexError } from "../src/codex/errors.ts";
import { CdiError } from "../src/cdi/errors.ts";
import { DecodeError } from "../src/cdi/decode.ts";
import { BindError } from "../src/bind/errors.ts";
import { CommandNotFoundError, FsError, HostError, NotPermittedError } from "../src/host/host.ts";
import { EscapeError, RenderError } from "../src/quadlet/unit.ts";
import { ComposeError } from "../src/compose/common.ts";
import { GrammarError } from "../src/compose/text.ts";
import { NormalizeError } from "../src/compose/normalize.ts";
import { KubeError } from "../src/kube/errors.ts";
import { EnvFileError } from "../src/kube/envfile.ts";
import { Unavailable } from "../src/gateway/stone.ts";
import { DEFAULT_CODEX } from "../src/codex/default.ts";
import { type FakeHost, fakeHost } from "../src/host/_fake.ts";
import { runInProcess } from "./lib/cli.ts";

const HOME = "/home/u";
const CODEX = `${HOME}/.config/lychd/codex.toml`;

Deno.test("every domain error is a LychdError with its own name and one line", () => {
  const cases: [LychdError, string, string][] = [
    [new LychdError("m", "h"), "LychdError", "m (hint: h)"],
    [new UsageError("m", "h"), "UsageError", "m (hint: h)"],
    [
      new CodexError("c.toml", [{ path: "a.b", message: "m", hint: "h", line: 2, column: 3 }]),
      "CodexError",
      "c.toml:2:3: a.b: m (hint: h)",
    ],
    [new CdiError("m", { hint: "h", path: "/etc/cdi/x.yaml" }), "CdiError", "m (hint: h)"],
    [new DecodeError("devices[0]", "m"), "DecodeError", "m"],
    [new BindError("m", "h"), "BindError", "m (hint: h)"],
    [new HostError("m", "h"), "HostError", "m (hint: h)"],
    [
      new FsError("reading", "/x", "Input/output error"),
      "FsError",
      'reading "/x" failed: Input/output error',
    ],
    [
      new NotPermittedError("reading", "/x", "no"),
      "NotPermittedError",
      'reading "/x" failed: no (hint: `lychd permissions` lists where this lychd may read and write)',
    ],
    [new CommandNotFoundError("podman", "m", "h"), "CommandNotFoundError", "m (hint: h)"],
    [new RenderError("services.a.x", "m", "h"), "RenderError", "services.a.x: m (hint: h)"],
    [new EscapeError("m", "h"), "EscapeError", "m (hint: h)"],
    [
      new ComposeError("c.yaml", "services.a", "m", "h", 4, 5),
      "ComposeError",
      "c.yaml:4:5: services.a: m (hint: h)",
    ],
    [new GrammarError("m", "h"), "GrammarError", "m (hint: h)"],
    [new NormalizeError(["ports", 0], "m", "h"), "NormalizeError", "m (hint: h)"],
    [new KubeError("services.a", "m", "h"), "KubeError", "services.a: m (hint: h)"],
    [new EnvFileError(3, "m", "h"), "EnvFileError", "m (hint: h)"],
    [new Unavailable("m", "timeout"), "Unavailable", "m"],
  ];
  for (const [e, name, line] of cases) {
    assert.ok(e instanceof LychdError, name);
    assert.ok(e instanceof Error, name);
    assert.equal(e.name, name);
    assert.equal(String(e).split(":")[0], name);
    assert.equal(e.oneLine(), line, name);
    assert.equal(e.exitCode, name === "UsageError" ? 2 : 1, name);
  }
  // Places: where the constructor knows them.
  assert.deepEqual(new CodexError("c.toml", [{ path: "a", message: "m", line: 2 }]).place, {
    file: "c.toml",
    path: "a",
    line: 2,
    column: undefined,
  });
  assert.deepEqual(new FsError("reading", "/x", "r").place, { file: "/x" });
  assert.deepEqual(new RenderError("p", "m").place, { path: "p" });
  assert.deepEqual(new EnvFileError(7, "m").place, { line: 7 });
  assert.equal(new LychdError("m").place, undefined);
  const cause = new Error("inner");
  assert.equal(new BindError("m", undefined, { cause }).cause, cause);
  assert.equal(new LychdError("m", { cause }).cause, cause);
  assert.equal(new LychdError("m").hint, undefined);
});

Deno.test("asLychdError: lychd's own errors, a gone reader, Deno's permission refusals; nothing else", () => {
  const own = new HostError("m");
  assert.equal(asLychdError(own), own);
  const pipe = Object.assign(new Error("Broken pipe (os error 32)"), { name: "BrokenPipe" });
  const gone = asLychdError(pipe);
  assert.ok(gone instanceof ReaderGone);
  assert.equal(gone.exitCode, 0);
  assert.equal(gone.oneLine(), "");
  const denied = Object.assign(
    new Error('Requires env access to "X", run again with the --allow-env flag\n    at x'),
    { name: "NotCapable" },
  );
  assert.equal(
    asLychdError(denied)?.oneLine(),
    'not permitted: Requires env access to "X" (hint: this lychd may only touch what `lychd permissions` lists)',
  );
  assert.equal(asLychdError(new TypeError("x is undefined")), undefined);
  assert.equal(asLychdError("a string"), undefined);
});

/** `systemctl show`: every unit inactive/dead. */
function showAnswer(args: string[]) {
  const rest = args.slice(args.indexOf("show") + 1);
  const props = rest[0] === "-p" ? rest[1].split(",") : ["ActiveState"];
  const units = rest[0] === "-p" ? rest.slice(2) : rest;
  const def: Record<string, string> = { ActiveState: "inactive", SubState: "dead", Result: "success" };
  return { stdout: units.map(() => props.map((p) => `${p}=${def[p] ?? ""}`).join("\n")).join("\n\n") + "\n" };
}

function host(): FakeHost {
  const h = fakeHost({ env: { HOME, USER: "u", PATH: "/usr/bin:/bin" }, cwd: HOME, implicitDirs: true });
  h.fs.put(CODEX, DEFAULT_CODEX);
  h.runner.handler = (cmd, args) => {
    if (cmd === "podman" && args[0] === "--version") return { stdout: "podman version 5.4.2\n" };
    if (cmd === "systemctl" && args.includes("show")) return showAnswer(args);
    return undefined;
  };
  return h;
}

Deno.test("run(): a LychdError is its line and status, a bug is an internal error", async () => {
  const h = host();
  h.runner.handler = (cmd) => {
    if (cmd === "podman") throw new TypeError("boom is not a function");
    return undefined;
  };
  const bug = await runInProcess(h, ["render"]);
  assert.equal(bug.code, 1);
  assert.equal(
    bug.stderr,
    "lychd: internal error: boom is not a function (hint: please report it; LYCHD_DEBUG=1 shows the stack)\n",
  );
  h.runner.handler = (cmd) => {
    if (cmd === "podman") throw Object.assign(new Error("Broken pipe (os error 32)"), { name: "BrokenPipe" });
    return undefined;
  };
  const gone = await runInProcess(h, ["render"]);
  assert.deepEqual([gone.code, gone.stderr], [0, ""]);
  const usage = await runInProcess(h, ["render", "--nope"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^lychd: unknown flag --nope for `lychd render` \(hint: /);
});

Deno.test("status: a Codex that no longer loads shows the manifest; a bug is not swallowed", async () => {
  const h = host();
  assert.equal((await runInProcess(h, ["bind", "--quiet"])).code, 0);
  h.fs.put(CODEX, "version = 1\n[vessel]\nimage = 3\n");
  const broken = await runInProcess(h, ["status", "--json"]);
  assert.equal(broken.code, 0, broken.stderr);
  assert.ok(JSON.parse(broken.stdout).units.length > 0, broken.stdout);

  const read = h.fs.readTextFile.bind(h.fs);
  h.fs.readTextFile = (path: string) =>
    path === CODEX ? Promise.reject(new TypeError("cannot read properties of undefined")) : read(path);
  const bug = await runInProcess(h, ["status", "--json"]);
  assert.equal(bug.code, 1);
  assert.match(bug.stderr, /^lychd: internal error: cannot read properties of undefined/);

  h.fs.readTextFile = (path: string) =>
    path === CODEX
      ? Promise.reject(new FsError("reading", CODEX, "Input/output error (os error 5)"))
      : read(path);
  const io = await runInProcess(h, ["status", "--json"]);
  assert.equal(io.code, 0, io.stderr);

  h.fs.readTextFile = read;
  const handler = h.runner.handler;
  h.runner.handler = (cmd, args, opts) => {
    if (cmd === "systemctl" && args.includes("show")) throw new RangeError("bad show parser");
    return handler?.(cmd, args, opts);
  };
  const showBug = await runInProcess(h, ["status"]);
  assert.equal(showBug.code, 1);
  assert.match(showBug.stderr, /^lychd: internal error: bad show parser/);
});

Deno.test("one base: in src, only LychdError (and the schema's internal retry signal) extend Error", async () => {
  const root = new URL("../src/", import.meta.url).pathname;
  const found: string[] = [];
  for await (const e of Deno.readDir(root)) await scan(`${root}${e.name}`, e.isDirectory);
  async function scan(path: string, dir: boolean): Promise<void> {
    if (dir) {
      for await (const e of Deno.readDir(path)) await scan(`${path}/${e.name}`, e.isDirectory);
      return;
    }
    if (!path.endsWith(".ts") || path.endsWith("_test.ts")) return;
    const text = await Deno.readTextFile(path);
    for (const m of text.matchAll(/class (\w+) extends (?:globalThis\.)?(?:Error|TypeError|RangeError)\b/g)) {
      found.push(m[1]);
    }
  }
  // SchemaRejected (src/codex/load.ts) is not a refusal: loadCodexAsync catches it and retries
  // with the explainer loaded; one that escapes is a bug, so "internal error" is its right line.
  assert.deepEqual(found.sort(), ["LychdError", "SchemaRejected"]);
});
