import type { Command } from "../command.ts";
import { codexJsonSchema } from "../../codex/jsonschema.ts";

/** `lychd schema`: the Codex's JSON Schema, for editors and CI. */
export const schema: Command = {
  name: "schema",
  summary: "print the Codex JSON Schema (for editors: taplo, Even Better TOML)",
  usage: "lychd schema",
  flags: [],
  details:
    "The schema is generated from the same definitions that validate the Codex. `lychd init` writes\n" +
    "it as codex.schema.json beside the Codex, whose first line `#:schema ./codex.schema.json` points\n" +
    "taplo-based editors (Even Better TOML in VS Code, taplo lsp in Neovim/Helix) at it. The schema\n" +
    "checks keys, types and enums; `lychd check` also checks grammars, references and CDI devices.",
  exitCodes: "0 printed, 2 usage error",
  examples: [
    "lychd schema > ~/.config/lychd/codex.schema.json",
    "lychd schema | jq '.properties.soulstones'",
    "taplo check --schema file://$PWD/codex.schema.json codex.toml",
  ],
  run({ host }) {
    host.stdout.write(JSON.stringify(codexJsonSchema(), null, 2) + "\n");
    return Promise.resolve(0);
  },
};
