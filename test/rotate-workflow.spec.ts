import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { SECRETS_CHECKSUM_ANNOTATION } from "../components/app/secrets-checksum";
import { rotationWindowStart } from "../config/load";
import { SECRET_SIG, SIG_KEY } from "../engine/state-files";
import { randomPasswordUrn } from "../tools/rotation/stack-secrets";
import { ROTATE_HELP, rotationCommands } from "../tools/rotate";
import { runWorkflowStep, StepRun } from "./support/workflow-step";
import { PROJECT_DIR } from "./support/stacks";
import { checkWorkflow, formatFinding, secretsOf } from "./support/workflow-rules";

/*
 * .github/workflows/rotate-secrets.yml: the scheduled rotation (issue 23, part 2). Beyond the hygiene rules
 * every workflow is held to (test/workflows.spec.ts, actionlint included), this holds it to the release's
 * gates, and runs its scripts in bash as GitHub does, with a stub `pulumi` and `gh` and the project's own
 * `node tools/bin.js rotate`: the stacks it picks, and the preview and up it runs.
 */

type Inputs = Record<string, unknown>;
type Step = Inputs & { uses?: string; run?: string; with?: Inputs; env?: Inputs; id?: string; if?: string; name?: string };
type Job = Inputs & { steps: Step[]; env?: Inputs; permissions?: Inputs; concurrency?: Inputs; strategy?: { matrix: Inputs } };
type Workflow = { on: Inputs; jobs: Record<string, Job>; permissions?: unknown; defaults?: { run?: Inputs } };

const FILE = path.join(PROJECT_DIR, ".github", "workflows", "rotate-secrets.yml");
const TEXT = fs.readFileSync(FILE, "utf8");
const WORKFLOW = parseYaml(TEXT) as Workflow;
const RELEASE = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "release.yml"), "utf8")) as Workflow;
const NOW = new Date();
const CANARY = "rotation-workflow-canary-8Jq2";

const uses = (action: string) => (step: Step): boolean => typeof step.uses === "string" && step.uses.startsWith(`${action}@`);
const runs = (pattern: RegExp) => (step: Step): boolean => typeof step.run === "string" && pattern.test(step.run);
const index = (job: Job, matches: (step: Step) => boolean): number => job.steps.findIndex(matches);


/**
 * A step's script as GitHub runs it (test/support/workflow-step.ts), in a workspace whose `node tools/bin.js`
 * is the project's; $RUNNER_TEMP starts with `temp`.
 */
function runStep(script: string, options: { env?: Record<string, string>; stubs?: Record<string, string>; temp?: Record<string, string>; tempDir?: string }): StepRun {
    const files = Object.fromEntries(Object.entries(options.temp ?? {}).map(([file, content]) => [`$RUNNER_TEMP/${file}`, content]));
    return runWorkflowStep(script, { env: { NO_COLOR: "1", ...options.env }, stubs: options.stubs, files, tempDir: options.tempDir, projectTools: true, timeoutMs: 120_000 });
}

/** A stack's export with its RandomPasswords kept by these windows (undefined: today's); results encrypted. */
function exportOf(stack: string, windows: Record<string, string> = {}): string {
    const days = stack.endsWith("prod") ? 30 : stack.endsWith("staging") ? 90 : 180;
    const secrets = stack.startsWith("gcp-") ? ["postgres-password", "jwt-secret", "grafana-admin-password"] : ["postgres-password", "redis-auth-token", "jwt-secret", "grafana-admin-password"];
    const resources = secrets.map((secret) => {
        const keepers = { rotationWindowStart: windows[secret] ?? rotationWindowStart(NOW, days), rotationDays: String(days) };
        return { urn: randomPasswordUrn("platform", stack, secret), type: "random:index/randomPassword:RandomPassword", custom: true, id: "none", inputs: { length: 32, keepers }, outputs: { keepers, result: { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(CANARY).toString("base64") } } };
    });
    return JSON.stringify({ version: 3, deployment: { manifest: { time: NOW.toISOString(), magic: "m", version: "v3.260.0" }, resources } });
}

/** `pulumi stack export --stack <s> --file <f>` from $RUNNER_TEMP/fixture-<s>.json; preview prints $RUNNER_TEMP/preview-fixture.json. */
const PULUMI_STUB = [
    'stack=""; file=""; prev=""',
    'for arg in "$@"; do case "$prev" in --stack) stack="$arg";; --file) file="$arg";; esac; prev="$arg"; done',
    'case "$1 $2" in',
    '  "stack export") cp "$RUNNER_TEMP/fixture-$stack.json" "$file";;',
    '  "preview --json"|"preview "*) cat "$RUNNER_TEMP/preview-fixture.json";;',
    '  "up --yes") echo "Resources: changed";;',
    '  *) exit 9;;',
    "esac",
].join("\n");

const OLD_WINDOW = "2026-01-01";

describe("rotate-secrets.yml: generated secrets rotate on a schedule, through the release's gates", function () {
    this.timeout(300_000);
    const jobs = WORKFLOW.jobs;

    it("runs every day and by hand (one stack or all), with no permissions at the top and every run step in bash", function () {
        const schedule = WORKFLOW.on.schedule as { cron: string }[];
        assert.equal(schedule.length, 1);
        assert.match(schedule[0].cron, /^\d{1,2} \d{1,2} \* \* \*$/, "daily");
        const stack = ((WORKFLOW.on.workflow_dispatch as Inputs).inputs as Record<string, Inputs>).stack;
        assert.deepEqual(stack.options, ["all", "dev", "staging", "prod", "gcp-dev", "gcp-staging", "gcp-prod"]);
        assert.deepEqual(WORKFLOW.permissions, {});
        assert.equal(WORKFLOW.defaults?.run?.shell, "bash");
        assert.deepEqual(checkWorkflow(TEXT, ".github/workflows/rotate-secrets.yml").map(formatFinding), []);
    });

    it("`due` holds no cloud credential and no write scope: a read-only state token in its own environment, the run list to stand aside", function () {
        const due = jobs.due;
        assert.equal(due.environment, "rotation-check");
        assert.deepEqual(due.permissions, { contents: "read", actions: "read" });
        assert.deepEqual(secretsOf(due), ["GITHUB_TOKEN", "PULUMI_READ_TOKEN"]);
        assert.ok(!due.steps.some((step) => uses("aws-actions/configure-aws-credentials")(step) || uses("google-github-actions/auth")(step)));
        assert.ok(!due.steps.some(runs(/\bpulumi\s+(?:up|preview|refresh|destroy)\b/)));
        assert.deepEqual(due.outputs, { aws: "${{ steps.due.outputs.aws }}", gcp: "${{ steps.due.outputs.gcp }}" });
    });

    for (const [id, cloud] of [["rotate", "aws"], ["rotate-gcp", "gcp"]] as const) {
        describe(`${id}: each ${cloud === "aws" ? "AWS" : "GCP"} stack with something due, in its own environment`, function () {
            const job = jobs[id];
            const dev = cloud === "aws" ? "dev" : "gcp-dev";

            it("needs `due`, runs only for its stacks, each in the environment named after it (prod's reviewers, as for a release)", function () {
                assert.equal(job.needs, "due");
                assert.equal(job.if, `needs.due.outputs.${cloud} != '[]' && needs.due.outputs.${cloud} != ''`);
                assert.deepEqual(job.strategy?.matrix, { stack: `\${{ fromJSON(needs.due.outputs.${cloud}) }}` });
                assert.equal(job.environment, "${{ matrix.stack }}");
                assert.equal(RELEASE.jobs["deploy-prod"].environment, "prod", "the release deploys prod in the environment `prod`, whose reviewers approve a rotation too");
                assert.equal(job["runs-on"], `\${{ matrix.stack == '${dev}' && 'ubuntu-latest' || fromJSON('["self-hosted", "${cloud === "aws" ? "platform-vpc" : "platform-vpc-gcp"}"]') }}`);
            });

            it("one concurrency group per stack (rotate-<stack>), never cancelled; the comments say why not the release's", function () {
                assert.deepEqual(job.concurrency, { group: "rotate-${{ matrix.stack }}", "cancel-in-progress": false });
                const prose = TEXT.replace(/[ \t]*\n[ \t]*#[ \t]*/g, " ");
                assert.match(prose, /not the release's `deploy-<stack>`\. GitHub keeps one pending job per group and cancels the one that was pending before it/);
                assert.match(prose, /the backend keeps updates apart/);
            });

            it("cloud credentials by OIDC only, from the environment's variables; the Pulumi token the only secret", function () {
                assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
                assert.deepEqual(secretsOf(job), ["PULUMI_ACCESS_TOKEN"]);
                if (cloud === "aws") {
                    const credentials = job.steps.find(uses("aws-actions/configure-aws-credentials"));
                    assert.equal(credentials?.with?.["role-to-assume"], "${{ vars.AWS_DEPLOY_ROLE_ARN }}");
                } else {
                    const auth = job.steps.find(uses("google-github-actions/auth"));
                    assert.deepEqual(auth?.with, { workload_identity_provider: "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}", service_account: "${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT }}" });
                    assert.ok(job.steps.some((step) => uses("google-github-actions/setup-gcloud")(step) && step.with?.install_components === "gke-gcloud-auth-plugin"));
                }
            });

            it("the release's gates, in order: state -> predeploy -> preview judged by rotate --check-plan -> up with the pack -> rollouts -> smoke -> summary", function () {
                const due = index(job, (step) => step.id === "due");
                const predeploy = index(job, runs(/^node tools\/bin\.js predeploy --stack "\$STACK" --only config,secrets,policy\b/));
                const preview = index(job, runs(/pulumi preview --json --stack "\$STACK" --policy-pack policies --non-interactive "\$\{targets\[@\]\}" --target-dependents[\s\S]*node tools\/bin\.js rotate --stack "\$STACK" --due --state "\$RUNNER_TEMP\/state\.json" --check-plan "\$RUNNER_TEMP\/preview\.json"/));
                const up = index(job, runs(/^mapfile -t targets < "\$RUNNER_TEMP\/targets\.txt"\npulumi up --yes --stack "\$STACK" --policy-pack policies --non-interactive "\$\{targets\[@\]\}" --target-dependents\n$/));
                const rollouts = index(job, runs(/bash scripts\/rollout-wait\.sh "\$STACK" "\$\{services\[@\]\}"/));
                const smoke = index(job, runs(/node tools\/bin\.js smoke --url "\$SMOKE_URL" --service "\$SMOKE_SERVICE" --digest "\$digest"/));
                const summary = index(job, runs(/scripts\/release-summary\.sh "\$STACK" >> "\$GITHUB_STEP_SUMMARY"/));
                const order = [due, predeploy, preview, up, rollouts, smoke, summary];
                assert.ok(order.every((at) => at >= 0) && order.every((at, position) => position === 0 || at > order[position - 1]), `order: ${order.join(", ")}`);
                for (const at of [predeploy, preview, up, smoke]) assert.match(String(job.steps[at].if), /^steps\.due\.outputs\.due == 'true'$/, job.steps[at].name);
                assert.equal(job.steps[rollouts].if, `steps.due.outputs.due == 'true' && matrix.stack != '${dev}'`);
                assert.equal(job.steps[summary].if, "always()");
                assert.ok(job.steps.some((step) => uses("actions/upload-artifact")(step) && step.if === "always()" && step.with?.path === "reports/"));
                assert.ok(job.steps.every((step) => step["continue-on-error"] === undefined), "a failed gate fails the job");
            });

            it("the due step, run: the state again, and the due RandomPasswords as --target flags", function () {
                const step = job.steps[index(job, (candidate) => candidate.id === "due")];
                const stack = cloud === "aws" ? "prod" : "gcp-prod";
                const ran = runStep(String(step.run), { env: { STACK: stack }, stubs: { pulumi: PULUMI_STUB }, temp: { [`fixture-${stack}.json`]: exportOf(stack, { "postgres-password": OLD_WINDOW }) } });
                assert.equal(ran.status, 0, ran.output);
                assert.equal(ran.outputs.due, "true");
                assert.equal(fs.readFileSync(path.join(ran.temp, "targets.txt"), "utf8"), `--target=${randomPasswordUrn("platform", stack, "postgres-password")}\n`);
                assert.ok(!ran.output.includes(CANARY));
                const none = runStep(String(step.run), { env: { STACK: stack }, stubs: { pulumi: PULUMI_STUB }, temp: { [`fixture-${stack}.json`]: exportOf(stack) } });
                assert.equal(none.status, 0, none.output);
                assert.equal(none.outputs.due, "false");
            });
        });
    }

    describe("the rotation's commands, run in bash: the preview is judged, the up takes the same targets", function () {
        const job = jobs.rotate;
        const previewStep = job.steps[index(job, runs(/pulumi preview --json/))];
        const upStep = job.steps[index(job, runs(/pulumi up --yes/))];
        const urn = randomPasswordUrn("platform", "prod", "postgres-password");
        const store = "urn:pulumi:prod::platform::platform:index:Platform$platform:secrets:SecretStore";
        const service = "urn:pulumi:prod::platform::platform:index:Platform$platform:app:Service";
        const plan = (extra: Inputs[] = []): string => JSON.stringify({ steps: [
            { op: "replace", urn, diffReasons: ["keepers"], replaceReasons: ["keepers"], newState: { custom: true } },
            { op: "update", urn: `${store}$aws:secretsmanager/secretVersion:SecretVersion::platform-prod-secrets-postgres-password`, diffReasons: ["secretString"], newState: { custom: true } },
            { op: "update", urn: `${service}$kubernetes:apps/v1:Deployment::platform-prod-api-deployment`, detailedDiff: { [`spec.template.metadata.annotations["${SECRETS_CHECKSUM_ANNOTATION}"]`]: { kind: "update" } }, newState: { custom: true } },
            ...extra,
        ] });
        const temp = (preview: string): Record<string, string> => ({
            "fixture-prod.json": exportOf("prod", { "postgres-password": OLD_WINDOW }),
            "state.json": exportOf("prod", { "postgres-password": OLD_WINDOW }),
            "targets.txt": `--target=${urn}\n`,
            "preview-fixture.json": preview,
        });

        it("a rotation's plan passes the check; the up runs the preview's exact flags, the targets the tool names", function () {
            const preview = runStep(String(previewStep.run), { env: { STACK: "prod" }, stubs: { pulumi: PULUMI_STUB }, temp: temp(plan()) });
            assert.equal(preview.status, 0, preview.output);
            const up = runStep(String(upStep.run), { env: { STACK: "prod" }, stubs: { pulumi: PULUMI_STUB }, temp: temp(plan()) });
            assert.equal(up.status, 0, up.output);
            const [previewCall] = preview.calls;
            const [upCall] = up.calls;
            assert.deepEqual(previewCall.slice(0, 3), ["pulumi", "preview", "--json"]);
            assert.deepEqual(upCall.slice(0, 3), ["pulumi", "up", "--yes"]);
            assert.deepEqual(previewCall.slice(3), upCall.slice(3), "the up does what was previewed and judged");
            // The same flags as `rotate` prints for these targets, `--target <urn>` written `--target=<urn>`.
            const expected = rotationCommands("prod", [urn], "target", "policies").up.slice(3);
            const normalised = upCall.slice(3).flatMap((word) => (word.startsWith("--target=") ? ["--target", word.slice("--target=".length)] : [word]));
            assert.deepEqual([...normalised].sort(), [...expected].sort());
        });

        it("a plan that carries an unreleased change along fails the step, so no up runs", function () {
            const image = { op: "update", urn: `${service}$kubernetes:apps/v1:Deployment::platform-prod-worker-deployment`, detailedDiff: { "spec.template.spec.containers[0].image": { kind: "update" } }, newState: { custom: true } };
            const preview = runStep(String(previewStep.run), { env: { STACK: "prod" }, stubs: { pulumi: PULUMI_STUB }, temp: temp(plan([image])) });
            assert.equal(preview.status, 1, preview.output);
            assert.match(preview.output, /rotate refused: the plan changes more than a rotation: platform-prod-worker-deployment/);
        });
    });

    describe("`due`, run: which stacks it hands on", function () {
        const due = jobs.due;
        const script = String(due.steps[index(due, (step) => step.id === "due")].run);
        const aside = String(due.steps[index(due, (step) => step.id === "aside")].run);
        const fixtures = (windows: Record<string, Record<string, string>>): Record<string, string> =>
            Object.fromEntries(["dev", "staging", "prod", "gcp-dev", "gcp-staging", "gcp-prod"].map((stack) => [`fixture-${stack}.json`, exportOf(stack, windows[stack])]));

        it("the stacks whose state holds a secret of an earlier window, by cloud; the others untouched", function () {
            const ran = runStep(script, { env: { ONLY: "all", BUSY: "0" }, stubs: { pulumi: PULUMI_STUB }, temp: fixtures({ prod: { "redis-auth-token": OLD_WINDOW }, "gcp-staging": { "jwt-secret": OLD_WINDOW } }) });
            assert.equal(ran.status, 0, ran.output);
            assert.deepEqual([JSON.parse(ran.outputs.aws), JSON.parse(ran.outputs.gcp)], [["prod"], ["gcp-staging"]]);
            assert.deepEqual(ran.calls.map((call) => call.slice(0, 5)), ["dev", "staging", "prod", "gcp-dev", "gcp-staging", "gcp-prod"].map((stack) => ["pulumi", "stack", "export", "--stack", stack]));
            assert.ok(!ran.output.includes(CANARY));
        });

        it("a stack without state (never deployed) is a warning, and the others are still judged", function () {
            const temp = fixtures({ prod: { "jwt-secret": OLD_WINDOW } });
            delete temp["fixture-gcp-dev.json"];
            const ran = runStep(script, { env: { ONLY: "all", BUSY: "0" }, stubs: { pulumi: PULUMI_STUB }, temp });
            assert.equal(ran.status, 0, ran.output);
            assert.match(ran.output, /::warning::gcp-dev: no state could be exported/);
            assert.deepEqual([JSON.parse(ran.outputs.aws), JSON.parse(ran.outputs.gcp)], [["prod"], []]);
        });

        it("one stack by hand; and nothing at all while a release or rollback runs", function () {
            const only = runStep(script, { env: { ONLY: "staging", BUSY: "0" }, stubs: { pulumi: PULUMI_STUB }, temp: fixtures({ prod: { "jwt-secret": OLD_WINDOW }, staging: { "jwt-secret": OLD_WINDOW } }) });
            assert.deepEqual([JSON.parse(only.outputs.aws), JSON.parse(only.outputs.gcp)], [["staging"], []]);
            const busy = runStep(script, { env: { ONLY: "all", BUSY: "2" }, stubs: { pulumi: PULUMI_STUB }, temp: fixtures({ prod: { "jwt-secret": OLD_WINDOW } }) });
            assert.deepEqual([JSON.parse(busy.outputs.aws), JSON.parse(busy.outputs.gcp)], [[], []]);
        });

        it("standing aside counts the release's and rollback's runs in progress or waiting, not its own", function () {
            // gh answers with the runs of each status; only release.yml and rollback.yml count.
            const runsJson = JSON.stringify({ workflow_runs: [{ path: ".github/workflows/release.yml" }, { path: ".github/workflows/rotate-secrets.yml" }, { path: ".github/workflows/ci.yml" }] });
            const gh = `filter=""; prev=""; for arg in "$@"; do if [ "$prev" = --jq ]; then filter="$arg"; fi; prev="$arg"; done\nprintf '%s' '${runsJson}' | jq "$filter"`;
            const ran = runStep(aside, { stubs: { gh } });
            assert.equal(ran.status, 0, ran.output);
            assert.equal(ran.outputs.busy, "5", "one release run for each of the five statuses asked");
            const statuses = ran.calls.map((call) => /status=([a-z_]+)/.exec(call.join(" "))?.[1]);
            assert.deepEqual(statuses, ["in_progress", "queued", "waiting", "requested", "pending"]);
            const quiet = runStep(aside, { stubs: { gh: `printf '0\\n'` } });
            assert.equal(quiet.outputs.busy, "0");
        });
    });

    it("the runbook and the README give rotate only options it takes", function () {
        let seen = 0;
        for (const document of ["docs/runbooks/secrets.md", "README.md"]) {
            const text = fs.readFileSync(path.join(PROJECT_DIR, document), "utf8").replace(/\\\n\s*/g, " ");
            for (const match of text.matchAll(/node tools\/bin\.js rotate\b([^`\n#|;]*)/g)) {
                seen += 1;
                for (const option of match[1].match(/--[a-z][a-z-]*/g) ?? []) assert.ok(ROTATE_HELP.includes(option), `${document}: rotate has no ${option}`);
            }
        }
        assert.ok(seen >= 6, `the documents show rotate (${seen})`);
    });

    it("the runbook and the README say how it works and how to set it up", function () {
        const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "secrets.md"), "utf8");
        for (const text of ["rotate-secrets.yml", "rotation-check", "PULUMI_READ_TOKEN", "node tools/bin.js rotate --stack", "--secret", "authTokenUpdateStrategy", "ROTATE", "SET", "28P01", "Memorystore", "apiKeyRotation", SECRETS_CHECKSUM_ANNOTATION]) {
            assert.ok(runbook.includes(text), `docs/runbooks/secrets.md mentions ${text}`);
        }
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        assert.match(readme, /docs\/runbooks\/secrets\.md/);
        assert.match(readme, /rotate-secrets\.yml/);
    });
});
