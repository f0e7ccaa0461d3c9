/**
 * Every verb, in help order.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { init } from "./init.ts";
import { check } from "./check.ts";
import { render } from "./render.ts";

/** The verbs of lychd. */
export const COMMANDS: Command[] = [init, check, render];
