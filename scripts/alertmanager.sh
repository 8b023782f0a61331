#!/usr/bin/env bash
# Installs Alertmanager and amtool (Debian/Ubuntu package `prometheus-alertmanager`) for the specs that
# validate and route the Alertmanager configuration the program renders (test/monitoring-alertmanager.spec.ts):
# `amtool check-config`, `amtool config routes test`, and a real `prometheus-alertmanager` on 127.0.0.1 with a
# temp data dir. The package's own service is not used. Idempotent: nothing to do when both are on PATH.
#
# Usage: scripts/alertmanager.sh [--for-tests]
#   --for-tests  what `.ci/run` runs: without root, sudo or apt-get, only says that the Alertmanager specs
#                will be skipped, unless PLATFORM_ALERTMANAGER=required or PLATFORM_ENGINE_SPECS=required
#                (CI), where a missing Alertmanager is an error.
set -euo pipefail
# shellcheck source=scripts/debian-packages.sh
source "$(dirname "$0")/debian-packages.sh"

mode="${1:-}"
if [[ "$mode" == "--for-tests" && "${PLATFORM_ALERTMANAGER:-}" == "required" ]]; then mode="--required"; fi
install_debian_packages alertmanager "the Alertmanager specs" "$mode" "amtool prometheus-alertmanager" prometheus-alertmanager
