import assert from "node:assert/strict";
import { warningLine } from "../warnings.ts";
import { downgrade } from "./downgrade.ts";
import { type CheckedFile, RenderError, SectionBuilder, serialize, type UnitFile } from "./unit.ts";
import * as naming from "./naming.ts";
import { defaultObjectName } from "./_testing.ts";

const container = (c: SectionBuilder<"Container">): UnitFile => ({
  name: "t.container",
  dir: "quadlet",
  sections: [c.build()],
});

const text = (f: CheckedFile) => serialize(f, "h");
/** Newest target: nothing moves. */
const newest = (f: UnitFile) => downgrade([f], "5.8").files[0];

Deno.test("a key the target has stays; one it lacks moves into PodmanArgs= before the explicit flags", () => {
  const c = new SectionBuilder("Container")
    .add("Image", "x")
    .add("Memory", "2g", "vessel.memory")
    .add("PodmanArgs", ["--cpus=1"], "vessel.podman_args")
    .add("HealthCmd", '["CMD-SHELL","echo a b"]', "vessel.health.cmd");
  assert.equal(
    text(downgrade([container(c)], "5.5").files[0]),
    '# h\n\n[Container]\nImage=x\nMemory=2g\nPodmanArgs=--cpus=1\nHealthCmd=["CMD-SHELL","echo a b"]\n',
  );
  assert.equal(
    text(downgrade([container(c)], "4.4").files[0]),
    "# h\n\n[Container]\nImage=x\n" +
      'PodmanArgs=--memory=2g "--health-cmd=[\\"CMD-SHELL\\",\\"echo a b\\"]" --cpus=1\n',
  );
});

Deno.test("moved flags without an explicit PodmanArgs= get one line at the end of the section", () => {
  const c = new SectionBuilder("Container").add("Image", "x").add("StopTimeout", "20").add("RunInit", true);
  assert.equal(
    text(downgrade([container(c)], "4.9").files[0]),
    "# h\n\n[Container]\nImage=x\nRunInit=true\nPodmanArgs=--stop-timeout=20\n",
  );
});

Deno.test("a value form the target lacks: flag (User=uid:gid before 4.8) or left out with a warning", () => {
  const c = new SectionBuilder("Container").add("Image", "x").add("User", "1000:1000", "vessel.user")
    .add("User", "1000").add("Notify", "healthy", "soulstones.x.health");
  const old = downgrade([container(c)], "4.7");
  assert.equal(text(old.files[0]), "# h\n\n[Container]\nImage=x\nUser=1000\nPodmanArgs=--user=1000:1000\n");
  assert.deepEqual(old.warnings.map(warningLine), [
    "soulstones.x.health: Quadlet option `Notify=healthy` needs Podman 5.0 (target 4.7); " +
    "left out of t.container: the service counts as started before it is healthy",
  ]);
  const now = downgrade([container(c)], "5.0");
  assert.equal(
    text(now.files[0]),
    "# h\n\n[Container]\nImage=x\nUser=1000:1000\nUser=1000\nNotify=healthy\n",
  );
  assert.deepEqual(now.warnings, []);
});

Deno.test("a key without a fallback is refused with its field and the version it needs", () => {
  const f: UnitFile = {
    name: "v.volume",
    dir: "quadlet",
    sections: [new SectionBuilder("Volume").add("PodmanArgs", ["--opt=o=x"], "volumes.v").build()],
  };
  assert.throws(
    () => downgrade([f], "4.5"),
    (e: unknown) =>
      e instanceof RenderError && e.path === "volumes.v" &&
      e.message === "Quadlet option `PodmanArgs=` needs Podman 4.6; the target is 4.5",
  );
  assert.doesNotThrow(() => downgrade([f], "4.6"));
});

Deno.test("NetworkName= before 4.7 is left out, with the consequence in the warning", () => {
  const f: UnitFile = {
    name: "lychd.network",
    dir: "quadlet",
    sections: [new SectionBuilder("Network").add("NetworkName", "lychd").add("Label", "a=b").build()],
  };
  const { files, warnings } = downgrade([f], "4.6");
  assert.equal(text(files[0]), "# h\n\n[Network]\nLabel=a=b\n");
  assert.equal(warnings.length, 1);
  assert.match(
    warningLine(warnings[0]),
    /^lychd\.network: Quadlet option `NetworkName=` needs Podman 4\.7 \(target 4\.6\); left out, so the network is named systemd-lychd \(from Podman 4\.7 on: lychd\)$/,
  );
});

Deno.test("file kinds are dated: a .pod before 5.0 is refused with the field that asked for it", () => {
  const f: UnitFile = {
    name: "p.pod",
    dir: "quadlet",
    path: "sepulcher.network",
    sections: [new SectionBuilder("Pod").add("PodName", "p").build()],
  };
  assert.throws(
    () => downgrade([f], "4.9"),
    (e: unknown) =>
      e instanceof RenderError && e.path === "sepulcher.network" &&
      e.message === "Quadlet `.pod` files need Podman 5.0; the target is 4.9",
  );
  assert.equal(downgrade([f], "5.0").files.length, 1);
});

Deno.test("systemd sections pass through undated", () => {
  const f: UnitFile = {
    name: "x.target",
    dir: "systemd",
    sections: [new SectionBuilder("Unit").add("Description", "d").add("Wants", "a.service").build()],
  };
  assert.deepEqual(downgrade([f], "4.4").files, [f]);
});

Deno.test("no key outside the table reaches a file, even past the type checker", () => {
  const sneaky = new SectionBuilder("Container").add("Image", "x");
  sneaky.entries.push({ key: "NoSuchKey", value: "1" });
  assert.throws(() => downgrade([container(sneaky)], "5.8"), /not in the key table/);
  assert.throws(() => serialize(container(sneaky) as CheckedFile, "h"), /not a writable key/);
  // Dated but never written by lychd (no escaping class): refused by the serializer.
  const unwritable = new SectionBuilder("Container").add("Image", "x");
  unwritable.entries.push({ key: "HealthStartupCmd", value: "true" });
  assert.throws(() => serialize(container(unwritable) as CheckedFile, "h"), /not a writable key/);
});

Deno.test("escaping follows the key's class; a plain value with anything to escape is refused", () => {
  const c = new SectionBuilder("Container")
    .add("Image", "img$x")
    .add("Environment", "A=1 %h")
    .add("Exec", ["sh", "-c", "echo $HOME"])
    .add("Memory", "2g; rm", "vessel.memory");
  assert.throws(
    () => text(newest(container(c))),
    (e: unknown) => e instanceof RenderError && e.path === "vessel.memory",
  );
  c.entries.pop();
  assert.equal(
    text(newest(container(c))),
    '# h\n\n[Container]\nImage=img$$x\nEnvironment="A=1 %%h"\nExec=sh -c "echo $$HOME"\n',
  );
});

Deno.test("naming: Quadlet's file → unit rule, stems, proxies", () => {
  assert.equal(naming.unitOfFile("/d/lychd-vessel.container"), "lychd-vessel.service");
  assert.equal(naming.unitOfFile("lychd.network"), "lychd-network.service");
  assert.equal(naming.unitOfFile("lychd-models.volume"), "lychd-models-volume.service");
  assert.equal(naming.unitOfFile("lychd.pod"), "lychd-pod.service");
  assert.equal(naming.unitOfFile("x.kube"), "x.service");
  assert.equal(naming.unitOfFile("x.image"), "x-image.service");
  assert.equal(naming.unitOfFile("x.build"), "x-build.service");
  assert.equal(naming.unitOfFile("x.artifact"), "x-artifact.service");
  assert.equal(naming.unitOfFile("lychd.target"), "lychd.target");
  assert.equal(naming.unitOfFile("a-proxy.socket"), "a-proxy.socket");
  assert.equal(naming.unitOfFile("notes.txt"), undefined);
  assert.equal(naming.serviceStem("lychd", "soulstone", "vllm"), "lychd-soulstone-vllm");
  assert.equal(naming.serviceStem("lychd", "vessel", "vessel"), "lychd-vessel");
  assert.equal(naming.serviceStem("lychd", "service", "cache"), "lychd-cache");
  assert.deepEqual(naming.proxyUnits("lychd-soulstone-q"), {
    stem: "lychd-soulstone-q-proxy",
    socket: "lychd-soulstone-q-proxy.socket",
    service: "lychd-soulstone-q-proxy.service",
  });
  assert.equal(naming.objectName(naming.volumeFile("lychd", "models")), "lychd-models");
  assert.equal(defaultObjectName(naming.networkFile("lychd")), "systemd-lychd");
});

Deno.test("a repeated Ulimit= before 5.0 (its generator keeps only the last) moves whole into PodmanArgs=", () => {
  const one = new SectionBuilder("Container").add("Image", "x").add(
    "Ulimit",
    "nofile=10:10",
    "s.ulimits.nofile",
  );
  assert.equal(
    text(downgrade([container(one)], "4.9").files[0]),
    "# h\n\n[Container]\nImage=x\nUlimit=nofile=10:10\n",
  );
  const two = new SectionBuilder("Container").add("Image", "x").add(
    "Ulimit",
    "nofile=10:10",
    "s.ulimits.nofile",
  )
    .add("Ulimit", "nproc=5:5", "s.ulimits.nproc");
  assert.equal(
    text(downgrade([container(two)], "4.9").files[0]),
    "# h\n\n[Container]\nImage=x\nPodmanArgs=--ulimit=nofile=10:10 --ulimit=nproc=5:5\n",
  );
  assert.equal(
    text(downgrade([container(two)], "5.0").files[0]),
    "# h\n\n[Container]\nImage=x\nUlimit=nofile=10:10\nUlimit=nproc=5:5\n",
  );
});
