#!/usr/bin/env bash
# Builds a pinned Pulumi CLI from the Go module proxy into .tools/pulumi/<version>/bin (git-ignored).
# No prebuilt CLI can be downloaded here; the CLI is a Go module. Its go.mod has `replace` lines, so
# `go install …@version` fails; a wrapper module that requires it as a tool works. The wrapper module of
# the pinned version is committed (scripts/pulumi-cli/go.mod, go.sum: every dependency and checksum);
# another version's is resolved with `go get -tool` at build time.
# Idempotent: a second run finds the binary, checks its version and returns at once.
# Go's own module and build caches (go env GOMODCACHE / GOCACHE) are reused across runs and versions.
#
# Usage: scripts/pulumi-cli.sh [--print-path | --for-tests]
#   --for-tests  what `npm test` runs first (pretest): uses a `pulumi` >= 3.249 already on PATH instead of
#                building, and without Go only says that the engine specs will be skipped, unless
#                PLATFORM_ENGINE_SPECS=required (CI), where a missing CLI is an error.
#   PULUMI_CLI_VERSION  version to build (default: scripts/pulumi-cli.version; >= 3.249 for `policy analyze --file`)
#   PULUMI_TOOLS_DIR    where to put it (default <repo>/.tools/pulumi)
set -euo pipefail

readonly CLIPBOARD_REPLACEMENT="github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e"
readonly CLI_PACKAGE="github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
readonly VERSION_SYMBOL="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
version="${PULUMI_CLI_VERSION:-$(tr -d '[:space:]' < "$repo_root/scripts/pulumi-cli.version")}"
version="${version#v}"
tools_dir="${PULUMI_TOOLS_DIR:-$repo_root/.tools/pulumi}"
install_dir="$tools_dir/v$version"
binary="$install_dir/bin/pulumi"
pinned_module="$repo_root/scripts/pulumi-cli"

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$binary"
  exit 0
fi

started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

if [[ -x "$binary" ]] && [[ "$("$binary" version 2>/dev/null)" == "v$version" ]]; then
  echo "pulumi v$version already built: $binary (nothing to do, $(elapsed))"
  exit 0
fi

if [[ "${1:-}" == "--for-tests" ]] && command -v pulumi >/dev/null 2>&1; then
  own="$(pulumi version 2>/dev/null || true)"
  if [[ "$own" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] && [[ "$(printf '%s\n' "v3.249.0" "$own" | sort -V | head -n1)" == "v3.249.0" ]]; then
    echo "pulumi-cli: the engine specs use $(command -v pulumi) ($own) from PATH; nothing to build"
    exit 0
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ "${1:-}" == "--for-tests" && "${PLATFORM_ENGINE_SPECS:-}" != "required" ]]; then
    echo "pulumi-cli: Go is not installed and no pulumi >= 3.249 is on PATH: the engine specs will be skipped"
    exit 0
  fi
  echo "pulumi-cli: Go is not installed; cannot build the Pulumi CLI v$version" >&2
  exit 1
fi

echo "pulumi-cli: building pulumi v$version with $(go version | cut -d' ' -f3) into $install_dir (cold builds take minutes)"
module_dir="$install_dir/module"
mkdir -p "$module_dir" "$install_dir/bin"
cd "$module_dir"
if grep -q "^	github.com/pulumi/pulumi/pkg/v3 v$version " "$pinned_module/go.mod" 2>/dev/null; then
  # The committed wrapper module pins every dependency and its checksum (go.sum): a reproducible build.
  cp "$pinned_module/go.mod" "$pinned_module/go.sum" .
else
  # Another version (PULUMI_CLI_VERSION): resolve its dependencies now.
  if [[ ! -f go.mod ]]; then
    go mod init pulumi-cli-build >/dev/null 2>&1
    go mod edit -replace "github.com/atotto/clipboard=$CLIPBOARD_REPLACEMENT"
  fi
  go get -tool "$CLI_PACKAGE@v$version"
fi
# Build beside the target and rename, so an interrupted build never leaves a broken binary behind.
go build -o "$binary.partial" -ldflags "-X $VERSION_SYMBOL=v$version" "$CLI_PACKAGE"
mv -f "$binary.partial" "$binary"

built_version="$("$binary" version)"
if [[ "$built_version" != "v$version" ]]; then
  echo "pulumi-cli: built binary reports $built_version, expected v$version" >&2
  exit 1
fi
echo "pulumi v$version built: $binary ($(elapsed))"
