# Sourced, not run: the one installer of the Debian packages the specs and the rehearsal use (prometheus.sh,
# docker-tools.sh). Idempotent: when every command is on PATH it returns at once; apt keeps the downloaded
# packages in its cache, and `apt-get update` runs only when an install fails.
#
# install_debian_packages LABEL SKIPPED MODE "COMMAND..." PACKAGE...
#   LABEL    the prefix of each line it prints (e.g. prometheus)
#   SKIPPED  what goes without them (e.g. "the Prometheus specs"), said when they cannot be installed
#   MODE     --for-tests: without root, sudo or apt-get, only say that SKIPPED will be skipped, unless
#            PLATFORM_ENGINE_SPECS=required (CI), where that is an error; anything else: always an error
#   COMMAND  what must be on PATH afterwards, space-separated
install_debian_packages() {
  local label="$1" skipped="$2" mode="$3" commands="$4"
  shift 4
  local packages=("$@") started log sudo_cmd=()
  started=$(date +%s)
  log="/tmp/${label}-apt.log"
  elapsed() { echo "$(( $(date +%s) - started ))s"; }
  have_all() { local command; for command in $commands; do command -v "$command" >/dev/null 2>&1 || return 1; done; }
  unavailable() {
    if [[ "$mode" == "--for-tests" && "${PLATFORM_ENGINE_SPECS:-}" != "required" ]]; then
      echo "$label: $1: $skipped will be skipped"
      exit 0
    fi
    echo "$label: $1; cannot install the Debian packages ${packages[*]}" >&2
    exit 1
  }

  if have_all; then
    echo "$label: ${commands// /, } already installed (nothing to do, $(elapsed))"
    return 0
  fi
  if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else unavailable "not root and no password-less sudo"; fi
  fi
  command -v apt-get >/dev/null 2>&1 || unavailable "no apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1; then
    "${sudo_cmd[@]}" apt-get update >/dev/null
    "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1 || { tail -n 20 "$log" >&2; unavailable "apt-get install failed"; }
  fi
  have_all || unavailable "installed, but not all of ${commands// /, } are on PATH"
  echo "$label: installed ${packages[*]} ($(elapsed))"
}
