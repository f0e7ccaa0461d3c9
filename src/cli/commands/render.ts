import type { Command } from "../command.ts";
import { build } from "../context.ts";
import { warnAll } from "../output.ts";

/** `lychd render`: the Runes to stdout or a directory; touches no host state. */
export const render: Command = {
  name: "render",
  summary: "print the Runes, or write them to --out DIR (touches no host state)",
  usage: "lychd render [--out DIR] [--codex FILE] [--podman-version X.Y]",
  flags: [{
    name: "out",
    type: "string",
    arg: "DIR",
    help: "write the files into DIR (created if missing) instead of stdout",
  }],
  details: "On stdout each file comes under a `# FileName=NAME` line, with `---` between files.\n" +
    "Without a Codex file at the default place the embedded default is rendered (a note says so).",
  exitCodes: "0 rendered, 1 invalid Codex or DIR cannot be written, 2 usage error",
  examples: [
    "lychd render",
    "lychd render --out /tmp/runes && QUADLET_UNIT_DIRS=/tmp/runes /usr/libexec/podman/quadlet -dryrun -user",
    "lychd render --codex ./codex.toml --podman-version 5.4",
  ],
  async run({ host, flags }) {
    const b = await build(host, flags, { allowDefault: true });
    warnAll(host, flags, b.warnings);
    const out = typeof flags.out === "string" ? flags.out : undefined;
    if (out) {
      const dir = out.startsWith("/") ? out : `${host.cwd()}/${out}`;
      await host.fs.mkdirp(dir);
      // Plain writes, as the Quadlet generator writes its output: durability belongs to `bind`.
      for (const r of b.rendered.runes) await host.fs.writeFile(`${dir}/${r.name}`, r.text);
      if (flags.quiet !== true) {
        host.stderr.write(`lychd: wrote ${b.rendered.runes.length} files to ${dir} (Podman ${b.version})\n`);
      }
      return 0;
    }
    host.stdout.write(b.rendered.runes.map((r) => `# FileName=${r.name}\n${r.text}`).join("---\n"));
    return 0;
  },
};
