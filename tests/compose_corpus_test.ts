/**
 * The compose corpus (tests/compose/<name>/, real files, see SOURCES): each entry is imported
 * with the options in its expect.json, and the outcome (clean / warnings / refused) is checked.
 * Imported Codexes are loaded, planned, rendered for Podman 5.4 and run through the real Quadlet
 * generator; per service, the podman arguments it produces are compared with the expectations,
 * which were written by reading the compose file (what `docker compose up` would run): image,
 * command, entrypoint, environment after interpolation, ports, mounts, devices, health command.
 */
import { warningLine } from "../src/warnings.ts";
import assert from "node:assert/strict";
import { loadProject } from "../src/compose/project.ts";
import { convertProject } from "../src/compose/convert.ts";
import { composeSchemaCheck } from "../src/compose/schema.ts";
import { loadCodex } from "../src/codex/load.ts";
import { makePlan } from "../src/plan/plan.ts";
import { renderPlan } from "../src/quadlet/render.ts";
import { CdiRegistry } from "../src/cdi/registry.ts";
import { quadletCommand, quadletDryrun, REQUIRE_ORACLE, warnMissing } from "./lib/quadlet.ts";
import { execWords, flagValues, lastValue, splitDryrun } from "./lib/systemd.ts";

const DIR = new URL("./compose/", import.meta.url).pathname;
const available = quadletCommand() !== undefined;
if (!available && !REQUIRE_ORACLE) warnMissing("tests/compose_corpus_test.ts");

interface Expect {
  files: string[];
  env_file?: string[];
  profiles?: string[];
  env?: Record<string, string>;
  lenient?: boolean;
  outcome: "clean" | "warnings" | "refused";
  refusal?: string;
  strict_refusal?: string;
  services?: Record<string, {
    image?: string;
    command?: string[];
    entrypoint?: string[];
    env?: Record<string, string>;
    ports?: string[];
    mounts?: string[];
    devices?: string[];
    health?: string[];
    hosts?: string[];
  }>;
}

const read = async (p: string) => {
  try {
    return await Deno.readTextFile(p);
  } catch {
    return undefined;
  }
};

async function importEntry(dir: string, e: Expect, lenient: boolean) {
  const env: Record<string, string> = { HOME: "/home/u", ...(e.env ?? {}) };
  const project = await loadProject(
    {
      files: e.files.map((f) => `${dir}/${f}`),
      envFiles: (e.env_file ?? []).map((f) => `${dir}/${f}`),
      profiles: e.profiles ?? [],
      env: (n) => env[n],
      home: "/home/u",
    },
    read,
    composeSchemaCheck,
  );
  return convertProject(project, read, { name: "t", roles: {}, lenient, gpus: () => [] });
}

const names = [...Deno.readDirSync(DIR)].filter((d) => d.isDirectory).map((d) => d.name).sort();
const counts = { clean: 0, warnings: 0, refused: 0 };

for (const name of names) {
  Deno.test({
    name:
      `compose corpus ${name}: imports as expected, checks, renders, and the real generator runs what compose would`,
    ignore: !available && !REQUIRE_ORACLE,
    async fn() {
      const dir = `${DIR}${name}`;
      const e: Expect = JSON.parse(await Deno.readTextFile(`${dir}/expect.json`));
      if (e.strict_refusal) {
        await assert.rejects(() => importEntry(dir, e, false), (err: Error) => {
          assert.match(err.message + " " + (err as { path?: string }).path, new RegExp(e.strict_refusal!));
          return true;
        });
      }
      if (e.outcome === "refused") {
        await assert.rejects(() => importEntry(dir, e, e.lenient ?? false), (err: Error) => {
          const line = (err as unknown as { oneLine?: () => string }).oneLine?.() ?? err.message;
          assert.ok(
            line.includes(e.refusal!),
            `refusal ${JSON.stringify(line)} lacks ${JSON.stringify(e.refusal)}`,
          );
          return true;
        });
        counts.refused++;
        return;
      }
      const c = await importEntry(dir, e, e.lenient ?? false);
      assert.equal(
        c.warnings.length > 0 ? "warnings" : "clean",
        e.outcome,
        c.warnings.map(warningLine).join("\n"),
      );
      counts[e.outcome]++;
      const codex = loadCodex(c.toml, `${name}.toml`);
      const { runes } = renderPlan(makePlan(codex, CdiRegistry.fromSpecs([], () => undefined)), {
        podmanVersion: "5.4",
      });
      const tmp = await Deno.makeTempDir({ prefix: `lychd-compose-${name}-` });
      try {
        for (const r of runes) await Deno.writeTextFile(`${tmp}/${r.name}`, r.text);
        const res = await quadletDryrun(tmp);
        assert.equal(res.code, 0, res.stderr);
        assert.doesNotMatch(res.stderr, /converting|unsupported|error/i, res.stderr);
        const units = splitDryrun(res.stdout);
        for (const [svc, want] of Object.entries(e.services ?? {})) {
          const path = c.paths[svc];
          assert.ok(path, `${svc} was not imported`);
          const s = codex.services.find((x) => x.path === path)!;
          const unit = units.get(`${s.stem}.service`);
          assert.ok(unit, `${s.stem}.service not generated`);
          let words = execWords(lastValue(unit, "ExecStart")!);
          // A multi-line `sh -c` script travels escaped in LYCHD_SCRIPT (systemd cannot pass a
          // newline); rebuild it with the real printf %b, as the container's shell does. The one
          // difference: $(…) drops trailing newlines, which sh ignores anyway.
          const script = flagValues(words, "--env").find((x) => x.startsWith("LYCHD_SCRIPT="));
          if (script) {
            const out = await new Deno.Command("sh", {
              args: ["-c", 'printf %b "$LYCHD_SCRIPT"'],
              env: { LYCHD_SCRIPT: script.slice("LYCHD_SCRIPT=".length) },
              stdout: "piped",
            }).output();
            const decoded = new TextDecoder().decode(out.stdout).replace(/\n+$/, "");
            const wrapper = 'eval "$(printf %b "$LYCHD_SCRIPT")"';
            words = words.map((w) =>
              w === wrapper
                ? decoded
                : w.includes(JSON.stringify(wrapper))
                ? w.replace(JSON.stringify(wrapper), JSON.stringify(decoded))
                : w
            );
          }
          const strip = (a: string[] | undefined) => a?.map((w) => w.replace(/\n+$/, ""));
          const at = words.indexOf(s.raw.image);
          assert.ok(at > 0);
          if (want.image) assert.equal(s.raw.image, want.image, `${svc}.image`);
          assert.deepEqual(words.slice(at + 1), strip(want.command) ?? [], `${svc}.command`);
          const ep = flagValues(words, "--entrypoint");
          assert.deepEqual(
            ep.length ? JSON.parse(ep[0]) : undefined,
            strip(want.entrypoint),
            `${svc}.entrypoint`,
          );
          const envs = flagValues(words, "--env");
          for (const [k, v] of Object.entries(want.env ?? {})) {
            assert.ok(
              envs.includes(`${k}=${v}`),
              `${svc}.env ${k}=${v} missing from ${
                JSON.stringify(envs.filter((x) => x.startsWith(k + "=")))
              }`,
            );
          }
          if (want.ports) {
            assert.deepEqual(flagValues(words, "--publish").sort(), [...want.ports].sort(), `${svc}.ports`);
          }
          if (want.mounts) {
            const vols = flagValues(words, "-v").map((v) => v.replaceAll(dir, "$PROJECT"));
            assert.deepEqual(vols.sort(), [...want.mounts].sort(), `${svc}.mounts`);
          }
          if (want.devices) {
            assert.deepEqual(
              flagValues(words, "--device").sort(),
              [...want.devices].sort(),
              `${svc}.devices`,
            );
          }
          if (want.hosts) assert.deepEqual(flagValues(words, "--add-host"), want.hosts, `${svc}.extra_hosts`);
          if (want.health) {
            const [hc] = flagValues(words, "--health-cmd");
            assert.deepEqual(JSON.parse(hc), want.health, `${svc}.health`);
          }
        }
      } finally {
        await Deno.remove(tmp, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "compose corpus: counts",
  ignore: !available && !REQUIRE_ORACLE,
  fn() {
    console.log(
      `compose corpus: ${counts.clean} clean, ${counts.warnings} with warnings, ${counts.refused} refused`,
    );
  },
});
