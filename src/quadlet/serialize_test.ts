import assert from "node:assert/strict";
import { downgrade } from "./downgrade.ts";
import { type CheckedFile, RenderError, SectionBuilder, serialize, type UnitFile } from "./unit.ts";

const unitFile = (name: string, ...sections: SectionBuilder<"Unit" | "Container">[]): UnitFile => ({
  name,
  dir: "quadlet",
  sections: sections.map((s) => s.build()),
});

Deno.test("a plain key's memoized line is the same line; a value it cannot write is still refused with its field", () => {
  const a = unitFile("a.container", new SectionBuilder("Unit").addAll("After", ["x.service", "y.service"]));
  const b = unitFile("b.container", new SectionBuilder("Unit").addAll("After", ["y.service", "x.service"]));
  const [fa, fb] = downgrade([a, b], "5.4").files;
  assert.equal(serialize(fa, "h"), "# h\n\n[Unit]\nAfter=x.service\nAfter=y.service\n");
  assert.equal(serialize(fb, "h"), "# h\n\n[Unit]\nAfter=y.service\nAfter=x.service\n");
  const bad = unitFile(
    "c.container",
    new SectionBuilder("Unit").add("After", "x y.service", "services.c.after"),
  );
  assert.throws(
    () => serialize(downgrade([bad], "5.4").files[0], "h"),
    (e: unknown) =>
      e instanceof RenderError && e.path === "services.c.after" && /not a plain name/.test(e.message),
  );
});

Deno.test("a plain key given a specifier to keep is a lychd bug even when its value was written before", () => {
  const ok = unitFile("a.container", new SectionBuilder("Unit").add("After", "z.service"));
  serialize(downgrade([ok], "5.4").files[0], "h");
  const f = {
    name: "b.container",
    dir: "quadlet",
    sections: [{ name: "Unit", entries: [{ key: "After", value: "z.service", keep: "%t" }] }],
  } as unknown as CheckedFile;
  assert.throws(() => serialize(f, "h"), /a plain key keeps no specifier/);
});

Deno.test("explicit PodmanArgs= lines and moved flags merge into the first one's place", () => {
  const c = new SectionBuilder("Container")
    .add("Image", "x")
    .add("PodmanArgs", ["--a=1"], "vessel.podman_args")
    .add("Memory", "2g", "vessel.memory")
    .add("RunInit", true)
    .add("PodmanArgs", ["--b=2"], "vessel.podman_args");
  const [f] = downgrade([unitFile("t.container", c)], "5.4").files;
  assert.equal(
    serialize(f, "h"),
    "# h\n\n[Container]\nImage=x\nPodmanArgs=--memory=2g --a=1 --b=2\nRunInit=true\n",
  );
});

Deno.test("a file the target takes as it is comes back as the same object; one it changes is a new one", () => {
  const keep = unitFile("k.container", new SectionBuilder("Container").add("Image", "x").add("Memory", "2g"));
  assert.equal(downgrade([keep], "5.8").files[0], keep);
  const moved = downgrade([keep], "5.4").files[0];
  assert.notEqual(moved, keep);
  assert.equal(keep.sections[0].entries.length, 2); // the input is not changed
});
