import assert from "node:assert/strict";
import { loadCodex } from "./load.ts";
// Words schema rejections (loaded lazily by the CLI; a synchronous caller imports it once).
import "./explain.ts";
import { CodexError } from "./errors.ts";
import { DEFAULT_CODEX } from "./default.ts";

function fails(text: string, opts = {}): CodexError {
  try {
    loadCodex(text, "/cfg/codex.toml", opts);
  } catch (e) {
    if (e instanceof CodexError) return e;
    throw e;
  }
  throw new Error("expected a CodexError");
}

Deno.test("loadCodex() reads the embedded default with defaults applied", () => {
  const c = loadCodex(DEFAULT_CODEX, "default");
  assert.equal(c.prefix, "lychd");
  assert.deepEqual(c.services.map((s) => s.stem), [
    "lychd-vessel",
    "lychd-phylactery",
    "lychd-oculus",
    "lychd-soulstone-vllm",
    "lychd-soulstone-llamacpp",
  ]);
  const vllm = c.services.find((s) => s.name === "vllm")!;
  assert.equal(vllm.autostart, false);
  assert.equal(vllm.exclusive, true);
  assert.equal(vllm.shmSize, "16g");
  assert.equal(c.services[0].restart, "always");
  assert.equal(c.services[0].noNewPrivileges, true);
  assert.deepEqual(c.volumes, ["models", "phylactery-data", "vessel-data"]);
});

Deno.test("loadCodex() names file, field path, line:column and a hint for a bad quantity", () => {
  const e = fails('version = 1\n\n[soulstones.vllm]\nimage = "x"\nmemory = "lots"\n');
  assert.equal(
    e.message,
    '/cfg/codex.toml:5:1: soulstones.vllm.memory: "lots" is not a size (hint: use "512m", "2g" or an integer number of MiB)',
  );
});

Deno.test("loadCodex() suggests the closest key for a typo", () => {
  const e = fails('version = 1\n[vessel]\nimage = "x"\n  restrat = "always"\n');
  assert.match(
    e.message,
    /^\/cfg\/codex\.toml:4:3: vessel\.restrat: unknown key "restrat" in \[vessel\] \(hint: did you mean "restart"\?\)$/,
  );
});

Deno.test("loadCodex() gives TOML syntax errors their position", () => {
  const e = fails('version = 1\n[vessel\nimage = "x"\n');
  assert.match(e.message, /^\/cfg\/codex\.toml:2:\d+: TOML syntax error: /);
});

Deno.test("loadCodex() refuses GPU /dev paths with the CDI form as hint", () => {
  const e = fails('version = 1\n[soulstones.a]\nimage = "x"\ndevices = ["/dev/nvidia1"]\n');
  assert.match(
    e.message,
    /soulstones\.a\.devices\[0\]: GPU device node "\/dev\/nvidia1" is not allowed \(hint: request it by CDI name: "nvidia\.com\/gpu=1"/,
  );
  const ok = loadCodex('version = 1\n[services.serial]\nimage = "x"\ndevices = ["/dev/ttyUSB0"]\n', "f");
  assert.deepEqual(ok.services[0].raw.devices, ["/dev/ttyUSB0"]);
});

Deno.test("loadCodex() refuses malformed CDI names", () => {
  for (const d of ["nvidia.com/gpu", "1vendor/gpu=0", "nvidia.com/=0", "nvidia.com/gpu=-0"]) {
    const e = fails(`version = 1\n[soulstones.a]\nimage = "x"\ndevices = ["${d}"]\n`);
    assert.match(e.message, /is not a CDI device name/, d);
  }
  const ok = loadCodex('version = 1\n[soulstones.a]\nimage = "x"\ndevices = ["nvidia.com/gpu=0:1"]\n', "f");
  assert.equal(ok.services[0].raw.devices![0], "nvidia.com/gpu=0:1");
});

Deno.test("loadCodex() checks references, self-references and cycles", () => {
  assert.match(
    fails('version = 1\n[vessel]\nimage = "x"\nrequires = ["phylactry"]\n[phylactery]\nimage = "y"\n')
      .message,
    /"phylactry" is not a service of this Codex \(hint: did you mean "phylactery"\?\)/,
  );
  assert.match(
    fails('version = 1\n[soulstones.a]\nimage = "x"\nfallback = "b"\n').message,
    /soulstones\.a\.fallback: "b" is not a soulstone/,
  );
  assert.match(
    fails('version = 1\n[soulstones.a]\nimage = "x"\ncoexists_with = ["a"]\n').message,
    /cannot coexist with itself/,
  );
  assert.match(
    fails(
      'version = 1\n[services.a]\nimage = "x"\nafter = ["b"]\n[services.b]\nimage = "x"\nwants = ["c"]\n[services.c]\nimage = "x"\nrequires = ["a"]\n',
    ).message,
    /dependency cycle: a → b → c → a/,
  );
  assert.match(
    fails(
      'version = 1\n[soulstones.a]\nimage = "x"\nfallback = "b"\n[soulstones.b]\nimage = "x"\nfallback = "a"\n',
    ).message,
    /fallback loop: a → b → a/,
  );
});

Deno.test("loadCodex() refuses names that clash across roles or units", () => {
  assert.match(
    fails('version = 1\n[vessel]\nimage = "x"\n[services.vessel]\nimage = "y"\n').message,
    /the name "vessel" is already used by vessel/,
  );
  assert.match(
    fails('version = 1\n[soulstones.x]\nimage = "x"\n[services.soulstone-x]\nimage = "y"\n').message,
    /would produce the unit "lychd-soulstone-x\.service"/,
  );
  assert.match(
    fails('version = 1\n[services.network]\nimage = "y"\n').message,
    /would produce the unit "lychd-network\.service"/,
  );
});

Deno.test("loadCodex() validates volumes: sources, destinations, options, protected dirs", () => {
  assert.match(
    fails('version = 1\n[vessel]\nimage = "x"\nvolumes = ["./data:/data"]\n').message,
    /neither an absolute path nor a volume name/,
  );
  assert.match(
    fails('version = 1\n[vessel]\nimage = "x"\nvolumes = ["/srv/../etc:/data"]\n').message,
    /not a clean absolute path/,
  );
  assert.match(
    fails('version = 1\n[vessel]\nimage = "x"\nvolumes = ["/srv:/data:rox"]\n').message,
    /unknown volume option "rox"/,
  );
  assert.match(
    fails('version = 1\n[vessel]\nimage = "x"\nvolumes = ["/srv/50%:/data"]\n').message,
    /contains "%"/,
  );
  const e = fails('version = 1\n[vessel]\nimage = "x"\nvolumes = ["/cfg:/data"]\n', {
    protectedDirs: ["/cfg/lychd"],
  });
  assert.match(e.message, /overlaps "\/cfg\/lychd", which lychd manages/);
  // Protected directories and sources compared as normal paths ("//", a trailing "/").
  for (
    const [src, dir] of [["//cfg//lychd/:/data", "/cfg/lychd"], ["/cfg/:/data", "/cfg//lychd/"], [
      "/:/d",
      "/x",
    ]]
  ) {
    assert.match(
      fails(`version = 1\n[vessel]\nimage = "x"\nvolumes = ["${src}"]\n`, { protectedDirs: [dir] }).message,
      /overlaps/,
      src,
    );
  }
  assert.equal(
    loadCodex('version = 1\n[vessel]\nimage = "x"\nvolumes = ["/cfg/lychdx:/d"]\n', "f", {
      protectedDirs: ["/cfg/lychd/"],
    }).services.length,
    1,
  );
  // "." and ".." segments anywhere, in sources and destinations; a name starting with "." is fine.
  for (
    const v of [
      "/srv/.:/data",
      "/srv/..:/data",
      "/./srv:/data",
      "/srv/a/../b:/data",
      "/srv:/data/.",
      "/srv:/data/../x",
    ]
  ) {
    assert.match(
      fails(`version = 1\n[vessel]\nimage = "x"\nvolumes = ["${v}"]\n`).message,
      /not a clean absolute path/,
      v,
    );
  }
  assert.equal(
    loadCodex('version = 1\n[vessel]\nimage = "x"\nvolumes = ["/srv/.cache/..x:/data/.d"]\n', "f").services
      .length,
    1,
  );
  const ok = loadCodex('version = 1\n[vessel]\nimage = "x"\nvolumes = ["data:/d:ro,Z", "/srv/m:/m"]\n', "f");
  assert.deepEqual(ok.services[0].mounts, [
    { source: "data", named: true, target: "/d", options: ["ro", "Z"] },
    { source: "/srv/m", named: false, target: "/m", options: [] },
  ]);
});

Deno.test("loadCodex() refuses control characters anywhere, with the path", () => {
  const e = fails('version = 1\n[vessel]\nimage = "x"\ndescription = "a\\tb"\n');
  assert.match(e.message, /:4:1: vessel\.description: "a\\tb" contains a control character \(U\+0009\)/);
  // Every way TOML text can carry one: multi-line strings of both kinds, an escape, a raw tab.
  const cases: [string, string][] = [
    ['description = """a\nb"""', "U+000A"],
    ["description = '''\na\nb'''", "U+000A"],
    ['description = "bell\\u0007"', "U+0007"],
    ["description = 'a\tb'", "U+0009"],
  ];
  for (const [line, code] of cases) {
    assert.match(
      fails(`version = 1\n[vessel]\nimage = "x"\n${line}\n`).message,
      new RegExp(`\\(${code.replace("+", "\\+")}\\)`),
      line,
    );
  }
});

Deno.test("loadCodex() refuses ports outside 1-65535 and duplicates within a service", () => {
  assert.match(fails('version = 1\n[vessel]\nimage = "x"\nports = ["0:80"]\n').message, /out of range/);
  assert.match(
    fails('version = 1\n[vessel]\nimage = "x"\nports = ["80:80", "80:81"]\n').message,
    /published twice/,
  );
});

Deno.test("loadCodex() reports every issue, the first in document order first", () => {
  const e = fails('version = 1\n[vessel]\nimage = "x"\nmemory = "x"\ncpus = -1\n');
  assert.equal(e.issues.length, 2);
  assert.equal(e.issues[0].path, "vessel.memory");
  assert.equal(e.issues[1].path, "vessel.cpus");
  assert.match(e.oneLine(), /\[\+1 more: lychd check --json\]$/);
});

Deno.test("loadCodex() refuses a __proto__ key (zod's records would skip its table unchecked)", () => {
  const text = 'version = 1\n[services.a]\nimage = "x"\n[services."__proto__"]\nimage = 5\nbogus = true\n';
  assert.throws(() => loadCodex(text, "c.toml"), (e: unknown) => {
    assert.ok(e instanceof CodexError);
    assert.match(e.oneLine(), /c\.toml:4:\d+: services\.__proto__: the key "__proto__" is not allowed/);
    return true;
  });
});

Deno.test("loadCodex() holds [gpu] keys to the full CDI name rules of src/cdi/name.ts", () => {
  const e = fails('version = 1\n\n[gpu.vram_gib]\n"nvidia.com/gpu=0:" = 80\n');
  assert.match(e.message, /"nvidia\.com\/gpu=0:" is not a CDI device name/);
  const c = loadCodex('version = 1\n\n[gpu.vram_gib]\n"nvidia.com/gpu=0" = 80\n', "/cfg/codex.toml");
  assert.ok(c);
});
