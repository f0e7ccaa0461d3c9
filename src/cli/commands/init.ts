import type { Command, Flags } from "../command.ts";
import { LychdError } from "../../errors.ts";
import { resolvePaths } from "../context.ts";
import { DEFAULT_CODEX } from "../../codex/default.ts";
import { codexJsonSchema } from "../../codex/jsonschema.ts";
import { shellQuote } from "../../host/runner.ts";
import type { Host } from "../../host/host.ts";

/** The title every `codex.schema.json` lychd has written carries: how init knows its own. */
const SCHEMA_TITLE = "lychd Codex v1";

/** `lychd init`: write the default Codex (and its JSON Schema beside it). */
export const init: Command = {
  name: "init",
  summary: "write the default Codex to the Codex path (never overwrites)",
  usage: "lychd init [--codex FILE]",
  flags: [],
  details: "Writes the embedded default Sepulcher and `codex.schema.json` beside it (the `#:schema` line\n" +
    "at the top of the Codex lets taplo-based editors validate and complete it). A schema lychd wrote\n" +
    "before is refreshed; any other file by that name makes init refuse, nothing written.",
  exitCodes: "0 written, 1 the Codex exists or a codex.schema.json lychd did not write is beside it " +
    "(nothing written) or a write failed, 2 usage error",
  examples: [
    "lychd init",
    "lychd init --codex ./codex.toml && $EDITOR ./codex.toml",
    "sudo lychd init --system   # writes /etc/lychd/codex.toml",
  ],
  async run({ host, flags }) {
    const paths = resolvePaths(host, flags);
    const existing = await host.fs.stat(paths.codex);
    const real = existing?.isSymlink ? await host.fs.realPath(paths.codex) : undefined;
    if ((real === undefined ? existing : await host.fs.stat(real))?.isDirectory) {
      throw new LychdError(
        `${paths.codex} is a directory, not a Codex file; nothing was written`,
        `name a file, e.g. --codex ${shellQuote(`${paths.codex.replace(/\/$/, "")}/codex.toml`)}`,
      );
    }
    if (existing) {
      throw new LychdError(
        `${paths.codex} already exists; not overwriting it`,
        "edit it, or pass --codex FILE for a new one",
      );
    }
    const dir = paths.codex.replace(/\/[^/]*$/, "") || "/";
    const schemaPath = `${dir}/codex.schema.json`;
    const schema = JSON.stringify(codexJsonSchema(), null, 2) + "\n";
    if (!(await ownSchema(host, schemaPath, schema))) {
      throw new LychdError(
        `${schemaPath} exists and lychd did not write it; nothing was written`,
        "move it away, or pass --codex FILE in another directory",
      );
    }
    await host.fs.mkdirp(dir);
    await host.fs.writeFileAtomic(schemaPath, schema);
    await host.fs.writeFileAtomic(paths.codex, DEFAULT_CODEX);
    if (flags.quiet !== true) {
      // The next commands must read this Codex: name it unless it is where they look anyway.
      const where = paths.system ? " --system" : "";
      const codexFlag = paths.codex === defaultCodex(host, flags)
        ? ""
        : ` --codex ${shellQuote(paths.codex)}`;
      host.stderr.write(
        `lychd: wrote ${paths.codex} (and codex.schema.json); next: lychd check${where}${codexFlag}, ` +
          `lychd bind${where}${codexFlag}\n`,
      );
    }
    return 0;
  },
};

/** Where the other verbs look for the Codex without --codex (LYCHD_CODEX included); undefined without HOME. */
function defaultCodex(host: Host, flags: Flags): string | undefined {
  try {
    return resolvePaths(host, { system: flags.system }).codex;
  } catch {
    return undefined;
  }
}

/**
 * Whether init may write its schema at `path`: nothing is there, or a regular file lychd wrote
 * (the bytes init writes now, or an older lychd's schema: JSON carrying lychd's title).
 */
async function ownSchema(host: Host, path: string, schema: string): Promise<boolean> {
  const info = await host.fs.stat(path);
  if (!info) return true;
  if (!info.isFile) return false;
  const text = await host.fs.readTextFile(path);
  if (text === undefined || text === schema) return true;
  try {
    const parsed = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && parsed.title === SCHEMA_TITLE;
  } catch {
    return false;
  }
}
