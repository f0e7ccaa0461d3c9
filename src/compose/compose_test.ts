import assert from "node:assert/strict";
import { warningLine } from "../warnings.ts";
import { type GrammarError, interpolate, parseDotenv, splitCommand } from "./text.ts";
import { type ComposeError, loadProject } from "./project.ts";
import { convertProject, duration } from "./convert.ts";
import { composeSchemaCheck } from "./schema.ts";
import { loadCodex } from "../codex/load.ts";
import { fakeHost } from "../host/_fake.ts";
import { run } from "../cli/run.ts";
import { files } from "./_testing.ts";

const env: Record<string, string> = { A: "a", E: "" };
const look = (n: string) => env[n];

Deno.test("interpolation: every form of 12-interpolation.md", () => {
  assert.equal(interpolate("${A}-$A-${A:-d}-${E:-d}-${E-d}-${U-d}-$$A-${U:-${A}}", look), "a-a-a-d--d-$A-a");
  assert.equal(interpolate("${A:+r}|${E:+r}|${E+r}|${U+r}", look), "r||r|");
  assert.throws(
    () => interpolate("${U:?need U}", look),
    (e: GrammarError) => /U is not set: need U/.test(e.message),
  );
  assert.throws(() => interpolate("${E:?}", look), /E is empty/);
  assert.equal(interpolate("${E?x}", look), "");
  assert.throws(() => interpolate("$1", look), /invalid interpolation/);
  const unset = new Set<string>();
  assert.equal(interpolate("x${NOPE}y", look, unset), "xy");
  assert.deepEqual([...unset], ["NOPE"]);
});

Deno.test("dotenv: quotes, export, comments, interpolation", () => {
  const m = parseDotenv(
    `# c\nexport X=1\nY="two \${X}\\n" # c\nZ='lit \${X}'\nW=bare # comment\nV=a#b\n`,
    () => undefined,
  );
  assert.deepEqual(Object.fromEntries(m), { X: "1", Y: "two 1\n", Z: "lit ${X}", W: "bare", V: "a#b" });
});

Deno.test("command strings split like compose (go-shellwords), operators refused", () => {
  assert.deepEqual(splitCommand(`-c 'a && b' "x \\"y\\"" z\\ w ""`), ["-c", "a && b", 'x "y"', "z w", ""]);
  assert.throws(() => splitCommand("sh -c echo a && echo b"), /cut .* at the unquoted "&"/);
  assert.throws(() => splitCommand("'open"), /unterminated/);
});

Deno.test("durations: Go forms to the Codex form", () => {
  assert.equal(duration("1m30s"), "1m30s");
  assert.equal(duration("1.5s"), "1s500ms");
  assert.equal(duration("90"), "90s");
  assert.equal(duration("soon"), undefined);
});

Deno.test("lychd import compose: stdout, --out refuses to overwrite without --force, one-line refusal", async () => {
  const host = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
  host.fs.put("/p/compose.yaml", "services:\n  web:\n    image: nginx\n    ports: ['8080:80']\n");
  assert.equal(await run(["import", "compose"], host), 0);
  assert.match(host.stdout.text, /\[services\.web\]\nimage = "nginx"/);
  assert.match(host.stderr.text, /lychd check/);
  assert.equal(await run(["import", "compose", "--out", "codex.toml"], host), 0);
  assert.equal(await run(["import", "compose", "--out", "codex.toml"], host), 1);
  assert.match(host.stderr.text, /already exists; not overwriting/);
  assert.equal(await run(["import", "compose", "--out", "codex.toml", "--force"], host), 0);
  host.fs.put("/p/bad.yaml", "services:\n  web:\n    build: .\n");
  const before = host.stderr.text.length;
  assert.equal(await run(["import", "compose", "bad.yaml"], host), 1);
  const err = host.stderr.text.slice(before).trim().split("\n");
  assert.equal(err.length, 1);
  assert.match(err[0], /bad\.yaml:3:12: services\.web\.build: build: without image/);
});

Deno.test("lychd import compose: a value lychd refuses is the compose file's, worded by the schema, nothing written", async () => {
  const cases: [string, RegExp][] = [
    [
      "services:\n  web:\n    image: nginx\n    ports: ['70000:80']\n",
      /^lychd: \/p\/compose\.yaml: lychd refuses what they describe: services\.web\.ports\[0\]: host port 70000 is out of range 1-65535 \(hint: .*if the compose files are right, this is an importer gap/,
    ],
    [
      "services:\n  a:\n    image: nginx\n    ports: ['3000:80']\n  b:\n    image: nginx\n    ports: ['3000:81']\n",
      /^lychd: \/p\/compose\.yaml: lychd refuses what they describe: services\.b\.ports\[0\]: host port .*3000.* is already published by services\.a/,
    ],
  ];
  for (const [yaml, want] of cases) {
    const host = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
    host.fs.put("/p/compose.yaml", yaml);
    assert.equal(await run(["import", "compose", "--out", "codex.toml"], host), 1);
    const lines = host.stderr.text.trim().split("\n").filter((l) => !l.startsWith("lychd: warning"));
    assert.equal(lines.length, 1, host.stderr.text);
    assert.match(lines[0], want);
    assert.doesNotMatch(lines[0], /explain\.ts|loadCodexAsync/);
    assert.equal(await host.fs.readTextFile("/p/codex.toml"), undefined, "nothing written");
  }
});

Deno.test("lychd import compose: a Codex saved where its volumes mount from is refused before writing, warned on stdout", async () => {
  const yaml =
    "services:\n  db:\n    image: postgres:17\n    volumes:\n      - ./init.sql:/docker-entrypoint-initdb.d/init.sql:ro\n";
  const host = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
  host.fs.put("/p/compose.yaml", yaml);
  host.fs.put("/p/init.sql", "select 1;\n");
  assert.equal(await run(["import", "compose", "--out", "codex.toml"], host), 1);
  assert.equal(
    host.stderr.text.trim(),
    'lychd: /p/codex.toml would be refused by `lychd check`: phylactery.volumes[0]: volume source "/p/init.sql" ' +
      'resolves to "/p/init.sql", which overlaps the Codex directory "/p" (hint: save the Codex outside the ' +
      "directories its volumes mount from, e.g. --out ~/.config/lychd/codex.toml)",
  );
  assert.equal(await host.fs.readTextFile("/p/codex.toml"), undefined, "nothing written");
  const stdout = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
  stdout.fs.put("/p/compose.yaml", yaml);
  assert.equal(await run(["import", "compose"], stdout), 0);
  assert.match(
    stdout.stderr.text,
    /warning: phylactery\.volumes\[0\]: saved in \/p, this Codex would be refused/,
  );
  const elsewhere = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
  elsewhere.fs.put("/p/compose.yaml", yaml);
  assert.equal(await run(["import", "compose", "--out", "/home/u/.config/lychd/codex.toml"], elsewhere), 0);
  assert.equal(await run(["check", "--codex", "/home/u/.config/lychd/codex.toml", "--quiet"], elsewhere), 0);
  assert.doesNotMatch(elsewhere.stderr.text, /would be refused/);
});

Deno.test("lychd import compose: the limited-environment warning only where the files interpolate", async () => {
  const warned = async (yaml: string) => {
    const host = fakeHost({
      env: { HOME: "/home/u" },
      cwd: "/p",
      permissions: (q) => (q.kind === "env" ? "prompt" : "granted"),
    });
    host.fs.put("/p/compose.yaml", yaml);
    assert.equal(await run(["import", "compose"], host), 0, host.stderr.text);
    return /may read only a few environment variables/.test(host.stderr.text);
  };
  assert.equal(await warned("services:\n  web:\n    image: nginx\n"), false);
  assert.equal(await warned("services:\n  web:\n    image: nginx\n    command: echo $$HOME\n"), false);
  assert.equal(await warned("services:\n  web:\n    image: nginx:${TAG:-1.27}\n"), true);
  assert.equal(
    await warned("services:\n  web:\n    image: nginx\n    environment:\n      - A=$USER\n"),
    true,
  );
});

Deno.test("lychd import compose: a compose file without services is refused, not imported as an empty Codex", async () => {
  for (
    const [yaml, want] of [
      ["services: {}\n", /^lychd: \/p\/compose\.yaml: no services to import \(hint: a compose file lists/],
      ["version: '3'\nservices: {}\n", /no services to import/],
      [
        "services:\n  gpu:\n    image: x\n    profiles: [gpu]\n",
        /no services to import \(left out by profiles: gpu\) \(hint: enable their profiles with --profile NAME\)/,
      ],
    ] as const
  ) {
    const host = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
    host.fs.put("/p/compose.yaml", yaml);
    assert.equal(await run(["import", "compose", "--out", "c.toml"], host), 1);
    assert.match(host.stderr.text.trim(), want);
    assert.equal(host.stderr.text.trim().split("\n").length, 1);
    assert.equal(await host.fs.readTextFile("/p/c.toml"), undefined);
  }
});

Deno.test("lychd import compose: --name is taken as given or refused, not rewritten", async () => {
  const host = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
  host.fs.put("/p/compose.yaml", "services:\n  web:\n    image: nginx\n");
  assert.equal(await run(["import", "compose", "--name", "Bad Name"], host), 2);
  assert.equal(
    host.stderr.text.trim(),
    "lychd: --name \"Bad Name\" is not a sepulcher name (hint: lowercase letters, digits and '-', a letter first, up to 31: e.g. --name my-stack)",
  );
  assert.equal(host.stdout.text, "");
  assert.equal(await run(["import", "compose", "--name", "my-stack"], host), 0);
  assert.match(host.stdout.text, /name = "my-stack"/);
});

Deno.test("GPU count N picks the host's first N CDI devices and says so; unknown devices are refused", async () => {
  const yaml = (count: string) =>
    `services:\n  llm:\n    image: vllm/vllm-openai\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              count: ${count}\n              capabilities: [gpu]\n`;
  const gpus = (kind: string) => (kind === "nvidia.com/gpu" ? ["0", "1", "all"] : []);
  const load = async (text: string) => {
    const read = files({ "/p/compose.yaml": text });
    const p = await loadProject(
      {
        files: ["/p/compose.yaml"],
        envFiles: [],
        profiles: [],
        env: (n) => ({ N: "1" } as Record<string, string>)[n],
      },
      read,
      composeSchemaCheck,
    );
    return { p, read };
  };
  const one = await load(yaml("${N}"));
  const c = await convertProject(one.p, one.read, { roles: {}, lenient: false, gpus });
  assert.match(c.toml, /devices = \["nvidia\.com\/gpu=0"\]/);
  assert.match(
    c.warnings.map(warningLine).join("\n"),
    /count 1 → nvidia\.com\/gpu=0 \(the first 1 of the host's CDI devices\)/,
  );
  const three = await load(yaml("3"));
  await assert.rejects(
    () => convertProject(three.p, three.read, { roles: {}, lenient: false, gpus }),
    /have 2 nvidia\.com\/gpu device/,
  );
  const cdi = await load("services:\n  llm:\n    image: x\n    devices: [nvidia.com/gpu=7]\n");
  await assert.rejects(
    () => convertProject(cdi.p, cdi.read, { roles: {}, lenient: false, gpus }),
    /no device "7"/,
  );
});

Deno.test("interpolated values are cast where compose casts them; errors carry bracketed paths", async () => {
  const read = files({
    "/p/compose.yaml":
      "services:\n  a:\n    image: x\n    deploy: { replicas: '${R}' }\n    read_only: '${RO}'\n    command: [a, '${MISSING:?needed}']\n",
  });
  const env = (n: string) => ({ R: "0", RO: "yes" } as Record<string, string>)[n];
  await assert.rejects(
    () =>
      loadProject({ files: ["/p/compose.yaml"], envFiles: [], profiles: [], env }, read, composeSchemaCheck),
    (e: ComposeError) => e.path === "services.a.command[1]" && /MISSING is not set: needed/.test(e.message),
  );
  const ok = files({
    "/p/compose.yaml":
      "services:\n  a:\n    image: x\n    deploy: { replicas: '${R}' }\n    read_only: '${RO}'\n",
  });
  const p = await loadProject(
    { files: ["/p/compose.yaml"], envFiles: [], profiles: [], env },
    ok,
    composeSchemaCheck,
  );
  assert.equal(p.services.a.deploy.replicas, 0);
  assert.equal(p.services.a.read_only, true);
});

Deno.test("multi-line sh -c scripts travel escaped and a real sh rebuilds them byte for byte", async () => {
  const script =
    'x=1\nif [ "$x" = 1 ]; then\n  printf "%s|" "back\\\\slash" "tab\tin" "pct 100%"\nfi\necho "$0 $1"';
  const text = `services:\n  a:\n    image: busybox\n    command: ${
    JSON.stringify(["sh", "-c", script.replaceAll("$", "$$$$"), "zero", "one"])
  }\n`;
  const read = files({ "/p/compose.yaml": text });
  const p = await loadProject(
    {
      files: ["/p/compose.yaml"],
      envFiles: [],
      profiles: [],
      env: () => undefined,
    },
    read,
    composeSchemaCheck,
  );
  const c = await convertProject(p, read, { roles: {}, lenient: false });
  const s = loadCodex(c.toml, "x.toml").services[0];
  const cmd = s.raw.command!;
  assert.equal(cmd[2], 'eval "$(printf %b "$LYCHD_SCRIPT")"');
  const run = async (args: string[], env: Record<string, string>) =>
    new TextDecoder().decode(
      (await new Deno.Command(args[0], { args: args.slice(1), env, stdout: "piped" }).output()).stdout,
    );
  const want = await run(["sh", "-c", script, "zero", "one"], {});
  const got = await run(cmd, { LYCHD_SCRIPT: s.raw.env!.LYCHD_SCRIPT });
  assert.equal(got, want);
  assert.equal(want, "back\\slash|tab\tin|pct 100%|zero one\n");
});

Deno.test("top-level volumes and networks: the bind idiom becomes a bind; other driver settings are refused", async () => {
  const text = `services:
  a:
    image: x
    volumes: [data:/data, nfs:/nfs]
    expose: ["80"]
volumes:
  data:
    driver: local
    driver_opts: { type: none, o: bind, device: /srv/data }
  nfs:
    driver_opts: { type: nfs, o: "addr=10.0.0.1", device: ":/export" }
networks:
  proxy:
    external: true
`;
  const read = files({ "/p/compose.yaml": text });
  const p = await loadProject(
    {
      files: ["/p/compose.yaml"],
      envFiles: [],
      profiles: [],
      env: () => undefined,
    },
    read,
    composeSchemaCheck,
  );
  await assert.rejects(
    () => convertProject(p, read, { roles: {}, lenient: false }),
    (e: ComposeError) => e.path === "networks.proxy",
  );
  const c = await convertProject(p, read, { roles: {}, lenient: true });
  assert.match(c.toml, /volumes = \["\/srv\/data:\/data"\]/);
  assert.match(c.toml, /# lychd import: dropped volumes\[1\]: volume nfs uses driver local with driver_opts/);
  assert.match(c.toml, /# expose: nothing to do/);
  assert.equal(c.warnings.length, 2);
});

Deno.test("lychd import compose: COMPOSE_FILE names the files when none are given", async () => {
  const host = fakeHost({ env: { HOME: "/home/u", COMPOSE_FILE: "a.yaml:b.yaml" }, cwd: "/p" });
  host.fs.put("/p/a.yaml", "services:\n  web:\n    image: nginx\n");
  host.fs.put("/p/b.yaml", "services:\n  web:\n    image: nginx:2\n");
  assert.equal(await run(["import", "compose"], host), 0);
  assert.match(host.stdout.text, /image = "nginx:2"/);
});

Deno.test("convert: driver cdi device_ids follow the CDI name rules of src/cdi/name.ts", async () => {
  const convert = async (id: string) => {
    const text = "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations:\n" +
      `          devices:\n            - driver: cdi\n              capabilities: [gpu]\n              device_ids: [${
        JSON.stringify(id)
      }]\n`;
    const read = files({ "/p/compose.yaml": text });
    const p = await loadProject(
      { files: ["/p/compose.yaml"], envFiles: [], profiles: [], env: () => undefined },
      read,
      composeSchemaCheck,
    );
    return convertProject(p, read, { roles: {}, lenient: false });
  };
  // A class with dots is a CDI 0.6 kind (vendor1.com/class.subclass).
  assert.match((await convert("vendor1.com/class.subclass=0")).toml, /"vendor1\.com\/class\.subclass=0"/);
  // A device name may not end in ":".
  await assert.rejects(() => convert("nvidia.com/gpu=0:"), /which is not a CDI name/);
});

Deno.test("lychd import compose: entrypoint and command, string and list forms, reach the Codex", async () => {
  const host = fakeHost({ env: { HOME: "/home/u" }, cwd: "/p" });
  host.fs.put(
    "/p/compose.yaml",
    "services:\n  a:\n    image: x\n    entrypoint: /bin/sh -c\n    command: ['echo hi']\n" +
      "  b:\n    image: y\n    entrypoint: ['/tini', '--']\n    command: serve --port 8000\n",
  );
  assert.equal(await run(["import", "compose"], host), 0);
  const codex = loadCodex(host.stdout.text, "codex.toml");
  const raw = (name: string) => codex.services.find((s) => s.name === name)!.raw;
  assert.deepEqual(raw("a").entrypoint, ["/bin/sh", "-c"]);
  assert.deepEqual(raw("a").command, ["echo hi"]);
  assert.deepEqual(raw("b").entrypoint, ["/tini", "--"]);
  assert.deepEqual(raw("b").command, ["serve", "--port", "8000"]);
});
