import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { scratchDir } from "./support/scratch";
import { PROJECT_DIR } from "./support/stacks";

/*
 * scripts/rollout-wait.sh, what the release and rollback workflows run between `pulumi up` and the smoke
 * check, against a kubectl that answers the phases a Rollout goes through (one answer per call, the last one
 * repeated): the script ends with the rollout, and says what a person does when it pauses.
 */

const SCRIPT = path.join(PROJECT_DIR, "scripts", "rollout-wait.sh");

/** A kubectl on PATH that answers `get rollout <service> -o jsonpath={.status.phase}` from <service>.phases. */
function stubKubectl(phases: Readonly<Record<string, readonly string[]>>): string {
    const dir = scratchDir("platform-rollout-wait-");
    for (const [service, list] of Object.entries(phases)) fs.writeFileSync(path.join(dir, `${service}.phases`), `${list.join("\n")}\n`);
    fs.writeFileSync(path.join(dir, "kubectl"), `#!/usr/bin/env bash
set -euo pipefail
service="$5"; field="$7"
state="${dir}/$service.phases"
[[ -f "$state" ]] || { echo "Error from server (NotFound): rollouts.argoproj.io \\"$service\\" not found" >&2; exit 1; }
if [[ "$field" == *phase* ]]; then
  phase="$(head -n1 "$state")"
  if [[ $(wc -l < "$state") -gt 1 ]]; then tail -n +2 "$state" > "$state.next" && mv "$state.next" "$state"; fi
  printf '%s' "$phase"
else
  printf 'RolloutAborted: Rollout aborted update to revision 3: Metric "error-ratio" assessed Failed'
fi
`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "kubeconfig"), "{}");
    return dir;
}

function wait(dir: string, args: readonly string[]) {
    return spawnSync("bash", [SCRIPT, ...args], {
        encoding: "utf8",
        timeout: 30_000,
        env: { PATH: `${dir}:${process.env.PATH ?? ""}`, KUBECONFIG: path.join(dir, "kubeconfig"), ROLLOUT_WAIT_INTERVAL: "0" },
    });
}

describe("rollout-wait: the release waits for the canary before the smoke check", function () {
    it("ends when every service's Rollout is Healthy, printing each phase once", function () {
        const result = wait(stubKubectl({ api: ["Progressing", "Progressing", "Healthy"], worker: ["Healthy"] }), ["prod", "api", "worker"]);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /prod\/api: Progressing/);
        assert.equal(result.stdout.match(/prod\/api: Progressing/g)?.length, 1, "a phase is printed when it changes");
        assert.match(result.stdout, /prod: api worker healthy/);
    });

    it("fails when the analysis aborted the canary (Degraded), saying the stable version serves again", function () {
        const result = wait(stubKubectl({ api: ["Progressing", "Degraded"] }), ["prod", "api"]);
        assert.equal(result.status, 1);
        assert.match(result.stdout, /prod\/api: Degraded \(RolloutAborted: .*error-ratio.* Failed\)/);
        assert.match(result.stderr, /prod\/api: the canary was aborted; the stable version serves all traffic again/);
    });

    it("a paused rollout (inconclusive: no traffic) waits for a person, says how to promote or abort, and gives up at the timeout", function () {
        const result = wait(stubKubectl({ api: ["Paused"] }), ["staging", "api", "--timeout", "1"]);
        assert.equal(result.status, 1);
        assert.match(result.stdout, /kubectl argo rollouts promote api -n apps to go on, abort to go back/);
        assert.match(result.stderr, /staging: api still rolling out after 1s/);
    });

    it("refuses an argument that is not a service name without echoing it", function () {
        const result = wait(stubKubectl({}), ["prod", "api", "ghp_not-a-service/../x"]);
        assert.equal(result.status, 2);
        assert.match(result.stderr, /a service is a DNS label; got argument 3/);
        assert.doesNotMatch(result.stderr, /ghp_/);
    });
});

describe("rollout-wait: where the workflows run it", function () {
    interface Step {
        readonly name?: string;
        readonly run?: string;
        readonly if?: string;
    }
    const stepsOf = (workflow: string, job: string): Step[] =>
        ((parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", workflow), "utf8")) as { jobs: Record<string, { steps: Step[] }> }).jobs[job]).steps;
    const indexOf = (steps: Step[], predicate: (step: Step) => boolean): number => steps.findIndex(predicate);

    for (const job of ["deploy-staging", "deploy-prod"]) {
        it(`${job} waits for the canary after pulumi up and before the smoke check`, function () {
            const steps = stepsOf("release.yml", job);
            const wait = indexOf(steps, (step) => step.run?.includes("scripts/rollout-wait.sh \"$STACK\"") === true);
            const smoke = indexOf(steps, (step) => step.run?.includes("tools/bin.js smoke") === true);
            const up = indexOf(steps, (step) => JSON.stringify(step).includes("\"command\":\"up\""));
            assert.ok(up >= 0 && wait > up && smoke > wait, `${job}: up ${up}, wait ${wait}, smoke ${smoke}`);
        });
    }

    it("deploy-dev (a plain rolling update) does not wait for a canary; the rollback waits outside dev", function () {
        assert.equal(indexOf(stepsOf("release.yml", "deploy-dev"), (step) => step.run?.includes("rollout-wait") === true), -1);
        const rollback = Object.values((parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "rollback.yml"), "utf8")) as { jobs: Record<string, { steps: Step[] }> }).jobs)
            .flatMap((job) => job.steps)
            .find((step) => step.run?.includes("rollout-wait") === true);
        assert.ok(rollback, "the rollback waits for the rollout");
        assert.match(rollback.if ?? "", /inputs\.stack != 'dev'/);
    });
});
