#!/usr/bin/env bash
# quadlet.sh — run the real Podman Quadlet generator (podman 5.4.2 from Debian trixie) as a
# validator of generated unit files. All arguments are passed through:
#
#   QUADLET_UNIT_DIRS=DIR scripts/quadlet.sh -dryrun -user     # print the services it would make
#   scripts/quadlet.sh -version                                # 5.4.2
#
# Which binary (first found):
#   1. $LYCHD_QUADLET
#   2. /usr/libexec/podman/quadlet on this machine
#   3. the one inside the e2e root ($LYCHD_E2E_ROOT, default /var/cache/lychd-e2e/root), run
#      without chroot or mounts through that root's own dynamic loader (it needs only libc).
# None found: exit 127 and say how to get one (`LYCHD_E2E=1 scripts/e2e-host.sh build`).
#
# Output of `-dryrun` (exit 0 when every file converts, 1 when any fails or does not parse):
#   stdout: for each unit that converted, `---NAME.service---` on its own line, the unit text
#           (the source sections come first, renamed [X-Container] etc.), then one empty line.
#           Units from failing files are left out; the others are still printed.
#   stderr: lines `quadlet-generator[PID]: Loading source unit file /DIR/x.container`, and on error
#           `quadlet-generator[PID]: converting "x.container": unsupported key 'Memory' in group
#           'Container' in /DIR/x.container` or `... error loading "/DIR/x.container", file contains
#           line 3: “foo” which is not a key-value pair, group, or comment`.
set -euo pipefail

ROOT="${LYCHD_E2E_ROOT:-/var/cache/lychd-e2e/root}"

if [[ -n "${LYCHD_QUADLET:-}" ]]; then
  exec "$LYCHD_QUADLET" "$@"
fi
if [[ -x /usr/libexec/podman/quadlet ]]; then
  exec /usr/libexec/podman/quadlet "$@"
fi
bin="$ROOT/usr/libexec/podman/quadlet"
ld="$ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" # the real file; $ROOT/lib64/… is a relative symlink to it
if [[ "$ROOT" == /* && -x "$bin" && -x "$ld" ]]; then
  # --argv0 keeps the name the generator sees (it logs as quadlet-generator either way).
  exec "$ld" --argv0 "$bin" --library-path "$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu" "$bin" "$@"
fi
echo "quadlet.sh: no Quadlet generator found (set LYCHD_QUADLET, install podman >= 4.4, or run 'LYCHD_E2E=1 scripts/e2e-host.sh build' as root)" >&2
exit 127
