#!/usr/bin/env bash
# Installs a Docker Engine, a registry and debootstrap (Debian/Ubuntu packages `docker.io`, `docker-registry`,
# `debootstrap`) for the release rehearsal (`npm run rehearse`, rehearsal/docker-host.ts): it starts its own
# dockerd and registry on 127.0.0.1 and builds the base image from Debian packages (Docker Hub is not needed).
# Idempotent: when dockerd, docker, docker-registry and debootstrap are on PATH it returns at once; apt keeps
# the downloaded packages in its cache.
#
# Usage: scripts/docker-tools.sh [--for-tests]
#   --for-tests  without root, sudo or apt-get, only says that the Docker rehearsal will be skipped, unless
#                PLATFORM_ENGINE_SPECS=required (CI), where missing Docker tools are an error.
set -euo pipefail

started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

have_all() { command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && command -v docker-registry >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1; }

if have_all; then
  echo "docker-tools: $(command -v dockerd), docker, docker-registry and debootstrap already installed (nothing to do, $(elapsed))"
  exit 0
fi

mode="${1:-}"
unavailable() {
  if [[ "$mode" == "--for-tests" && "${PLATFORM_ENGINE_SPECS:-}" != "required" ]]; then
    echo "docker-tools: $1: the Docker rehearsal will be skipped"
    exit 0
  fi
  echo "docker-tools: $1; cannot install the Debian packages docker.io, docker-registry and debootstrap" >&2
  exit 1
}

sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else unavailable "not root and no password-less sudo"; fi
fi
command -v apt-get >/dev/null 2>&1 || unavailable "no apt-get"

export DEBIAN_FRONTEND=noninteractive
# The rehearsal starts its own dockerd and registry (own sockets, data under its work folder, a free port);
# the packages' services are not used.
packages=(docker.io docker-registry debootstrap)
if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >/tmp/docker-tools-apt.log 2>&1; then
  "${sudo_cmd[@]}" apt-get update >/dev/null
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >/tmp/docker-tools-apt.log 2>&1 || { tail -n 20 /tmp/docker-tools-apt.log >&2; unavailable "apt-get install failed"; }
fi
have_all || unavailable "installed, but dockerd/docker/docker-registry/debootstrap are not all on PATH"
echo "docker-tools: installed $(dockerd --version 2>&1 | head -n1), $(docker-registry --version 2>&1 | head -n1), debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo '?') ($(elapsed))"
