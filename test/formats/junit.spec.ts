import * as assert from "assert";
import { create } from "xmlbuilder2";
import { appliesTo } from "../../policies/lib/rule";
import { formatJunit, isPreviewUnknown } from "../../tools/format/junit";
import { Report } from "../../tools/report";
import { cleanReport, COUNTABLE_RULES, failedReport, INPUT_CANARY, NASTY, realReport, reportWithFindings } from "./fixtures";

/** The little of the DOM that xmlbuilder2's parser returns which these tests read. */
interface DomNode {
    readonly nodeType: number;
    readonly nodeName: string;
    readonly textContent: string | null;
    readonly childNodes: ArrayLike<DomNode>;
    getAttribute?(name: string): string | null;
}

interface Verdict {
    readonly message: string;
    readonly type: string;
    readonly text: string;
}

interface Case {
    readonly name: string;
    readonly classname: string;
    readonly failure?: Verdict;
    readonly error?: Verdict;
    readonly skipped?: Verdict;
    readonly out?: string;
}

interface Suite {
    readonly attributes: Record<string, string>;
    readonly properties: Record<string, string>;
    readonly cases: Case[];
}

const ELEMENT = 1;

function elements(node: DomNode, name: string): DomNode[] {
    return Array.from(node.childNodes).filter((child) => child.nodeType === ELEMENT && child.nodeName === name);
}

function attribute(node: DomNode, name: string): string {
    return node.getAttribute?.(name) ?? "";
}

function attributes(node: DomNode, names: readonly string[]): Record<string, string> {
    return Object.fromEntries(names.map((name) => [name, attribute(node, name)]));
}

function verdict(testCase: DomNode, kind: string): Verdict | undefined {
    const [node] = elements(testCase, kind);
    return node === undefined ? undefined : { message: attribute(node, "message"), type: attribute(node, "type"), text: node.textContent ?? "" };
}

const COUNTS = ["name", "tests", "failures", "errors", "skipped"] as const;

/** Parses the XML back with xmlbuilder2's parser, reading the DOM it builds (which decodes entities). */
function parse(xml: string): { attributes: Record<string, string>; suites: Suite[] } {
    const root = create(xml).root().node as unknown as DomNode;
    assert.equal(root.nodeName, "testsuites");
    return {
        attributes: attributes(root, COUNTS),
        suites: elements(root, "testsuite").map((suite) => ({
            attributes: attributes(suite, [...COUNTS, "time", "file"]),
            properties: Object.fromEntries(elements(suite, "properties").flatMap((properties) => elements(properties, "property")).map((property) => [attribute(property, "name"), attribute(property, "value")])),
            cases: elements(suite, "testcase").map((testCase) => {
                const [out] = elements(testCase, "system-out");
                return {
                    name: attribute(testCase, "name"),
                    classname: attribute(testCase, "classname"),
                    failure: verdict(testCase, "failure"),
                    error: verdict(testCase, "error"),
                    skipped: verdict(testCase, "skipped"),
                    out: out === undefined ? undefined : (out.textContent ?? ""),
                };
            }),
        })),
    };
}

function counts(suite: Suite): Record<string, string> {
    const { tests, failures, errors, skipped } = suite.attributes;
    return { tests, failures, errors, skipped };
}

describe("formats: junit", function () {
    it("has one testcase per rule per resource it applies to, one per stack rule, and counts that match", function () {
        // 8 resources a stack: registry-immutable-tags sees the ECR repository, deletion-protection-and-backups
        // the RDS instance, environment-parity the stack, policy-exemptions-valid (`*`) all 8: 11 testcases.
        const { attributes: totals, suites } = parse(formatJunit(reportWithFindings(COUNTABLE_RULES)));
        assert.deepEqual(suites.map((suite) => suite.attributes.name), ["prod", "staging", "dev"]);
        const [prod, staging, dev] = suites;
        assert.deepEqual(counts(prod), { tests: "11", failures: "2", errors: "0", skipped: "1" });
        assert.deepEqual(counts(staging), { tests: "11", failures: "0", errors: "0", skipped: "1" });
        assert.deepEqual(counts(dev), { tests: "1", failures: "0", errors: "1", skipped: "0" });
        assert.deepEqual(totals, { name: "platform-stacks plan (platform-policies@0.1.0)", tests: "23", failures: "2", errors: "1", skipped: "2" });
        for (const suite of suites) {
            assert.equal(suite.cases.length, Number(suite.attributes.tests));
            assert.equal(suite.cases.filter((testCase) => testCase.failure).length, Number(suite.attributes.failures));
            assert.equal(suite.cases.filter((testCase) => testCase.skipped).length, Number(suite.attributes.skipped));
            assert.equal(suite.cases.filter((testCase) => testCase.error).length, Number(suite.attributes.errors));
        }
        assert.deepEqual(
            prod.cases.map((testCase) => testCase.classname).filter((name, index, all) => all.indexOf(name) === index),
            ["prod.registry-immutable-tags", "prod.deletion-protection-and-backups", "prod.environment-parity", "prod.policy-exemptions-valid"],
        );
        assert.equal(prod.cases.filter((testCase) => testCase.classname === "prod.policy-exemptions-valid").length, 8);
        assert.deepEqual(prod.properties, { source: "Pulumi.prod.yaml", tier: "prod", resources: "8", mandatory: "3", advisory: "0", exempted: "1" });
    });

    it("fails a testcase on mandatory findings, with every message, escaped and read back intact", function () {
        const [prod] = parse(formatJunit(reportWithFindings(COUNTABLE_RULES))).suites;
        const rds = prod.cases.find((testCase) => testCase.classname === "prod.deletion-protection-and-backups");
        assert.equal(rds?.name, "platform-prod-db (aws:rds/instance:Instance)");
        assert.equal(rds?.failure?.type, "high mandatory");
        assert.match(rds?.failure?.message ?? "", /^2 violations: deletionProtection must be true outside dev$/);
        // The control character is not allowed in XML 1.0: it is replaced; everything else comes back as it was.
        assert.ok(!formatJunit(reportWithFindings(COUNTABLE_RULES)).includes("&nbsp;"), "an undefined entity would not parse");
        assert.equal(rds?.failure?.text, `mandatory (high): deletionProtection must be true outside dev\nmandatory (high): backupRetentionPeriod is 0 ${NASTY.replace("\u0001", "\uFFFD")}`);
        const parity = prod.cases.find((testCase) => testCase.classname === "prod.environment-parity");
        assert.equal(parity?.name, "stack prod");
        assert.match(parity?.failure?.message ?? "", /postgres\.engineVersion/);
    });

    it("skips an exempted testcase with its reason and expiry", function () {
        const [prod] = parse(formatJunit(reportWithFindings(COUNTABLE_RULES))).suites;
        const ecr = prod.cases.find((testCase) => testCase.classname === "prod.registry-immutable-tags");
        assert.deepEqual(ecr?.skipped, { message: "exempted until 2099-12-31: release tooling re-tags latest", type: "exempted", text: "" });
        assert.match(ecr?.out ?? "", /exempted until 2099-12-31 \(resource\): release tooling re-tags latest — imageTagMutability must be IMMUTABLE/);
    });

    it("skips a check that could not run in a preview, and passes an advisory one with a note", function () {
        const [, staging] = parse(formatJunit(reportWithFindings())).suites;
        const unknown = staging.cases.find((testCase) => testCase.classname === "staging.deletion-protection-and-backups");
        assert.equal(unknown?.skipped?.type, "preview-unknown");
        assert.match(unknown?.skipped?.message ?? "", /^can't run policy 'deletion-protection-and-backups'/);
        const advisory = staging.cases.find((testCase) => testCase.classname === "staging.workload-probes-and-limits");
        assert.equal(advisory?.failure, undefined);
        assert.equal(advisory?.skipped, undefined);
        assert.equal(advisory?.out, "advisory (medium): container api has no readinessProbe");
    });

    it("recognises the preview unknown by the exact words the rule runner uses", function () {
        const [, staging] = reportWithFindings().stacks;
        assert.deepEqual(staging.findings.map(isPreviewUnknown), [true, false]);
    });

    it("reports a stack that failed as an error", function () {
        const { suites } = parse(formatJunit(failedReport()));
        assert.equal(suites.length, 1);
        assert.deepEqual(suites[0].cases.map((testCase) => [testCase.name, testCase.error?.type]), [["render Pulumi.dev.yaml", "render-error"]]);
        assert.match(suites[0].cases[0].error?.text ?? "", /expected a string, got 42\nplatform:tier/);
    });

    it("marks a rule disabled in a stack as one skipped testcase", function () {
        const report = reportWithFindings(COUNTABLE_RULES);
        const disabled: Report = { ...report, stacks: report.stacks.map((stack) => (stack.stack === "staging" ? { ...stack, rules: stack.rules.map((rule) => (rule.name === "policy-exemptions-valid" ? { ...rule, enforcement: "disabled" as const } : rule)) } : stack)) };
        const [, staging] = parse(formatJunit(disabled)).suites;
        assert.equal(staging.cases.length, 4);
        assert.deepEqual(staging.cases.at(-1)?.skipped?.type, "disabled");
    });

    it("passes every testcase of a clean stack", function () {
        const [prod] = parse(formatJunit(cleanReport())).suites;
        assert.ok(prod.cases.length > 0);
        assert.deepEqual(counts(prod), { tests: String(prod.cases.length), failures: "0", errors: "0", skipped: "0" });
    });

    it("reads back the real dev stack, one testcase per rule and resource", async function () {
        const report = await realReport();
        const { suites } = parse(formatJunit(report));
        assert.equal(suites.length, 1);
        const [stack] = report.stacks;
        // A rule disabled in the stack is one skipped testcase; a stack rule one testcase; a resource rule one per resource it applies to.
        const expected = report.rules
            .filter((rule) => stack.rules.some((run) => run.name === rule.name))
            .reduce((total, rule) => {
                const disabled = stack.rules.some((run) => run.name === rule.name && run.enforcement === "disabled");
                return total + (disabled || rule.kind === "stack" ? 1 : stack.resources.filter((resource) => appliesTo(rule, resource.type)).length);
            }, 0);
        assert.equal(suites[0].cases.length, expected);
        assert.equal(suites[0].attributes.failures, String(report.summary.mandatory > 0 ? suites[0].cases.filter((testCase) => testCase.failure).length : 0));
        assert.ok(suites[0].cases.every((testCase) => testCase.name.length > 0 && testCase.classname.startsWith("dev.")));
    });

    it("prints no resource input values", function () {
        assert.ok(!formatJunit(reportWithFindings()).includes(INPUT_CANARY));
    });
});
