#!/usr/bin/env bash
# Installs Prometheus and promtool (Debian/Ubuntu package `prometheus`) for the specs that run the real
# rule engine and a real server (test/monitoring-rules.spec.ts, test/predeploy.spec.ts).
# Idempotent: when both are on PATH it returns at once; apt keeps the downloaded package in its cache.
#
# Usage: scripts/prometheus.sh [--for-tests]
#   --for-tests  what `.ci/run` and `npm test` run: without root, sudo or apt-get, only says that the
#                Prometheus specs will be skipped, unless PLATFORM_ENGINE_SPECS=required (CI), where a
#                missing Prometheus is an error.
set -euo pipefail

started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  echo "prometheus: $(command -v prometheus) and promtool already installed (nothing to do, $(elapsed))"
  exit 0
fi

mode="${1:-}"
unavailable() {
  if [[ "$mode" == "--for-tests" && "${PLATFORM_ENGINE_SPECS:-}" != "required" ]]; then
    echo "prometheus: $1: the Prometheus specs will be skipped"
    exit 0
  fi
  echo "prometheus: $1; cannot install the Debian package prometheus" >&2
  exit 1
}

sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else unavailable "not root and no password-less sudo"; fi
fi
command -v apt-get >/dev/null 2>&1 || unavailable "no apt-get"

export DEBIAN_FRONTEND=noninteractive
# The specs start their own server on a free port with a temp data dir; the package's service is not used.
if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends prometheus >/tmp/prometheus-apt.log 2>&1; then
  "${sudo_cmd[@]}" apt-get update >/dev/null
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends prometheus >/tmp/prometheus-apt.log 2>&1 || { tail -n 20 /tmp/prometheus-apt.log >&2; unavailable "apt-get install failed"; }
fi
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || unavailable "installed, but prometheus/promtool are not on PATH"
echo "prometheus: installed $(prometheus --version 2>&1 | head -n1) ($(elapsed))"
