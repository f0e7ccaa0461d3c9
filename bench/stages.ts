/**
 * The lychd functions the in-process benchmarks call, in one module so that another checkout's
 * copy (a baseline) can be imported the same way (see fixtures.ts).
 *
 * @module
 */
export { loadCodex } from "../src/codex/load.ts";
export { CodexSchema } from "../src/codex/schema.ts";
export { validate as validateGenerated } from "../src/codex/validator.generated.js";
export { validateCodex } from "../src/codex/validate.ts";
export { makePlan } from "../src/plan/plan.ts";
export { renderPlan } from "../src/quadlet/render.ts";
export { CdiRegistry } from "../src/cdi/registry.ts";
export { conflictGraph } from "../src/plan/exclusivity.ts";
