/**
 * Text files as UTF-8, strictly: lychd's inputs (the Codex, CDI specs, compose files) are TOML,
 * YAML and JSON, which are UTF-8. Deno's `readTextFile` replaces an invalid byte with U+FFFD and
 * goes on, so a Latin-1 "café" in a description became `caf\uFFFD` in the Runes, silently; here it
 * is refused at its line and column. Pure (the real host calls it on the bytes it read).
 *
 * @module
 */

const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text of `bytes`, or where the first byte that is not UTF-8 sits (1-based line, column). */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { line: number; column: number } {
  try {
    return { text: STRICT.decode(bytes) };
  } catch {
    return firstInvalid(bytes);
  }
}

/**
 * The position of the first invalid sequence. The lenient decoding turns it into U+FFFD; every
 * character before it decoded as written (a U+FFFD that was in the file re-encodes to the same
 * three bytes), so the bytes of the text before a U+FFFD say where in the file it came from.
 */
function firstInvalid(bytes: Uint8Array): { line: number; column: number } {
  const lenient = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  const encoder = new TextEncoder();
  for (let i = lenient.indexOf("\uFFFD"); i >= 0; i = lenient.indexOf("\uFFFD", i + 1)) {
    const at = encoder.encode(lenient.slice(0, i)).length;
    if (bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd) continue; // written so
    const before = lenient.slice(0, i);
    const nl = before.lastIndexOf("\n");
    let line = 1;
    for (let j = before.indexOf("\n"); j >= 0; j = before.indexOf("\n", j + 1)) line++;
    return { line, column: i - nl };
  }
  return { line: 1, column: 1 }; // not reached: the strict decoding failed somewhere
}
