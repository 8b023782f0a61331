#!/usr/bin/env bash
# Deployment metadata for the run summary (and the promotion's pull request): the stack, the commit, who
# started it, the digest each service runs now (the stack's serviceImages output), then the reports the
# deploy job wrote in reports/ (promotion, predeploy checks with the migration contracts and the policy
# verdict, the smoke check of each service) and what this run recorded in the release ledger
# (releases/ledger.json: published, and verified in this stack). Markdown on stdout; the workflows append
# it to $GITHUB_STEP_SUMMARY.
# Usage: scripts/release-summary.sh <stack>
set -uo pipefail
stack="${1:?usage: release-summary.sh <stack>}"
echo "## ${stack}: ${GITHUB_SHA:-$(git rev-parse HEAD)}"
echo
echo "- commit: \`${GITHUB_SHA:-$(git rev-parse HEAD)}\` by ${GITHUB_ACTOR:-$(git show -s --format=%ae HEAD)}"
if [[ -n "${GITHUB_RUN_ID:-}" ]]; then echo "- run: ${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID}"; fi
if command -v pulumi >/dev/null 2>&1 && images="$(pulumi stack output serviceImages --json --stack "$stack" 2>/dev/null)"; then
  echo "- running now:"
  jq -r 'to_entries[] | "  - \(.key): `\(.value)`"' <<<"$images"
else
  echo "- running now: unknown (no stack output; did pulumi up run?)"
fi
# The ledger entries this run wrote (`record` signs them "<repository> run <id> (<actor>)").
if [[ -n "${GITHUB_RUN_ID:-}" && -f releases/ledger.json ]] && command -v jq >/dev/null 2>&1; then
  recorded="$(jq -r --arg run "run ${GITHUB_RUN_ID}" --arg stack "$stack" '.entries[]
      | select((.by // "") | test(" \($run)( |$)")) | select(.event == "published" or .stack == $stack)
      | "  - \(.event)\(if .stack then " in \(.stack)" else "" end): \(.service)@\(.digest) (commit \(.sha))"' releases/ledger.json 2>/dev/null)" || recorded=""
  if [[ -n "$recorded" ]]; then echo "- recorded in the release ledger:"; echo "$recorded"; fi
fi
echo
for report in reports/promote*.md reports/predeploy.md reports/smoke*.md; do
  [[ -f "$report" ]] && { cat "$report"; echo; }
done
exit 0
