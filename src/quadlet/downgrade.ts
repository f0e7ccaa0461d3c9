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
import {
  type Fallback,
  FILE_KINDS,
  type KeySpec,
  type Omission,
  QUADLET_KEYS,
  quadletKey,
  type ValueForm,
} from "./keys.ts";
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

/** What a target lacks of one key, decided once per (target, group, key) rather than per entry. */
interface Verdict {
  spec: KeySpec;
  /** The target predates the key. */
  lacksKey: boolean;
  /** The target keeps only the last of repeated lines. */
  lacksRepeat: boolean;
  /** The key's value forms the target lacks, in table order (undefined: none). */
  lacksForms: ValueForm[] | undefined;
}

/** Per target and Quadlet group: the verdicts so far, and whether `PodmanArgs=` can take a flag. */
interface GroupVerdicts {
  keys: Map<string, Verdict>;
  canMove: boolean;
}

const VERDICTS = new Map<string, Map<string, GroupVerdicts>>();

/** The verdicts of a Quadlet group for `target`; undefined for a systemd group (never dated). */
function groupVerdicts(target: string, group: string): GroupVerdicts | undefined {
  let byGroup = VERDICTS.get(target);
  if (!byGroup) VERDICTS.set(target, byGroup = new Map());
  let g = byGroup.get(group);
  if (!g) {
    // Only Quadlet groups are dated; [Unit]/[Service]/[Install]/[Socket] pass through every version.
    if (!Object.hasOwn(QUADLET_KEYS, group)) return undefined;
    const podmanArgs = quadletKey(group, "PodmanArgs");
    g = { keys: new Map(), canMove: podmanArgs !== undefined && atLeast(target, podmanArgs.since) };
    byGroup.set(group, g);
  }
  return g;
}

function verdictOf(g: GroupVerdicts, group: string, key: string, target: string): Verdict {
  let v = g.keys.get(key);
  if (!v) {
    const spec = quadletKey(group, key);
    if (!spec) throw new Error(`lychd bug: [${group}] ${key}= is not in the key table`);
    const lacking = spec.forms?.filter((f) => !atLeast(target, f.since));
    v = {
      spec,
      lacksKey: !atLeast(target, spec.since),
      lacksRepeat: spec.repeatSince !== undefined && !atLeast(target, spec.repeatSince),
      lacksForms: lacking?.length ? lacking : undefined,
    };
    g.keys.set(key, v);
  }
  return v;
}

/** Downgrade every file to what Podman `target` (major.minor) accepts. */
export function downgrade(files: UnitFile[], target: string): Downgraded {
  const warnings: Warning[] = [];
  const out = files.map((f) => downgradeOne(f, target, warnings));
  return { files: out, warnings };
}

/** `downgrade` of one file, its warnings appended to `warnings` (the renderer's streaming form). */
export function downgradeOne(file: UnitFile, target: string, warnings: Warning[]): CheckedFile {
  return downgradeFile(file, target, warnings) as CheckedFile;
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
  // A file the target takes as it is comes back as it is (no copy).
  let sections: Section[] | undefined;
  for (let i = 0; i < file.sections.length; i++) {
    const s = file.sections[i];
    const d = downgradeSection(file, s, target, warnings);
    if (d !== s) sections ??= file.sections.slice(0, i);
    sections?.push(d);
  }
  return sections ? { ...file, sections } : file;
}

function downgradeSection(file: UnitFile, section: Section, target: string, warnings: Warning[]): Section {
  const group = section.name;
  const g = groupVerdicts(target, group);
  if (!g) return section;
  const entries = section.entries;
  // A copy of the entries only from the first one moved or left out; none: the section as it is.
  let kept: Entry[] | undefined;
  const moved: string[] = [];
  let movedPath: string | undefined;
  let argsAt = -1;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const v = verdictOf(g, group, e.key, target);
    const spec = v.spec;
    const value = Array.isArray(e.value) ? undefined : e.value;
    // The key itself, or a form of its value, that the target lacks (undefined: keep as is).
    let lack: { what: string; since: string; fallback?: Fallback | Omission } | undefined;
    if (v.lacksKey) {
      lack = { what: `${e.key}=`, since: spec.since, fallback: spec.fallback };
    } else if (v.lacksRepeat && entries.filter((x) => x.key === e.key).length > 1) {
      lack = { what: `${e.key}= (repeated)`, since: spec.repeatSince!, fallback: spec.fallback };
    } else if (value !== undefined && v.lacksForms) {
      const form = v.lacksForms.find((f) => f.match(value));
      if (form) lack = { what: `${e.key}=${form.name}`, since: form.since, fallback: form.fallback };
    }
    if (!lack) {
      if (e.key === "PodmanArgs" && argsAt < 0) argsAt = kept ? kept.length : i;
      kept?.push(e);
      continue;
    }
    kept ??= entries.slice(0, i);
    const fb = lack.fallback;
    if (fb && "flag" in fb && value !== undefined && g.canMove) {
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
  if (!kept) return section;
  if (!moved.length) return { name: group, entries: kept };
  // One PodmanArgs= line: the moved flags first, then the explicit ones (which may override).
  if (argsAt < 0) {
    kept.push({ key: "PodmanArgs", value: moved, path: movedPath });
    return { name: group, entries: kept };
  }
  // The merged line where the first explicit one was; the later explicit ones join it.
  const first = kept[argsAt];
  const values = moved;
  for (const v of first.value as string[]) values.push(v);
  const out: Entry[] = [];
  for (let i = 0; i < kept.length; i++) {
    const e = kept[i];
    if (e.key !== "PodmanArgs") out.push(e);
    else if (i === argsAt) out.push(first); // replaced below, once every value is in
    else for (const v of e.value as string[]) values.push(v);
  }
  out[argsAt] = { ...first, value: values };
  return { name: group, entries: out };
}
