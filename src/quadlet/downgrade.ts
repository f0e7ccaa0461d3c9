/**
 * The one downgrade pass: the renderer builds every Rune in the newest form; this pass, given the
 * target Podman, keeps each key the target's generator accepts, moves each key it lacks into
 * `PodmanArgs=` as the equivalent podman flag, leaves out the few keys the table marks as
 * omissible (with a warning naming the consequence), and refuses anything else with
 * "Quadlet option `X=` needs Podman N". File kinds are dated the same way (`.pod` needs 5.0).
 *
 * Every Quadlet entry of every file passes through here (`renderPlan` calls nothing else between
 * building and serializing), so no key can reach a Rune without being checked against its date.
 *
 * @module
 */
import { type Fallback, FILE_KINDS, type KeySpec, type Omission, QUADLET_KEYS, quadletKey } from "./keys.ts";
import { kindOfFile } from "./naming.ts";
import { type CheckedFile, type Entry, RenderError, type Section, type UnitFile, word } from "./unit.ts";
import { compareVersions } from "./versions.ts";
import type { Warning } from "../warnings.ts";

const HINT = "upgrade Podman, or set sepulcher.podman_version / --podman-version to the host's version";

/** Files for the target plus the warnings of what was left out. */
export interface Downgraded {
  files: CheckedFile[];
  warnings: Warning[];
}

function atLeast(target: string, since: string): boolean {
  return compareVersions(target, since) >= 0;
}

/** Downgrade every file to what Podman `target` (major.minor) accepts. */
export function downgrade(files: UnitFile[], target: string): Downgraded {
  const warnings: Warning[] = [];
  const out = files.map((f) => downgradeFile(f, target, warnings) as CheckedFile);
  return { files: out, warnings };
}

function downgradeFile(file: UnitFile, target: string, warnings: Warning[]): UnitFile {
  const kind = kindOfFile(file.name);
  if (kind && !atLeast(target, FILE_KINDS[kind].since)) {
    throw new RenderError(
      file.path ?? file.name,
      `Quadlet \`.${kind}\` files need Podman ${FILE_KINDS[kind].since}; the target is ${target}`,
      kind === "pod" ? 'use network = "bridge", or ' + HINT : HINT,
    );
  }
  return { ...file, sections: file.sections.map((s) => downgradeSection(file, s, target, warnings)) };
}

function downgradeSection(file: UnitFile, section: Section, target: string, warnings: Warning[]): Section {
  const group = section.name;
  // Only Quadlet groups are dated; [Unit]/[Service]/[Install]/[Socket] pass through every version.
  if (!Object.hasOwn(QUADLET_KEYS, group)) return section;
  const kept: Entry[] = [];
  const moved: string[] = [];
  let movedPath: string | undefined;
  let argsAt = -1;
  const podmanArgs = quadletKey(group, "PodmanArgs");
  const canMove = podmanArgs !== undefined && atLeast(target, podmanArgs.since);
  for (const e of section.entries) {
    const spec: KeySpec | undefined = quadletKey(group, e.key);
    if (!spec) throw new Error(`lychd bug: [${group}] ${e.key}= is not in the key table`);
    const value = Array.isArray(e.value) ? undefined : e.value;
    // The key itself, or a form of its value, that the target lacks (undefined: keep as is).
    let lack: { what: string; since: string; fallback?: Fallback | Omission } | undefined;
    if (!atLeast(target, spec.since)) {
      lack = { what: `${e.key}=`, since: spec.since, fallback: spec.fallback };
    } else if (
      spec.repeatSince && !atLeast(target, spec.repeatSince) &&
      section.entries.filter((x) => x.key === e.key).length > 1
    ) {
      lack = { what: `${e.key}= (repeated)`, since: spec.repeatSince, fallback: spec.fallback };
    } else if (value !== undefined) {
      const form = spec.forms?.find((f) => f.match(value) && !atLeast(target, f.since));
      if (form) lack = { what: `${e.key}=${form.name}`, since: form.since, fallback: form.fallback };
    }
    if (!lack) {
      if (e.key === "PodmanArgs" && argsAt < 0) argsAt = kept.length;
      kept.push(e);
      continue;
    }
    const fb = lack.fallback;
    if (fb && "flag" in fb && value !== undefined && canMove) {
      const arg = `${fb.flag}=${fb.value ? fb.value(value) : value}`;
      try {
        word(arg); // refused here, with this key's field, rather than in the merged line
      } catch (err) {
        throw new RenderError(e.path ?? file.name, (err as Error).message);
      }
      moved.push(arg);
      movedPath ??= e.path;
      continue;
    }
    if (fb && "omit" in fb) {
      warnings.push({
        code: "quadlet-option-omitted",
        path: e.path ?? file.name,
        message: `Quadlet option \`${lack.what}\` needs Podman ${lack.since} (target ${target}); ${
          fb.omit({ file: file.name, value: value ?? "" })
        }`,
      });
      continue;
    }
    throw new RenderError(
      e.path ?? file.name,
      `Quadlet option \`${lack.what}\` needs Podman ${lack.since}; the target is ${target}`,
      HINT,
    );
  }
  if (!moved.length) return { name: group, entries: kept };
  // One PodmanArgs= line: the moved flags first, then the explicit ones (which may override).
  if (argsAt < 0) {
    kept.push({ key: "PodmanArgs", value: moved, path: movedPath });
  } else {
    const first = kept[argsAt];
    const rest = kept.filter((e, i) => i !== argsAt && e.key === "PodmanArgs").flatMap((e) =>
      e.value as string[]
    );
    const merged: Entry = { ...first, value: [...moved, ...(first.value as string[]), ...rest] };
    const entries = kept.filter((e) => e.key !== "PodmanArgs");
    entries.splice(kept.slice(0, argsAt).filter((e) => e.key !== "PodmanArgs").length, 0, merged);
    return { name: group, entries };
  }
  return { name: group, entries: kept };
}
