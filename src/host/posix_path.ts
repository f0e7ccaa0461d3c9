/**
 * POSIX path helpers with the semantics of `node:path`'s `posix.dirname`, `basename` (one
 * argument), `join` and `resolve`. Written here rather than imported because loading any `node:`
 * module costs each lychd run ≈ 10 ms of start-up (BENCHMARKS.md), and these four are all the
 * render path needs; src/host/posix_path_test.ts checks them against `node:path` on a corpus.
 *
 * @module
 */

/** Collapse `.`, `..` and repeated slashes (`node:path`'s normalizeString for POSIX). */
function normalizeParts(path: string, absolute: boolean): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(part);
  }
  return out.join("/");
}

/** `posix.normalize`. */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  let p = normalizeParts(path, absolute);
  if (p === "" && !absolute) p = ".";
  if (p !== "" && trailing) p += "/";
  return absolute ? `/${p}` : p;
}

/** `posix.join`. */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** `posix.resolve`: the absolute form of the last absolute argument and what follows it. */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !path.startsWith("/"); i--) {
    if (parts[i] === "") continue;
    path = path === "" ? parts[i] : `${parts[i]}/${path}`;
  }
  if (!path.startsWith("/")) throw new Error(`resolve: no absolute path among ${JSON.stringify(parts)}`);
  return `/${normalizeParts(path, true)}`;
}

/** `posix.dirname`. */
export function dirname(path: string): string {
  if (path === "") return ".";
  const hasRoot = path[0] === "/";
  let end = -1;
  let matchedSlash = true;
  for (let i = path.length - 1; i >= 1; --i) {
    if (path[i] === "/") {
      if (!matchedSlash) {
        end = i;
        break;
      }
    } else matchedSlash = false;
  }
  if (end === -1) return hasRoot ? "/" : ".";
  if (hasRoot && end === 1) return "//";
  return path.slice(0, end);
}

/** `posix.basename` (without a suffix argument). */
export function basename(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  if (end === 0) return "";
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
}
