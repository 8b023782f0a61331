import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Report } from "../tools/report";
import { ofType, PROJECT_DIR, renderedStack } from "./support/stacks";

const BIN = path.join(PROJECT_DIR, "tools", "bin.js");

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A project folder that links to the real program but has its own stack files. */
function projectWith(stackFiles: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-project-"));
    for (const entry of ["index.ts", "components", "config", "services", "package.json", "tsconfig.json", "node_modules", "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"]) {
        if (!(entry in stackFiles)) fs.symlinkSync(path.join(PROJECT_DIR, entry), path.join(dir, entry));
    }
    for (const [name, text] of Object.entries(stackFiles)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

function assertOneLineError(stderr: string, pattern: RegExp): void {
    const lines = stderr.trim().split("\n").filter((line) => !/^(rendering | {2}\w+: )/.test(line));
    assert.equal(lines.length, 1, `one line of error, got:\n${stderr}`);
    assert.match(lines[0], pattern);
    assert.ok(!/\n\s+at /.test(stderr), "no stack trace");
}

describe("the plan command", function () {
    this.timeout(180_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-cli-"));

    it("--help explains the command and exits 0", function () {
        const { code, stdout } = run(["plan", "--help"]);
        assert.equal(code, 0);
        assert.match(stdout, /Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 bad usage/);
    });

    it("bad usage exits 2 with one line", function () {
        const stack = run(["plan", "--stack", "qa"]);
        assert.equal(stack.code, 2);
        assertOneLineError(stack.stderr, /^error: --stack must be one of local, dev, staging, prod, gcp-dev, gcp-staging, gcp-prod, all or a stack with a Pulumi\.<stack>\.yaml; got "qa"/);
        const output = run(["plan", "--output", "pdf=report.pdf"]);
        assert.equal(output.code, 2);
        assertOneLineError(output.stderr, /unknown format "pdf"; known formats: human, json, sarif, junit, markdown/);
        const allAndOne = run(["plan", "--stack", "all", "--stack", "dev"]);
        assert.equal(allAndOne.code, 2);
        assertOneLineError(allAndOne.stderr, /^error: --stack all plans every stack; leave it out or name the stacks one by one/);
        const unknownSecond = run(["plan", "--stack", "dev", "--stack", "qa"]);
        assert.equal(unknownSecond.code, 2);
        assertOneLineError(unknownSecond.stderr, /got "qa"/);
        const config = run(["plan", "--policy-pack-config", path.join(scratch, "missing.json")]);
        assert.equal(config.code, 2);
        assertOneLineError(config.stderr, /missing\.json: no such file/);
    });

    it("--stack is repeatable: the stacks named, once each, in the order given", function () {
        const { code, stdout } = run(["plan", "--stack", "prod", "--stack", "local", "--stack", "prod", "--format", "json", "--no-tree"]);
        assert.equal(code, 0);
        const report = JSON.parse(stdout) as { stacks: { stack: string; resources: unknown[] }[] };
        assert.deepEqual(report.stacks.map((stack) => stack.stack), ["prod", "local"]);
        assert.ok(report.stacks.every((stack) => stack.resources.length > 0));
    });

    it("a stack with a broken stack file exits 2 and names the key; the other stacks still render", function () {
        const prod = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8").replace("  platform:cluster:", "  platform:postgres:\n    multiAz: false\n  platform:cluster:");
        const { code, stdout } = run(["plan", "--no-tree", "--project-dir", projectWith({ "Pulumi.prod.yaml": prod })]);
        assert.equal(code, 2);
        assert.match(stdout, /cannot render: Pulumi\.prod\.yaml: invalid stack configuration \(1 problem\):\n\s+- platform:postgres\.multiAz: expected true in the prod tier; found false/);
        assert.match(stdout, /staging: pass/);
        assert.ok(!/\n\s+at /.test(stdout));
    });

    it("a credential in a stack file's comment fails no-plaintext-secrets with the file and line", function () {
        const key = ["AKIA", "Z7QX3MEXAMPLE2KQ"].join("");
        const dev = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace("config:\n", `config:\n  # temporary: ${key}\n`);
        const { code, stdout } = run(["plan", "--stack", "dev", "--no-tree", "--project-dir", projectWith({ "Pulumi.dev.yaml": dev })]);
        assert.equal(code, 1);
        assert.match(stdout, /✖ mandatory no-plaintext-secrets {2}Pulumi\.dev\.yaml \(Pulumi stack file\): Pulumi\.dev\.yaml:4: has an AWS access key ID/);
        assert.ok(!stdout.includes(key), "the key itself is never printed");
    });

    it("a stack that fails inside the program (more zones than the region has) exits 2 with one line, no trace", function () {
        const prod = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8").replace("  platform:cluster:", "  platform:network:\n    availabilityZones: 4\n  platform:cluster:");
        const { code, stdout, stderr } = run(["plan", "--stack", "prod", "--no-tree", "--project-dir", projectWith({ "Pulumi.prod.yaml": prod })]);
        assert.equal(code, 2);
        assert.match(stdout, /cannot render: Pulumi\.prod\.yaml: platform:network\.availabilityZones: expected at most 3 \(the zones the region offers\); found 4/);
        assert.ok(!/\n\s+at /.test(stdout + stderr), "no stack trace");
    });

    it("mandatory violations exit 1: parity made mandatory in dev by the pack config", function () {
        const config = path.join(scratch, "policy-config.json");
        fs.writeFileSync(config, JSON.stringify({ "environment-parity": "mandatory" }));
        const { code, stdout } = run(["plan", "--stack", "dev", "--no-tree", "--policy-pack-config", config]);
        assert.equal(code, 1);
        assert.match(stdout, /✖ mandatory environment-parity {2}dev differs from prod at security\.postgres\.multiAz: dev false, prod true/);
        assert.match(stdout, /\(exit 1\)$/m);
    });

    it("writes every --output format and diffs against a previous JSON report, secrets masked", async function () {
        const before = path.join(scratch, "before.json");
        const first = run(["plan", "--stack", "staging", "--no-tree", "--output", `json=${before}`, "--output", `sarif=${path.join(scratch, "out", "plan.sarif")}`, "--output", `junit=${path.join(scratch, "plan.xml")}`, "--output", `markdown=${path.join(scratch, "plan.md")}`]);
        assert.equal(first.code, 0, first.stderr);
        for (const file of ["out/plan.sarif", "plan.xml", "plan.md"]) assert.ok(fs.statSync(path.join(scratch, file)).size > 500, file);
        const report = JSON.parse(fs.readFileSync(before, "utf8")) as Report;
        assert.equal(report.stacks[0].stack, "staging");

        const staging = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8").replace("        LOG_LEVEL: info\n", "        LOG_LEVEL: debug\n");
        const second = run(["plan", "--stack", "staging", "--no-tree", "--against", before, "--format", "json", "--project-dir", projectWith({ "Pulumi.staging.yaml": staging })]);
        assert.equal(second.code, 0, second.stderr);
        const diff = (JSON.parse(second.stdout) as Report).diff?.[0];
        assert.ok(diff);
        assert.deepEqual([diff.added.length, diff.removed.length], [0, 0]);
        const changedInputs = diff.changed.flatMap((change) => (change.changedInputs ?? []).map((input) => `${change.urn.split("::").pop()} ${input.path}: ${JSON.stringify(input.before)} -> ${JSON.stringify(input.after)}`));
        assert.ok(changedInputs.includes('platform-staging-api-deployment spec.template.spec.containers[0].env[2].value: "info" -> "debug"'), changedInputs.join("\n"));
        assert.ok(!second.stdout.includes("sslmode=require"), "connection strings with passwords stay masked");
        // The generated secrets of this very render (the mocks are deterministic) appear in no output.
        const rendered = await renderedStack("staging");
        const generated = ofType(rendered, "random:index/randomPassword:RandomPassword").map((password) => (password.outputs.result as { value: string }).value);
        assert.equal(generated.length, 4);
        const written = [second.stdout, first.stdout, ...["before.json", "out/plan.sarif", "plan.xml", "plan.md"].map((file) => fs.readFileSync(path.join(scratch, file), "utf8"))].join("\n");
        for (const value of generated) assert.ok(!written.includes(value), "a generated secret leaked into a report");
    });

    it("--no-tree also leaves the trees out of an --output human=<file>", function () {
        const file = path.join(scratch, "plan.txt");
        const { code, stderr } = run(["plan", "--stack", "dev", "--no-tree", "--output", `human=${file}`]);
        assert.equal(code, 0, stderr);
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /^Stack dev {2}\(tier dev, Pulumi\.dev\.yaml, \d+ resources/);
        assert.match(text, /Policy verdicts:/);
        assert.ok(!text.includes("pulumi:pulumi:Stack platform-dev"), `the tree is left out:\n${text}`);
    });

    it("a report file that is not a report is refused in one line", function () {
        const bogus = path.join(scratch, "bogus.json");
        fs.writeFileSync(bogus, "[1, 2");
        const { code, stderr } = run(["plan", "--stack", "dev", "--against", bogus]);
        assert.equal(code, 2);
        assertOneLineError(stderr, /bogus\.json: not valid JSON/);
    });
});
