/**
 * The fast path of the TOML 1.0 inline-table check (`toml10Problem` in toml_errors.ts): whether
 * text that smol-toml accepted certainly has no newline and no trailing comma directly inside an
 * inline table. It walks the text as `toml10Problem` does, but by character codes and jumps over
 * comments and strings with `indexOf` instead of stepping through them, and it keeps no line
 * count: on `false` the caller runs `toml10Problem`, which places the problem. Written by hand
 * because it mirrors that function step for step (toml10_clean_test.ts checks that the two
 * agree on every fixture and on generated texts).
 *
 * @module
 */

const NL = 10;
const HASH = 35;
const DQ = 34;
const SQ = 39;
const COMMA = 44;
const OPEN_SQ = 91;
const CLOSE_SQ = 93;
const OPEN_CURLY = 123;
const CLOSE_CURLY = 125;

/** True when `toml10Problem(text)` is certainly undefined; false: ask it. */
export function inlineTablesClean(text: string): boolean {
  const n = text.length;
  // The bracket stack as codes; `depth` its height (a pop of an empty stack does nothing).
  const stack: number[] = [];
  let depth = 0;
  // The next backslash at or after a position (cached: backslashes are rare).
  let bs = -2;
  const backslashFrom = (j: number): number => {
    if (bs !== -1 && bs < j) bs = text.indexOf("\\", j);
    return bs;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === NL) {
      if (depth > 0 && stack[depth - 1] === OPEN_CURLY) return false;
    } else if (c === HASH) {
      const e = text.indexOf("\n", i + 1);
      if (e < 0) return true;
      i = e - 1;
    } else if (c === DQ || c === SQ) {
      const quote = c === DQ ? '"' : "'";
      const triple = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
      const close = triple ? (c === DQ ? '"""' : "'''") : quote;
      let j = i + (triple ? 3 : 1);
      for (;;) {
        const q = text.indexOf(close, j);
        if (c === DQ) {
          const b = backslashFrom(j);
          if (b >= 0 && (q < 0 || b < q)) {
            j = b + 2;
            continue;
          }
        }
        j = q < 0 ? n : q;
        break;
      }
      if (triple) {
        while (text.charCodeAt(j + 3) === c) j++;
        j += 2;
      }
      i = j;
    } else if (c === OPEN_SQ || c === OPEN_CURLY) {
      stack[depth++] = c;
    } else if (c === CLOSE_SQ || c === CLOSE_CURLY) {
      if (depth > 0) depth--;
    } else if (c === COMMA && depth > 0 && stack[depth - 1] === OPEN_CURLY) {
      let k = i + 1;
      while (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9) k++;
      if (text.charCodeAt(k) === CLOSE_CURLY) return false;
    }
  }
  return true;
}
