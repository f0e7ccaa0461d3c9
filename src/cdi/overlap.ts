/**
 * Physical nodes and the overlap rule: which device nodes identify hardware (control nodes never
 * do; MIG capabilities identify a slice), whether two claims' node sets touch the same hardware,
 * the name-only fallback, and the natural order of device names. docs/cdi.md states the rule.
 *
 * @module
 */
import type { QualifiedName } from "./name.ts";

/** Device nodes under this directory are NVIDIA MIG capabilities: the identity of a MIG slice. */
export const MIG_CAPS_DIR = "/dev/nvidia-caps/";

/**
 * Nodes that are never evidence of overlap, whichever spec lists them and wherever: interfaces
 * every GPU of a vendor shares. `/dev/kfd` (AMD's compute interface: amd-ctk puts it into each
 * device's own edits), `/dev/nvidiactl`, `/dev/nvidia-uvm*`, `/dev/nvidia-modeset`, the MIG
 * management capabilities `/dev/nvidia-caps/nvidia-cap1` (config) and `nvidia-cap2` (monitor),
 * and `/dev/dxg` (WSL2's one paravirtual GPU interface: there nvidia-ctk defines only `all`).
 */
export function isControlNode(node: string): boolean {
  return node === "/dev/kfd" || node === "/dev/nvidiactl" || node === "/dev/nvidia-modeset" ||
    node === "/dev/dxg" || node.startsWith("/dev/nvidia-uvm") ||
    node === "/dev/nvidia-caps/nvidia-cap1" || node === "/dev/nvidia-caps/nvidia-cap2";
}

/**
 * The control nodes of one kind beyond {@linkcode isControlNode}: the nodes EVERY device of the
 * kind carries, provided every device keeps at least one node of its own without them (otherwise
 * those common nodes are the hardware itself: one GPU named `0`, `GPU-…` and `all`, or MIG slices
 * whose parent GPU node every device lists). Needs two devices or more.
 */
export function commonControlNodes(devices: readonly { nodes: readonly string[] }[]): Set<string> {
  const own = devices.map((d) => d.nodes.filter((n) => !isControlNode(n)));
  if (own.length < 2) return new Set();
  let common = new Set(own[0]);
  for (const nodes of own.slice(1)) common = new Set(nodes.filter((n) => common.has(n)));
  if (common.size === 0) return common;
  return own.every((nodes) => nodes.some((n) => !common.has(n))) ? common : new Set();
}

/** Node sets of one claim, for {@linkcode physicalOverlap}. */
export interface NodeSets {
  core: ReadonlySet<string>;
  caps: ReadonlySet<string>;
}

/** Split device nodes into sorted `core` nodes and sorted MIG `caps` nodes. */
export function splitNodes(nodes: Iterable<string>): { core: string[]; caps: string[] } {
  const core = new Set<string>();
  const caps = new Set<string>();
  for (const n of nodes) (n.startsWith(MIG_CAPS_DIR) ? caps : core).add(n);
  return { core: [...core].sort(), caps: [...caps].sort() };
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) return true;
  return false;
}

/**
 * The physical overlap rule. With `core(X)` the nodes of X outside `/dev/nvidia-caps/` and
 * `caps(X)` those inside it (a MIG slice's identity), A and B overlap iff
 *
 *     core(A) ∩ core(B) ≠ ∅  AND  (caps(A) = ∅  OR  caps(B) = ∅  OR  caps(A) ∩ caps(B) ≠ ∅)
 *
 * So `=0` and `=GPU-<uuid of 0>` overlap (same nodes); `=all` overlaps every device of its kind
 * (nvidia-ctk gives it every device's nodes, MIG caps included); `=0` and `=1` do not; two MIG
 * slices of one GPU (`=0:0`, `=0:1`) do not, yet each overlaps `=0` and `=all`. A device with no
 * core nodes of its own overlaps nothing. Spec-wide nodes never take part.
 */
export function physicalOverlap(a: NodeSets, b: NodeSets): boolean {
  if (!intersects(a.core, b.core)) return false;
  return a.caps.size === 0 || b.caps.size === 0 || intersects(a.caps, b.caps);
}

/**
 * The fallback rule when a kind has no spec: same kind and (same name, or either is `all`).
 */
export function nameOverlap(a: QualifiedName, b: QualifiedName): boolean {
  return a.kind === b.kind && (a.name === b.name || a.name === "all" || b.name === "all");
}

/**
 * Compare strings with digit runs compared as numbers (`0 < 1 < 2 < 10`), then by code unit, so
 * the order never depends on a locale.
 */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
