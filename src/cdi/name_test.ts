import assert from "node:assert/strict";
import { CdiError } from "./errors.ts";
import { isQualifiedName, parseQualifiedName, QUALIFIED_NAME_RE } from "./name.ts";

Deno.test("parseQualifiedName() splits vendor, class, name and kind", () => {
  assert.deepEqual(parseQualifiedName("nvidia.com/gpu=0"), {
    vendor: "nvidia.com",
    class: "gpu",
    name: "0",
    kind: "nvidia.com/gpu",
  });
  assert.deepEqual(parseQualifiedName("nvidia.com/gpu=0:1").name, "0:1");
  assert.deepEqual(parseQualifiedName("amd.com/gpu=all").kind, "amd.com/gpu");
  assert.deepEqual(
    parseQualifiedName("nvidia.com/gpu=GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c").name,
    "GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c",
  );
  assert.deepEqual(parseQualifiedName("vendor_x.example-1.org/class_2-b=dev.name_3:4"), {
    vendor: "vendor_x.example-1.org",
    class: "class_2-b",
    name: "dev.name_3:4",
    kind: "vendor_x.example-1.org/class_2-b",
  });
  assert.equal(parseQualifiedName("a/b=c").kind, "a/b");
});

Deno.test("parseQualifiedName() refuses malformed names, quoting the value", () => {
  const cases: [string, RegExp][] = [
    ["gpu0", /"gpu0" has no "\/"/],
    ["nvidia.com/gpu", /"nvidia.com\/gpu" has no "="/],
    ["nvidia.com/gpu=", /invalid device name ""/],
    ["/gpu=0", /is a path/],
    ["1nvidia.com/gpu=0", /invalid vendor "1nvidia.com"/],
    ["nvidia.com./gpu=0", /invalid vendor "nvidia.com."/],
    ["nvidia.com/gpu.=0", /invalid class "gpu."/],
    ["nvidia.com/gpu-=0", /invalid class "gpu-"/],
    ["nvidia.com/=0", /invalid class ""/],
    ["nvidia.com/gpu=:0", /invalid device name ":0"/],
    ["nvidia.com/gpu=0:", /invalid device name "0:"/],
    ["nvidia.com/gpu=a b", /invalid device name "a b"/],
    ["nvidia.com/gpu=a/b", /invalid device name "a\/b"/],
    ["nvidia.com/gpu=a=b", /invalid device name "a=b"/],
    ["/dev/nvidia0", /"\/dev\/nvidia0" is a path, not "vendor\/class=name"/],
  ];
  for (const [input, re] of cases) {
    assert.throws(() => parseQualifiedName(input), (e: unknown) => {
      assert.ok(e instanceof CdiError, `${input}: not a CdiError`);
      assert.match(e.message, re, input);
      assert.ok(e.message.includes(JSON.stringify(input)), `${input}: message does not quote it`);
      assert.ok(e.hint && e.hint.length > 0, `${input}: no hint`);
      return true;
    });
  }
});

Deno.test("isQualifiedName() agrees with parseQualifiedName()", () => {
  const inputs = [
    "nvidia.com/gpu=0",
    "nvidia.com/gpu=all",
    "nvidia.com/gpu=0:0",
    "x/y=z",
    "gpu0",
    "nvidia.com/gpu",
    "nvidia.com/gpu=",
    "nvidia.com/gpu=_0",
    "/dev/nvidia0",
    "nvidia.com/g_p-u=0",
    "nvidia.com/gp.u=0",
    "vendor1.com/class.subclass=x",
    "nvidia.com/gpu.=0",
  ];
  const expected = [true, true, true, true, false, false, false, false, false, true, true, true, false];
  assert.deepEqual(inputs.map(isQualifiedName), expected);
  for (const s of inputs) {
    let parsed = true;
    try {
      parseQualifiedName(s);
    } catch {
      parsed = false;
    }
    assert.equal(isQualifiedName(s), parsed, s);
  }
});

Deno.test("QUALIFIED_NAME_RE (the Codex schema's pattern) accepts exactly what parseQualifiedName accepts", () => {
  const inputs = [
    "nvidia.com/gpu=0",
    "nvidia.com/gpu=0:1",
    "nvidia.com/gpu=all",
    "vendor_x.example-1.org/class_2-b=dev.name_3:4",
    "a/b=c",
    "nvidia.com-/gpu=0",
    "nvidia.com/gpu.=0",
    "nvidia.com/gpu=0:",
    "nvidia.com/gpu=:0",
    "1nvidia.com/gpu=0",
    "nvidia.com/gpu=a=b",
    "nvidia.com/g/pu=0",
    "nvidia.com/gpu",
    "/dev/nvidia0",
    "",
  ];
  for (const s of inputs) {
    let parsed = true;
    try {
      parseQualifiedName(s);
    } catch (e) {
      if (!(e instanceof CdiError)) throw e;
      parsed = false;
    }
    assert.equal(QUALIFIED_NAME_RE.test(s), parsed, s);
    assert.equal(isQualifiedName(s), parsed, s);
  }
  assert.equal(inputs.filter((s) => QUALIFIED_NAME_RE.test(s)).length, 5);
});
