#!/usr/bin/env bash
# Installs Prometheus and promtool (Debian/Ubuntu package `prometheus`) for the specs that run the real
# rule engine and a real server (test/monitoring-rules.spec.ts, test/predeploy.spec.ts), and the rehearsal.
# The specs start their own server on a free port with a temp data dir; the package's service is not used.
#
# Usage: scripts/prometheus.sh [--for-tests]
#   --for-tests  what `.ci/run` and `npm test` run: without root, sudo or apt-get, only says that the
#                Prometheus specs will be skipped, unless PLATFORM_ENGINE_SPECS=required (CI), where a
#                missing Prometheus is an error.
set -euo pipefail
# shellcheck source=scripts/debian-packages.sh
source "$(dirname "$0")/debian-packages.sh"
install_debian_packages prometheus "the Prometheus specs" "${1:-}" "prometheus promtool" prometheus
