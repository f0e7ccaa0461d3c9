import type { Command } from "../command.ts";
import { build } from "../context.ts";
import { warnAll } from "../output.ts";
import { checkOutDir, outDir, type OutDirRule, staleNote } from "../outdir.ts";
import { unitOfFile } from "../../quadlet/naming.ts";
import { RUNE_HEADER } from "../../quadlet/render.ts";
import type { Host } from "../../host/host.ts";

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
    "Without a Codex file at the default place the embedded default is rendered (a note says so).\n" +
    "--out DIR replaces the unit files lychd rendered there before and removes those it no longer\n" +
    "renders (so DIR holds one stack); a unit file in DIR without lychd's header makes it refuse,\n" +
    "nothing written. Other files in DIR are left alone.",
  exitCodes: "0 rendered, 1 invalid Codex, DIR holds a unit file lychd did not write, or DIR cannot be " +
    "written, 2 usage error",
  examples: [
    "lychd render",
    "lychd render --out /tmp/runes && QUADLET_UNIT_DIRS=/tmp/runes /usr/libexec/podman/quadlet -dryrun -user",
    "lychd render --codex ./codex.toml --podman-version 5.4",
  ],
  async run({ host, flags }) {
    const dir = outDir(host, flags);
    const b = await build(host, flags, { allowDefault: true });
    warnAll(host, flags, b.warnings);
    if (dir !== undefined) {
      const names = b.rendered.runes.map((r) => r.name);
      const stale = await checkOutDir(host, dir, names, runeRule(host, dir, new Set(names)));
      await host.fs.mkdirp(dir);
      // Plain writes, as the Quadlet generator writes its output: durability belongs to `bind`.
      for (const r of b.rendered.runes) await host.fs.writeFile(`${dir}/${r.name}`, r.text);
      for (const name of stale) await host.fs.remove(`${dir}/${name}`);
      if (flags.quiet !== true) {
        host.stderr.write(
          `lychd: wrote ${b.rendered.runes.length} files to ${dir} (Podman ${b.version})${
            staleNote(stale)
          }\n`,
        );
      }
      return 0;
    }
    host.stdout.write(b.rendered.runes.map((r) => `# FileName=${r.name}\n${r.text}`).join("---\n"));
    return 0;
  },
};

/**
 * Unit files (Quadlet kinds, .service/.socket/.target/.timer) and the names being written are
 * judged; a regular file starting with the Rune header is lychd's.
 */
function runeRule(host: Host, dir: string, produced: Set<string>): OutDirRule {
  return {
    judges: (name) => produced.has(name) || unitOfFile(name) !== undefined,
    owns: async (name) => {
      const path = `${dir}/${name}`;
      if (!(await host.fs.stat(path))?.isFile) return false;
      return (await host.fs.readTextFile(path))?.startsWith(RUNE_HEADER) ?? false;
    },
    hint:
      "move it away, or render into an empty or new directory (lychd replaces only the files it rendered)",
  };
}
