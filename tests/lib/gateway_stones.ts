/**
 * The stones of the gateway tests (gateway_test.ts, gateway_swap_test.ts): two on GPU 0, one on
 * GPU 1, and the test options that let the harness's servers outlive a test's bookkeeping.
 *
 * @module
 */
import type { StoneSpec } from "./gateway.ts";

export const A: StoneSpec = {
  name: "a",
  device: "0",
  models: ["alpha", "al"],
  servedName: "org/Alpha-7B",
  vram: 16,
};
export const B: StoneSpec = { name: "b", device: "0", models: ["bravo"], vram: 16 };
export const C: StoneSpec = { name: "c", device: "1", models: ["charlie"], vram: 16 };
export const opts = { sanitizeOps: false, sanitizeResources: false };
