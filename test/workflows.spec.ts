import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT_DIR, stackFileStacks } from "./support/stacks";
import { ActionlintFinding, checkWorkflow, formatFinding, MAX_WORKFLOW_BYTES, runActionlint, WorkflowRule, workflowFiles } from "./support/workflow-rules";

const WORKFLOWS_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const CI_WORKFLOW = path.join(WORKFLOWS_DIR, "ci.yml");

type Inputs = Record<string, unknown>;

function rulesOf(text: string): WorkflowRule[] {
    return [...new Set(checkWorkflow(text, "seeded.yml").map((finding) => finding.rule))].sort();
}

/** `text` with `from` replaced once; fails when `from` is missing, so a seeded case can never be a no-op. */
function seeded(text: string, from: string, to: string): string {
    const at = text.indexOf(from);
    assert.ok(at >= 0, `the seed text is missing: ${from}`);
    return text.slice(0, at) + to + text.slice(at + from.length);
}

const CHECKOUT = "actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0";
const AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@7474bc4690e29a8392af63c5b98e7449536d5c3a # v4.3.1";
const PULUMI_ACTION = "pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1";

/** A pull-request workflow that follows every rule: an unprivileged job and a gated preview. */
const PULL_REQUEST_WORKFLOW = `name: seeded
on:
  pull_request:
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: read
    steps:
      - uses: ${CHECKOUT}
        with: { persist-credentials: false }
      - env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE"
  preview:
    needs: build
    runs-on: ubuntu-latest
    timeout-minutes: 20
    environment: preview-dev
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: ${CHECKOUT}
        with: { persist-credentials: false }
      - uses: ${AWS_CREDENTIALS}
        with: { role-to-assume: "arn:aws:iam::123456789012:role/preview", aws-region: eu-west-1 }
      - uses: ${PULUMI_ACTION}
        with:
          command: preview
          stack-name: dev
        env:
          PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}
`;

/** A deploy workflow that follows every rule: `pulumi up` per stack, one update of a stack at a time. */
const DEPLOY_WORKFLOW = `name: seeded-deploy
on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      stack: { type: choice, options: [dev, staging, prod], required: true }
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: \${{ matrix.stack }}
    concurrency:
      group: deploy-\${{ matrix.stack }}
      cancel-in-progress: false
    strategy:
      matrix:
        stack: [dev]
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: ${CHECKOUT}
        with: { persist-credentials: false }
      - uses: ${AWS_CREDENTIALS}
        with: { role-to-assume: "arn:aws:iam::123456789012:role/deploy", aws-region: eu-west-1 }
      - uses: ${PULUMI_ACTION}
        with:
          command: up
          stack-name: \${{ matrix.stack }}
  dispatch-deploy:
    if: github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    concurrency: deploy-\${{ inputs.stack }}
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: ${CHECKOUT}
        with: { persist-credentials: false }
      - uses: ${AWS_CREDENTIALS}
        with: { role-to-assume: "arn:aws:iam::123456789012:role/deploy", aws-region: eu-west-1 }
      - env:
          STACK: \${{ inputs.stack }}
        run: pulumi up --yes --stack "$STACK"
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: ${CHECKOUT}
      - run: npm run lint
`;

interface SeededCase {
    readonly name: string;
    readonly base: string;
    readonly from: string;
    readonly to: string;
    /** A second edit, for cases that need two. */
    readonly then?: { readonly from: string; readonly to: string };
    readonly rules: WorkflowRule[];
}

const SEEDED_CASES: SeededCase[] = [
    { name: "an action pinned by a tag", base: PULL_REQUEST_WORKFLOW, from: CHECKOUT, to: "actions/checkout@v4", rules: ["pinned-actions"] },
    { name: "an action pinned by a branch", base: DEPLOY_WORKFLOW, from: PULUMI_ACTION, to: "pulumi/actions@main", rules: ["pinned-actions"] },
    { name: "an action pinned by a short SHA", base: PULL_REQUEST_WORKFLOW, from: CHECKOUT, to: "actions/checkout@11d5960a # v4.4.0", rules: ["pinned-actions"] },
    { name: "a SHA pin without the release as a comment", base: PULL_REQUEST_WORKFLOW, from: AWS_CREDENTIALS, to: AWS_CREDENTIALS.replace(" # v4.3.1", ""), rules: ["pinned-actions"] },
    { name: "a container action by tag", base: DEPLOY_WORKFLOW, from: "      - run: npm run lint", to: "      - uses: docker://alpine:3.20", rules: ["pinned-actions"] },
    {
        name: "a reusable workflow by tag",
        base: DEPLOY_WORKFLOW,
        from: "  lint:\n",
        to: "  shared:\n    uses: octo-org/workflows/.github/workflows/deploy.yml@v1\n  lint:\n",
        rules: ["pinned-actions"],
    },
    { name: "no top-level permissions", base: PULL_REQUEST_WORKFLOW, from: "permissions: {}\n", to: "", rules: ["top-level-permissions"] },
    { name: "top-level write-all", base: PULL_REQUEST_WORKFLOW, from: "permissions: {}\n", to: "permissions: write-all\n", rules: ["top-level-permissions"] },
    { name: "a top-level write scope", base: DEPLOY_WORKFLOW, from: "permissions:\n  contents: read\njobs:", to: "permissions:\n  contents: write\njobs:", rules: ["checkout-credentials", "job-permissions", "top-level-permissions"] },
    { name: "a job with write-all", base: PULL_REQUEST_WORKFLOW, from: "    permissions:\n      contents: read\n      id-token: write\n", to: "    permissions: write-all\n", rules: ["job-permissions"] },
    {
        name: "id-token: write in a job that assumes no role (on push)",
        base: DEPLOY_WORKFLOW,
        from: "    timeout-minutes: 5\n",
        to: "    timeout-minutes: 5\n    permissions:\n      contents: read\n      id-token: write\n",
        rules: ["checkout-credentials", "job-permissions"],
    },
    {
        name: "id-token: write in a pull-request job that assumes no role",
        base: PULL_REQUEST_WORKFLOW,
        from: "    permissions:\n      contents: read\n    steps:",
        to: "    permissions:\n      contents: read\n      id-token: write\n    steps:",
        rules: ["credentials-behind-environment", "job-permissions"],
    },
    { name: "a pull-requests: write scope nothing uses", base: PULL_REQUEST_WORKFLOW, from: "      id-token: write\n", to: "      id-token: write\n      pull-requests: write\n", rules: ["job-permissions"] },
    { name: "github.event in run", base: PULL_REQUEST_WORKFLOW, from: 'run: echo "$TITLE"', to: 'run: echo "${{ github.event.pull_request.title }}"', rules: ["no-expression-in-run"] },
    { name: "github.head_ref in run", base: PULL_REQUEST_WORKFLOW, from: 'run: echo "$TITLE"', to: "run: git checkout ${{ github.head_ref }}", rules: ["no-expression-in-run"] },
    { name: "inputs in run", base: DEPLOY_WORKFLOW, from: 'run: pulumi up --yes --stack "$STACK"', to: "run: pulumi up --yes --stack ${{ inputs.stack }}", rules: ["no-expression-in-run"] },
    { name: "a harmless-looking expression in run", base: PULL_REQUEST_WORKFLOW, from: 'run: echo "$TITLE"', to: "run: |\n          echo building\n          echo ${{ matrix.stack }}", rules: ["no-expression-in-run"] },
    {
        name: "an expression in github-script's code",
        base: PULL_REQUEST_WORKFLOW,
        from: '        run: echo "$TITLE"\n',
        to: '        run: echo "$TITLE"\n      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea # v7.0.1\n        with:\n          script: console.log("${{ github.event.pull_request.title }}")\n',
        rules: ["no-expression-in-run"],
    },
    { name: "a job without timeout-minutes", base: PULL_REQUEST_WORKFLOW, from: "    timeout-minutes: 20\n", to: "", rules: ["job-timeout"] },
    { name: "a checkout that keeps the token, in a pull-request workflow", base: PULL_REQUEST_WORKFLOW, from: "        with: { persist-credentials: false }\n", to: "", rules: ["checkout-credentials"] },
    { name: "a checkout that keeps the token, in a job with credentials", base: DEPLOY_WORKFLOW, from: "        with: { persist-credentials: false }\n", to: "", rules: ["checkout-credentials"] },
    { name: "a credentials job on pull requests without an environment", base: PULL_REQUEST_WORKFLOW, from: "    environment: preview-dev\n", to: "", rules: ["credentials-behind-environment"] },
    {
        name: "a job on pull requests handed a cloud secret, no environment",
        base: PULL_REQUEST_WORKFLOW,
        from: "TITLE: ${{ github.event.pull_request.title }}",
        to: "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}",
        rules: ["credentials-behind-environment", "oidc-credentials"],
    },
    { name: "pull_request_target", base: PULL_REQUEST_WORKFLOW, from: "  pull_request:\n", to: "  pull_request_target:\n", rules: ["no-pull-request-target"] },
    { name: "pulumi up without concurrency", base: DEPLOY_WORKFLOW, from: "    concurrency:\n      group: deploy-${{ matrix.stack }}\n      cancel-in-progress: false\n", to: "", rules: ["deploy-concurrency"] },
    { name: "a concurrency group that is not per stack", base: DEPLOY_WORKFLOW, from: "group: deploy-${{ matrix.stack }}", to: "group: deploy", rules: ["deploy-concurrency"] },
    { name: "a deploy that can be cancelled half-way", base: DEPLOY_WORKFLOW, from: "cancel-in-progress: false", to: "cancel-in-progress: true", rules: ["deploy-concurrency"] },
    { name: "pulumi up in a script, group not per stack", base: DEPLOY_WORKFLOW, from: "concurrency: deploy-${{ inputs.stack }}", to: "concurrency: deploy-${{ github.ref }}", rules: ["deploy-concurrency"] },
    {
        name: "pulumi with global flags before `up`, no concurrency",
        base: DEPLOY_WORKFLOW,
        from: "    concurrency: deploy-${{ inputs.stack }}\n",
        to: "",
        then: { from: 'run: pulumi up --yes --stack "$STACK"', to: 'run: |\n          pulumi --cwd infra \\\n            up --yes -s "$STACK"' },
        rules: ["deploy-concurrency"],
    },
    { name: "pulumi up naming no stack", base: DEPLOY_WORKFLOW, from: 'run: pulumi up --yes --stack "$STACK"', to: "run: pulumi up --yes", rules: ["deploy-concurrency"] },
    { name: "invalid YAML", base: PULL_REQUEST_WORKFLOW, from: "jobs:\n", to: "jobs:\n  - [\n", rules: ["parse"] },
];

describe("GitHub Actions workflows", function () {
    this.timeout(180_000);

    const files = workflowFiles(WORKFLOWS_DIR);

    it("the repository has workflows to check", function () {
        assert.ok(files.includes(CI_WORKFLOW), files.join(", "));
    });

    for (const file of files) {
        it(`${path.basename(file)} follows every hygiene rule`, function () {
            const findings = checkWorkflow(fs.readFileSync(file, "utf8"), path.relative(PROJECT_DIR, file));
            assert.deepEqual(findings.map(formatFinding), []);
        });
    }

    describe("actionlint (one run over every workflow and a seeded bad one)", function () {
        const SEEDED_BAD = "seeded-bad.yml";
        let findings: ActionlintFinding[] = [];
        before(function () {
            const bad = seeded(seeded(PULL_REQUEST_WORKFLOW, 'run: echo "$TITLE"', 'run: echo "${{ github.event.pull_request.title }}"'), "timeout-minutes: 20", "timeout-minutes: twenty");
            const inputs = [...files.map((file) => ({ path: path.relative(PROJECT_DIR, file), data: fs.readFileSync(file, "utf8") })), { path: SEEDED_BAD, data: bad }];
            findings = runActionlint(inputs, PROJECT_DIR);
        });

        it("every workflow passes actionlint", function () {
            const real = findings.filter((finding) => finding.file !== SEEDED_BAD);
            assert.deepEqual(real.map((finding) => `${finding.file}:${finding.line}:${finding.column} [${finding.kind}] ${finding.message}`), []);
        });

        it("actionlint runs for real: it reports the injection and the broken timeout seeded into a workflow", function () {
            const bad = findings.filter((finding) => finding.file === SEEDED_BAD);
            assert.deepEqual(bad.map((finding) => `${finding.line}:${finding.kind}`).sort(), ["16:expression", "20:syntax-check"], JSON.stringify(bad));
        });
    });

    describe("ci.yml: the preview runs the pull request's code only after approval, read-only", function () {
        const text = fs.readFileSync(CI_WORKFLOW, "utf8");
        const workflow = parseYaml(text) as { jobs: Record<string, Inputs & { steps: Inputs[] }> };
        const preview = workflow.jobs.preview;

        const previewGcp = workflow.jobs["preview-gcp"];

        it("every stack file is previewed, each in its own stack's environment after the tests", function () {
            const stacksOf = (job: Inputs): string[] => (job.strategy as { matrix: { stack: string[] } }).matrix.stack;
            for (const job of [preview, previewGcp]) {
                assert.equal(job.needs, "test");
                assert.equal(job.environment, "preview-${{ matrix.stack }}");
                assert.equal(job.if, preview.if, "the same fork guard");
            }
            const stackFiles = stackFileStacks().filter((stack) => stack !== "local");
            assert.deepEqual([...stacksOf(preview), ...stacksOf(previewGcp)].sort(), stackFiles.sort(), "a stack file without a preview (local runs on a laptop's Docker)");
        });

        it("each preview gets read-only cloud credentials by OIDC, after the dependencies are installed without their scripts", function () {
            const expectations: [Inputs & { steps: Inputs[] }, string, Inputs][] = [
                [preview, "aws-actions/configure-aws-credentials@", { "role-to-assume": "${{ vars.AWS_PREVIEW_ROLE_ARN }}", "aws-region": "eu-west-1" }],
                [previewGcp, "google-github-actions/auth@", { workload_identity_provider: "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}", service_account: "${{ vars.GCP_PREVIEW_SERVICE_ACCOUNT }}" }],
            ];
            for (const [job, action, inputs] of expectations) {
                const uses = job.steps.map((step) => String(step.uses ?? step.run));
                const install = uses.findIndex((entry) => entry.startsWith("npm ci"));
                const credentials = uses.findIndex((entry) => entry.startsWith(action));
                assert.ok(install >= 0 && credentials > install, uses.join("\n"));
                assert.deepEqual(job.steps[credentials].with, inputs);
                assert.equal((job.permissions as Inputs)["id-token"], "write");
                const pulumi = job.steps.find((step) => String(step.uses).startsWith("pulumi/actions@"));
                assert.equal((pulumi?.with as Inputs).command, "preview");
                assert.equal((pulumi?.with as Inputs).policyPacks, "policies");
                assert.deepEqual(Object.keys(pulumi?.env as Inputs), ["PULUMI_ACCESS_TOKEN"], "the Pulumi token reaches only the preview step");
            }
        });

        it("no dependency install script runs anywhere in the workflow", function () {
            for (const [id, job] of Object.entries(workflow.jobs)) {
                const ignoredForJob = (job.env as Inputs | undefined)?.npm_config_ignore_scripts === "true";
                for (const step of job.steps) {
                    if (typeof step.run !== "string") continue;
                    for (const line of step.run.split("\n").filter((candidate) => /\bnpm (?:ci|install|i)\b/.test(candidate))) {
                        assert.ok(ignoredForJob || line.includes("--ignore-scripts"), `${id}: ${line}`);
                    }
                }
            }
        });

        it("the plan reports expire and are uploaded by a job without write scopes", function () {
            const upload = workflow.jobs["offline-plan"].steps.find((step) => String(step.uses).startsWith("actions/upload-artifact@"));
            assert.equal(typeof (upload?.with as Inputs)["retention-days"], "number");
            assert.deepEqual(workflow.jobs["offline-plan"].permissions, { contents: "read" });
            assert.ok(!workflow.jobs["plan-report"].steps.some((step) => String(step.uses).startsWith("actions/checkout@") || step.run !== undefined), "the job with write scopes runs none of the pull request's code");
        });

        const regressions: { name: string; from: string; to: string; rule: WorkflowRule }[] = [
            { name: "a tag instead of a SHA", from: "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0", to: "actions/setup-node@v4", rule: "pinned-actions" },
            { name: "the preview without its environment", from: "    environment: preview-${{ matrix.stack }}\n", to: "", rule: "credentials-behind-environment" },
            { name: "the preview without its timeout", from: "    timeout-minutes: 30\n", to: "", rule: "job-timeout" },
            { name: "the GCP preview without its environment", from: "    environment: preview-${{ matrix.stack }}\n    timeout-minutes: 30\n    concurrency:\n      group: preview-${{ matrix.stack }}-pr-${{ github.event.pull_request.number }}\n      cancel-in-progress: true\n    permissions:\n      contents: read\n      id-token: write           # OIDC to Google Cloud", to: "    timeout-minutes: 30\n    concurrency:\n      group: preview-${{ matrix.stack }}-pr-${{ github.event.pull_request.number }}\n      cancel-in-progress: true\n    permissions:\n      contents: read\n      id-token: write           # OIDC to Google Cloud", rule: "credentials-behind-environment" },
            { name: "a service account key instead of OIDC", from: "          workload_identity_provider: ${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}\n          service_account: ${{ vars.GCP_PREVIEW_SERVICE_ACCOUNT }}", to: "          credentials_json: ${{ secrets.GCP_CREDENTIALS }}", rule: "oidc-credentials" },
            { name: "the base branch interpolated into the script again", from: 'git worktree add ../base "origin/${BASE_REF}"', to: 'git worktree add ../base "origin/${{ github.base_ref }}"', rule: "no-expression-in-run" },
            { name: "a checkout that keeps the token", from: "        with: { persist-credentials: false }\n", to: "", rule: "checkout-credentials" },
            { name: "write-all at the top", from: "permissions: {}\n", to: "permissions: write-all\n", rule: "top-level-permissions" },
            { name: "the SARIF upload moved into the job that runs the code", from: "    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0\n        with: { fetch-depth: 0", to: "    permissions:\n      contents: read\n      security-events: write\n    steps:\n      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0\n        with: { fetch-depth: 0", rule: "job-permissions" },
        ];
        for (const regression of regressions) {
            it(`the spec catches ${regression.name} in ci.yml`, function () {
                assert.ok(rulesOf(seeded(text, regression.from, regression.to)).includes(regression.rule));
            });
        }
    });

    describe("the checker, on seeded workflows", function () {
        it("passes the seeded workflows that follow every rule", function () {
            assert.deepEqual(checkWorkflow(PULL_REQUEST_WORKFLOW, "seeded.yml").map(formatFinding), []);
            assert.deepEqual(checkWorkflow(DEPLOY_WORKFLOW, "seeded.yml").map(formatFinding), []);
        });

        it("accepts `pulumi [flags] up` over continued lines when the group names the stack", function () {
            const continued = seeded(DEPLOY_WORKFLOW, 'run: pulumi up --yes --stack "$STACK"', 'run: |\n          pulumi --cwd infra \\\n            up --yes -s "$STACK"');
            assert.deepEqual(checkWorkflow(continued, "seeded.yml").map(formatFinding), []);
        });

        for (const seededCase of SEEDED_CASES) {
            it(`reports ${seededCase.name}`, function () {
                const once = seeded(seededCase.base, seededCase.from, seededCase.to);
                const text = seededCase.then ? seeded(once, seededCase.then.from, seededCase.then.to) : once;
                assert.deepEqual(rulesOf(text), seededCase.rules);
            });
        }

        it("names the file, line and job of a finding", function () {
            const [finding] = checkWorkflow(seeded(PULL_REQUEST_WORKFLOW, CHECKOUT, "actions/checkout@v4"), "seeded.yml");
            assert.equal(formatFinding(finding), "seeded.yml:12 [pinned-actions] job build: `actions/checkout` is not pinned by a full 40-hex commit SHA");
        });

        it("refuses a file over the size limit without parsing it", function () {
            const huge = `${PULL_REQUEST_WORKFLOW}#${"x".repeat(MAX_WORKFLOW_BYTES)}\n`;
            assert.deepEqual(rulesOf(huge), ["parse"]);
        });

        it("checks a hostile script near the size limit in bounded time", function () {
            const hostile = seeded(DEPLOY_WORKFLOW, 'run: pulumi up --yes --stack "$STACK"', `run: pulumi up -s ${"${{ -s ".repeat(30_000)}`);
            const started = Date.now();
            assert.ok(rulesOf(hostile).includes("no-expression-in-run"));
            assert.ok(Date.now() - started < 2_000, `${Date.now() - started} ms`);
        });

        it("stops an alias bomb instead of expanding it", function () {
            const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, level) => `${String.fromCharCode(98 + level)}: &${String.fromCharCode(98 + level)} [${Array(10).fill(`*${String.fromCharCode(97 + level)}`).join(", ")}]`), "jobs: {}"].join("\n");
            const started = Date.now();
            assert.deepEqual(rulesOf(bomb), ["parse"]);
            assert.ok(Date.now() - started < 5_000);
        });
    });
});

type Job = Inputs & { steps: (Inputs & { uses?: string; run?: string; with?: Inputs; env?: Inputs })[] };
type Workflow = { on: Inputs; jobs: Record<string, Job> };

const RELEASE_WORKFLOW = path.join(WORKFLOWS_DIR, "release.yml");
const ROLLBACK_WORKFLOW = path.join(WORKFLOWS_DIR, "rollback.yml");
const DEPLOY_JOBS: Readonly<Record<string, { stack: string; from?: string }>> = {
    "deploy-dev": { stack: "dev" },
    "deploy-staging": { stack: "staging", from: "dev" },
    "deploy-prod": { stack: "prod", from: "staging" },
};

function needsOf(job: Job | undefined): string[] {
    const needs = job?.needs;
    return typeof needs === "string" ? [needs] : Array.isArray(needs) ? needs.map(String) : [];
}

/** Index of the first step matching, -1 when none. */
function stepIndex(job: Job, matches: (step: Job["steps"][number]) => boolean): number {
    return job.steps.findIndex(matches);
}

const runs = (command: RegExp) => (step: Job["steps"][number]): boolean => typeof step.run === "string" && command.test(step.run);
const uses = (action: string) => (step: Job["steps"][number]): boolean => typeof step.uses === "string" && step.uses.startsWith(`${action}@`);
const pulumiUp = (step: Job["steps"][number]): boolean => uses("pulumi/actions")(step) && step.with?.command === "up";

/**
 * What the release flow must be, beyond the hygiene rules: the job graph of the seed order (test -> build
 * -> publish -> deploy, prod after staging), images built only in `build`, each deploy gated in order
 * (promotion, predeploy, pulumi up with the pack, smoke, summary), one concurrency group per stack.
 */
function releaseProblems(text: string): string[] {
    const workflow = parseYaml(text) as Workflow;
    const problems: string[] = [];
    const expect = (condition: boolean, problem: string): void => void (condition || problems.push(problem));
    const jobs = workflow.jobs;
    expect(Object.keys(workflow.on).join() === "push" && JSON.stringify((workflow.on.push as Inputs).branches) === '["main"]', "runs on pushes to main only");
    expect(needsOf(jobs.build).join() === "test", "build needs test");
    expect(needsOf(jobs.publish).join() === "build", "publish needs build");
    expect(needsOf(jobs["deploy-dev"]).join() === "publish", "deploy-dev needs publish");
    expect(needsOf(jobs["deploy-staging"]).join() === "deploy-dev", "deploy-staging needs deploy-dev");
    expect(needsOf(jobs["deploy-prod"]).join() === "deploy-staging", "deploy-prod needs deploy-staging");
    expect(jobs["deploy-prod"]?.if === undefined, "deploy-prod runs only when staging succeeded (no if: always())");
    for (const [id, job] of Object.entries(jobs)) {
        const builds = job.steps.some((step) => uses("docker/build-push-action")(step) || runs(/\bdocker (?:build|buildx build)\b/)(step));
        expect(id === "build" || !builds, `${id} builds an image: only build does, deploys promote digests`);
    }
    const build = jobs.build;
    if (build) {
        const buildStep = build.steps.find(uses("docker/build-push-action"));
        const args = String(buildStep?.with?.["build-args"] ?? "");
        expect(["BUILD_SHA=${{ github.sha }}", "BUILD_DATE=", "BUILD_ACTOR=${{ github.actor }}"].every((arg) => args.includes(arg)), "the build passes BUILD_SHA, BUILD_DATE and BUILD_ACTOR");
        const scans = build.steps.filter(uses("aquasecurity/trivy-action"));
        expect(scans.some((step) => step.with?.format === "cyclonedx"), "the build writes an SBOM");
        expect(scans.some((step) => step.with?.severity === "CRITICAL" && step.with?.["exit-code"] === "1"), "the scan fails the build on a critical finding");
        expect(stepIndex(build, runs(/tools\/bin\.js smoke/)) > stepIndex(build, uses("docker/build-push-action")), "the built image is tested");
    }
    expect(String((jobs.publish?.outputs as Inputs | undefined)?.digests ?? "").includes("steps.push.outputs.digests"), "publish's output is the pushed digests");
    for (const [id, { stack, from }] of Object.entries(DEPLOY_JOBS)) {
        const job = jobs[id];
        if (!job) {
            problems.push(`no job ${id}`);
            continue;
        }
        expect(job.environment === stack, `${id} runs in the environment ${stack}`);
        const concurrency = job.concurrency as Inputs | undefined;
        expect(concurrency?.group === `deploy-${stack}` && concurrency["cancel-in-progress"] === false, `${id}: concurrency group deploy-${stack}, never cancelled`);
        const promote = stepIndex(job, runs(from ? new RegExp(`promote --from "\\$FROM_STACK" --to "\\$STACK"`) : /promote --to "\$STACK" --service "\$service" --digest/));
        expect(from === undefined || (job.env as Inputs | undefined)?.FROM_STACK === from, `${id} promotes what ${from} runs`);
        const predeploy = stepIndex(job, runs(/tools\/bin\.js predeploy --stack "\$STACK"/));
        const up = stepIndex(job, pulumiUp);
        const forward = stepIndex(job, runs(/scripts\/prometheus-forward\.sh "\$STACK"/));
        expect(forward >= 0 && forward < predeploy, `${id}: the stack's Prometheus is reached before predeploy`);
        const smoke = stepIndex(job, runs(/tools\/bin\.js smoke .*--expect-sha "\$GITHUB_SHA"/));
        const summary = stepIndex(job, runs(/\$GITHUB_STEP_SUMMARY/));
        expect(promote >= 0 && promote < predeploy && predeploy < up && up < smoke && smoke < summary, `${id}: promote -> predeploy -> pulumi up -> smoke -> summary (${[promote, predeploy, up, smoke, summary].join(", ")})`);
        const upStep = job.steps[up];
        expect(upStep?.with?.["stack-name"] === stack && upStep.with?.policyPacks === "policies", `${id}: pulumi up of ${stack} with the policy pack`);
        expect(job.steps[summary]?.if === "always()", `${id}: the summary is written whatever happened`);
    }
    return problems;
}

describe("the release flow (release.yml, rollback.yml)", function () {
    const releaseText = fs.readFileSync(RELEASE_WORKFLOW, "utf8");
    const release = parseYaml(releaseText) as Workflow;
    const rollback = parseYaml(fs.readFileSync(ROLLBACK_WORKFLOW, "utf8")) as Workflow;

    it("release.yml: test -> build -> publish -> dev -> staging -> prod, each deploy gated in order, images built once", function () {
        assert.deepEqual(releaseProblems(releaseText), []);
    });

    it("builds exactly the services under services/ that have a Dockerfile", function () {
        const services = fs.readdirSync(path.join(PROJECT_DIR, "services")).filter((name) => fs.existsSync(path.join(PROJECT_DIR, "services", name, "Dockerfile"))).sort();
        assert.deepEqual(((release.jobs.build.strategy as Inputs).matrix as Inputs).service, services);
    });

    it("every service's Dockerfile pins its base by digest and puts the build args the workflow passes into the environment", function () {
        const args = String(release.jobs.build.steps.find(uses("docker/build-push-action"))?.with?.["build-args"]).trim().split("\n").map((line) => line.split("=")[0].trim());
        assert.deepEqual(args, ["BUILD_SHA", "BUILD_DATE", "BUILD_ACTOR"]);
        for (const service of ((release.jobs.build.strategy as Inputs).matrix as { service: string[] }).service) {
            const instructions = fs.readFileSync(path.join(PROJECT_DIR, "services", service, "Dockerfile"), "utf8").split("\n").filter((line) => /^[A-Z]+ /.test(line));
            assert.ok(instructions.filter((line) => line.startsWith("FROM ")).every((line) => /@sha256:[0-9a-f]{64}\b/.test(line)), `${service}: FROM pinned by digest`);
            const env = instructions.filter((line) => line.startsWith("ENV ")).join(" ");
            for (const arg of args) {
                assert.ok(instructions.some((line) => line.startsWith(`ARG ${arg}`)), `${service}: ARG ${arg}`);
                assert.ok(env.includes(`${arg}=$${arg}`), `${service}: ENV ${arg}=$${arg}`);
            }
        }
    });

    it("prod waits for a reviewer of its environment, on the VPC runner; dev needs no runner in the VPC", function () {
        assert.equal(release.jobs["deploy-prod"].environment, "prod");
        for (const id of ["deploy-staging", "deploy-prod"]) assert.match(String(release.jobs[id]["runs-on"]), /"self-hosted", "platform-vpc"/);
        assert.equal(release.jobs["deploy-dev"]["runs-on"], "ubuntu-latest");
    });

    it("cloud credentials only through OIDC roles from environment variables; the only secret is the Pulumi token", function () {
        for (const workflow of [release, rollback]) {
            for (const [id, job] of Object.entries(workflow.jobs)) {
                for (const step of job.steps.filter(uses("aws-actions/configure-aws-credentials"))) {
                    assert.match(String(step.with?.["role-to-assume"]), /^\$\{\{ vars\.AWS_(?:DEPLOY|PUBLISH)_ROLE_ARN \}\}$/, id);
                    assert.equal((job.permissions as Inputs)["id-token"], "write", id);
                }
                const secrets = [...JSON.stringify(job).matchAll(/secrets\.([A-Za-z_]+)/g)].map((match) => match[1]);
                assert.ok(secrets.every((name) => name === "PULUMI_ACCESS_TOKEN"), `${id}: ${secrets.join(", ")}`);
            }
        }
    });

    it("the jobs that write to the repository run no cloud credentials and none of its code", function () {
        for (const workflow of [release, rollback]) {
            const record = workflow.jobs.record;
            assert.deepEqual(record.permissions, { contents: "write", "pull-requests": "write" });
            assert.ok(!record.steps.some((step) => typeof step.run === "string" && /node|npm|bash scripts/.test(step.run)));
        }
    });

    it("rollback.yml: a service and a digest or `previous`, the same gates, the same concurrency group as deploys", function () {
        const inputs = ((rollback.on.workflow_dispatch as Inputs).inputs as Record<string, Inputs>);
        assert.deepEqual(Object.keys(inputs), ["stack", "service", "digest", "sha", "incident"]);
        assert.equal(inputs.digest.default, "previous");
        const job = rollback.jobs.rollback;
        assert.deepEqual(job.concurrency, { group: "deploy-${{ inputs.stack }}", "cancel-in-progress": false });
        assert.equal(job.environment, "${{ inputs.stack }}");
        const choose = stepIndex(job, runs(/--previous "\$\{args\[@\]\}"/));
        const predeploy = stepIndex(job, runs(/tools\/bin\.js predeploy --stack "\$STACK"/));
        const up = stepIndex(job, pulumiUp);
        const smoke = stepIndex(job, runs(/tools\/bin\.js smoke/));
        assert.ok(choose >= 0 && choose < predeploy && predeploy < up && up < smoke, [choose, predeploy, up, smoke].join());
        assert.match(String(job.steps[predeploy].run), /--override-freeze "\$INCIDENT"/);
    });

    const regressions: { name: string; from: string; to: string; problem: RegExp }[] = [
        { name: "prod deployed straight after dev", from: "    needs: deploy-staging\n    runs-on", to: "    needs: deploy-dev\n    runs-on", problem: /deploy-prod needs deploy-staging/ },
        { name: "prod deployed even when staging failed", from: "    needs: deploy-staging\n    runs-on", to: "    needs: deploy-staging\n    if: always()\n    runs-on", problem: /deploy-prod runs only when staging succeeded/ },
        { name: "a rebuild in the staging job", from: "      - name: Promote the digests dev runs (no rebuild)\n", to: "      - run: docker build -t api services/api\n      - name: Promote the digests dev runs (no rebuild)\n", problem: /deploy-staging builds an image/ },
        { name: "pulumi up of prod without the policy pack", from: "          stack-name: prod\n          policyPacks: policies\n", to: "          stack-name: prod\n", problem: /deploy-prod: pulumi up of prod with the policy pack/ },
        { name: "the predeploy check left out of staging", from: "      - name: Predeploy checks\n        run: |\n          node tools/bin.js predeploy --stack \"$STACK\" --prometheus-url \"$PROMETHEUS_URL\" \\\n            --output markdown=reports/predeploy.md --output junit=reports/predeploy.xml\n      - uses: pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1\n        with:\n          command: up\n          stack-name: staging", to: "      - uses: pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1\n        with:\n          command: up\n          stack-name: staging", problem: /deploy-staging: promote -> predeploy -> pulumi up/ },
        { name: "a critical finding that no longer fails the build", from: 'exit-code: "1"', to: 'exit-code: "0"', problem: /critical finding/ },
        { name: "a concurrency group shared by every stack", from: "      group: deploy-staging\n", to: "      group: deploy\n", problem: /deploy-staging: concurrency group deploy-staging/ },
    ];
    for (const regression of regressions) {
        it(`the spec catches ${regression.name}`, function () {
            const problems = releaseProblems(seeded(releaseText, regression.from, regression.to));
            assert.ok(problems.some((problem) => regression.problem.test(problem)), problems.join("\n"));
        });
    }

    const oidcCases: { name: string; from: string; to: string }[] = [
        { name: "an access key given to configure-aws-credentials", from: "          role-to-assume: ${{ vars.AWS_PUBLISH_ROLE_ARN }}\n", to: "          aws-access-key-id: ${{ vars.AWS_ACCESS_KEY_ID }}\n" },
        { name: "a credentials action in a job without id-token: write", from: "      id-token: write           # OIDC to AWS: the publish role pushes to ECR and nothing else\n", to: "      contents: read\n" },
        { name: "a stored secret key in the environment", from: "          REGISTRY: ${{ vars.ECR_REGISTRY }}\n        run: |\n          digests=", to: "          REGISTRY: ${{ vars.ECR_REGISTRY }}\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n        run: |\n          digests=" },
    ];
    for (const oidcCase of oidcCases) {
        it(`the oidc-credentials rule reports ${oidcCase.name}`, function () {
            assert.ok(rulesOf(seeded(releaseText, oidcCase.from, oidcCase.to)).includes("oidc-credentials"));
        });
    }
});
