/**
 * Test helpers over lychd's permission policy (src/permissions.ts).
 *
 * @module
 */
import { type KindPolicy, type PermissionKind, POLICY } from "../../src/permissions.ts";

/** The policy of one kind. */
export function policyOf(kind: PermissionKind): KindPolicy {
  const p = POLICY.find((k) => k.kind === kind);
  if (!p) throw new RangeError(`no policy for permission kind "${kind}"`);
  return p;
}
