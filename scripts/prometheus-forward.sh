#!/usr/bin/env bash
# Reaches a stack's in-cluster Prometheus from a CI job or a laptop, without exposing it: writes the
# stack's kubeconfig (it runs `aws eks get-token` with the caller's AWS credentials) to a temp folder and
# port-forwards the operator's `prometheus-operated` service in `monitoring` to 127.0.0.1, in the
# background, until the job (or shell) ends. Prints the URL for `predeploy --prometheus-url`; in GitHub
# Actions it also sets PROMETHEUS_URL for the following steps.
# Usage: scripts/prometheus-forward.sh <stack> [local port, default 9090]
set -euo pipefail
stack="${1:?usage: prometheus-forward.sh <stack> [port]}"
port="${2:-9090}"
dir="${RUNNER_TEMP:-$(mktemp -d)}"
kubeconfig="$dir/kubeconfig-$stack.json"
( umask 077 && pulumi stack output kubeconfig --show-secrets --stack "$stack" > "$kubeconfig" )
KUBECONFIG="$kubeconfig" nohup kubectl -n monitoring port-forward svc/prometheus-operated "$port:9090" > "$dir/port-forward-$stack.log" 2>&1 &
url="http://127.0.0.1:$port"
for _ in $(seq 60); do
  if curl -sf "$url/-/ready" > /dev/null; then
    [[ -n "${GITHUB_ENV:-}" ]] && echo "PROMETHEUS_URL=$url" >> "$GITHUB_ENV"
    echo "$url"
    exit 0
  fi
  sleep 1
done
echo "prometheus-forward: $stack's Prometheus did not answer on $url within 60 s:" >&2
tail -n 5 "$dir/port-forward-$stack.log" >&2
exit 1
