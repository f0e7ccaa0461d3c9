import type { Command } from "../command.ts";
import { LychdError } from "../../errors.ts";
import { resolvePaths } from "../context.ts";
import { DEFAULT_CODEX } from "../../codex/default.ts";
import { codexJsonSchema } from "../../codex/jsonschema.ts";

/** `lychd init`: write the default Codex (and its JSON Schema beside it). */
export const init: Command = {
  name: "init",
  summary: "write the default Codex to the Codex path (never overwrites)",
  usage: "lychd init [--codex FILE]",
  flags: [],
  details: "Writes the embedded default Sepulcher and `codex.schema.json` beside it (the `#:schema` line\n" +
    "at the top of the Codex lets taplo-based editors validate and complete it).",
  exitCodes: "0 written, 1 the Codex already exists (nothing written) or cannot be written, 2 usage error",
  examples: [
    "lychd init",
    "lychd init --codex ./codex.toml && $EDITOR ./codex.toml",
    "sudo lychd init --system   # writes /etc/lychd/codex.toml",
  ],
  async run({ host, flags }) {
    const paths = resolvePaths(host, flags);
    if (await host.fs.stat(paths.codex)) {
      throw new LychdError(
        `${paths.codex} already exists; not overwriting it`,
        "edit it, or pass --codex FILE for a new one",
      );
    }
    const dir = paths.codex.replace(/\/[^/]*$/, "") || "/";
    await host.fs.mkdirp(dir);
    await host.fs.writeFileAtomic(
      `${dir}/codex.schema.json`,
      JSON.stringify(codexJsonSchema(), null, 2) + "\n",
    );
    await host.fs.writeFileAtomic(paths.codex, DEFAULT_CODEX);
    if (flags.quiet !== true) {
      host.stderr.write(
        `lychd: wrote ${paths.codex} (and codex.schema.json); next: lychd check, lychd bind\n`,
      );
    }
    return 0;
  },
};
