#!/usr/bin/env bash
# Build the Quadlet oracles: podman's own generator (cmd/quadlet) at the last release of every
# minor lychd supports, as static linux binaries named quadlet-<version>, plus SHA256SUMS.
# The tests read them from $LYCHD_QUADLET_ORACLES (tests/oracle_test.ts, tests/oracle_keys_test.ts).
#
# usage: PODMAN_GIT=/path/to/podman/.git scripts/build-oracles.sh OUT_DIR [v5.4.2 ...]
#   PODMAN_GIT  a podman git directory holding the release tags
#               (git clone --bare https://github.com/containers/podman podman.git)
#   GO_1_19 … GO_1_24
#               the go binary for each era (default: Debian's /usr/lib/go-1.NN/bin/go, from the
#               golang-1.NN-go packages); a tag is built with the Go of its own time, since
#               podman's vendored modules of 2023 do not build with today's Go and vice versa.
#   tags        default: every minor 4.4 … 5.8 at its last patch release (the set the tests expect)
#
# Offline and reproducible: the tree comes from `git archive` (not a checkout), the build uses
# only podman's vendored modules (-mod=vendor, GOPROXY=off, GOFLAGS, GOTOOLCHAIN=local), no cgo,
# -trimpath, and the build tags that drop the C-backed storage drivers and GPG. Nothing but the
# binaries and SHA256SUMS is left behind.
set -euo pipefail
export GIT_NO_LAZY_FETCH=1 # a partial clone must not fetch what it lacks

: "${PODMAN_GIT:?set PODMAN_GIT to a podman git directory that has the release tags}"
[ $# -ge 1 ] || { sed -n '5,12p' "$0" >&2; exit 2; }
OUT=$(mkdir -p "$1" && cd "$1" && pwd); shift
TAGS=("$@")
[ ${#TAGS[@]} -gt 0 ] || TAGS=(v4.4.4 v4.5.1 v4.6.2 v4.7.2 v4.8.3 v4.9.5 v5.0.3 v5.1.2 v5.2.5 v5.3.2
  v5.4.2 v5.5.2 v5.6.2 v5.7.1 v5.8.2)

# The Go release line each podman minor was built and tested with.
go_line() {
  case "$1" in
    v4.*) echo 1.19 ;;
    v5.0.* | v5.1.* | v5.2.*) echo 1.21 ;;
    v5.3.* | v5.4.*) echo 1.22 ;;
    v5.5.* | v5.6.*) echo 1.23 ;;
    *) echo 1.24 ;;
  esac
}

go_for() {
  local line var
  line=$(go_line "$1")
  var="GO_${line/./_}"
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  if [ -x "/usr/lib/go-$line/bin/go" ]; then echo "/usr/lib/go-$line/bin/go"; return; fi
  echo "build-oracles: no Go $line for $1: install golang-$line-go or set $var" >&2
  return 1
}

WORK=$(mktemp -d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

for tag in "${TAGS[@]}"; do
  git --git-dir="$PODMAN_GIT" rev-parse -q --verify "refs/tags/$tag" >/dev/null ||
    { echo "build-oracles: $PODMAN_GIT has no tag $tag" >&2; exit 1; }
  go=$(go_for "$tag")
  src="$WORK/src-$tag"
  mkdir -p "$src"
  # A partial (blobless) clone may lack blobs quadlet never compiles (C sources behind cgo):
  # leave those paths out rather than fetch them (git archive still prints "error: invalid
  # object" for such a path, but exits 0 and leaves it out; without the exclusion it fails).
  git --git-dir="$PODMAN_GIT" ls-tree -r "$tag" | awk -F'\t' '{ split($1, m, " "); if (m[2] == "blob") print m[3] "\t" $2 }' >"$WORK/blobs"
  cut -f1 "$WORK/blobs" | git --git-dir="$PODMAN_GIT" cat-file --batch-check | awk '$2 == "missing" { print $1 }' >"$WORK/missing"
  skip=()
  while IFS= read -r path; do skip+=(":(exclude)$path"); done < <(
    awk -F'\t' 'NR == FNR { gone[$1] = 1; next } ($1 in gone) { print $2 }' "$WORK/missing" "$WORK/blobs"
  )
  git --git-dir="$PODMAN_GIT" archive --format=tar "$tag" -- . "${skip[@]}" | tar -x -C "$src"
  (
    cd "$src"
    env GOFLAGS=-mod=vendor GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off CGO_ENABLED=0 \
      GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" GOOS=linux GOARCH=amd64 \
      "$go" build -mod=vendor -trimpath \
      -tags "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper remote" \
      -o "$OUT/quadlet-${tag#v}" ./cmd/quadlet
  )
  rm -rf "$src"
  echo "build-oracles: $OUT/quadlet-${tag#v} ($("$go" version | awk '{print $3}'))"
done

(cd "$OUT" && sha256sum quadlet-* > SHA256SUMS)
echo "build-oracles: $OUT/SHA256SUMS; run the tests with LYCHD_QUADLET_ORACLES=$OUT"
