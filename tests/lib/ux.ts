/**
 * What the operator-experience tests share (ux_test.ts, ux_completions_test.ts, ux_output_test.ts):
 * the loaded verb table, a fake host with a Codex, podman 5.4.2 and systemd state to answer `show`
 * from, a Codex with long names, and whether a program is installed.
 *
 * @module
 */
import { loadCommands } from "../../src/cli/commands/index.ts";
import { type FakeHost, fakeHost } from "../../src/host/_fake.ts";
import { NVIDIA_SPEC } from "./cli.ts";

export const COMMANDS = await loadCommands();

export const HOME = "/home/u";
export const CODEX = `${HOME}/.config/lychd/codex.toml`;
// deno-lint-ignore no-control-regex
export const SGR = /\x1b\[[0-9;]*m/;

/** Soulstones and services with long names, claiming overlapping GPUs. */
export const LONG_CODEX = `version = 1
[sepulcher]
name = "a-rather-long-sepulcher-name-x"
[vessel]
image = "docker.io/library/nginx:1.27"
[services.an-extremely-long-companion-service-name-for-tests]
image = "docker.io/library/redis:7"
[soulstones.vllm-qwen2-5-72b-instruct-awq-tensor-parallel]
image = "docker.io/vllm/vllm-openai:v0.11.0"
devices = ["nvidia.com/gpu=0", "nvidia.com/gpu=1"]
[soulstones.llamacpp-qwen2-5-72b-instruct-gguf-q4-k-m]
image = "ghcr.io/ggml-org/llama.cpp:server-cuda"
devices = ["nvidia.com/gpu=all"]
[soulstones.sglang-deepseek-r1-distill-qwen-32b]
image = "docker.io/lmsysorg/sglang:latest"
devices = ["nvidia.com/gpu=1"]
`;

export async function has(program: string): Promise<boolean> {
  try {
    const r = await new Deno.Command("sh", { args: ["-c", `command -v ${program}`], stdout: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/** `systemctl show` answers from a table of unit → property → value (missing: inactive/dead). */
export function showAnswer(args: string[], state: Record<string, Record<string, string>>) {
  const i = args.indexOf("show");
  const rest = args.slice(i + 1);
  const props = rest[0] === "-p" ? rest[1].split(",") : ["ActiveState"];
  const units = rest[0] === "-p" ? rest.slice(2) : rest;
  const blocks = units.map((u) =>
    props.map((p) => {
      const s = state[u] ?? {};
      const def: Record<string, string> = { ActiveState: "inactive", SubState: "dead", Result: "success" };
      return `${p}=${s[p] ?? def[p] ?? ""}`;
    }).join("\n")
  );
  return { stdout: blocks.join("\n\n") + "\n" };
}

/** A fake host with a Codex (or none), podman 5.4.2, and systemd state to answer `show` from. */
export async function host(
  opts: { codex?: string; tty?: boolean; env?: Record<string, string>; cdi?: boolean } = {},
  state: Record<string, Record<string, string>> = {},
): Promise<FakeHost> {
  const h = fakeHost({
    env: { HOME, USER: "u", PATH: "/usr/bin:/bin", ...opts.env },
    cwd: HOME,
    isTerminal: opts.tty ?? false,
    implicitDirs: true,
  });
  if (opts.codex !== undefined) h.fs.put(CODEX, opts.codex);
  if (opts.cdi) h.fs.put("/etc/cdi/nvidia.yaml", await Deno.readTextFile(NVIDIA_SPEC));
  h.runner.handler = (cmd, args) => {
    if (cmd === "podman" && args[0] === "--version") return { stdout: "podman version 5.4.2\n" };
    if (cmd === "systemctl" && args.includes("show")) return showAnswer(args, state);
    return undefined;
  };
  return h;
}
