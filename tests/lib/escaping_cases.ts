/**
 * The cases of the escaping property (tests/escaping_property_test.ts): random strings full of
 * `%`, `$`, quotes, backslashes, blanks, control characters, non-ASCII and the like, placed in a
 * service's description, command words, env values, label keys and values, annotations and a
 * string health command; the Codex text of a case, and its twin with plain values.
 *
 * @module
 */
import fc from "fast-check";

export const IMAGE = "docker.io/library/alpine:3";

// ---- generation ----

/** Pieces with a meaning to TOML, systemd, Quadlet, podman or a shell; no control characters. */
const SPECIAL = [
  "%",
  "%%",
  "%n",
  "%h",
  "%t",
  "%N",
  "%i",
  "$",
  "$$",
  "${HOME}",
  "$HOME",
  "$1",
  '"',
  "'",
  '""',
  "\\",
  "\\\\",
  "\\n",
  "\\x41",
  "\\u00e9",
  "\\t",
  "\\s",
  " ",
  "  ",
  "é",
  "日本",
  "🦀",
  "\u00a0",
  "\u0085",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\u200b",
  "{",
  "}",
  "{}",
  ";",
  "#",
  "=",
  "==",
  "[",
  "]",
  "`",
  "*",
  "~",
  "&&",
  "|",
  "<",
  ">",
  "(",
  ")",
  "!",
  ":",
  ",",
  "-",
  "--",
  "--env",
  "[Service]",
  "ExecStart=/bin/false",
];
/** Control characters: every one must be refused, in every field. */
const CONTROL = ["\n", "\t", "\r", "\r\n", "\x00", "\x01", "\x1b", "\x7f", "\x0b", "\x0c"];

/** Any code point but a surrogate (fc's "binary" unit is slow). */
const codePoint = fc.oneof(
  fc.integer({ min: 0, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0x10ffff }),
)
  .map((n) => String.fromCodePoint(n));

/** A printable non-ASCII code point (letters, marks, symbols, blanks; no controls, no surrogates). */
const printable = codePoint.filter((c) => !/[\p{Cc}\p{Cs}\p{Cn}\p{Co}]/u.test(c));

function valueArb(wild: boolean): fc.Arbitrary<string> {
  const pieces: fc.WeightedArbitrary<string>[] = [
    { weight: 6, arbitrary: fc.constantFrom(...SPECIAL) },
    { weight: 3, arbitrary: fc.string({ maxLength: 4 }) },
    { weight: 1, arbitrary: printable },
  ];
  if (wild) {
    pieces.push({ weight: 2, arbitrary: fc.constantFrom(...CONTROL) });
    pieces.push({ weight: 1, arbitrary: codePoint });
  }
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom("", " x", "x ", " ", "x\\", "\\", "a b", "=", "%", "$") },
    {
      weight: 30,
      arbitrary: fc.array(fc.oneof(...pieces), { minLength: 1, maxLength: 8 }).map((a) => a.join("")),
    },
  );
}

/** One generated service. `undefined` fields are left out of the Codex. */
export interface Case {
  id: number;
  description?: string;
  command: string[];
  env: [string, string][];
  labels: [string, string][];
  annotations: [string, string][];
  health?: string;
}

const envName = fc.tuple(fc.constantFrom("A", "B", "_", "PATH", "X"), fc.nat(999)).map(([a, n]) =>
  `${a}${n}`
);

export const caseArb = (id: number): fc.Arbitrary<Case> =>
  // One case in five may hold control characters and raw code points; the rest only printable.
  fc.integer({ min: 0, max: 4 }).chain((dice) => {
    const v = valueArb(dice === 0);
    // Keys with "=" are refused (podman splits there): keep them to one key in ten.
    const key = fc.oneof({ weight: 9, arbitrary: v.map((k) => k.replaceAll("=", "~")) }, {
      weight: 1,
      arbitrary: v,
    });
    return fc.record({
      description: fc.option(v, { nil: undefined, freq: 5 }),
      command: fc.array(v, { maxLength: 4 }),
      env: fc.uniqueArray(fc.tuple(envName, v), {
        maxLength: 3,
        selector: ([k]) => k,
      }),
      labels: fc.uniqueArray(fc.tuple(key, v), { maxLength: 3, selector: ([k]) => k }),
      annotations: fc.uniqueArray(fc.tuple(key, v), { maxLength: 2, selector: ([k]) => k }),
      health: fc.option(v, { nil: undefined, freq: 3 }),
    }).map((r) => ({ id, ...r }));
  });

// deno-lint-ignore no-control-regex
const TOML_CONTROL = /[\u0000-\u001f\u007f]/g;

/** A TOML basic string: `"` and `\` escaped, control characters as `\uXXXX`. */
function tomlStr(s: string): string {
  const body = s.replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(TOML_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${body}"`;
}

export function codexText(c: Case): string {
  const t = `services.c${c.id}`;
  const lines = ["version = 1", "", `[${t}]`, `image = ${tomlStr(IMAGE)}`];
  if (c.description !== undefined) lines.push(`description = ${tomlStr(c.description)}`);
  if (c.command.length) lines.push(`command = [${c.command.map(tomlStr).join(", ")}]`);
  if (c.health !== undefined) lines.push(`health = { cmd = ${tomlStr(c.health)} }`);
  const table = (name: string, kv: [string, string][]) => {
    if (!kv.length) return;
    lines.push("", `[${t}.${name}]`);
    for (const [k, v] of kv) lines.push(`${tomlStr(k)} = ${tomlStr(v)}`);
  };
  table("env", c.env);
  table("labels", c.labels);
  table("annotations", c.annotations);
  return lines.join("\n") + "\n";
}

/** The same shape with plain values: its key sequence is what `c`'s must be. */
export function twinOf(c: Case, id = c.id): Case {
  return {
    id,
    description: c.description === undefined ? undefined : c.description === "" ? "" : "d",
    command: c.command.map(() => "w"),
    env: c.env.map(([k]) => [k, "v"]),
    labels: c.labels.map((_, i) => [`k${i}`, "v"]),
    annotations: c.annotations.map((_, i) => [`a${i}`, "v"]),
    health: c.health === undefined ? undefined : "true",
  };
}
