/**
 * The oracle matrix: every golden case (and the embedded default) rendered for every supported
 * Podman minor, 4.4 … 5.8, and run through THAT minor's own Quadlet generator
 * (`$LYCHD_QUADLET_ORACLES/quadlet-<release>`, scripts/build-oracles.sh):
 * - no Rune dropped: each Quadlet file becomes the unit `naming.unitOfFile` says;
 * - nothing on stderr but the generator's `Loading source unit file` lines (no "unsupported
 *   key", no "converting"), decided from the output, not the exit status (4.4 and 4.5 exit 0
 *   after dropping a file);
 * - every Codex field arrives as the podman argument it calls for, compared after systemd's own
 *   unescaping against the value written in the Codex.
 * A case the target cannot express must be refused with the one expected message (below).
 *
 * Missing oracles: a loud skip; in CI (CI=true) a failure.
 */
import assert from "node:assert/strict";
import { type GoldenCase, goldenCases, renderCase } from "./lib/golden.ts";
import { minorOf, ORACLE_RELEASES, runOracle, scratchDir, skipWithoutOracles } from "./lib/oracles.ts";
import { execWords, flagValues, lastValue } from "./lib/systemd.ts";
import { loadCodex } from "../src/codex/load.ts";
import { formatPort } from "../src/codex/quantities.ts";
import { GATEWAY_HOST, parseSubnet } from "../src/codex/subnet.ts";
import { RenderError } from "../src/quadlet/render.ts";
import { compareVersions } from "../src/quadlet/versions.ts";
import { defaultObjectName, supports } from "../src/quadlet/_testing.ts";
import { FILE_KINDS, QUADLET_KEYS } from "../src/quadlet/keys.ts";
import * as naming from "../src/quadlet/naming.ts";

const ignore = skipWithoutOracles("tests/oracle_test.ts");

/** The refusals the matrix expects: case → [first minor that renders it, path, message]. */
const REFUSED: Record<string, { from: string; path: string; message: (v: string) => string }> = {
  pod: {
    from: FILE_KINDS.pod.since,
    path: "sepulcher.network",
    message: (v) => `Quadlet \`.pod\` files need Podman 5.0; the target is ${v}`,
  },
};

const cases = goldenCases();

for (const release of ORACLE_RELEASES) {
  const v = minorOf(release);
  for (const c of cases) {
    Deno.test({
      name: `oracle ${v} (quadlet-${release}) ${c.name}`,
      ignore,
      fn: () => check(c, release, v),
    });
  }
}

async function check(c: GoldenCase, release: string, v: string): Promise<void> {
  const refused = REFUSED[c.name];
  if (refused && compareVersions(v, refused.from) < 0) {
    assert.throws(
      () => renderCase(c, v),
      (e: unknown) => e instanceof RenderError && e.path === refused.path && e.message === refused.message(v),
    );
    return;
  }
  const { runes } = renderCase(c, v);
  const dir = await scratchDir(`lychd-oracle-${v}-${c.name}-`);
  try {
    const quadlet = runes.filter((r) => r.dir === "quadlet");
    for (const r of quadlet) await Deno.writeTextFile(`${dir}/${r.name}`, r.text);
    const res = await runOracle(release, dir);
    assert.deepEqual(res.complaints.map((x) => x.line), [], `quadlet-${release} complained`);
    for (const r of quadlet) {
      const unit = naming.unitOfFile(r.name)!;
      assert.ok(res.units.has(unit), `${r.name} → ${unit} was not generated (dropped)`);
    }
    assert.equal(res.units.size, quadlet.length, "units other than the Runes' appeared");
    roundTrip(c, v, res.units);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The exact podman arguments of every field, after systemd's unescaping. */
function roundTrip(c: GoldenCase, v: string, units: Map<string, string>): void {
  const codex = loadCodex(c.codexText, "codex.toml");
  const named = (file: string, key: "Network" | "Volume") =>
    supports(v, key, `${key}Name`) ? naming.objectName(file) : defaultObjectName(file);
  // A bridge Sepulcher with a gateway: the pinned subnet, and the gateway's name in every container.
  const sn = codex.subnet !== undefined && codex.network === "bridge" ? parseSubnet(codex.subnet) : undefined;
  if (sn && !sn.ok) assert.fail(`${c.name}: sepulcher.subnet ${codex.subnet}: ${sn.message}`);
  const gatewayHost = sn?.ok && codex.gateway ? [`${GATEWAY_HOST}:${sn.value.gateway}`] : [];
  if (sn?.ok) {
    const net = units.get(naming.unitOfFile(naming.networkFile(codex.prefix))!);
    assert.ok(net, "the network unit was not generated");
    const words = execWords(lastValue(net, "ExecStart")!);
    assert.deepEqual(flagValues(words, "--subnet"), [sn.value.cidr], `${v} sepulcher.subnet`);
    assert.deepEqual(flagValues(words, "--gateway"), [sn.value.gateway], `${v} sepulcher.subnet (gateway)`);
  }
  for (const s of codex.services) {
    const unit = units.get(naming.serviceUnit(s.stem));
    assert.ok(unit, `${s.stem}.service was not generated`);
    const words = execWords(lastValue(unit, "ExecStart")!);
    const r = s.raw;
    const at = `${v} ${s.path}`;
    const eq = (flag: string, want: string[], what: string) =>
      assert.deepEqual(flagValues(words, flag), want, `${at}.${what}`);
    const has = (flag: string, want: string, what: string) =>
      assert.ok(
        flagValues(words, flag).includes(want),
        `${at}.${what}: ${flag} ${want} in ${words.join(" ")}`,
      );

    eq("--name", [s.stem], "name");
    const imageAt = words.indexOf(r.image);
    assert.ok(imageAt > 0, `${at}.image ${r.image} missing`);
    assert.deepEqual(words.slice(imageAt + 1), r.command ?? [], `${at}.command`);
    for (const [k, val] of Object.entries(r.env ?? {})) has("--env", `${k}=${val}`, `env.${k}`);
    for (const [k, val] of Object.entries(r.labels ?? {})) has("--label", `${k}=${val}`, `labels.${k}`);
    for (const [k, val] of Object.entries(r.annotations ?? {})) {
      has("--annotation", `${k}=${val}`, `annotations.${k}`);
    }
    if (codex.network === "bridge") {
      eq("--network", [named(naming.networkFile(codex.prefix), "Network")], "network");
      eq("--network-alias", [s.name], "network alias");
    } else if (codex.network !== "pod") eq("--network", [codex.network], "network");
    if (codex.network !== "pod") {
      assert.deepEqual(flagValues(words, "--publish").sort(), s.ports.map(formatPort).sort(), `${at}.ports`);
    }
    const volumes = [...flagValues(words, "-v"), ...flagValues(words, "--volume")];
    assert.deepEqual(
      volumes,
      s.mounts.map((m) =>
        [
          m.named ? named(naming.volumeFile(codex.prefix, m.source), "Volume") : m.source,
          m.target,
          ...(m.options.length ? [m.options.join(",")] : []),
        ].join(":")
      ),
      `${at}.volumes`,
    );
    eq("--device", r.devices ?? [], "devices");
    eq("--env-file", r.env_files ?? [], "env_files");
    eq("--tmpfs", r.tmpfs ?? [], "tmpfs");
    eq("--add-host", [...(r.add_hosts ?? []), ...gatewayHost], "add_hosts");
    eq("--user", r.user ? [r.user] : [], "user");
    eq("--userns", r.userns ? [r.userns] : [], "userns");
    eq("--memory", s.memory ? [s.memory] : [], "memory");
    eq("--shm-size", s.shmSize ? [s.shmSize] : [], "shm_size");
    eq("--cpus", r.cpus !== undefined ? [String(r.cpus)] : [], "cpus");
    eq("--ipc", r.ipc ? [r.ipc] : [], "ipc");
    eq("--pull", r.pull ? [r.pull] : [], "pull");
    eq("--stop-timeout", r.stop_timeout !== undefined ? [String(r.stop_timeout)] : [], "stop_timeout");
    if (r.auto_update) has("--label", `io.containers.autoupdate=${r.auto_update}`, "auto_update");
    eq(
      "--secret",
      s.secrets.map((x) =>
        [x.name, ...(x.type ? [`type=${x.type}`] : []), ...(x.target ? [`target=${x.target}`] : [])].join(",")
      ),
      "secrets",
    );
    eq("--cap-add", (r.cap_add ?? []).map((x) => x.toLowerCase()), "cap_add");
    eq("--cap-drop", (r.cap_drop ?? []).map((x) => x.toLowerCase()), "cap_drop");
    if (r.health) {
      const h = r.health;
      const want = typeof h.cmd === "string" ? ["CMD-SHELL", h.cmd] : ["CMD", ...h.cmd];
      const [hc] = flagValues(words, "--health-cmd");
      assert.deepEqual(JSON.parse(hc), want, `${at}.health.cmd`);
      const d = (x: string | number | undefined) =>
        x === undefined ? [] : [typeof x === "number" ? `${x}s` : x];
      eq("--health-interval", d(h.interval), "health.interval");
      eq("--health-timeout", d(h.timeout), "health.timeout");
      eq("--health-retries", h.retries !== undefined ? [String(h.retries)] : [], "health.retries");
      eq("--health-start-period", d(h.start_period), "health.start_period");
      const notify = s.role === "soulstone" &&
        compareVersions(v, QUADLET_KEYS.Container.Notify.forms[0].since) >= 0;
      assert.equal(words.includes("--sdnotify=healthy"), notify, `${at}.health: --sdnotify=healthy`);
    } else eq("--health-cmd", [], "health");
    if (r.entrypoint) assert.deepEqual(JSON.parse(flagValues(words, "--entrypoint")[0]), r.entrypoint);
    else eq("--entrypoint", [], "entrypoint");
    assert.equal(words.includes("--read-only") || words.includes("--read-only=true"), r.read_only === true);
    assert.equal(
      words.includes("--security-opt=no-new-privileges"),
      s.noNewPrivileges,
      `${at}.no_new_privileges`,
    );
    const args = r.podman_args ?? [];
    if (args.length) {
      const i = words.indexOf(args[0]);
      assert.deepEqual(words.slice(i, i + args.length), args, `${at}.podman_args`);
    }
    const desc = lastValue(unit, "Description")!;
    assert.equal(
      desc.replaceAll("%%", "%"),
      r.description ?? `lychd ${s.role} ${s.name}`,
      `${at}.description`,
    );
  }
}
