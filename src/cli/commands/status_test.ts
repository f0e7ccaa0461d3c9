import assert from "node:assert/strict";
import { onDemandState } from "./status.ts";

Deno.test("onDemandState() names the four states of an on-demand stone", () => {
  assert.equal(onDemandState("inactive", "inactive", "active"), "waiting for a request");
  assert.equal(onDemandState("activating", "inactive", "active"), "loading");
  assert.equal(onDemandState("active", "active", "active"), "serving");
  assert.equal(onDemandState("active", "inactive", "active"), "idle");
  assert.equal(onDemandState("inactive", "inactive", "inactive"), "off");
});
