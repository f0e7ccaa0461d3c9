/**
 * Every verb, in help order.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { init } from "./init.ts";
import { check } from "./check.ts";
import { render } from "./render.ts";
import { exportCmd } from "./export.ts";
import { bind } from "./bind.ts";
import { unbind } from "./unbind.ts";
import { logs, start, stop, summon } from "./lifecycle.ts";
import { status } from "./status.ts";
import { reconcile } from "./reconcile.ts";
import { doctor } from "./doctor.ts";
import { permissions } from "./permissions.ts";
import { schema } from "./schema.ts";
import { completions } from "./completions.ts";
import { importCmd } from "./import.ts";

/** The verbs of lychd. */
export const COMMANDS: Command[] = [
  init,
  check,
  render,
  exportCmd,
  bind,
  unbind,
  start,
  stop,
  summon,
  status,
  logs,
  reconcile,
  doctor,
  permissions,
  schema,
  completions,
  importCmd,
];
