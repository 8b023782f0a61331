#!/usr/bin/env bash
# Waits for the canary rollouts of a stack to end, after `pulumi up` and before the smoke check: `pulumi up`
# returns once the Deployments have the new template, while Argo Rollouts is still moving traffic step by
# step (components/delivery/canary.ts), so a smoke check then would meet both versions.
# Each service's Rollout (namespace apps) ends Healthy (the new version serves everything: exit 0) or Degraded
# (the analysis failed and the controller went back to the stable version, or a person aborted: exit 1).
# Paused means an inconclusive analysis or a person's pause: the script keeps waiting and says what to do.
# Prints the phase of each service when it changes. Writes the stack's kubeconfig as prometheus-forward.sh does.
# Usage: scripts/rollout-wait.sh <stack> <service>... [--timeout <seconds>, default 2700]
set -euo pipefail
stack="${1:?usage: rollout-wait.sh <stack> <service>... [--timeout <seconds>]}"
shift
timeout=2700
services=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --timeout) timeout="${2:?--timeout takes seconds}"; shift 2 ;;
    *) [[ "$1" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || { echo "rollout-wait: a service is a DNS label; got argument $(( ${#services[@]} + 2 ))" >&2; exit 2; }
       services+=("$1"); shift ;;
  esac
done
[[ "$timeout" =~ ^[0-9]{1,6}$ ]] || { echo "rollout-wait: --timeout takes whole seconds" >&2; exit 2; }
[[ ${#services[@]} -gt 0 ]] || { echo "rollout-wait: name at least one service" >&2; exit 2; }

dir="${RUNNER_TEMP:-$(mktemp -d)}"
export KUBECONFIG="${KUBECONFIG:-$dir/kubeconfig-$stack.json}"
[[ -s "$KUBECONFIG" ]] || ( umask 077 && pulumi stack output kubeconfig --show-secrets --stack "$stack" > "$KUBECONFIG" )

deadline=$(( $(date +%s) + timeout ))
declare -A last=()
pending=("${services[@]}")
while [[ ${#pending[@]} -gt 0 ]]; do
  still=()
  for service in "${pending[@]}"; do
    phase="$(kubectl -n apps get rollout "$service" -o 'jsonpath={.status.phase}' 2>/dev/null || true)"
    message="$(kubectl -n apps get rollout "$service" -o 'jsonpath={.status.message}' 2>/dev/null | tr -cd '[:print:]' | cut -c1-200 || true)"
    if [[ "${last[$service]:-}" != "$phase" ]]; then
      echo "rollout-wait: $stack/$service: ${phase:-no status yet}${message:+ ($message)}"
      [[ "$phase" == "Paused" ]] && echo "rollout-wait: $stack/$service is paused: an inconclusive analysis (no traffic?) or a person; kubectl argo rollouts promote $service -n apps to go on, abort to go back"
      last[$service]="$phase"
    fi
    case "$phase" in
      Healthy) ;;
      Degraded) echo "rollout-wait: $stack/$service: the canary was aborted; the stable version serves all traffic again" >&2; exit 1 ;;
      *) still+=("$service") ;;
    esac
  done
  pending=("${still[@]+"${still[@]}"}")
  [[ ${#pending[@]} -eq 0 ]] && break
  if (( $(date +%s) >= deadline )); then
    echo "rollout-wait: $stack: ${pending[*]} still rolling out after ${timeout}s; see kubectl argo rollouts get rollout <service> -n apps" >&2
    exit 1
  fi
  sleep "${ROLLOUT_WAIT_INTERVAL:-10}"
done
echo "rollout-wait: $stack: ${services[*]} healthy"
