#!/bin/sh
# The README's first hour, run as written on the e2e host (inside the root, as root, whose user
# manager lychd binds into), with two stand-ins the host needs and says so:
#  - the default Codex's registry images cannot be pulled here: one busybox-based stand-in image
#    (./standin) is built locally and tagged with each of their names;
#  - there is no GPU: a stand-in CDI spec maps nvidia.com/gpu=0 and =all to /dev/null.
# Usage (from the checkout, holding the e2e lock):
#   LYCHD_E2E=1 scripts/e2e-host.sh exec sh tests/e2e/firsthour/walkthrough.sh
# Cleans up everything it made (Runes, Codex, secret, images, volumes, CDI spec, install root).
set -u
here=/lychd/tests/e2e/firsthour
export DENO_INSTALL_ROOT=/tmp/lychd-firsthour
export PATH="$DENO_INSTALL_ROOT/bin:$PATH"
failed=""
step() {
  printf '\n$ %s\n' "$*"
  sh -c "$*" 2>&1
  rc=$?
  printf '[exit %s]\n' "$rc"
  [ "$rc" = 0 ] || failed="$failed
  $*"
}
note() { printf '\n# %s\n' "$*"; }
IMAGES="ghcr.io/open-webui/open-webui:v0.6.34 docker.io/library/postgres:17 docker.io/jaegertracing/jaeger:2.11.0 docker.io/vllm/vllm-openai:v0.11.0 ghcr.io/ggml-org/llama.cpp:server-cuda"

if [ -e /root/.config/lychd/codex.toml ] || [ -e /root/.config/containers/systemd/.lychd-manifest.json ]; then
  echo "refused: /root already holds a Codex or bound Runes (another run's); not touching them" >&2
  exit 2
fi
note "stand-ins (not part of the README): local images under the default Codex's names, a CDI spec"
podman build -q -t localhost/lychd-standin:latest -f "$here/Containerfile" "$here" >/dev/null
for i in $IMAGES; do podman tag localhost/lychd-standin:latest "$i"; done
mkdir -p /etc/cdi && cp "$here/nvidia.yaml" /etc/cdi/nvidia.yaml
podman images --format '{{.Repository}}:{{.Tag}}' | sort

note "README: Install"
step "cd /lychd && deno task install"
step "lychd --version && lychd permissions >/dev/null && echo permissions: exactly the compile set"
note "README: five minutes"
step "lychd doctor"
step "lychd init"
step "printf '%s' 'change-me-now' | podman secret create lychd-db-password -"
step "lychd check"
step "lychd bind --dry-run | tail -n 3"
step "lychd bind"
step "lychd start"
sleep 5
step "lychd status"
# Podman runs health checks from transient systemd timers (systemd-run); the e2e host's
# systemd-run is a shim without timers (see scripts/e2e-host.sh), so run the check as the timer would.
(for i in $(seq 60); do sleep 2; podman healthcheck run lychd-soulstone-vllm >/dev/null 2>&1; done) &
hc=$!
step "lychd summon vllm --timeout 2m"
kill "$hc" 2>/dev/null
step "lychd status"
step "lychd logs vllm -n 12"

note "How the vessel reaches a soulstone (probes from a container on the sepulcher's bridge network)"
probe() { podman run --rm --network lychd localhost/busybox:latest wget -T 3 -q -O- "$1" >/dev/null 2>&1 && echo reachable || echo NOT reachable; }
printf 'http://vllm:8000/health (service name on the bridge network): %s\n' "$(probe http://vllm:8000/health)"
printf 'http://host.containers.internal:8000/health (port published on 127.0.0.1): %s\n' "$(probe http://host.containers.internal:8000/health)"
busybox httpd -f -p 127.0.0.1:18080 -h /etc >/dev/null 2>&1 &
loop=$!
busybox httpd -f -p 0.0.0.0:18081 -h /etc >/dev/null 2>&1 &
any=$!
sleep 1
printf 'a host socket on 127.0.0.1:18080 (like on_demand listen = "127.0.0.1:…"), via host.containers.internal: %s\n' "$(probe http://host.containers.internal:18080/hostname)"
printf 'a host socket on 0.0.0.0:18081, via host.containers.internal: %s\n' "$(probe http://host.containers.internal:18081/hostname)"
kill "$loop" "$any"
podman run --rm --network lychd localhost/busybox:latest cat /etc/hosts | grep host.containers.internal

note "clean up (not part of the README)"
lychd unbind >/dev/null 2>&1; echo "unbind: $?"
podman secret rm lychd-db-password >/dev/null
for v in $(podman volume ls -q | grep -E '^(systemd-)?lychd-'); do podman volume rm -f "$v" >/dev/null; done
podman volume ls -q
for i in $IMAGES localhost/lychd-standin:latest; do podman rmi -f "$i" >/dev/null 2>&1; done
rm -rf /root/.config/lychd /etc/cdi/nvidia.yaml "$DENO_INSTALL_ROOT"
ls /root/.config/containers/systemd /root/.config/systemd/user 2>/dev/null
echo cleaned
if [ -n "$failed" ]; then printf 'FAILED steps:%s\n' "$failed"; exit 1; fi
echo "every README step exited 0"
