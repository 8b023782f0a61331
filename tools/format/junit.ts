import type * as Xmlbuilder2 from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";
import { Finding } from "../../policies/lib/evaluate";
import { appliesTo } from "../../policies/lib/rule";
import { isBlocking, Report, StackReport } from "../report";

type Verdict = { kind: "failure" | "error" | "skipped"; message: string; type: string; text?: string };

interface TestCase {
    readonly name: string;
    readonly classname: string;
    readonly file: string;
    verdict?: Verdict;
    readonly out: string[];
}

/** The SDK's words for a rule that met an unknown value in a preview (policies/lib/run.ts previewUnknownMessage). */
export function isPreviewUnknown(finding: Finding): boolean {
    return finding.enforcement === "advisory" && finding.message.startsWith(`can't run policy '${finding.rule}' `);
}

function oneLine(text: string, max = 500): string {
    const line = text.replace(/\s+/g, " ").trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function judge(testCase: TestCase, findings: readonly Finding[]): void {
    const blocking = findings.filter(isBlocking);
    const unknown = findings.filter((finding) => !isBlocking(finding) && isPreviewUnknown(finding));
    const advisory = findings.filter((finding) => !isBlocking(finding) && !isPreviewUnknown(finding));
    for (const finding of advisory) testCase.out.push(`advisory (${finding.severity}): ${finding.message}`);
    for (const finding of unknown) testCase.out.push(`not run in preview: ${finding.message}`);
    if (blocking.length > 0) {
        testCase.verdict = {
            kind: "failure",
            type: `${blocking[0].severity} ${blocking[0].enforcement}`,
            message: oneLine(blocking.length === 1 ? blocking[0].message : `${blocking.length} violations: ${blocking[0].message}`),
            text: blocking.map((finding) => `${finding.enforcement} (${finding.severity}): ${finding.message}`).join("\n"),
        };
    } else if (unknown.length > 0) {
        testCase.verdict = { kind: "skipped", type: "preview-unknown", message: oneLine(unknown[0].message) };
    }
}

type Exempted = StackReport["exemptions"][number];

function waive(testCase: TestCase, exemptions: readonly Exempted[]): void {
    for (const exemption of exemptions) testCase.out.push(`exempted until ${exemption.expires} (${exemption.source}): ${exemption.reason} — ${exemption.message}`);
    if (testCase.verdict === undefined && exemptions.length > 0) {
        testCase.verdict = { kind: "skipped", type: "exempted", message: oneLine(`exempted until ${exemptions[0].expires}: ${exemptions[0].reason}`) };
    }
}

function stackCases(report: Report, stack: StackReport): TestCase[] {
    const file = stack.source;
    if (stack.error !== undefined) {
        const verb = report.command === "plan" ? "render" : "read";
        return [{ name: `${verb} ${stack.source}`, classname: stack.stack, file, out: [], verdict: { kind: "error", type: `${verb}-error`, message: oneLine(stack.error), text: stack.error } }];
    }
    const cases: TestCase[] = [];
    const byUrn = new Map(stack.resources.map((resource) => [resource.urn, resource]));
    for (const rule of report.rules) {
        const run = stack.rules.find((entry) => entry.name === rule.name);
        if (run === undefined) continue;
        const classname = `${stack.stack}.${rule.name}`;
        if (run.enforcement === "disabled") {
            cases.push({ name: `${rule.name} (disabled)`, classname, file, out: [], verdict: { kind: "skipped", type: "disabled", message: `rule disabled in stack ${stack.stack}` } });
            continue;
        }
        const findings = stack.findings.filter((finding) => finding.rule === rule.name);
        const exemptions = stack.exemptions.filter((exemption) => exemption.rule === rule.name);
        if (rule.kind === "stack") {
            const testCase: TestCase = { name: `stack ${stack.stack}`, classname, file, out: [] };
            judge(testCase, findings);
            waive(testCase, exemptions);
            cases.push(testCase);
            continue;
        }
        const subjects = stack.resources.filter((resource) => appliesTo(rule, resource.type)).map((resource) => resource.urn);
        // Findings or exemptions on resources the rule should not see (should not happen) still get a testcase.
        const covered = new Set(subjects);
        const strays = [...new Set([...findings.map((finding) => finding.urn), ...exemptions.map((exemption) => exemption.urn)])].filter((urn) => urn === undefined || !covered.has(urn));
        for (const urn of [...subjects, ...strays]) {
            const own = findings.filter((finding) => finding.urn === urn);
            const resource = urn === undefined ? undefined : byUrn.get(urn);
            const name = urn === undefined ? `stack ${stack.stack}` : `${resource?.name ?? own[0]?.resourceName ?? urn} (${resource?.type ?? own[0]?.resourceType ?? "unknown type"})`;
            const testCase: TestCase = { name, classname, file, out: [] };
            judge(testCase, own);
            waive(testCase, exemptions.filter((exemption) => exemption.urn === urn));
            cases.push(testCase);
        }
    }
    return cases;
}

/**
 * xmlbuilder2 leaves an `&` that looks like the start of an entity (`&amp;`, `&nbsp;`, `&#38;`) as it is, so a
 * message holding such text would come back changed, or not parse at all (`&nbsp;` is not an XML entity).
 * Escaping every `&` first makes each one `&amp;`, which the builder then keeps: the text reads back intact.
 */
function xml(text: string): string {
    return text.replace(/&/g, "&amp;");
}

function count(cases: readonly TestCase[], kind: Verdict["kind"]): number {
    return cases.filter((testCase) => testCase.verdict?.kind === kind).length;
}

function seconds(ms: number): string {
    return (Math.max(0, ms) / 1000).toFixed(3);
}

function addCase(suite: XMLBuilder, testCase: TestCase): void {
    const element = suite.ele("testcase", { name: xml(testCase.name), classname: xml(testCase.classname), file: xml(testCase.file) });
    if (testCase.verdict !== undefined) {
        const { kind, message, type, text } = testCase.verdict;
        const verdict = element.ele(kind, { message: xml(message), type: xml(type) });
        if (text !== undefined) verdict.txt(xml(text));
    }
    if (testCase.out.length > 0) element.ele("system-out").txt(xml(testCase.out.join("\n")));
}

/** Loaded when a JUnit report is asked for: xmlbuilder2 and its DOM add a tenth to every cold start otherwise. */
function xmlbuilder(): typeof Xmlbuilder2 {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("xmlbuilder2") as typeof Xmlbuilder2;
}

/**
 * JUnit XML, for CI test views: one <testsuite> per stack; in it one <testcase> per rule per resource the
 * rule applies to (its resourceTypes include the type, or "*"), and one per stack rule.
 *
 * - mandatory finding: <failure> (the check ran and blocks);
 * - advisory finding: the testcase passes, with the finding in <system-out> (the check ran and only warns,
 *   as the exit code says); the suite's properties count advisories;
 * - preview "can't run policy" finding: <skipped> (the check could not run until values are known);
 * - exemption: <skipped> with the reason and expiry (the check's verdict was waived), also in <system-out>;
 * - rule disabled in the stack: a single <skipped> testcase for the rule;
 * - stack that could not be rendered or read: a single testcase with <error>.
 */
export function formatJunit(report: Report): string {
    const perStack = report.stacks.map((stack) => ({ stack, cases: stackCases(report, stack) }));
    const all = perStack.flatMap((entry) => entry.cases);
    const root = xmlbuilder().create({ version: "1.0", encoding: "UTF-8", invalidCharReplacement: "\uFFFD" }).ele("testsuites", {
        name: xml(`${report.tool.name} ${report.command} (${report.tool.policyPack})`),
        tests: String(all.length),
        failures: String(count(all, "failure")),
        errors: String(count(all, "error")),
        skipped: String(count(all, "skipped")),
        time: seconds(report.stacks.reduce((total, stack) => total + stack.durationMs, 0)),
    });
    for (const { stack, cases } of perStack) {
        const suite = root.ele("testsuite", {
            name: xml(stack.stack),
            tests: String(cases.length),
            failures: String(count(cases, "failure")),
            errors: String(count(cases, "error")),
            skipped: String(count(cases, "skipped")),
            time: seconds(stack.durationMs),
            file: xml(stack.source),
        });
        const properties = suite.ele("properties");
        const property = (name: string, value: string): void => void properties.ele("property", { name, value: xml(value) });
        property("source", stack.source);
        if (stack.tier !== undefined) property("tier", stack.tier);
        property("resources", String(stack.resources.length));
        property("mandatory", String(stack.findings.filter(isBlocking).length));
        property("advisory", String(stack.findings.filter((finding) => !isBlocking(finding)).length));
        property("exempted", String(stack.exemptions.length));
        for (const testCase of cases) addCase(suite, testCase);
        if ((stack.notes ?? []).length > 0) suite.ele("system-out").txt(xml((stack.notes ?? []).map((note) => `note: ${note}`).join("\n")));
    }
    return `${root.end({ prettyPrint: true })}\n`;
}
