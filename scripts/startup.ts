/**
 * `deno run -A scripts/startup.ts [N]`: start-up of the installed command (`deno task install`
 * into a temporary DENO_INSTALL_ROOT) against `deno run -A main.ts`, both running
 * `lychd --version`, N runs each (default 21), interleaved, in one run. Prints the medians and
 * their ratio; asserts nothing.
 *
 * @module
 */
const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.execPath();

async function time(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, env, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const ms = performance.now() - t0;
  if (out.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${out.code}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 21);
  const root = await Deno.makeTempDir({ prefix: "lychd-startup-" });
  try {
    const inst = await new Deno.Command(DENO, {
      args: ["task", "install"],
      cwd: ROOT,
      env: { DENO_INSTALL_ROOT: root },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (inst.code !== 0) throw new Error(new TextDecoder().decode(inst.stderr));
    const installed: number[] = [];
    const dev: number[] = [];
    await time(`${root}/bin/lychd`, ["--version"]); // warm both caches once
    await time(DENO, ["run", "-A", "main.ts", "--version"]);
    for (let i = 0; i < n; i++) {
      installed.push(await time(`${root}/bin/lychd`, ["--version"]));
      dev.push(await time(DENO, ["run", "-A", "main.ts", "--version"]));
    }
    const a = median(installed);
    const b = median(dev);
    console.log(`lychd --version (deno task install)   median ${a.toFixed(0)} ms over ${n} runs`);
    console.log(`deno run -A main.ts --version         median ${b.toFixed(0)} ms over ${n} runs`);
    console.log(`ratio installed / deno run -A: ${(a / b).toFixed(2)}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
