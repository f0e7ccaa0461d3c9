/**
 * The flags every verb accepts: one list for parsing, help and the shell completion scripts.
 *
 * @module
 */
import type { Flag } from "./command.ts";

/** Flags every verb accepts. */
export const GLOBAL_FLAGS: Flag[] = [
  {
    name: "codex",
    type: "string",
    arg: "FILE",
    help: "the Codex (env LYCHD_CODEX)",
    default: "$XDG_CONFIG_HOME/lychd/codex.toml",
  },
  {
    name: "unit-dir",
    type: "string",
    arg: "DIR",
    help: "where Quadlet files go",
    default: "$XDG_CONFIG_HOME/containers/systemd",
  },
  {
    name: "systemd-dir",
    type: "string",
    arg: "DIR",
    help: "where plain units go",
    default: "$XDG_CONFIG_HOME/systemd/user",
  },
  {
    name: "cdi-dir",
    type: "string",
    arg: "DIR",
    multiple: true,
    help: "CDI spec directory (repeatable)",
    default: "/etc/cdi, /var/run/cdi",
  },
  {
    name: "system",
    type: "boolean",
    help: "root-managed host: /etc/containers/systemd, systemctl without --user",
  },
  {
    name: "podman-version",
    type: "string",
    arg: "X.Y",
    help: "render for this Podman",
    default: "detected `podman --version`",
  },
  { name: "json", type: "boolean", help: "machine-readable output (where a verb has it)" },
  { name: "quiet", type: "boolean", short: "q", help: "only errors and requested output" },
  { name: "help", type: "boolean", short: "h", help: "show help" },
  { name: "version", type: "boolean", short: "V", help: "print the version" },
];
