#!/usr/bin/env bash
# Installs a Docker Engine, a registry and debootstrap (Debian/Ubuntu packages `docker.io`, `docker-registry`,
# `debootstrap`) for the release rehearsal (`npm run rehearse`, rehearsal/docker-host.ts): it starts its own
# dockerd and registry on 127.0.0.1 (own sockets, data under its work folder, a free port; the packages'
# services are not used) and builds the base image from Debian packages (Docker Hub is not needed).
#
# Usage: scripts/docker-tools.sh [--for-tests]
#   --for-tests  without root, sudo or apt-get, only says that the Docker rehearsal will be skipped, unless
#                PLATFORM_ENGINE_SPECS=required (CI), where missing Docker tools are an error.
set -euo pipefail
# shellcheck source=scripts/debian-packages.sh
source "$(dirname "$0")/debian-packages.sh"
install_debian_packages docker-tools "the Docker rehearsal" "${1:-}" "dockerd docker docker-registry debootstrap" docker.io docker-registry debootstrap
