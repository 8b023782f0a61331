import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { scratchDir } from "./support/scratch";
import { runWorkflowStep, StepOptions, StepRun } from "./support/workflow-step";
import { PROJECT_DIR, stackFileStacks } from "./support/stacks";
import {
    ActionlintFinding,
    artifactsOf,
    checkWorkflow,
    formatFinding,
    interpolate,
    MAX_WORKFLOW_BYTES,
    runActionlint,
    secretsOf,
    walkJobs,
    WalkedStep,
    walkSteps,
    WorkflowRule,
    workflowFiles,
} from "./support/workflow-rules";

const WORKFLOWS_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const CI_WORKFLOW = path.join(WORKFLOWS_DIR, "ci.yml");
const CI_RUN = path.join(PROJECT_DIR, ".ci", "run");

/** Every job that uploads SARIF has the scopes code scanning needs, `actions: read` included. */
function sarifProblems(text: string): string[] {
    const workflow = parseYaml(text) as { jobs: Record<string, { permissions?: Inputs; steps?: Inputs[] }> };
    return Object.entries(workflow.jobs).flatMap(([id, job]) => {
        if (!(job.steps ?? []).some((step) => String(step.uses).startsWith("github/codeql-action/upload-sarif@"))) return [];
        const problems: string[] = [];
        if (job.permissions?.["security-events"] !== "write") problems.push(`${id} uploads SARIF without \`security-events: write\``);
        if (job.permissions?.actions !== "read") problems.push(`${id} uploads SARIF without \`actions: read\` (a private repository's upload fails)`);
        return problems;
    });
}

/**
 * .ci/run builds the CLI itself before `npm test`, after the engine specs were made required; and installs
 * PostgreSQL after making it required (PLATFORM_POSTGRES=required), so that the migrations spec fails rather
 * than skips without it.
 */
function ciRunProblems(script: string): string[] {
    const lines = script.split("\n");
    const build = lines.findIndex((line) => /^bash scripts\/pulumi-cli\.sh --for-tests\b/.test(line));
    const test = lines.findIndex((line) => /^npm test\b/.test(line));
    const required = lines.findIndex((line) => /^export PLATFORM_ENGINE_SPECS=required$/.test(line));
    const postgres = lines.findIndex((line) => /^bash scripts\/postgres\.sh --for-tests$/.test(line));
    const postgresRequired = lines.findIndex((line) => /^export PLATFORM_POSTGRES=required$/.test(line));
    if (build < 0) return [".ci/run does not build the Pulumi CLI (npm_config_ignore_scripts skips the pretest that would)"];
    const problems = build < test && required < build ? [] : [".ci/run builds the CLI after `npm test`, or before PLATFORM_ENGINE_SPECS=required"];
    if (!(postgresRequired >= 0 && postgresRequired < postgres && postgres < test)) problems.push(".ci/run does not require PostgreSQL (export PLATFORM_POSTGRES=required, then bash scripts/postgres.sh --for-tests) before `npm test`");
    return problems;
}

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
defaults:
  run:
    shell: bash
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
defaults:
  run:
    shell: bash
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
    { name: "run steps in GitHub's default shell, `bash -e` without pipefail", base: PULL_REQUEST_WORKFLOW, from: "defaults:\n  run:\n    shell: bash\n", to: "", rules: ["run-shell-pipefail"] },
    { name: "a step that runs in `sh`", base: DEPLOY_WORKFLOW, from: "      - run: npm run lint\n", to: "      - run: npm run lint\n        shell: sh\n", rules: ["run-shell-pipefail"] },
    { name: "a job default shell that drops pipefail", base: DEPLOY_WORKFLOW, from: "  lint:\n    runs-on: ubuntu-latest\n", to: "  lint:\n    defaults:\n      run:\n        shell: bash -e {0}\n    runs-on: ubuntu-latest\n", rules: ["run-shell-pipefail"] },
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

        it("the job that uploads SARIF may read the workflow run (actions: read, needed in a private repository)", function () {
            assert.deepEqual(sarifProblems(text), []);
            assert.deepEqual(workflow.jobs["plan-report"].permissions, { "pull-requests": "write", "security-events": "write", actions: "read" });
            assert.match(sarifProblems(seeded(text, "      actions: read             # upload-sarif", "      # upload-sarif")).join(), /plan-report uploads SARIF without `actions: read`/);
        });

        it("its comments say where the state is: Pulumi Cloud through the environment's token, no state bucket", function () {
            assert.doesNotMatch(text, /state bucket/);
            assert.match(text, /state is in Pulumi\s+#?\s*Cloud/);
        });

        it("the test job builds the pinned Pulumi CLI explicitly: npm_config_ignore_scripts skips `npm test`'s pretest", function () {
            assert.deepEqual(ciRunProblems(fs.readFileSync(CI_RUN, "utf8")), []);
            for (const workflowFile of [CI_WORKFLOW, path.join(WORKFLOWS_DIR, "release.yml")]) {
                const test = (parseYaml(fs.readFileSync(workflowFile, "utf8")) as { jobs: Record<string, Inputs & { steps: Inputs[] }> }).jobs.test;
                assert.equal((test.env as Inputs).npm_config_ignore_scripts, "true", workflowFile);
                assert.ok(test.steps.some((step) => step.run === ".ci/run"), workflowFile);
                assert.ok(test.steps.some((step) => String(step.uses).startsWith("actions/setup-go@")), `${workflowFile}: Go, to build the CLI`);
            }
            assert.match(ciRunProblems(fs.readFileSync(CI_RUN, "utf8").replace(/^bash scripts\/pulumi-cli\.sh --for-tests.*\n/m, "")).join(), /does not build the Pulumi CLI/);
        });

        it("the test job requires PostgreSQL: .ci/run installs it after PLATFORM_POSTGRES=required, before `npm test`", function () {
            const script = fs.readFileSync(CI_RUN, "utf8");
            assert.deepEqual(ciRunProblems(script), []);
            assert.match(ciRunProblems(script.replace(/^export PLATFORM_POSTGRES=required\n/m, "")).join(), /does not require PostgreSQL/);
            assert.match(ciRunProblems(script.replace(/^bash scripts\/postgres\.sh --for-tests\n/m, "")).join(), /does not require PostgreSQL/);
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

type Step = Inputs & { uses?: string; run?: string; with?: Inputs; env?: Inputs; id?: string; if?: string; name?: string };
type Job = Inputs & { steps: Step[] };
type Workflow = { on: Inputs; jobs: Record<string, Job>; defaults?: Inputs };

const RELEASE_WORKFLOW = path.join(WORKFLOWS_DIR, "release.yml");
const ROLLBACK_WORKFLOW = path.join(WORKFLOWS_DIR, "rollback.yml");
const DEPLOY_JOBS: Readonly<Record<string, { stack: string; from?: string; ledgerFrom: string }>> = {
    "deploy-dev": { stack: "dev", ledgerFrom: "publish" },
    "deploy-staging": { stack: "staging", from: "dev", ledgerFrom: "deploy-dev" },
    "deploy-prod": { stack: "prod", from: "staging", ledgerFrom: "deploy-staging" },
};
/** The artifact each job uploads its ledger in, only when it succeeded. */
const LEDGER_ARTIFACT: Readonly<Record<string, string>> = { publish: "ledger-publish", "deploy-dev": "ledger-dev", "deploy-staging": "ledger-staging", "deploy-prod": "ledger-prod" };
const RECORD_FILES = ["releases/ledger.json", "Pulumi.staging.yaml", "Pulumi.prod.yaml"];
const GATE = "needs.scope.outputs.release == 'true'";
const DIGEST = `sha256:${"d".repeat(64)}`;
const OLD_DIGEST = `sha256:${"0".repeat(64)}`;
const COMMIT = "c0ffee".padEnd(40, "0");

function needsOf(job: Job | undefined): string[] {
    const needs = job?.needs;
    return typeof needs === "string" ? [needs] : Array.isArray(needs) ? needs.map(String) : [];
}

/** Index of the first step matching, -1 when none. */
function stepIndex(job: Job, matches: (step: Step) => boolean): number {
    return job.steps.findIndex(matches);
}

const runs = (command: RegExp) => (step: Step): boolean => typeof step.run === "string" && command.test(step.run);
const uses = (action: string) => (step: Step): boolean => typeof step.uses === "string" && step.uses.startsWith(`${action}@`);
const pulumiUp = (step: Step): boolean => uses("pulumi/actions")(step) && step.with?.command === "up";
const download = (name: string) => (step: Step): boolean => uses("actions/download-artifact")(step) && step.with?.name === name;
const upload = (name: string) => (step: Step): boolean => uses("actions/upload-artifact")(step) && step.with?.name === name;

/** An image built or pushed by hand in a script: `docker [flags] build|push`, `docker image build|push`, `docker buildx build|bake`, `docker compose build|push`. */
const DOCKER_BY_HAND = /\bdocker[\s\\]+(?:-\S+[\s\\]+(?:[^-\s\\]\S*[\s\\]+)?)*(?:buildx[\s\\]+(?:build|bake)|compose[\s\\]+(?:build|push)|(?:image[\s\\]+)?(?:build|push))\b/;
const BUILD_ACTIONS = ["docker/build-push-action", "docker/bake-action"];
const BUILD_COMMAND = /\bnode tools\/bin\.js build\b/;
const PUBLISH_COMMAND = /\bnode tools\/bin\.js publish\b/;
/** The image `build` tags by default, as the build job's later steps name it. */
const BUILT_IMAGE = "local/${{ matrix.service }}:${{ github.sha }}";

/**
 * What the release flow must be, beyond the hygiene rules: `scope` first and every other job gated on it;
 * the job graph (test -> build -> publish -> deploy dev -> staging -> prod -> record); images built only in
 * `build` and pushed only in `publish`, each by the project's command (`tools/bin.js build`, `publish`: no
 * docker build or push by hand), `publish` the first writer of the ledger; each deploy job starting from
 * the ledger the job before it uploaded, gated in order (ledger, promote, predeploy, pulumi up with the pack,
 * smoke of the digest the state runs, record verified, summary), uploading its ledger only on success; one
 * concurrency group per stack; `record` taking only what deployed.
 */
function releaseProblems(text: string): string[] {
    const workflow = parseYaml(text) as Workflow;
    const problems: string[] = [];
    const expect = (condition: boolean, problem: string): void => void (condition || problems.push(problem));
    const jobs = workflow.jobs;
    expect(Object.keys(workflow.on).join() === "push" && JSON.stringify((workflow.on.push as Inputs).branches) === '["main"]', "runs on pushes to main only");
    expect((workflow.defaults?.run as Inputs | undefined)?.shell === "bash", "every run step in bash with pipefail (defaults: run: shell: bash)");

    const scope = jobs.scope;
    if (scope) {
        expect(needsOf(scope).length === 0 && scope.if === undefined, "scope runs first, always");
        expect(JSON.stringify(scope.permissions) === '{"contents":"read"}', "scope may only read the repository");
        expect(scope.steps.some((step) => uses("actions/checkout")(step) && step.with?.["fetch-depth"] === 2), "scope checks out the pushed commit and its parent (fetch-depth: 2)");
        const decide = scope.steps.find((step) => step.id === "scope");
        expect(/git diff --name-only HEAD\^ HEAD/.test(String(decide?.run)) && RECORD_FILES.every((file) => String(decide?.run).includes(file)) && String(decide?.run).includes('"release: record"'), "scope compares the pushed files with the record's and reads the commit message");
        expect(String((scope.outputs as Inputs | undefined)?.release) === "${{ steps.scope.outputs.release }}", "scope's output is `release`");
    } else {
        problems.push("no job scope");
    }
    for (const [id, job] of Object.entries(jobs)) {
        if (id === "scope") continue;
        expect(needsOf(job).includes("scope") && String(job.if ?? "").includes(GATE), `${id} needs scope and runs only when ${GATE}`);
    }
    const needsExactly = (id: string, expected: string[]): void => expect(JSON.stringify(needsOf(jobs[id])) === JSON.stringify(expected), `${id} needs ${expected.join(", ")}`);
    needsExactly("test", ["scope"]);
    needsExactly("build", ["scope", "test"]);
    needsExactly("migrations", ["scope"]);
    needsExactly("publish", ["scope", "build", "migrations"]);
    needsExactly("deploy-dev", ["scope", "publish"]);
    needsExactly("deploy-staging", ["scope", "publish", "deploy-dev"]);
    needsExactly("deploy-prod", ["scope", "publish", "deploy-staging"]);
    needsExactly("record", ["scope", "deploy-staging", "deploy-prod"]);
    expect(jobs["deploy-prod"]?.if === GATE, "deploy-prod runs only when staging succeeded (its if: is the scope gate alone, no always())");
    for (const [id, job] of Object.entries(jobs)) {
        const byHand = job.steps.some((step) => BUILD_ACTIONS.some((action) => uses(action)(step)) || runs(DOCKER_BY_HAND)(step));
        expect(!byHand, `${id} builds or pushes an image by hand (docker build/push, docker/build-push-action): \`tools/bin.js build\` and \`publish\` do`);
        expect(id === "build" || !(byHand || job.steps.some(runs(BUILD_COMMAND))), `${id} builds an image: only build does, deploys promote digests`);
        expect(id === "publish" || !job.steps.some(runs(PUBLISH_COMMAND)), `${id} publishes an image: only publish does`);
        expect(!JSON.stringify(job).includes("BUILD_"), `${id} sets BUILD_*: \`build\` takes them from the run ($GITHUB_SHA, the commit's date, $GITHUB_ACTOR), and only the image carries them`);
    }

    const build = jobs.build;
    if (build) {
        const install = stepIndex(build, runs(/^npm ci --ignore-scripts\b/));
        const command = stepIndex(build, runs(BUILD_COMMAND));
        expect(stepIndex(build, uses("actions/checkout")) >= 0 && stepIndex(build, uses("actions/setup-node")) >= 0 && install >= 0 && install < command, "build: checkout, setup-node and `npm ci --ignore-scripts`, then `node tools/bin.js build`");
        expect(command >= 0 && build.steps[command].env?.SERVICE === "${{ matrix.service }}" && /node tools\/bin\.js build --service "\$SERVICE"/.test(String(build.steps[command].run)), "build runs `node tools/bin.js build --service \"$SERVICE\"` for the matrix's service");
        const scans = build.steps.filter(uses("aquasecurity/trivy-action"));
        expect(scans.some((step) => step.with?.format === "cyclonedx"), "the build writes an SBOM");
        expect(scans.some((step) => step.with?.severity === "CRITICAL" && step.with?.["exit-code"] === "1"), "the scan fails the build on a critical finding");
        const smoke = stepIndex(build, runs(/tools\/bin\.js smoke --url http:\/\/127\.0\.0\.1:8080 --expect-sha "\$GITHUB_SHA"/));
        const save = stepIndex(build, runs(/docker save "\$IMAGE" -o "image\/\$SERVICE\.tar"/));
        const later = [smoke, save, ...scans.map((step) => build.steps.indexOf(step))];
        expect(command >= 0 && later.every((index) => index > command), "the built image is tested against the commit being built, scanned and saved after `build`");
        const images = [...scans.map((step) => step.with?.["image-ref"]), ...build.steps.filter((step) => step.env?.IMAGE !== undefined).map((step) => step.env?.IMAGE)];
        expect(images.length === scans.length + 2 && images.every((image) => image === BUILT_IMAGE), `build: the smoke test, the SBOM, the scan and the archive take the image \`build\` tags (${BUILT_IMAGE})`);
    }

    const migrations = jobs.migrations;
    if (migrations) {
        const install = stepIndex(migrations, runs(/^npm ci --ignore-scripts\b/));
        const postgres = stepIndex(migrations, runs(/^bash scripts\/postgres\.sh --for-tests$/));
        const check = stepIndex(migrations, runs(/^npm run migrations:check\b/));
        expect(install >= 0 && install < postgres && postgres < check, "migrations: `npm ci --ignore-scripts`, then scripts/postgres.sh, then `npm run migrations:check`");
        expect(migrations.steps[postgres]?.env?.PLATFORM_POSTGRES === "required", "migrations: PostgreSQL is required (PLATFORM_POSTGRES: required), never skipped");
        expect(migrations.steps[check]?.if === undefined && migrations.steps[check]?.["continue-on-error"] === undefined, "migrations: a failing check fails the job");
        expect(migrations.steps.some((step) => upload("migrations-reports")(step) && step.if === "always()"), "migrations: its report is uploaded whatever happened");
        expect(JSON.stringify(migrations.permissions) === '{"contents":"read"}' && migrations.environment === undefined, "migrations: no credentials, read-only");
    } else {
        problems.push("no job migrations (npm run migrations:check before anything is published or deployed)");
    }

    const publish = jobs.publish;
    if (publish) {
        expect(String((publish.outputs as Inputs | undefined)?.digests ?? "").includes("steps.push.outputs.digests"), "publish's output is the pushed digests");
        const push = stepIndex(publish, (step) => step.id === "push");
        const script = String(publish.steps[push]?.run ?? "");
        expect(
            /node tools\/bin\.js publish --service "\$service" --image "local\/\$service:\$GITHUB_SHA" --sha "\$GITHUB_SHA" --registry "\$REGISTRY" --format json\b/.test(script) && publish.steps[push]?.env?.REGISTRY === "${{ vars.ECR_REGISTRY }}",
            'publish runs `node tools/bin.js publish --service "$service" --image "local/$service:$GITHUB_SHA" --sha "$GITHUB_SHA" --registry "$REGISTRY" --format json` for each image (REGISTRY: vars.ECR_REGISTRY)',
        );
        expect(script.includes("=~ ^sha256:[0-9a-f]{64}$") && script.includes('>> "$GITHUB_OUTPUT"'), "publish validates each digest (^sha256:[0-9a-f]{64}$) before it is the job's output");
        const login = stepIndex(publish, uses("aws-actions/amazon-ecr-login"));
        expect(stepIndex(publish, uses("aws-actions/configure-aws-credentials")) < login && login >= 0 && login < push, "publish assumes the publish role and logs in to ECR before it publishes");
        expect(!publish.steps.some(runs(/tools\/bin\.js record published/)), "publish records through the command (`publish` writes `published` itself), not a second time");
        const ledger = stepIndex(publish, upload("ledger-publish"));
        expect(push >= 0 && ledger > push, "publish uploads the ledger the command wrote, after publishing");
        expect(publish.steps[ledger]?.if === "success()" && publish.steps[ledger]?.with?.path === "releases/ledger.json", "publish uploads the ledger only on success");
        expect(JSON.stringify(publish.permissions) === '{"contents":"read","id-token":"write"}', "publish: contents: read (the tools) and id-token: write (the ECR role)");
    }

    for (const [id, { stack, from, ledgerFrom }] of Object.entries(DEPLOY_JOBS)) {
        const job = jobs[id];
        if (!job) {
            problems.push(`no job ${id}`);
            continue;
        }
        expect(job.environment === stack, `${id} runs in the environment ${stack}`);
        const concurrency = job.concurrency as Inputs | undefined;
        expect(concurrency?.group === `deploy-${stack}` && concurrency["cancel-in-progress"] === false, `${id}: concurrency group deploy-${stack}, never cancelled`);
        const fetched = stepIndex(job, download(LEDGER_ARTIFACT[ledgerFrom]));
        const copied = stepIndex(job, runs(new RegExp(`^cp "\\$RUNNER_TEMP/${LEDGER_ARTIFACT[ledgerFrom]}/(?:releases/)?ledger\\.json" releases/ledger\\.json$`)));
        const promote = stepIndex(job, runs(from ? /promote --from "\$FROM_STACK" --to "\$STACK"/ : /promote --to "\$STACK" --service "\$service" --digest/));
        expect(from === undefined || (job.env as Inputs | undefined)?.FROM_STACK === from, `${id} promotes what ${from} runs`);
        const predeploy = stepIndex(job, runs(/tools\/bin\.js predeploy --stack "\$STACK"/));
        const up = stepIndex(job, pulumiUp);
        const forward = stepIndex(job, runs(/scripts\/prometheus-forward\.sh "\$STACK"/));
        expect(forward >= 0 && forward < predeploy, `${id}: the stack's Prometheus is reached before predeploy`);
        const smoke = stepIndex(job, runs(/tools\/bin\.js smoke --url "\$SMOKE_URL" --service "\$service" --digest "\$digest"/));
        const verified = stepIndex(job, runs(/tools\/bin\.js record verified --stack "\$STACK" --smoke "reports\/smoke-\$service\.json" --images "\$RUNNER_TEMP\/images\.json"/));
        const summary = stepIndex(job, runs(/\$GITHUB_STEP_SUMMARY/));
        expect(fetched >= 0 && fetched < copied && copied < promote, `${id} starts from the ledger ${ledgerFrom} uploaded (${LEDGER_ARTIFACT[ledgerFrom]}), before promote`);
        expect(promote >= 0 && promote < predeploy && predeploy < up && up < smoke && smoke < verified && verified < summary, `${id}: ledger -> promote -> predeploy -> pulumi up -> smoke -> record verified -> summary (${[fetched, promote, predeploy, up, smoke, verified, summary].join(", ")})`);
        const smokeScript = String(job.steps[smoke]?.run ?? "");
        expect(smokeScript.includes('pulumi stack output serviceImages --json --stack "$STACK" > "$RUNNER_TEMP/images.json"') && smokeScript.includes("=~ ^sha256:[0-9a-f]{64}$"), `${id}: the smoke check takes the digest from the stack's state after up, and refuses an empty one`);
        expect(!JSON.stringify(job).includes("--expect-sha"), `${id}: the smoke check reads the commit from the ledger, not --expect-sha (a digest need not be this commit's)`);
        expect(job.steps[verified]?.if === undefined, `${id}: record verified only after a passing smoke (no if:)`);
        const upStep = job.steps[up];
        expect(upStep?.with?.["stack-name"] === stack && upStep.with?.policyPacks === "policies", `${id}: pulumi up of ${stack} with the policy pack`);
        expect(job.steps[summary]?.if === "always()", `${id}: the summary is written whatever happened`);
        expect(job.steps.some((step) => upload(`${id}-reports`)(step) && step.if === "always()" && step.with?.path === "reports/"), `${id}: its reports are uploaded whatever happened`);
        const ledger = job.steps.find(upload(LEDGER_ARTIFACT[id]));
        expect(ledger?.if === "success()" && String(ledger.with?.path).trim().split("\n").sort().join() === ["Pulumi." + stack + ".yaml", "releases/ledger.json"].sort().join(), `${id}: the ledger and Pulumi.${stack}.yaml are uploaded (${LEDGER_ARTIFACT[id]}) only when the job succeeded`);
    }

    const record = jobs.record;
    if (record) {
        expect(record.if === `always() && ${GATE} && needs.deploy-staging.result == 'success'`, "record runs once staging succeeded, whatever prod did");
        const staging = record.steps.find(download("ledger-staging"));
        const prod = record.steps.find(download("ledger-prod"));
        expect(staging !== undefined && staging.if === undefined, "record takes what staging deployed");
        expect(prod?.if === "needs.deploy-prod.result == 'success'", "record takes prod's files only when deploy-prod succeeded");
        const pr = record.steps.find(uses("peter-evans/create-pull-request"));
        expect(String(pr?.with?.["add-paths"]).trim().split("\n").sort().join() === [...RECORD_FILES].sort().join(), "record commits the stack files and the ledger");
        expect(String(pr?.with?.["commit-message"]).startsWith("release: record") && String(pr?.with?.title).startsWith("release: record"), "record's commit says `release: record` (scope skips its merge)");
        expect(pr?.with?.token === "${{ secrets.RECORD_TOKEN || secrets.GITHUB_TOKEN }}", "record opens the pull request with RECORD_TOKEN when set (a GITHUB_TOKEN pull request gets no CI)");
    }
    return problems;
}

/** A job's `permissions`, as a plain object. */
function permissionsOf(job: Job): Inputs {
    return (job.permissions ?? {}) as Inputs;
}

/** The context of a run; `event` merges into github.event. */
function runContext(github: Inputs, extra: Inputs = {}): Inputs {
    return { github: { repository: "octo/platform", sha: COMMIT, ...github }, runner: { temp: "/runner/temp" }, vars: {}, secrets: {}, env: {}, ...extra };
}

const PUSH_TO_MAIN = runContext({ event_name: "push", ref: "refs/heads/main", event: { before: "b".repeat(40) } });

/** How upload-artifact v4 stores paths: relative to the least common ancestor of all of them (a single file: its folder). */
function artifactLayout(paths: string[]): Record<string, string> {
    const folders = paths.map((entry) => (entry.endsWith("/") ? entry.replace(/\/+$/, "") : path.posix.dirname(entry)).split("/").filter((part) => part !== "."));
    const common: string[] = [];
    for (let index = 0; folders.every((parts) => index < parts.length && parts[index] === folders[0][index]); index++) common.push(folders[0][index]);
    return Object.fromEntries(paths.map((entry) => [path.posix.relative(common.join("/") || ".", entry), entry]));
}


/** A step's script run as GitHub runs it (test/support/workflow-step.ts), at this spec's commit. */
function runStepScript(script: string, options: StepOptions = {}): StepRun {
    return runWorkflowStep(script, { ...options, env: { GITHUB_SHA: COMMIT, ...options.env } });
}

/** A git repository with these commits; returns its folder and each commit's sha. */
function gitRepository(commits: { message: string; files: Record<string, string> }[]): { dir: string; shas: string[] } {
    const dir = scratchDir("workflow-git-");
    const git = (...args: string[]): string => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" }).trim();
    git("init", "-q", "-b", "main");
    const shas = commits.map(({ message, files }) => {
        for (const [file, content] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), content);
        }
        git("add", "-A");
        git("commit", "-q", "--allow-empty", "-m", message);
        return git("rev-parse", "HEAD");
    });
    return { dir, shas };
}

/** A workflow's comments as running text: line breaks and the `#` that starts each line dropped. */
const prose = (text: string): string => text.replace(/[ \t]*\n[ \t]*#[ \t]*/g, " ");

const LEDGER_HEAD = (entries: object[]): string => `${JSON.stringify({ version: 1, project: "platform", entries }, null, 2)}\n`;
const PUBLISHED = { event: "published", service: "api", digest: DIGEST, sha: COMMIT, at: "2026-12-08T10:00:00Z", by: "octo/platform run 7 (dev)" };

describe("the release flow (release.yml, rollback.yml)", function () {
    this.timeout(120_000);
    const releaseText = fs.readFileSync(RELEASE_WORKFLOW, "utf8");
    const rollbackText = fs.readFileSync(ROLLBACK_WORKFLOW, "utf8");
    const release = parseYaml(releaseText) as Workflow;
    const rollback = parseYaml(rollbackText) as Workflow;
    const scopeScript = String(release.jobs.scope.steps.find((step) => step.id === "scope")?.run);

    /** The scope step's answer for a push whose last commit is `head` on top of `base` (BEFORE = base, unless given). */
    const scopeOf = (head: { message: string; files: Record<string, string> }, before?: (shas: string[]) => string, extra: { message: string; files: Record<string, string> }[] = []): string | undefined => {
        const { dir, shas } = gitRepository([{ message: "feat: the platform", files: { "services/api/server.js": "v1", "releases/ledger.json": "{}", "Pulumi.prod.yaml": "a", "Pulumi.staging.yaml": "a", "Pulumi.dev.yaml": "a" } }, ...extra, head]);
        const run = runStepScript(scopeScript, { cwd: dir, env: { BEFORE: before ? before(shas) : shas[shas.length - 2] } });
        assert.equal(run.status, 0, run.output);
        return run.outputs.release;
    };

    /** The project's checkout: its HEAD, and that commit's date (the build date `build` takes by default). */
    const HEAD = (() => {
        const git = (...args: string[]): string => execFileSync("git", args, { cwd: PROJECT_DIR, encoding: "utf8" }).trim();
        return { sha: git("rev-parse", "HEAD"), date: git("show", "-s", "--format=%cI", "HEAD") };
    })();
    /** `node` running the project's own tools (the stub has logged the call), and a docker that builds and answers with $LABEL_SHA. */
    const REAL_TOOLS = {
        node: `script="$1"; shift; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(PROJECT_DIR)}/"$script" "$@"`,
        docker: ['case "$1" in', "  build) exit 0;;", `  image) printf '%s {"org.opencontainers.image.revision":"%s"}\\n' "sha256:${"1".repeat(64)}" "\${LABEL_SHA:-$GITHUB_SHA}"; exit 0;;`, "esac", "exit 9"].join("\n"),
    };
    /** The same `node`, its ledger in the step's workspace instead of the project's. */
    const REAL_TOOLS_IN_WORKSPACE = `${REAL_TOOLS.node} --project-dir "$PWD"`;
    /** The build job's build step, for the service api at the project's HEAD. */
    const runBuildStep = (options: { stubs: Record<string, string>; env?: Record<string, string> }): StepRun => {
        const step = release.jobs.build.steps.find(runs(BUILD_COMMAND)) as Step;
        const context = { ...PUSH_TO_MAIN, github: { ...(PUSH_TO_MAIN.github as Inputs), sha: HEAD.sha }, matrix: { service: "api" } };
        const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([name, value]) => [name, interpolate(String(value), context)]));
        return runStepScript(String(step.run), { env: { ...env, GITHUB_SHA: HEAD.sha, GITHUB_ACTOR: "octo-releaser", ...options.env }, stubs: options.stubs });
    };

    it("release.yml: scope -> test -> build -> publish -> dev -> staging -> prod -> record, each deploy gated in order, images built once", function () {
        assert.deepEqual(releaseProblems(releaseText), []);
    });

    it("builds exactly the services under services/ that have a Dockerfile", function () {
        const services = fs.readdirSync(path.join(PROJECT_DIR, "services")).filter((name) => fs.existsSync(path.join(PROJECT_DIR, "services", name, "Dockerfile"))).sort();
        assert.deepEqual(((release.jobs.build.strategy as Inputs).matrix as Inputs).service, services);
    });

    it("SMOKE_URL is one service's URL: the release builds that one service (a second needs its own URL first)", function () {
        assert.deepEqual(((release.jobs.build.strategy as Inputs).matrix as Inputs).service, ["api"]);
        for (const workflow of [release, rollback]) {
            const urls = new Set([...JSON.stringify(workflow).matchAll(/vars\.([A-Z_]*URL[A-Z_]*)/g)].map((match) => match[1]));
            assert.deepEqual([...urls], ["SMOKE_URL"]);
        }
    });

    it("the image is the only place its build is written: `build` passes BUILD_*, the Dockerfile turns them into its environment; no job sets them", function () {
        const built = runBuildStep({ stubs: REAL_TOOLS });
        assert.equal(built.status, 0, built.output);
        const dockerBuild = built.calls.find((call) => call[0] === "docker" && call[1] === "build") as string[];
        const args = dockerBuild.flatMap((arg, index) => (dockerBuild[index - 1] === "--build-arg" ? [arg.split("=")[0]] : []));
        assert.deepEqual(args, ["BUILD_SHA", "BUILD_DATE", "BUILD_ACTOR"]);
        for (const service of ((release.jobs.build.strategy as Inputs).matrix as { service: string[] }).service) {
            const instructions = fs.readFileSync(path.join(PROJECT_DIR, "services", service, "Dockerfile"), "utf8").split("\n").filter((line) => /^[A-Z]+ /.test(line));
            // Pinned by digest: on the FROM line itself, or as the default of the argument it names.
            assert.ok(instructions.filter((line) => line.startsWith("FROM ")).every((line) => /@sha256:[0-9a-f]{64}\b/.test(line)), `${service}: FROM pinned by digest`);
            const env = instructions.filter((line) => line.startsWith("ENV ")).join(" ");
            for (const arg of args) {
                assert.ok(instructions.some((line) => line.startsWith(`ARG ${arg}`)), `${service}: ARG ${arg}`);
                assert.ok(env.includes(`${arg}=$${arg}`), `${service}: ENV ${arg}=$${arg}`);
            }
        }
        for (const workflow of [release, rollback]) {
            for (const [id, job] of Object.entries(workflow.jobs)) assert.ok(!JSON.stringify(job).includes("BUILD_"), id);
        }
    });

    it("a Dockerfile's comments name only workflows that exist", function () {
        for (const service of fs.readdirSync(path.join(PROJECT_DIR, "services"))) {
            const file = path.join(PROJECT_DIR, "services", service, "Dockerfile");
            if (!fs.existsSync(file)) continue;
            const comments = fs.readFileSync(file, "utf8").split("\n").filter((line) => line.startsWith("#")).join("\n");
            for (const match of comments.matchAll(/\.github\/workflows\/([\w.-]+\.ya?ml)/g)) assert.ok(fs.existsSync(path.join(WORKFLOWS_DIR, match[1])), `${service}/Dockerfile names ${match[1]}`);
        }
    });

    it("prod waits for a reviewer of its environment, on the VPC runner; dev needs no runner in the VPC", function () {
        assert.equal(release.jobs["deploy-prod"].environment, "prod");
        for (const id of ["deploy-staging", "deploy-prod"]) assert.match(String(release.jobs[id]["runs-on"]), /"self-hosted", "platform-vpc"/);
        assert.equal(release.jobs["deploy-dev"]["runs-on"], "ubuntu-latest");
    });

    it("cloud credentials only through OIDC roles from environment variables; the Pulumi token in deploys, the record token in record jobs", function () {
        for (const workflow of [release, rollback]) {
            for (const [id, job] of Object.entries(workflow.jobs)) {
                for (const step of job.steps.filter(uses("aws-actions/configure-aws-credentials"))) {
                    assert.match(String(step.with?.["role-to-assume"]), /^\$\{\{ vars\.AWS_(?:DEPLOY|PUBLISH)_ROLE_ARN \}\}$/, id);
                    assert.equal(permissionsOf(job)["id-token"], "write", id);
                }
                const allowed = id === "record" ? ["GITHUB_TOKEN", "RECORD_TOKEN"] : ["PULUMI_ACCESS_TOKEN"];
                assert.ok(secretsOf(job).every((name) => allowed.includes(name)), `${id}: ${secretsOf(job).join(", ")}`);
            }
        }
    });

    it("the jobs that write to the repository run no cloud credentials and none of its code", function () {
        for (const workflow of [release, rollback]) {
            const record = workflow.jobs.record;
            assert.deepEqual(record.permissions, { contents: "write", "pull-requests": "write" });
            assert.ok(!record.steps.some((step) => typeof step.run === "string" && /\bnode\b|\bnpm\b|bash scripts/.test(step.run)));
        }
    });

    it("record pull requests: RECORD_TOKEN (an App or fine-grained token) so that CI runs on them, GITHUB_TOKEN as the fallback", function () {
        for (const text of [releaseText, rollbackText].map(prose)) {
            assert.match(text, /RECORD_TOKEN/);
            assert.match(text, /GITHUB_TOKEN starts no workflow|GITHUB_TOKEN gets no CI/);
        }
    });

    it("every workflow says what the CI roles need to reach the clusters, and the runbook names the config key the schema has", function () {
        assert.match(prose(releaseText), /platform:cluster\.adminRoleArns per stack as docs\/runbooks\/deploy\.md, section 0/);
        const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "deploy.md"), "utf8");
        for (const stack of Object.values(DEPLOY_JOBS).map((job) => job.stack)) {
            assert.match(runbook, new RegExp(`pulumi config set --path 'cluster\\.adminRoleArns\\[0\\]' arn:aws:iam::\\S+ --stack ${stack}\\b`), stack);
        }
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, "config", "schema.ts"), "utf8"), /export const ClusterSchema = z\.strictObject\(\{[\s\S]*?\badminRoleArns: z\.array\(iamRoleArn\)/);
    });

    it("release changes need a release owner's review: CODEOWNERS covers the workflows and the ledger", function () {
        const owners = fs.readFileSync(path.join(PROJECT_DIR, ".github", "CODEOWNERS"), "utf8").split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#")).map((line) => line.trim().split(/\s+/));
        for (const owned of ["/.github/", "/releases/", "/policies/"]) assert.ok(owners.some(([pattern, ...who]) => pattern === owned && who.length > 0), owned);
    });

    describe("scope: a push that only records a release is not a release (the step, run in bash on real commits)", function () {
        const record = { message: "release: record the digests staging and prod run (#12)", files: { "releases/ledger.json": '{"v":2}', "Pulumi.prod.yaml": "b", "Pulumi.staging.yaml": "b" } };

        it("a commit changing services/api is a release", function () {
            assert.equal(scopeOf({ message: "fix(api): answer /version", files: { "services/api/server.js": "v2" } }), "true");
        });
        it("the merged record pull request (squash: its title) is not", function () {
            assert.equal(scopeOf(record), "false");
        });
        it("the record of a rollback is not either", function () {
            assert.equal(scopeOf({ ...record, message: "release: record the rollback of api in prod" }), "false");
        });
        it("the record's files under another message are a release", function () {
            assert.equal(scopeOf({ ...record, message: "chore: edit the ledger" }), "true");
        });
        it("a record message on a commit that also changes code is a release", function () {
            assert.equal(scopeOf({ ...record, files: { ...record.files, "services/api/server.js": "v3" } }), "true");
        });
        it("a record message with Pulumi.dev.yaml is a release (dev's file is not part of a record)", function () {
            assert.equal(scopeOf({ ...record, files: { ...record.files, "Pulumi.dev.yaml": "b" } }), "true");
        });
        it("a push of several commits ending with a record is a release (HEAD^ is not what main was)", function () {
            assert.equal(scopeOf(record, (shas) => shas[0], [{ message: "feat(api): more", files: { "services/api/server.js": "v4" } }]), "true");
        });
        it("a merge commit of the record pull request is a release (its message is not the record's)", function () {
            assert.equal(scopeOf({ ...record, message: "Merge pull request #12 from octo/release/promoted-digests" }), "true");
        });
    });

    describe("walking the runs as GitHub does", function () {
        const digests = JSON.stringify({ api: DIGEST });
        const releaseOutcomes = (overrides: Record<string, { result?: "success" | "failure" | "cancelled" }> = {}) => ({
            scope: { outputs: { release: "true" } },
            publish: { outputs: { digests } },
            ...overrides,
        });
        const contextOf = (id: string, walked: ReturnType<typeof walkJobs>): Inputs => ({
            ...PUSH_TO_MAIN,
            matrix: { service: "api" },
            needs: Object.fromEntries(walked.filter((job) => needsOf(release.jobs[id]).includes(job.id)).map((job) => [job.id, { result: job.result, outputs: job.outputs }])),
        });
        const artifactTable = (walked: ReturnType<typeof walkJobs>, failsAt: Record<string, (step: WalkedStep) => boolean> = {}): Record<string, string[]> =>
            Object.fromEntries(walked.filter((job) => job.result !== "skipped").map((job) => {
                const context = contextOf(job.id, walked);
                return [job.id, artifactsOf(walkSteps(release.jobs[job.id], context, failsAt[job.id]), context).map((use) => `${use.direction} ${use.name}`)];
            }));

        it("(a) a push to main changing services/api: the jobs, in order, and the ledger passed from job to job", function () {
            assert.equal(scopeOf({ message: "fix(api): answer /version", files: { "services/api/server.js": "v2" } }), "true");
            const walked = walkJobs(release, PUSH_TO_MAIN, releaseOutcomes());
            assert.deepEqual(walked.map((job) => `${job.wave} ${job.id} ${job.result}`), [
                "0 scope success", "1 test success", "1 migrations success", "2 build success", "3 publish success", "4 deploy-dev success", "5 deploy-staging success", "6 deploy-prod success", "7 record success",
            ]);
            assert.deepEqual(artifactTable(walked), {
                scope: [],
                test: [],
                migrations: ["upload migrations-reports"],
                build: ["upload image-api", "upload build-reports-api"],
                publish: ["download image-*", "upload ledger-publish"],
                "deploy-dev": ["download ledger-publish", "upload deploy-dev-reports", "upload ledger-dev"],
                "deploy-staging": ["download ledger-dev", "upload deploy-staging-reports", "upload ledger-staging"],
                "deploy-prod": ["download ledger-staging", "upload deploy-prod-reports", "upload ledger-prod"],
                record: ["download ledger-staging", "download ledger-prod", "download deploy-*-reports"],
            });
        });

        it("(a) each job's permissions, environment and secrets", function () {
            const table = Object.fromEntries(Object.entries(release.jobs).map(([id, job]) => [id, `${JSON.stringify(permissionsOf(job))} ${String(job.environment ?? "-")} ${secretsOf(job).join(",") || "-"}`]));
            assert.deepEqual(table, {
                scope: '{"contents":"read"} - -',
                test: '{"contents":"read"} - -',
                migrations: '{"contents":"read"} - -',
                build: '{"contents":"read"} - -',
                publish: '{"contents":"read","id-token":"write"} publish -',
                "deploy-dev": '{"contents":"read","id-token":"write"} dev PULUMI_ACCESS_TOKEN',
                "deploy-staging": '{"contents":"read","id-token":"write"} staging PULUMI_ACCESS_TOKEN',
                "deploy-prod": '{"contents":"read","id-token":"write"} prod PULUMI_ACCESS_TOKEN',
                record: '{"contents":"write","pull-requests":"write"} - GITHUB_TOKEN,RECORD_TOKEN',
            });
        });

        it("(a) each deploy job copies the ledger out of the artifact, laid out as upload-artifact stores it, before anything reads it", function () {
            for (const [id, { ledgerFrom }] of Object.entries(DEPLOY_JOBS)) {
                const uploader = release.jobs[ledgerFrom].steps.find(upload(LEDGER_ARTIFACT[ledgerFrom]));
                const layout = artifactLayout(String(uploader?.with?.path).trim().split("\n"));
                const downloader = release.jobs[id].steps.find(download(LEDGER_ARTIFACT[ledgerFrom]));
                const into = interpolate(String(downloader?.with?.path), { runner: { temp: "$RUNNER_TEMP" } });
                const files = Object.fromEntries(Object.entries(layout).map(([stored, original]) => [`${into}/${stored}`, `${ledgerFrom} wrote ${original}`]));
                const copy = release.jobs[id].steps[release.jobs[id].steps.indexOf(downloader as Step) + 1];
                const run = runStepScript(String(copy.run), { files: { ...files, "releases/ledger.json": "main's ledger" } });
                assert.equal(run.status, 0, `${id}: ${run.output}`);
                assert.equal(fs.readFileSync(path.join(run.workspace, "releases", "ledger.json"), "utf8"), `${ledgerFrom} wrote releases/ledger.json`, id);
            }
        });

        it("(a) build runs the project's build command for the matrix's service; no BUILD_* or tag of its own", function () {
            const run = runBuildStep({ stubs: { node: "exit 0" } });
            assert.equal(run.status, 0, run.output);
            assert.deepEqual(run.calls, [["node", "tools/bin.js", "build", "--service", "api", "--format", "json", "--output", "json=reports/build-api.json"]]);
        });

        it("(a) build, run for real against a stubbed docker: BUILD_* from the run and the commit's date, the revision label checked, the tag every later step takes", function () {
            const built = runBuildStep({ stubs: REAL_TOOLS });
            assert.equal(built.status, 0, built.output);
            const dockerBuild = built.calls.find((call) => call[0] === "docker" && call[1] === "build") as string[];
            assert.deepEqual(dockerBuild, [
                "docker", "build", "--network", "host", "-t", `local/api:${HEAD.sha}`,
                "--build-arg", `BUILD_SHA=${HEAD.sha}`, "--build-arg", `BUILD_DATE=${HEAD.date}`, "--build-arg", "BUILD_ACTOR=octo-releaser",
                path.join(PROJECT_DIR, "services", "api"),
            ]);
            const report = JSON.parse(fs.readFileSync(path.join(built.workspace, "reports", "build-api.json"), "utf8")) as Inputs;
            assert.deepEqual([report.image, report.sha, report.date, report.actor], [`local/api:${HEAD.sha}`, HEAD.sha, HEAD.date, "octo-releaser"]);
            // The smoke test, the SBOM, the scan and the archive take that image; publish loads it under that name.
            const context = { ...PUSH_TO_MAIN, github: { ...(PUSH_TO_MAIN.github as Inputs), sha: HEAD.sha }, matrix: { service: "api" } };
            const refs = release.jobs.build.steps.flatMap((step) => [step.with?.["image-ref"], step.env?.IMAGE].filter((ref) => ref !== undefined)).map((ref) => interpolate(String(ref), context));
            assert.equal(refs.length, 4);
            for (const ref of refs) assert.equal(ref, `local/api:${HEAD.sha}`);

            const otherLabel = runBuildStep({ stubs: REAL_TOOLS, env: { LABEL_SHA: "f".repeat(40) } });
            assert.equal(otherLabel.status, 2, otherLabel.output);
            assert.match(otherLabel.output, /org\.opencontainers\.image\.revision label is .*must bake BUILD_SHA/);
        });

        const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
        const publishStep = String(release.jobs.publish.steps.find((step) => step.id === "push")?.run);
        const publishWith = (options: { env?: Record<string, string>; stubs: Record<string, string>; images?: string[]; files?: Record<string, string> }): StepRun => {
            const images = Object.fromEntries((options.images ?? ["api"]).map((service) => [`image/${service}.tar`, `the ${service} image`]));
            return runStepScript(publishStep, { env: { REGISTRY, GITHUB_ACTOR: "octo-releaser", GITHUB_RUN_ID: "7", ...options.env }, stubs: options.stubs, files: { ...images, ...options.files } });
        };

        it("(a) publish loads each image and runs the project's publish command for it; the digests it prints are the job's output", function () {
            // The stubbed command prints $ANSWER_<service>, as `publish --format json` does.
            const node = 'answer="ANSWER_$4"; printf \'%s\\n\' "${!answer}"; exit "${NODE_STATUS:-0}"';
            const ok = { ANSWER_api: JSON.stringify({ api: DIGEST }), ANSWER_worker: JSON.stringify({ worker: OLD_DIGEST }) };
            const run = publishWith({ env: ok, stubs: { node, docker: "exit 0" }, images: ["api", "worker"] });
            assert.equal(run.status, 0, run.output);
            const publishArgs = (service: string): string[] => ["node", "tools/bin.js", "publish", "--service", service, "--image", `local/${service}:${COMMIT}`, "--sha", COMMIT, "--registry", REGISTRY, "--format", "json"];
            assert.deepEqual(run.calls, [["docker", "load", "-i", "image/api.tar"], publishArgs("api"), ["docker", "load", "-i", "image/worker.tar"], publishArgs("worker")]);
            assert.deepEqual(run.outputs, { digests: JSON.stringify({ api: DIGEST, worker: OLD_DIGEST }) });
            assert.ok(!run.calls.some((call) => call[0] === "docker" && call[1] !== "load"), "no docker push, tag or manifest inspect of its own");

            const failures: [string, Record<string, string>, RegExp | undefined, string[]?][] = [
                ["a digest that is not sha256", { ...ok, ANSWER_api: JSON.stringify({ api: "sha256:abc" }) }, /::error::publish named no digest for api \(sha256:abc\)/],
                ["another service's digest", { ...ok, ANSWER_api: JSON.stringify({ worker: DIGEST }) }, /::error::publish named no digest for api \(nothing\)/],
                ["no JSON", { ...ok, ANSWER_api: "api: published" }, /::error::publish named no digest for api \(nothing\)/],
                ["the command refusing (another image under the tag)", { ...ok, NODE_STATUS: "1" }, undefined],
                ["no image to publish", ok, /::error::no image to publish/, []],
            ];
            for (const [name, env, message, images] of failures) {
                const failed = publishWith({ env, stubs: { node, docker: "exit 0" }, images });
                assert.notEqual(failed.status, 0, `${name}: ${failed.output}`);
                if (message) assert.match(failed.output, message, name);
                assert.deepEqual(failed.outputs, {}, name);
            }
        });

        it("(a) publish on a re-run, the command run for real against a stubbed registry: a tag ECR holds already is compared, not pushed again; another image under it stops the job", function () {
            const imageId = `sha256:${"1".repeat(64)}`;
            const registry = scratchDir("workflow-registry-");
            // A registry: a pushed reference is a file holding its digest and config; `manifest inspect` reads it.
            const docker = [
                'last="${*: -1}"; file="$REGISTRY_STATE/$(printf %s "$last" | tr "/:" "__")"',
                'case "$1" in',
                "  load|tag) exit 0;;",
                '  image) [ "$last" = "local/api:$GITHUB_SHA" ] || { echo "No such image: $last" >&2; exit 1; }; echo "$IMAGE_ID"; exit 0;;',
                '  manifest) [ -f "$file" ] || { echo "no such manifest: $last" >&2; exit 1; }; read -r digest config < "$file"',
                '    printf \'{"Ref": "%s", "Descriptor": {"digest": "%s"}, "SchemaV2Manifest": {"config": {"digest": "%s"}}}\\n\' "$last" "$digest" "$config"; exit 0;;',
                '  push) echo "$PUSHED_DIGEST $IMAGE_ID" > "$file"; exit 0;;',
                "esac",
                "exit 9",
            ].join("\n");
            const env = { REGISTRY_STATE: registry, IMAGE_ID: imageId, PUSHED_DIGEST: DIGEST };
            const ledger = { "releases/ledger.json": LEDGER_HEAD([]) };
            const pushes = (run: StepRun): string[] => run.calls.filter((call) => call[0] === "docker" && call[1] === "push").map((call) => call[2]);
            const published = (run: StepRun): string[] => (JSON.parse(fs.readFileSync(path.join(run.workspace, "releases", "ledger.json"), "utf8")) as { entries: Inputs[] }).entries.map((entry) => `${String(entry.event)} ${String(entry.service)} ${String(entry.digest)} ${String(entry.sha)}`);

            const first = publishWith({ env, stubs: { node: REAL_TOOLS_IN_WORKSPACE, docker }, files: ledger });
            assert.equal(first.status, 0, first.output);
            assert.deepEqual(pushes(first), ["dev", "staging", "prod"].map((stack) => `${REGISTRY}/platform/${stack}/api:${COMMIT}`));
            assert.deepEqual(first.outputs, { digests: JSON.stringify({ api: DIGEST }) });
            assert.deepEqual(published(first), [`published api ${DIGEST} ${COMMIT}`], "the command records it published");

            const rerun = publishWith({ env, stubs: { node: REAL_TOOLS_IN_WORKSPACE, docker }, files: ledger });
            assert.equal(rerun.status, 0, rerun.output);
            assert.deepEqual(pushes(rerun), [], "nothing pushed twice");
            assert.deepEqual(rerun.outputs, { digests: JSON.stringify({ api: DIGEST }) });

            const rebuilt = publishWith({ env: { ...env, IMAGE_ID: `sha256:${"2".repeat(64)}` }, stubs: { node: REAL_TOOLS_IN_WORKSPACE, docker }, files: ledger });
            assert.notEqual(rebuilt.status, 0);
            assert.match(rebuilt.output, /already holds another image under the tag/);
            assert.deepEqual(pushes(rebuilt), []);
            assert.deepEqual(rebuilt.outputs, {});
            assert.deepEqual(published(rebuilt), [], "nothing recorded");
        });

        for (const [id, { stack }] of Object.entries(DEPLOY_JOBS)) {
            it(`(a) ${id} smoke-tests the digest its state runs, by service and digest, then records it verified; an empty digest stops it`, function () {
                const job = release.jobs[id];
                const smoke = job.steps.find(runs(/tools\/bin\.js smoke/)) as Step;
                const verify = job.steps.find(runs(/record verified/)) as Step;
                const images = JSON.stringify({ api: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/${stack}/api:${COMMIT}@${DIGEST}`, worker: `r/worker:1.4.2@${OLD_DIGEST}` });
                const env = { DIGESTS: digests, STACK: stack, SMOKE_URL: `https://api.${stack}.example.com` };
                const passed = runStepScript(String(smoke.run), { env, stubs: { pulumi: `echo '${images}'`, node: "exit 0" } });
                assert.equal(passed.status, 0, passed.output);
                assert.deepEqual(passed.calls.map((call) => call.slice(0, 9)), [
                    ["pulumi", "stack", "output", "serviceImages", "--json", "--stack", stack],
                    ["node", "tools/bin.js", "smoke", "--url", env.SMOKE_URL, "--service", "api", "--digest", DIGEST],
                ]);
                assert.ok(passed.calls[1].includes("json=reports/smoke-api.json"), passed.calls[1].join(" "));
                const recorded = runStepScript(String(verify.run), { env, stubs: { node: "exit 0" } });
                assert.deepEqual(recorded.calls, [["node", "tools/bin.js", "record", "verified", "--stack", stack, "--smoke", "reports/smoke-api.json", "--images", `${recorded.temp}/images.json`]]);
                for (const [broken, stub] of [["a state without api", `echo '{"worker": "r/worker:1.4.2@${OLD_DIGEST}"}'`], ["an image without a digest", `echo '{"api": "r/api:${COMMIT}"}'`], ["pulumi failing", "exit 3"]]) {
                    const failed = runStepScript(String(smoke.run), { env, stubs: { pulumi: stub, node: "exit 0" } });
                    assert.notEqual(failed.status, 0, `${broken}: ${failed.output}`);
                    assert.ok(!failed.calls.some((call) => call[0] === "node"), `${broken}: smoke ran anyway`);
                }
            });
        }

        it("(a) deploy-prod fails its smoke check: no prod ledger is uploaded, record takes staging's files and ledger only", function () {
            const failsAtSmoke = { "deploy-prod": (step: WalkedStep) => /tools\/bin\.js smoke/.test(step.run ?? "") };
            const walked = walkJobs(release, PUSH_TO_MAIN, releaseOutcomes({ "deploy-prod": { result: "failure" } }));
            assert.deepEqual(walked.filter((job) => job.id === "record" || job.id === "deploy-prod").map((job) => `${job.id} ${job.result}`), ["deploy-prod failure", "record success"]);
            const table = artifactTable(walked, failsAtSmoke);
            assert.deepEqual(table["deploy-prod"], ["download ledger-staging", "upload deploy-prod-reports"]);
            assert.deepEqual(table.record, ["download ledger-staging", "download deploy-*-reports"]);
            const steps = walkSteps(release.jobs["deploy-prod"], contextOf("deploy-prod", walked), failsAtSmoke["deploy-prod"]);
            assert.equal(steps.find((step) => /record verified/.test(step.run ?? ""))?.outcome, "skipped", "nothing verified in prod");

            const take = String(release.jobs.record.steps.find(runs(/releases\/ledger\.json/))?.run);
            const main = { "releases/ledger.json": LEDGER_HEAD([]), "Pulumi.staging.yaml": "main", "Pulumi.prod.yaml": "main" };
            const staging = { "$RUNNER_TEMP/ledger-staging/releases/ledger.json": LEDGER_HEAD([PUBLISHED, { ...PUBLISHED, event: "verified", stack: "staging" }]), "$RUNNER_TEMP/ledger-staging/Pulumi.staging.yaml": "staging deployed" };
            const prod = { "$RUNNER_TEMP/ledger-prod/releases/ledger.json": LEDGER_HEAD([PUBLISHED, { ...PUBLISHED, event: "verified", stack: "prod" }]), "$RUNNER_TEMP/ledger-prod/Pulumi.prod.yaml": "prod deployed" };
            const noPending = { gh: "exit 1" };
            const env = (result: string): Record<string, string> => ({ RECORD_BRANCH: String((release.jobs.record.env as Inputs).RECORD_BRANCH), PROD_RESULT: result });
            const onlyStaging = runStepScript(take, { files: { ...main, ...staging }, stubs: noPending, env: env("failure") });
            assert.equal(onlyStaging.status, 0, onlyStaging.output);
            const read = (run: StepRun, file: string): string => fs.readFileSync(path.join(run.workspace, file), "utf8");
            assert.deepEqual(RECORD_FILES.map((file) => read(onlyStaging, file)), [staging["$RUNNER_TEMP/ledger-staging/releases/ledger.json"], "staging deployed", "main"]);
            assert.match(fs.readFileSync(path.join(onlyStaging.temp, "body.md"), "utf8"), /deploy-prod: failure; Pulumi\.prod\.yaml and prod's ledger entries are not part of this record/);

            const both = runStepScript(take, { files: { ...main, ...staging, ...prod }, stubs: noPending, env: env("success") });
            assert.deepEqual(RECORD_FILES.map((file) => read(both, file)), [prod["$RUNNER_TEMP/ledger-prod/releases/ledger.json"], "staging deployed", "prod deployed"]);

            // An earlier release's record pull request is still open: its entries stay, ours follow, once each.
            const earlier = { ...PUBLISHED, digest: OLD_DIGEST, sha: "a".repeat(40), by: "octo/platform run 6 (dev)" };
            const pending = LEDGER_HEAD([earlier, { ...earlier, event: "verified", stack: "prod" }]);
            const merged = runStepScript(take, { files: { ...main, ...staging, ...prod }, stubs: { gh: `printf '%s' '${pending}'` }, env: env("success") });
            assert.equal(merged.status, 0, merged.output);
            assert.deepEqual((JSON.parse(read(merged, "releases/ledger.json")) as { entries: Inputs[] }).entries.map((entry) => `${String(entry.event)} ${String(entry.stack ?? "-")} ${String(entry.digest).slice(7, 9)}`), ["published - 00", "verified prod 00", "published - dd", "verified prod dd"]);
            assert.ok(merged.calls.some((call) => call[0] === "gh" && call.includes("repos/octo/platform/contents/releases/ledger.json?ref=release/promoted-digests")), "asks for the pending branch's ledger");
            assert.equal(String(release.jobs.record.steps.find(uses("peter-evans/create-pull-request"))?.with?.branch), "${{ env.RECORD_BRANCH }}", "the branch it asks about is the one it writes");
        });

        it("(a) the migrations fail on PostgreSQL: nothing is published, deployed or recorded", function () {
            const walked = walkJobs(release, PUSH_TO_MAIN, releaseOutcomes({ migrations: { result: "failure" } }));
            assert.deepEqual(walked.map((job) => `${job.id} ${job.result}`), [
                "scope success", "test success", "migrations failure", "build success", "publish skipped", "deploy-dev skipped", "deploy-staging skipped", "deploy-prod skipped", "record skipped",
            ]);
        });

        it("(a) the migrations job runs the check the spec runs, on the real migrations, with the real script", function () {
            const job = release.jobs.migrations;
            const check = String(job.steps.find(runs(/^npm run migrations:check\b/))?.run);
            const scripts = (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
            assert.equal(scripts["migrations:check"], "node tools/bin.js migrations-check");
            assert.match(check, /^npm run migrations:check -- --output json=reports\/migrations\.json$/);
            assert.ok(fs.existsSync(path.join(PROJECT_DIR, "scripts", "postgres.sh")));
            assert.ok(fs.existsSync(path.join(PROJECT_DIR, "services", "api", "db", "migrations")), "the sample service has migrations to check");
        });

        it("(a) deploy-staging fails: prod never starts, nothing is recorded", function () {
            const walked = walkJobs(release, PUSH_TO_MAIN, releaseOutcomes({ "deploy-staging": { result: "failure" } }));
            assert.deepEqual(walked.filter((job) => job.wave >= 5).map((job) => `${job.id} ${job.result}`), ["deploy-staging failure", "deploy-prod skipped", "record skipped"]);
        });

        it("(b) a record-only push: scope says so, and only scope runs", function () {
            assert.equal(scopeOf({ message: "release: record the digests staging and prod run (#12)", files: { "releases/ledger.json": '{"v":2}', "Pulumi.prod.yaml": "b" } }), "false");
            const walked = walkJobs(release, PUSH_TO_MAIN, { scope: { outputs: { release: "false" } } });
            assert.deepEqual(walked.filter((job) => job.result !== "skipped").map((job) => job.id), ["scope"]);
        });

        describe("(c) a prod rollback", function () {
            const inputs = { stack: "prod", service: "api", digest: "previous", sha: "", incident: "" };
            const dispatch = runContext({ event_name: "workflow_dispatch", ref: "refs/heads/main" }, { inputs });
            const job = rollback.jobs.rollback;

            it("its own concurrency group per stack, never cancelled, shared with no release job", function () {
                assert.deepEqual(job.concurrency, { group: "rollback-${{ inputs.stack }}", "cancel-in-progress": false });
                for (const stack of ["dev", "staging", "prod"]) {
                    const group = interpolate(String((job.concurrency as Inputs).group), { inputs: { stack } });
                    const releaseGroups = Object.values(release.jobs).map((candidate) => (candidate.concurrency as Inputs | undefined)?.group).filter((value) => value !== undefined).map(String);
                    assert.equal(group, `rollback-${stack}`);
                    assert.ok(!releaseGroups.includes(group), `${group} is a release group too`);
                }
                for (const text of [releaseText, rollbackText].map(prose)) {
                    assert.match(text, /one pending job per group/);
                    assert.match(text, /the stack is currently locked/);
                    assert.match(text, /Another update is currently in progress/);
                }
            });

            it("rollback, then record, only when the rollback succeeded", function () {
                assert.deepEqual(walkJobs(rollback, dispatch).map((walked) => `${walked.wave} ${walked.id} ${walked.result}`), ["0 rollback success", "1 record success"]);
                assert.deepEqual(walkJobs(rollback, dispatch, { rollback: { result: "failure" } }).map((walked) => `${walked.id} ${walked.result}`), ["rollback failure", "record skipped"]);
                const context = { ...dispatch, steps: { choose: { outputs: { "smoke-by": "ledger" } } } };
                const failed = walkSteps(job, context, (step) => /tools\/bin\.js smoke/.test(step.run ?? ""));
                assert.deepEqual(artifactsOf(failed, context).map((use) => `${use.direction} ${use.name}`), ["upload rollback-reports"]);
                assert.deepEqual(artifactsOf(walkSteps(job, context), context).map((use) => `${use.direction} ${use.name}`), ["upload rollback-reports", "upload rollback-ledger"]);
                const record = rollback.jobs.record;
                assert.deepEqual(String(record.steps.find(uses("peter-evans/create-pull-request"))?.with?.["add-paths"]).trim().split("\n"), ["Pulumi.${{ inputs.stack }}.yaml", "releases/ledger.json"]);
                assert.match(String(record.steps.find(uses("peter-evans/create-pull-request"))?.with?.["commit-message"]), /^release: record the rollback/);
            });

            it("the gates in order: choose, predeploy (with the incident), pulumi up with the pack, smoke, record verified", function () {
                const inputsDeclared = (rollback.on.workflow_dispatch as Inputs).inputs as Record<string, Inputs>;
                assert.deepEqual(Object.keys(inputsDeclared), ["stack", "service", "digest", "sha", "incident"]);
                assert.equal(inputsDeclared.digest.default, "previous");
                assert.equal(job.environment, "${{ inputs.stack }}");
                const choose = stepIndex(job, (step) => step.id === "choose");
                const predeploy = stepIndex(job, runs(/tools\/bin\.js predeploy --stack "\$STACK"/));
                const up = stepIndex(job, pulumiUp);
                const smoke = stepIndex(job, runs(/tools\/bin\.js smoke/));
                const verified = stepIndex(job, runs(/tools\/bin\.js record verified --stack "\$STACK"/));
                assert.ok(choose >= 0 && choose < predeploy && predeploy < up && up < smoke && smoke < verified, [choose, predeploy, up, smoke, verified].join());
                assert.match(String(job.steps[predeploy].run), /--override-freeze "\$INCIDENT"/);
                assert.equal(job.steps[up].with?.policyPacks, "policies");
                assert.equal(job.steps[verified].if, "steps.choose.outputs.smoke-by == 'ledger'");
                assert.ok(job.steps.some((step) => upload("rollback-ledger")(step) && step.if === "success()"));
            });

            /** The choose step, run against a stubbed Pulumi whose history is `history` (newest first, as the CLI prints it). */
            const choose = (env: Record<string, string>, ledger: object[], history: object[] = []) => runStepScript(String(job.steps.find((step) => step.id === "choose")?.run), {
                env: { STACK: "prod", SERVICE: "api", DIGEST: "previous", EXPECT_SHA: "", ...env },
                files: { "releases/ledger.json": LEDGER_HEAD(ledger) },
                stubs: {
                    pulumi: [
                        'if [ "$1 $2" = "stack history" ]; then echo \'' + JSON.stringify(history) + "'; exit 0; fi",
                        'if [ "$1 $2" = "stack export" ]; then file=""; version=current; while [ $# -gt 0 ]; do case "$1" in --file) file="$2"; shift;; --version) version="$2"; shift;; esac; shift; done; echo "{\\"version\\": \\"$version\\"}" > "$file"; exit 0; fi',
                        "exit 9",
                    ].join("\n"),
                    node: `echo '{"changes": [{"after": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:${COMMIT}@${DIGEST}"}]}'`,
                },
            });
            const history = [
                { version: 14, kind: "update", result: "failed" },
                { version: 13, kind: "refresh", result: "succeeded" },
                { version: 12, kind: "update", result: "succeeded" },
                { version: 9, kind: "update", result: "succeeded" },
                { version: 3, kind: "update", result: "succeeded" },
                { version: 11, kind: "update", result: "succeeded" },
            ];

            it("digest=previous: the current state, then every successful update from the stack's history, newest first, all to promote --previous", function () {
                const run = choose({}, [PUBLISHED], history);
                assert.equal(run.status, 0, run.output);
                const exports = run.calls.filter((call) => call[0] === "pulumi" && call[2] === "export").map((call) => (call.includes("--version") ? call[call.indexOf("--version") + 1] : "current"));
                assert.deepEqual(exports, ["current", "12", "11", "9", "3"]);
                assert.ok(run.calls.some((call) => call[0] === "pulumi" && call[2] === "history" && call.includes("--page-size") && call[call.indexOf("--page-size") + 1] === "0"), "the whole history (the CLI's default page is 10 updates)");
                const promote = run.calls.find((call) => call[0] === "node") as string[];
                assert.deepEqual(promote.slice(0, 8), ["node", "tools/bin.js", "promote", "--to", "prod", "--service", "api", "--previous"]);
                const images = promote.flatMap((arg, index) => (arg === "--images" ? [path.basename(promote[index + 1])] : []));
                assert.deepEqual(images, ["export-current.json", "export-12.json", "export-11.json", "export-9.json", "export-3.json"]);
                assert.deepEqual(run.outputs, { digest: DIGEST, "smoke-by": "ledger" });
            });

            it("a build the flow never published (adopted before the ledger) needs the sha input, and stops before anything changes without it", function () {
                const adopted = { event: "adopted", service: "api", digest: DIGEST, stack: "prod", at: "2026-12-08T00:00:00Z" };
                const without = choose({ DIGEST }, [adopted]);
                assert.notEqual(without.status, 0);
                assert.match(without.output, /never published by the release flow[^\n]*give the sha input/);
                assert.deepEqual(without.outputs, {});
                const withSha = choose({ DIGEST, EXPECT_SHA: "a".repeat(40) }, [adopted]);
                assert.deepEqual(withSha.outputs, { digest: DIGEST, "smoke-by": "sha" });
            });

            it("the smoke check holds the stack's state to the chosen digest, by service and digest from the ledger", function () {
                const smoke = String(job.steps.find(runs(/tools\/bin\.js smoke/))?.run);
                const images = (digest: string): string => `echo '${JSON.stringify({ api: `r/prod/api:${COMMIT}@${digest}` })}'`;
                const env = { STACK: "prod", SERVICE: "api", CHOSEN: DIGEST, SMOKE_BY: "ledger", SMOKE_URL: "https://api.example.com", EXPECT_SHA: "" };
                const passed = runStepScript(smoke, { env, stubs: { pulumi: images(DIGEST), node: "exit 0" } });
                assert.equal(passed.status, 0, passed.output);
                assert.deepEqual(passed.calls[1].slice(0, 9), ["node", "tools/bin.js", "smoke", "--url", "https://api.example.com", "--service", "api", "--digest", DIGEST]);
                const other = runStepScript(smoke, { env, stubs: { pulumi: images(OLD_DIGEST), node: "exit 0" } });
                assert.notEqual(other.status, 0);
                assert.ok(!other.calls.some((call) => call[0] === "node"));
                const bySha = runStepScript(smoke, { env: { ...env, SMOKE_BY: "sha", EXPECT_SHA: "a".repeat(40) }, stubs: { pulumi: images(DIGEST), node: "exit 0" } });
                assert.deepEqual(bySha.calls[1].slice(0, 7), ["node", "tools/bin.js", "smoke", "--url", "https://api.example.com", "--expect-sha", "a".repeat(40)]);
            });

            it("the manual rollback in the runbook picks versions with the same filter", function () {
                const filter = /jq -r '(\[\.\[\] \| select[^']+)'/;
                const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "rollback.md"), "utf8");
                assert.equal(filter.exec(runbook)?.[1], filter.exec(rollbackText)?.[1]);
                assert.match(runbook, /--page-size 0/);
            });
        });

        describe("(d) ci.yml on a pull request", function () {
            const ci = parseYaml(fs.readFileSync(CI_WORKFLOW, "utf8")) as Workflow;
            const pullRequest = (from: string): Inputs => runContext({ event_name: "pull_request", ref: "refs/pull/7/merge", base_ref: "main", event: { pull_request: { number: 7, head: { repo: { full_name: from } } } } });
            const privileged = (job: Job): boolean => secretsOf(job).length > 0 || permissionsOf(job)["id-token"] === "write";

            it("from a fork: only the unprivileged jobs run; nothing with secrets or an OIDC token", function () {
                const walked = walkJobs(ci, pullRequest("someone/platform"));
                assert.deepEqual(walked.filter((job) => job.result !== "skipped").map((job) => job.id), ["test", "offline-plan"]);
                for (const job of walked.filter((candidate) => candidate.result !== "skipped")) {
                    assert.ok(!privileged(ci.jobs[job.id]), `${job.id} holds ${secretsOf(ci.jobs[job.id]).join(", ")}`);
                    assert.ok(!Object.values(permissionsOf(ci.jobs[job.id])).includes("write"), `${job.id} writes`);
                }
            });

            it("from a branch of the repository: the privileged jobs run, each behind an environment; on a push none of the previews does", function () {
                const walked = walkJobs(ci, pullRequest("octo/platform"));
                assert.deepEqual(walked.filter((job) => job.result !== "skipped").map((job) => job.id), ["test", "offline-plan", "plan-report", "preview", "preview-gcp"]);
                for (const job of walked.filter((candidate) => candidate.result !== "skipped" && privileged(ci.jobs[candidate.id]))) {
                    assert.match(String(ci.jobs[job.id].environment), /^preview-/, job.id);
                }
                const push = walkJobs(ci, PUSH_TO_MAIN);
                assert.deepEqual(push.filter((job) => job.result !== "skipped").map((job) => job.id), ["test", "offline-plan", "plan-report"]);
            });
        });
    });

    const regressions: { name: string; from: string; to: string; problem: RegExp }[] = [
        { name: "publish not waiting for the migrations", from: "    needs: [scope, build, migrations]\n", to: "    needs: [scope, build]\n", problem: /publish needs scope, build, migrations/ },
        { name: "the migrations check without a required PostgreSQL", from: "        env:\n          PLATFORM_POSTGRES: required\n", to: "", problem: /PostgreSQL is required/ },
        { name: "a migrations check allowed to fail", from: "        run: npm run migrations:check -- --output json=reports/migrations.json\n", to: "        run: npm run migrations:check -- --output json=reports/migrations.json\n        continue-on-error: true\n", problem: /a failing check fails the job/ },
        { name: "prod deployed straight after dev", from: "    needs: [scope, publish, deploy-staging]\n", to: "    needs: [scope, publish, deploy-dev]\n", problem: /deploy-prod needs scope, publish, deploy-staging/ },
        { name: "prod deployed even when staging failed", from: "    needs: [scope, publish, deploy-staging]\n    if: needs.scope.outputs.release == 'true'\n", to: "    needs: [scope, publish, deploy-staging]\n    if: always() && needs.scope.outputs.release == 'true'\n", problem: /deploy-prod runs only when staging succeeded/ },
        { name: "a job that does not wait for scope", from: "  test:\n    needs: scope\n    if: needs.scope.outputs.release == 'true'\n", to: "  test:\n", problem: /test needs scope and runs only when/ },
        { name: "scope without the parent commit", from: "with: { fetch-depth: 2, persist-credentials: false }", to: "with: { persist-credentials: false }", problem: /fetch-depth: 2/ },
        { name: "a rebuild in the staging job", from: "      - name: Promote the digests dev runs (no rebuild)\n", to: "      - run: docker build -t api services/api\n      - name: Promote the digests dev runs (no rebuild)\n", problem: /deploy-staging builds an image/ },
        { name: "pulumi up of prod without the policy pack", from: "          stack-name: prod\n          policyPacks: policies\n", to: "          stack-name: prod\n", problem: /deploy-prod: pulumi up of prod with the policy pack/ },
        { name: "the predeploy check left out of staging", from: "      - name: Predeploy checks\n        run: |\n          node tools/bin.js predeploy --stack \"$STACK\" --prometheus-url \"$PROMETHEUS_URL\" \\\n            --output markdown=reports/predeploy.md --output junit=reports/predeploy.xml\n      - uses: pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1\n        with:\n          command: up\n          stack-name: staging", to: "      - uses: pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1\n        with:\n          command: up\n          stack-name: staging", problem: /deploy-staging: ledger -> promote -> predeploy -> pulumi up/ },
        { name: "a critical finding that no longer fails the build", from: 'exit-code: "1"', to: 'exit-code: "0"', problem: /critical finding/ },
        { name: "a concurrency group shared by every stack", from: "      group: deploy-staging\n", to: "      group: deploy\n", problem: /deploy-staging: concurrency group deploy-staging/ },
        { name: "prod starting from main's ledger", from: '        run: cp "$RUNNER_TEMP/ledger-staging/releases/ledger.json" releases/ledger.json\n', to: "        run: echo keep\n", problem: /deploy-prod starts from the ledger deploy-staging uploaded/ },
        { name: "a ledger uploaded whatever the deploy did", from: "      - name: The ledger and the stack file, only when staging deployed and verified\n        if: success()", to: "      - name: The ledger and the stack file, only when staging deployed and verified\n        if: always()", problem: /deploy-staging: the ledger and Pulumi\.staging\.yaml are uploaded \(ledger-staging\) only when the job succeeded/ },
        { name: "the smoke check held to the deploying commit again", from: 'node tools/bin.js smoke --url "$SMOKE_URL" --service "$service" --digest "$digest" \\', to: 'node tools/bin.js smoke --url "$SMOKE_URL" --expect-sha "$GITHUB_SHA" \\', problem: /deploy-dev: ledger -> promote -> predeploy -> pulumi up -> smoke/ },
        { name: "record taking prod's files when prod failed", from: "        if: needs.deploy-prod.result == 'success'\n", to: "", problem: /record takes prod's files only when deploy-prod succeeded/ },
        { name: "record leaving the ledger out", from: "            Pulumi.prod.yaml\n            releases/ledger.json\n", to: "            Pulumi.prod.yaml\n", problem: /record commits the stack files and the ledger/ },
        { name: "a docker build by hand in build", from: 'run: node tools/bin.js build --service "$SERVICE"', to: 'run: docker build --network host -t "local/$SERVICE:$GITHUB_SHA" "services/$SERVICE" && echo', problem: /build builds or pushes an image by hand/ },
        { name: "a buildx build by hand over a continued line", from: 'run: node tools/bin.js build --service "$SERVICE"', to: 'run: |\n          docker --debug \\\n            buildx build -t "local/$SERVICE:$GITHUB_SHA" "services/$SERVICE"\n          echo', problem: /build builds or pushes an image by hand/ },
        { name: "a docker push by hand in publish", from: '            docker load -i "$archive"\n', to: '            docker load -i "$archive"\n            docker push "$REGISTRY/platform/dev/$service:$GITHUB_SHA"\n', problem: /publish builds or pushes an image by hand/ },
        { name: "publish without the registry", from: ' --registry "$REGISTRY" --format json', to: " --format json", problem: /publish runs `node tools\/bin\.js publish/ },
        { name: "publish taking a digest unchecked", from: '            [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "::error::publish named no digest for $service (${digest:-nothing})"; exit 1; }\n', to: "", problem: /publish validates each digest/ },
        { name: "publish recording the digest a second time", from: '            echo "$service: $digest" | tee -a "$GITHUB_STEP_SUMMARY"\n', to: '            node tools/bin.js record published --service "$service" --digest "$digest" --sha "$GITHUB_SHA"\n', problem: /publish records through the command/ },
        { name: "the build date set by hand", from: "          SERVICE: ${{ matrix.service }}\n        run: node tools/bin.js build", to: "          SERVICE: ${{ matrix.service }}\n          BUILD_DATE: ${{ github.event.head_commit.timestamp }}\n        run: node tools/bin.js build", problem: /build sets BUILD_\*/ },
        { name: "a scan of another image than the one built", from: "          image-ref: local/${{ matrix.service }}:${{ github.sha }}\n          severity: CRITICAL", to: "          image-ref: local/${{ matrix.service }}:latest\n          severity: CRITICAL", problem: /build: the smoke test, the SBOM, the scan and the archive take the image/ },
        { name: "bash without pipefail", from: "defaults:\n  run:\n    shell: bash\n", to: "", problem: /every run step in bash with pipefail/ },
        { name: "a deploy job setting BUILD_SHA", from: "      STACK: prod\n", to: "      STACK: prod\n      BUILD_SHA: ${{ github.sha }}\n", problem: /deploy-prod sets BUILD_\*/ },
    ];
    for (const regression of regressions) {
        it(`the spec catches ${regression.name}`, function () {
            const problems = releaseProblems(seeded(releaseText, regression.from, regression.to));
            assert.ok(problems.some((problem) => regression.problem.test(problem)), problems.join("\n"));
        });
    }

    it("the hygiene rules catch a release workflow without pipefail, too", function () {
        assert.ok(rulesOf(seeded(releaseText, "defaults:\n  run:\n    shell: bash\n", "")).includes("run-shell-pipefail"));
        assert.ok(rulesOf(seeded(rollbackText, "defaults:\n  run:\n    shell: bash\n", "")).includes("run-shell-pipefail"));
    });

    const oidcCases: { name: string; from: string; to: string }[] = [
        { name: "an access key given to configure-aws-credentials", from: "          role-to-assume: ${{ vars.AWS_PUBLISH_ROLE_ARN }}\n", to: "          aws-access-key-id: ${{ vars.AWS_ACCESS_KEY_ID }}\n" },
        { name: "a credentials action in a job without id-token: write", from: "      id-token: write           # OIDC to AWS: the publish role pushes to ECR and nothing else\n", to: "" },
        { name: "a stored secret key in the environment", from: "          REGISTRY: ${{ vars.ECR_REGISTRY }}\n        run: |\n          digests=", to: "          REGISTRY: ${{ vars.ECR_REGISTRY }}\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n        run: |\n          digests=" },
    ];
    for (const oidcCase of oidcCases) {
        it(`the oidc-credentials rule reports ${oidcCase.name}`, function () {
            assert.ok(rulesOf(seeded(releaseText, oidcCase.from, oidcCase.to)).includes("oidc-credentials"));
        });
    }
});
