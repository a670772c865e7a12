#!/usr/bin/env bash
# The Docker engine and Lambda base image that `sam local` needs, on a machine without systemd
# and, possibly, without a registry that serves public.ecr.aws.
#   scripts/docker-engine.sh start STATE_DIR   engine up (started here only if none answers), base image present
#   scripts/docker-engine.sh stop STATE_DIR    stops the engine if `start` started it
#   scripts/docker-engine.sh gateway           the address containers reach this machine at
#
# The base image is pulled where a registry is reachable. Otherwise a stand-in is built once: a
# Debian minbase root file system (debootstrap from the mirror apt already uses, with CA
# certificates, which the SDK's rustls client refuses to start without) imported under the
# image's own name with the Lambda image's environment. SAM only adds its runtime interface
# emulator on top (its Dockerfile needs /bin/sh), so that is all the stand-in must provide.
set -euo pipefail

arch=$(uname -m)
base_image="public.ecr.aws/lambda/provided:al2023-${arch/aarch64/arm64}"
rapid_image="${base_image%-*}-rapid-${base_image##*-}"   # built on top of the base by SAM itself
log() { printf 'docker-engine: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
engine_up() { docker info >/dev/null 2>&1; }

install_packages() {  # the Debian packages named, where missing
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
  # The post-install step cannot start the service without systemd; that is expected.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null 2>&1
}

start_engine() {
  local state=$1 driver
  for driver in overlay2 vfs; do
    log "starting dockerd (storage driver $driver, log $state/dockerd.log)"
    # The default bridge must stay: SAM reaches each container's runtime emulator through a
    # published port, whatever --docker-network says. Containers reach this machine at the
    # bridge's gateway address.
    as_root setsid nohup dockerd --storage-driver "$driver" --iptables=false --ip6tables=false \
      --pidfile /var/run/docker.pid >>"$state/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
      if engine_up; then echo started >"$state/engine-started-here"; return 0; fi
      sleep 0.5
    done
    as_root pkill -f '^dockerd' || true
    sleep 2
  done
  log "dockerd did not start:"; tail -5 "$state/dockerd.log" >&2; return 1
}

apt_mirror() {
  local mirror
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
  [ -n "$mirror" ] || { log "cannot tell which Debian mirror apt uses"; return 1; }
  echo "$mirror"
}

build_stand_in() {
  local rootfs
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/foof-lambda-base.XXXXXX")
  log "no registry serves $base_image: building a stand-in (debootstrap, about 30 s)"
  as_root debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$(apt_mirror)" >/dev/null
  as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  as_root mkdir -p "$rootfs"/var/task "$rootfs"/var/runtime "$rootfs"/var/rapid "$rootfs"/opt "$rootfs"/etc/pki/tls/certs
  # Where Amazon Linux keeps its CA bundle, for code that looks there.
  as_root ln -sf /etc/ssl/certs/ca-certificates.crt "$rootfs"/etc/pki/tls/certs/ca-bundle.crt
  as_root tar --numeric-owner -C "$rootfs" -cf - . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin' \
    --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
    --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
    --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
    --change 'WORKDIR /var/task' \
    - "$base_image" >/dev/null
  as_root rm -rf "$rootfs"
  # SAM builds its runtime-emulator image on the base once and never rebuilds it by itself.
  docker image rm -f "$rapid_image" >/dev/null 2>&1 || true
}

case "${1:-}" in
  start)
    state=$2
    mkdir -p "$state"
    # An engine that already answers (Docker Desktop, a CI runner's) is used as it is.
    if ! engine_up; then
      command -v dockerd >/dev/null 2>&1 || install_packages docker.io containerd runc iptables
      start_engine "$state"
    fi
    if ! docker image inspect "$base_image" >/dev/null 2>&1; then
      timeout 60 docker pull -q "$base_image" >/dev/null 2>&1 || { install_packages debootstrap && build_stand_in; }
    fi
    ;;
  stop)
    state=$2
    if [ -f "$state/engine-started-here" ]; then
      as_root kill "$(cat /var/run/docker.pid)" 2>/dev/null || true
      for _ in $(seq 1 40); do engine_up || break; sleep 0.25; done
      rm -f "$state/engine-started-here"
    fi
    ;;
  gateway)
    address=$(ip -4 -o addr show docker0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
    echo "${address:-172.17.0.1}"
    ;;
  *) echo "usage: $0 start STATE_DIR | stop STATE_DIR | gateway" >&2; exit 2 ;;
esac
