#!/usr/bin/env bash
# deno task e2e: build (or reuse) the real host, start it, run tests/e2e/*scenarios.ts inside with
# lychd from this working tree, stop it. Needs root, debootstrap and the Debian mirror, and
# CI=true or LYCHD_E2E=1. Prints the wall time of each phase.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
host="$here/e2e-host.sh"
t() { date +%s.%N; }
# One e2e run at a time per machine: the host shares the network namespace (bridges, ports).
exec 9>"${LYCHD_E2E_LOCK:-/tmp/lychd-e2e.lock}"
flock 9
t0=$(t)
bash "$host" build
t1=$(t)
trap 'bash "$host" stop' EXIT
bash "$host" start
t2=$(t)
status=0
bash "$host" exec deno test -A --no-check=remote tests/e2e/scenarios.ts || status=$?
# `lychd export kubernetes` → `podman kube play` (tests/e2e/kube_scenarios.ts).
bash "$host" exec deno test -A --no-check=remote tests/e2e/kube_scenarios.ts || status=$?
# The exported gateway (route-only) under `podman kube play` (tests/e2e/kube_gateway_scenarios.ts).
bash "$host" exec deno test -A --no-check=remote tests/e2e/kube_gateway_scenarios.ts || status=$?
# `lychd import compose` → bind → run (tests/e2e/compose_scenarios.ts).
bash "$host" exec deno test -A --no-check=remote tests/e2e/compose_scenarios.ts || status=$?
# The gateway: one endpoint, swaps, VRAM as a set (tests/e2e/gateway_scenarios.ts).
bash "$host" exec deno test -A --no-check=remote tests/e2e/gateway_scenarios.ts || status=$?
t3=$(t)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "e2e wall time: host build %.1fs, host start %.1fs, scenarios %.1fs, total %.1fs\n", b-a, c-b, d-c, d-a }'
exit $status
