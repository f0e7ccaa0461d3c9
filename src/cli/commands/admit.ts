/**
 * `lychd admit NAME`: the admission guard a soulstone's unit runs as `ExecCondition=` when stones
 * that fit pairwise could oversubscribe a device as a set. Exit 0 when NAME fits beside what
 * runs, else exit 1 with the reason on one line (it lands in the unit's journal and the start
 * fails). It never stops anything: `lychd summon` and the gateway evict before they start.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { LychdError } from "../../errors.ts";
import { readCodex, resolvePaths } from "../context.ts";
import { hostAdmit } from "../admission.ts";

/** `lychd admit`. */
export const admitVerb: Command = {
  name: "admit",
  summary: "exit 0 if a soulstone fits beside the running ones (VRAM as a set), else 1 with the reason",
  usage: "lychd admit NAME",
  flags: [],
  operands: { names: "soulstones", max: 1 },
  details: "Run by systemd as ExecCondition= of soulstones that fit pairwise on a device but not all\n" +
    "together (no Conflicts= stops them): a unit started by hand that would oversubscribe the GPU\n" +
    "is skipped (it stays inactive, not failed, so Restart= does not retry it) with the reason in its\n" +
    "journal. It never stops anything itself.",
  json: "{ name, fits, reason? }",
  exitCodes: "0 fits, 1 does not fit (reason on stderr), 2 usage error",
  examples: ["lychd admit vllm", "lychd admit vllm --json --codex /etc/lychd/codex.toml --system"],
  async run({ host, flags, positionals }) {
    if (positionals.length !== 1) {
      throw new UsageError("admit takes exactly one soulstone name", "lychd admit NAME");
    }
    const paths = resolvePaths(host, flags);
    const { codex } = await readCodex(host, paths, { allowDefault: false, quiet: true });
    const name = positionals[0];
    const stone = codex.services.find((s) => s.name === name && s.role === "soulstone");
    if (!stone) throw new UsageError(`${JSON.stringify(name)} is not a soulstone of ${codex.file}`);
    const r = await hostAdmit(host, paths, codex, name, { noEvict: true });
    if (flags.json === true) {
      host.stdout.write(JSON.stringify({ name, fits: r.ok, ...(r.ok ? {} : { reason: r.reason }) }) + "\n");
    }
    if (!r.ok) {
      throw new LychdError(r.reason, `stop ${r.blockers.join(", ")} first, or use \`lychd summon ${name}\``);
    }
    return 0;
  },
};
