#!/usr/bin/env bash
# Builds the OpenTelemetry Collector the log agent's spec runs (scripts/otelcol/main.go: the file_log and OTLP
# receivers, the memory_limiter and batch processors, the OTLP/HTTP and debug exporters) from the Go module
# proxy into .tools/otelcol/<version>/ (git-ignored). No collector release can be downloaded here; the
# collector is a set of Go modules, composed the way the OpenTelemetry Collector Builder composes them.
# The wrapper module is committed (go.mod, go.sum: every dependency and checksum): a reproducible build.
# Idempotent: a second run finds the binary of this version and this wrapper module, checks its version and
# returns at once; Go's module and build caches are reused. A cold build takes about 4 minutes on two cores and 2 GB of memory.
#
# Usage: scripts/otelcol.sh [--print-path | --for-tests]
#   --for-tests  without Go, only says that the log agent spec will be skipped, unless
#                PLATFORM_OTELCOL=required (CI), where a missing collector is an error.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
module_dir="$repo_root/scripts/otelcol"
# The collector release the wrapper module pins (go.opentelemetry.io/collector/otelcol).
version="$(awk '$1 == "go.opentelemetry.io/collector/otelcol" { print $2 }' "$module_dir/go.mod")"
# The wrapper module's own contents name the build too: adding a component builds a new binary.
module_hash="$(cat "$module_dir/main.go" "$module_dir/go.mod" "$module_dir/go.sum" | sha256sum | cut -c1-12)"
install_dir="$repo_root/.tools/otelcol/$version-$module_hash"
binary="$install_dir/otelcol-platform"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$binary"
  exit 0
fi

started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

if [[ -x "$binary" ]] && [[ "$("$binary" --version 2>/dev/null)" == "otelcol-platform version $version" ]]; then
  echo "otelcol $version already built: $binary (nothing to do, $(elapsed))"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ "${1:-}" == "--for-tests" && "${PLATFORM_OTELCOL:-}" != "required" ]]; then
    echo "otelcol: Go is not installed: the log agent spec will be skipped"
    exit 0
  fi
  echo "otelcol: Go is not installed; cannot build the collector $version" >&2
  exit 1
fi

echo "otelcol: building the collector $version with $(go version | cut -d' ' -f3) into $install_dir (a cold build takes minutes)"
mkdir -p "$install_dir"
cd "$module_dir"
# Build beside the target and rename, so an interrupted build never leaves a broken binary behind.
go build -mod=readonly -trimpath -ldflags "-s -w -X main.version=$version" -o "$binary.partial" .
mv -f "$binary.partial" "$binary"
echo "otelcol $version built: $binary ($(elapsed))"
