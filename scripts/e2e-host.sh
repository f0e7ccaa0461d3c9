#!/usr/bin/env bash
# e2e-host.sh — a real Debian trixie host (systemd user manager + Podman 5 + Quadlet)
# in a chroot, for lychd's end-to-end tests. See DESIGN.md, "A real host for end-to-end tests".
#
# Usage (as root, with CI=true or LYCHD_E2E=1):
#   scripts/e2e-host.sh build          debootstrap trixie into $LYCHD_E2E_ROOT (once; marker file)
#   scripts/e2e-host.sh start          mount /proc /sys /dev, tmpfs /run /tmp, the repo at /lychd,
#                                      deno + host DENO_DIR; start `systemd --user` for root inside
#   scripts/e2e-host.sh exec CMD...    run CMD inside (cwd /lychd); leading VAR=value args are env;
#                                      exits with CMD's code (125: not started)
#   scripts/e2e-host.sh stop           stop the manager + its containers, unmount what start mounted
#   scripts/e2e-host.sh status         what is built / mounted / running
#
# Environment:
#   LYCHD_E2E_ROOT   chroot directory (default /var/cache/lychd-e2e/root; absolute, not /)
#   LYCHD_DENO       deno binary bound at /usr/local/bin/deno (default: `command -v deno`)
#   DENO_DIR         host deno cache bound at /var/cache/lychd-deno-dir (default $HOME/.cache/deno)
#   LYCHD_E2E_START_TIMEOUT   seconds to wait for the user manager (default 60)
# Inside, `exec` sets XDG_RUNTIME_DIR=/run/user/0 HOME=/root PODMAN_IGNORE_CGROUPSV1_WARNING=1
# DENO_DIR=/var/cache/lychd-deno-dir DENO_CERT=SSL_CERT_FILE=/etc/lychd-e2e/host-ca.crt and
# passes through host variables CI, NO_COLOR and LYCHD_* (except LYCHD_E2E_ROOT/LYCHD_DENO).
# Phase timings go to stderr as `e2e-host: build 63.2s`. Exit 2 = refused (safety checks).
set -euo pipefail

readonly BUILD_VERSION="lychd-e2e v3 trixie minbase systemd,dbus,podman,runc,busybox-static,catatonit +nftables,aardvark-dns"
readonly SUITE=trixie
readonly MIRROR=http://deb.debian.org/debian
readonly IN_DENO_DIR=/var/cache/lychd-deno-dir
readonly IN_CA=/etc/lychd-e2e/host-ca.crt
readonly IN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"

say() { printf 'e2e-host: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
refuse() { say "refused: $*"; exit 2; }
now() { date +%s.%N; }
took() { awk -v a="$2" -v b="$(now)" -v n="$1" 'BEGIN { printf "e2e-host: %s %.1fs\n", n, b - a }' >&2; }

# ---------- safety ----------
[[ "${1:-}" == "" || "${1:-}" == "-h" || "${1:-}" == "--help" || "${1:-}" == "help" ]] && {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 0
}
[[ "$(id -u)" == 0 ]] || refuse "must run as root"
[[ "${CI:-}" == true || "${LYCHD_E2E:-}" == 1 ]] || refuse "set LYCHD_E2E=1 (or CI=true) to let this script debootstrap, mount and chroot"
ROOT="${LYCHD_E2E_ROOT-/var/cache/lychd-e2e/root}"
[[ -n "$ROOT" ]] || refuse "LYCHD_E2E_ROOT is empty"
[[ "$ROOT" == /* ]] || refuse "LYCHD_E2E_ROOT must be absolute: '$ROOT'"
[[ "$ROOT" =~ ^[A-Za-z0-9._/+-]+$ ]] || refuse "LYCHD_E2E_ROOT may hold only [A-Za-z0-9._/+-]: '$ROOT'"
ROOT="$(realpath -m -- "$ROOT")"
[[ "$ROOT" != / ]] || refuse "LYCHD_E2E_ROOT must not be /"
case "$ROOT" in /proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /run | /etc | /usr | /usr/* | /bin | /lib | /home | /root | /var | /tmp)
  refuse "LYCHD_E2E_ROOT '$ROOT' is a system directory" ;;
esac
readonly ROOT
readonly MARKER="$ROOT/.lychd-e2e-built"
readonly STATE="$ROOT/.lychd-e2e-state" # records the mounts we made (one per line) and the manager pid
readonly MOUNTS="$STATE/mounts"
readonly PIDFILE="$STATE/manager.pid"

# Mount points at or under ROOT in this mount namespace (deepest last as listed by the kernel).
mounts_under() {
  awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo
}

is_built() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$BUILD_VERSION" ]]; }

# A process that exists and is not a zombie (our parent, the host's PID 1, may reap late).
alive() {
  local st
  st="$(awk '{ sub(/^[^)]*\) /, ""); print substr($0, 1, 1) }' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

manager_pid() {
  local pid
  [[ -f "$PIDFILE" ]] || return 1
  pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  # Still our systemd --user inside ROOT (pids are reused)?
  [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$ROOT" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == systemd ]] || return 1
  echo "$pid"
}

in_root() { # in_root CMD... : run inside the chroot with the test environment
  local pass=() v
  for v in CI NO_COLOR TERM $(compgen -v LYCHD_ || true); do
    [[ "$v" == LYCHD_E2E_ROOT || "$v" == LYCHD_DENO ]] && continue
    if [[ -n "${!v+x}" ]]; then pass+=("$v=${!v}"); fi
  done
  chroot "$ROOT" /usr/bin/env -i -C /lychd \
    HOME=/root PATH="$IN_PATH" LANG=C.UTF-8 USER=root LOGNAME=root \
    XDG_RUNTIME_DIR=/run/user/0 PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
    DENO_DIR="$IN_DENO_DIR" DENO_CERT="$IN_CA" SSL_CERT_FILE="$IN_CA" DENO_NO_UPDATE_CHECK=1 \
    "${pass[@]}" "$@"
}

# ---------- mounts ----------
record() { printf '%s\n' "$1" >>"$MOUNTS"; }

do_mounts() { # the recipe's mounts; every one is recorded before the next is made
  mkdir -p "$STATE"
  : >>"$MOUNTS"
  if ! grep -qxF "$ROOT" "$MOUNTS"; then
    mount --bind "$ROOT" "$ROOT" || die "mount failed: $ROOT"
    record "$ROOT" # Podman's layer unpack needs / to be a mount point
  fi
  local d
  for d in proc sys dev; do
    grep -qxF "$ROOT/$d" "$MOUNTS" && continue
    mkdir -p "$ROOT/$d"
    mount --rbind "/$d" "$ROOT/$d" || die "mount failed: $ROOT/$d"
    record "$ROOT/$d"
    mount --make-rslave "$ROOT/$d"
  done
  # ROOT/dev is the host's /dev: keep the Quadlet generator from writing the host's kernel log.
  # With /dev/kmsg unwritable (an empty file, bound read-only) it logs to stderr instead, which
  # start connects to the journal (identifier lychd-e2e-manager).
  if [[ -e "$ROOT/dev/kmsg" ]] && ! grep -qxF "$ROOT/dev/kmsg" "$MOUNTS"; then
    : >"$STATE/kmsg"
    mount --bind "$STATE/kmsg" "$ROOT/dev/kmsg" || die "mount failed: $ROOT/dev/kmsg"
    record "$ROOT/dev/kmsg"
    mount -o remount,bind,ro "$ROOT/dev/kmsg"
  fi
  for d in run tmp; do
    grep -qxF "$ROOT/$d" "$MOUNTS" && continue
    mkdir -p "$ROOT/$d"
    local mode=755
    if [[ $d == tmp ]]; then mode=1777; fi
    mount -t tmpfs -o "mode=$mode" tmpfs "$ROOT/$d" || die "mount failed: $ROOT/$d"
    record "$ROOT/$d"
  done
  mkdir -p "$ROOT/run/lock"
  if cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf.lychd-new" 2>/dev/null; then
    rm -f "$ROOT/etc/resolv.conf"
    mv "$ROOT/etc/resolv.conf.lychd-new" "$ROOT/etc/resolv.conf"
  fi
}

undo_mounts() { # reverse order; umount -R takes Podman's overlay/shm/netns mounts below ours too
  [[ -f "$MOUNTS" ]] || return 0
  local m rc=0
  while IFS= read -r m; do
    [[ -n "$m" ]] || continue
    [[ "$m" == "$ROOT" || "$m" == "$ROOT"/* ]] || { say "skipping foreign mount record '$m'"; continue; }
    grep -qxF "$m" <(mounts_under) || continue
    umount -R "$m" 2>/dev/null || umount -R -l "$m" || { say "could not unmount $m"; rc=1; }
  done < <(tac "$MOUNTS")
  if [[ $rc == 0 ]]; then rm -f "$MOUNTS"; fi
  return $rc
}

# ---------- processes ----------
# Every process belonging to the e2e host: rooted at/under ROOT (chroot, containers' overlay
# roots), in the manager's session, or descended from the manager.
root_procs() {
  local mpid="${1:-}" sid="" p r
  [[ -n "$mpid" ]] && sid="$(awk '{ print $6 }' "/proc/$mpid/stat" 2>/dev/null || true)"
  ps -e -o pid=,ppid=,sid= | awk -v m="$mpid" -v s="$sid" -v self="$$" '
    { pid[NR] = $1; pp[$1] = $2; ss[$1] = $3 }
    END { for (i = 1; i <= NR; i++) { p = pid[i]; if (p == self) continue; hit = (s != "" && ss[p] == s)
            for (q = p; !hit && q > 1; q = pp[q]) if (m != "" && q == m) hit = 1
            if (hit) print p } }'
  for p in /proc/[0-9]*; do
    r="$(readlink "$p/root" 2>/dev/null)" || continue
    if [[ "$r" == "$ROOT" || "$r" == "$ROOT"/* ]]; then echo "${p#/proc/}"; fi
  done
}

kill_root_procs() {
  local mpid="${1:-}" pids i
  if [[ -n "$mpid" ]]; then
    # SIGTERM: systemd --user runs exit.target, stopping every unit (podman stop) first.
    kill -TERM "$mpid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do alive "$mpid" || break; sleep 0.1; done
  fi
  pids="$(root_procs "$mpid" | sort -u | grep -vx "$$" || true)"
  [[ -z "$pids" ]] && return 0
  # shellcheck disable=SC2086 # a list of pids
  kill -TERM $pids 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    pids="$(for p in $pids; do if alive "$p"; then echo "$p"; fi; done)"
    [[ -z "$pids" ]] && return 0
    sleep 0.1
  done
  # shellcheck disable=SC2086 # a list of pids
  kill -KILL $pids 2>/dev/null || true
  sleep 0.2
}

# ---------- build ----------
host_packages() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  [[ ${#missing[@]} == 0 ]] && return 0
  say "installing on the host: ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; then
    apt-get update -q >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  fi
}

write_config() {
  mkdir -p "$ROOT/etc/containers" "$ROOT/etc/systemd/user/podman-user-wait-network-online.service.d" \
    "$ROOT/etc/systemd/journald.conf.d"
  cat >"$ROOT/etc/systemd/journald.conf.d/lychd-e2e.conf" <<'EOF'
# lychd e2e host: a fresh journal per start (in /run), no host kernel/audit messages, no rate limit.
[Journal]
Storage=volatile
ReadKMsg=no
Audit=no
ForwardToSyslog=no
ForwardToWall=no
RateLimitBurst=0
EOF
  cat >"$ROOT/etc/containers/containers.conf" <<'EOF'
# lychd e2e host: the host is cgroup v1 hybrid (crun refuses it), and the sandbox's hard limits
# are lower than Podman's default ulimits.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
  cat >"$ROOT/etc/systemd/user/podman-user-wait-network-online.service.d/lychd-e2e.conf" <<'EOF'
# No system manager here, so network-online.target never comes: do not wait for it.
[Service]
ExecStart=
ExecStart=/bin/true
EOF
  # netavark starts aardvark-dns through `systemd-run --scope` when /run/systemd/system exists
  # (which the user manager needs); there is no system bus here, so run it directly instead.
  mkdir -p "$ROOT/usr/local/bin"
  cat >"$ROOT/usr/local/bin/systemd-run" <<'EOF'
#!/bin/sh
# lychd e2e host: no system manager, so a transient scope is just the command itself.
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
exec "$@"
EOF
  chmod 0755 "$ROOT/usr/local/bin/systemd-run"
}

import_busybox() {
  # shellcheck disable=SC2016 # expanded by the shell inside the root
  chroot "$ROOT" /bin/sh -eu -c '
    d=/tmp/busybox-image
    rm -rf "$d"; mkdir -p "$d/bin" "$d/etc" "$d/root" "$d/tmp" "$d/proc" "$d/sys" "$d/dev" "$d/var/www" "$d/run"
    chmod 1777 "$d/tmp"
    cp "$(readlink -f /bin/busybox)" "$d/bin/busybox"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$d/bin/$a"; done
    printf "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n" >"$d/etc/passwd"
    printf "root:x:0:\nnogroup:x:65534:\n" >"$d/etc/group"
    tar -C "$d" --numeric-owner -cf /tmp/busybox-image.tar .
    PODMAN_IGNORE_CGROUPSV1_WARNING=1 podman import -q --change "CMD [\"/bin/sh\"]" \
      /tmp/busybox-image.tar localhost/busybox:latest >/dev/null
    rm -rf "$d" /tmp/busybox-image.tar
    PODMAN_IGNORE_CGROUPSV1_WARNING=1 podman image exists localhost/busybox:latest'
}

cmd_build() {
  local t0 left
  t0="$(now)"
  if is_built; then say "already built: $ROOT ($(cat "$MARKER"))"; took build "$t0"; return 0; fi
  left="$(mounts_under)"
  [[ -z "$left" ]] || die "half-built root $ROOT has mounts under it; run '$0 stop' first: ${left//$'\n'/ }"
  host_packages
  if [[ -e "$ROOT" ]]; then
    say "removing half-built root $ROOT"
    rm -rf --one-file-system -- "$ROOT"
  fi
  mkdir -p "$(dirname "$ROOT")"
  say "debootstrap $SUITE into $ROOT"
  debootstrap --variant=minbase --include=systemd,dbus,podman,runc,busybox-static,catatonit \
    "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
    { tail -n 30 "$ROOT.debootstrap.log" >&2; die "debootstrap failed (log: $ROOT.debootstrap.log)"; }
  mv "$ROOT.debootstrap.log" "$ROOT/var/log/lychd-e2e-debootstrap.log"
  trap 'undo_mounts || true' EXIT
  do_mounts
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d" && chmod +x "$ROOT/usr/sbin/policy-rc.d"
  say "installing nftables aardvark-dns inside"
  chroot "$ROOT" /usr/bin/env -i PATH="$IN_PATH" DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get install -y -q --no-install-recommends nftables aardvark-dns && apt-get clean' \
    >"$ROOT/var/log/lychd-e2e-apt.log" 2>&1 ||
    { tail -n 30 "$ROOT/var/log/lychd-e2e-apt.log" >&2; die "apt-get inside the root failed"; }
  rm -f "$ROOT/usr/sbin/policy-rc.d"
  write_config
  say "importing localhost/busybox:latest"
  import_busybox
  undo_mounts
  rm -rf "$STATE"
  trap - EXIT
  printf '%s\n' "$BUILD_VERSION" >"$MARKER"
  took build "$t0"
}

# ---------- start / stop ----------
show_logs() { # the manager's own output and the journal's tail, for a failed start
  tail -n 20 "$ROOT/var/log/lychd-e2e-manager.log" >&2 || true
  in_root journalctl --no-pager -n 20 >&2 2>/dev/null || true
}

start_cleanup() {
  local rc=$?
  [[ $rc == 0 ]] && return 0
  say "start failed; undoing"
  kill_root_procs "$(manager_pid || true)"
  undo_mounts || true
  rm -f "$PIDFILE" "$STATE/journald.pid" "$STATE/kmsg"
  exit $rc
}

cmd_start() {
  local t0 deno denodir pid i out=""
  t0="$(now)"
  is_built || die "not built: run 'LYCHD_E2E=1 $0 build' first ($ROOT)"
  if pid="$(manager_pid)"; then
    say "already started (manager pid $pid)"
    took start "$t0"
    return 0
  fi
  if [[ -s "$MOUNTS" ]]; then say "stale state from an earlier start; cleaning it first"; cmd_stop; fi
  deno="${LYCHD_DENO:-$(command -v deno || true)}"
  [[ -n "$deno" && -x "$deno" ]] || die "no deno binary (set LYCHD_DENO)"
  deno="$(readlink -f "$deno")"
  denodir="${DENO_DIR:-${HOME:-/root}/.cache/deno}"
  mkdir -p "$denodir"
  denodir="$(readlink -f "$denodir")"

  trap start_cleanup EXIT
  do_mounts
  mkdir -p "$ROOT/lychd" "$ROOT$IN_DENO_DIR" "$ROOT/usr/local/bin" "$(dirname "$ROOT$IN_CA")"
  mount --bind "$REPO" "$ROOT/lychd" || die "mount failed: $ROOT/lychd"
  record "$ROOT/lychd"
  [[ -e "$ROOT/usr/local/bin/deno" ]] || : >"$ROOT/usr/local/bin/deno"
  mount --bind "$deno" "$ROOT/usr/local/bin/deno" || die "mount failed: $ROOT/usr/local/bin/deno"
  record "$ROOT/usr/local/bin/deno"
  mount -o remount,bind,ro "$ROOT/usr/local/bin/deno"
  mount --bind "$denodir" "$ROOT$IN_DENO_DIR" || die "mount failed: $ROOT$IN_DENO_DIR"
  record "$ROOT$IN_DENO_DIR"
  if [[ -r /etc/ssl/certs/ca-certificates.crt ]]; then
    cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT$IN_CA"
  else
    cp -L "$ROOT/etc/ssl/certs/ca-certificates.crt" "$ROOT$IN_CA" 2>/dev/null || : >"$ROOT$IN_CA"
  fi

  write_config # cheap; lets config changes in this script apply without a rebuild
  mkdir -p "$ROOT/run/systemd/system" "$ROOT/run/user/0"
  chmod 700 "$ROOT/run/user/0"
  # journald first (without socket activation it binds its own sockets), so the manager's log
  # ("Reloading requested from client PID ...") and the services' output reach `journalctl`.
  setsid chroot "$ROOT" /usr/bin/env -i PATH="$IN_PATH" SYSTEMD_LOG_TARGET=console \
    /usr/lib/systemd/systemd-journald </dev/null >"$ROOT/var/log/lychd-e2e-journald.log" 2>&1 &
  echo $! >"$STATE/journald.pid"
  for ((i = 0; i < 100; i++)); do [[ -S "$ROOT/run/systemd/journal/stdout" ]] && break; sleep 0.05; done
  [[ -S "$ROOT/run/systemd/journal/stdout" ]] || say "warning: systemd-journald did not come up; journalctl will be empty"
  # The manager's stderr (and so the generators' error lines) into the journal; systemd-cat execs.
  local to_journal=()
  if [[ -S "$ROOT/run/systemd/journal/stdout" ]]; then to_journal=(/usr/bin/systemd-cat -t lychd-e2e-manager); fi
  # setsid: the manager leads its own session/process group (pid == pgid == sid), so stop finds
  # everything it started. chroot and env exec, so $! is systemd's pid.
  setsid chroot "$ROOT" /usr/bin/env -i HOME=/root USER=root LOGNAME=root PATH="$IN_PATH" \
    XDG_RUNTIME_DIR=/run/user/0 PODMAN_IGNORE_CGROUPSV1_WARNING=1 LANG=C.UTF-8 SYSTEMD_LOG_TARGET=journal \
    "${to_journal[@]}" /usr/lib/systemd/systemd --user </dev/null >"$ROOT/var/log/lychd-e2e-manager.log" 2>&1 &
  pid=$!
  echo "$pid" >"$PIDFILE"
  local timeout="${LYCHD_E2E_START_TIMEOUT:-60}"
  for ((i = 0; i < timeout * 10; i++)); do
    out="$(in_root systemctl --user is-system-running 2>/dev/null || true)"
    [[ "$out" == running || "$out" == degraded ]] && break
    alive "$pid" || { show_logs; die "systemd --user exited during start"; }
    sleep 0.1
  done
  if [[ "$out" != running && "$out" != degraded ]]; then
    show_logs
    die "systemd --user not ready after ${timeout}s (is-system-running: '${out:-no answer}')"
  fi
  trap - EXIT
  say "started: manager pid $pid, state $out"
  took start "$t0"
}

cmd_stop() {
  local t0 pid=""
  t0="$(now)"
  pid="$(manager_pid || true)"
  kill_root_procs "$pid"
  undo_mounts || die "some mounts under $ROOT remain: $(mounts_under | tr '\n' ' ')"
  rm -f "$PIDFILE" "$STATE/journald.pid" "$STATE/kmsg"
  rmdir "$STATE" 2>/dev/null || true
  took stop "$t0"
}

cmd_exec() {
  [[ $# -gt 0 ]] || die "usage: $0 exec CMD..."
  manager_pid >/dev/null || { say "not started: run 'LYCHD_E2E=1 $0 start' first"; exit 125; }
  local rc=0
  in_root "$@" || rc=$?
  return $rc
}

cmd_status() {
  local pid m
  echo "root:    $ROOT"
  if is_built; then echo "built:   yes ($(cat "$MARKER"))"
  elif [[ -e "$ROOT" ]]; then echo "built:   no (half-built or old: ${MARKER} $( [[ -f $MARKER ]] && cat "$MARKER" || echo missing))"
  else echo "built:   no"; fi
  m="$(mounts_under)"
  echo "mounts:  $(if [[ -n "$m" ]]; then echo "$m" | wc -l; else echo 0; fi) under root (recorded: $( [[ -f $MOUNTS ]] && wc -l <"$MOUNTS" || echo 0))"
  if pid="$(manager_pid)"; then
    echo "manager: pid $pid, $(in_root systemctl --user is-system-running 2>/dev/null || true)"
    echo "containers: $(in_root podman ps -q 2>/dev/null | wc -l) running"
  else
    echo "manager: not running"
  fi
}

cmd="$1"
shift
case "$cmd" in
  build) [[ $# == 0 ]] || die "usage: $0 build"; cmd_build ;;
  start) [[ $# == 0 ]] || die "usage: $0 start"; cmd_start ;;
  stop) [[ $# == 0 ]] || die "usage: $0 stop"; cmd_stop ;;
  status) cmd_status ;;
  exec) cmd_exec "$@" ;;
  *) die "unknown subcommand '$cmd' (build|start|exec|stop|status)" ;;
esac
