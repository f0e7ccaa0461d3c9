/**
 * Every verb, in help order.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { init } from "./init.ts";
import { check } from "./check.ts";
import { render } from "./render.ts";
import { bind } from "./bind.ts";
import { unbind } from "./unbind.ts";
import { logs, start, stop, summon } from "./lifecycle.ts";
import { status } from "./status.ts";
import { reconcile } from "./reconcile.ts";
import { doctor } from "./doctor.ts";
import { permissions } from "./permissions.ts";
import { schema } from "./schema.ts";
import { completions } from "./completions.ts";
import { admitVerb } from "./admit.ts";

/** The verbs of lychd. */
export const COMMANDS: Command[] = [
  init,
  check,
  render,
  bind,
  unbind,
  start,
  stop,
  summon,
  admitVerb,
  status,
  logs,
  reconcile,
  doctor,
  permissions,
  schema,
  completions,
];
