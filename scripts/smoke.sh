#!/usr/bin/env bash
# smoke.sh CMD [ARG...] — smoke-test a lychd: CMD [ARG...] is how to start it. Two callers, one script:
#   the release (.github/workflows/release.yml), on the compiled binary:
#     scripts/smoke.sh ./dist/lychd-x86_64-unknown-linux-gnu
#   the test suite (tests/smoke_test.ts), on main.ts under exactly the compile flags (src/permissions.ts):
#     scripts/smoke.sh deno run --quiet <compile flags> main.ts
#
# Checks, in order (each prints "smoke: ok <name>"; the first failure prints "smoke: FAIL <name>: why"
# and exits 1):
#   version      --version prints one line "lychd X.Y.Z (deno A.B.C, TARGET)"; when set, LYCHD_SMOKE_VERSION,
#                LYCHD_SMOKE_DENO and LYCHD_SMOKE_TARGET must match X.Y.Z, A.B.C and TARGET
#   permissions  `permissions` exits 0: the process holds exactly the compile set
#   network      `permissions` shows the network refused: "net (any)" and "net example.com:443" denied
#                (Deno's own permission state; --deny-net refuses loopback too)
#   render       `render` of the embedded default Codex (no Codex in the temporary home) exits 0 and
#                prints the Runes
#   bind         `bind --dry-run` into a temporary home exits 0, says "would bind", writes nothing there
#   write        `render --out /var/tmp/…` (outside the grants) exits 1 with one line naming the path,
#                "not permitted: this lychd may not read/write" (render looks into DIR first), and
#                creates nothing
#
# The command runs with a clean environment: HOME is a fresh temporary directory under /tmp (a granted
# place), PATH is kept, and DENO_DIR is kept or set to the caller's Deno cache (so `deno run` finds its
# modules). Needs bash, mktemp, grep, find; no network.
set -euo pipefail

if [[ $# -eq 0 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  [[ $# -eq 0 ]] && exit 2 || exit 0
fi

fail() {
  printf 'smoke: FAIL %s: %s\n' "$1" "$2" >&2
  exit 1
}
ok() { printf 'smoke: ok %s\n' "$1"; }

home="$(mktemp -d /tmp/lychd-smoke.XXXXXX)"
denied="/var/tmp/lychd-smoke-denied-$$-$RANDOM"
out="$(mktemp /tmp/lychd-smoke-out.XXXXXX)"
err="$(mktemp /tmp/lychd-smoke-err.XXXXXX)"
trap 'rm -rf -- "$home" "$denied" "$out" "$err"' EXIT
deno_dir="${DENO_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/deno}"

# lychd ARG...: run the command under test; stdout → $out, stderr → $err; sets $code.
lychd() {
  code=0
  env -i HOME="$home" PATH="$PATH" DENO_DIR="$deno_dir" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 COLUMNS=200 \
    "${cmd[@]}" "$@" >"$out" 2>"$err" </dev/null || code=$?
}
first() { head -n 1 "$1" | cut -c 1-300; }
cmd=("$@")

# version
lychd --version
[[ $code -eq 0 ]] || fail version "exit $code: $(first "$err")"
line="$(cat "$out")"
re='^lychd ([0-9]+\.[0-9]+\.[0-9]+[^ ]*) \(deno ([0-9]+\.[0-9]+\.[0-9]+[^ ,]*), ([a-z0-9_]+-[a-z0-9_]+-[a-z0-9_-]+)\)$'
[[ "$line" =~ $re ]] ||
  fail version "want one line \"lychd X.Y.Z (deno A.B.C, TARGET)\", got \"$(first "$out")\" ($(wc -l <"$out") lines)"
v="${BASH_REMATCH[1]}" d="${BASH_REMATCH[2]}" t="${BASH_REMATCH[3]}"
[[ -z "${LYCHD_SMOKE_VERSION:-}" || "$v" == "$LYCHD_SMOKE_VERSION" ]] ||
  fail version "version $v, want $LYCHD_SMOKE_VERSION"
[[ -z "${LYCHD_SMOKE_DENO:-}" || "$d" == "$LYCHD_SMOKE_DENO" ]] || fail version "deno $d, want $LYCHD_SMOKE_DENO"
[[ -z "${LYCHD_SMOKE_TARGET:-}" || "$t" == "$LYCHD_SMOKE_TARGET" ]] ||
  fail version "target $t, want $LYCHD_SMOKE_TARGET"
ok "version ($line)"

# permissions
lychd permissions
[[ $code -eq 0 ]] || fail permissions "exit $code: $(first "$err")"
grep -q '^lychd: this process holds exactly the compile set$' "$err" ||
  fail permissions "no \"holds exactly the compile set\" line: $(first "$err")"
ok permissions

# network
grep -Eq '^ok +net \(any\) +denied ' "$out" || fail network "\"net (any)\" is not denied"
grep -Eq '^ok +net example\.com:443 +denied ' "$out" || fail network "\"net example.com:443\" is not denied"
ok "network (refused)"

# render
lychd render
[[ $code -eq 0 ]] || fail render "exit $code: $(first "$err")"
grep -q 'using the embedded default' "$err" || fail render "the embedded default Codex was not used: $(first "$err")"
grep -q '^# FileName=lychd-vessel\.container$' "$out" || fail render "no lychd-vessel.container in the output"
grep -q '^# FileName=lychd\.target$' "$out" || fail render "no lychd.target in the output"
ok "render ($(grep -c '^# FileName=' "$out") Runes)"

# bind
lychd bind --dry-run
[[ $code -eq 0 ]] || fail bind "exit $code: $(first "$err")"
grep -q '^lychd: would bind: ' "$err" || fail bind "no \"would bind\" line: $(first "$err")"
grep -q "^+++ b$home/.config/containers/systemd/lychd-vessel.container$" "$out" ||
  fail bind "the dry run does not show lychd-vessel.container under the temporary home"
written="$(find "$home" -mindepth 1 -print -quit)"
[[ -z "$written" ]] || fail bind "--dry-run wrote $written"
ok "bind --dry-run"

# write
lychd render --quiet --out "$denied"
[[ $code -eq 1 ]] || fail write "exit $code, want 1 (stderr: $(first "$err"))"
[[ "$(grep -vc '^lychd: warning: ' "$err")" -eq 1 ]] || fail write "want one line, got: $(cat "$err")"
grep -v '^lychd: warning: ' "$err" | grep -F "\"$denied\"" | grep -Eq 'not permitted: this lychd may not (read|write)' ||
  fail write "not a refusal naming \"$denied\": $(grep -v '^lychd: warning: ' "$err")"
[[ ! -e "$denied" ]] || fail write "$denied was created"
ok "write outside the grants (refused)"

echo "smoke: passed 6 checks: ${cmd[*]:0:3}$([[ ${#cmd[@]} -gt 3 ]] && echo " …")"
