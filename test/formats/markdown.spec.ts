import * as assert from "assert";
import { Finding } from "../../policies/lib/evaluate";
import { COMMENT_MARKER, escapeInline, formatMarkdown, GITHUB_COMMENT_LIMIT } from "../../tools/format/markdown";
import { buildReport, Report } from "../../tools/report";
import { ALL_RULES } from "../../policies/rules";
import { cleanReport, failedReport, INPUT_CANARY, PARITY, RDS, realReport, reportWithFindings, resourcesOf, rulesRun } from "./fixtures";

/** Cells of a table row: split on the pipes that are not escaped. */
function cells(row: string): string[] {
    return row.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/);
}

/** Every table is well formed: each row has as many cells as its header. */
function assertTablesIntact(markdown: string): void {
    let width: number | undefined;
    for (const line of markdown.split("\n")) {
        if (!line.startsWith("|")) {
            width = undefined;
            continue;
        }
        const count = cells(line).length;
        width ??= count;
        assert.equal(count, width, `row has ${count} cells, header ${width}: ${line}`);
    }
}

function assertDetailsBalanced(markdown: string): void {
    const lines = markdown.split("\n");
    let depth = 0;
    for (const line of lines) {
        if (line === "<details>") depth += 1;
        if (line === "</details>") depth -= 1;
        assert.ok(depth >= 0 && depth <= 1, "details nested or closed twice");
    }
    assert.equal(depth, 0, "a <details> left open");
}

/** A report with many long findings on one stack, far over GitHub's limit. */
function hugeReport(count: number): Report {
    const resources = resourcesOf("prod");
    const rds = resources[RDS];
    const findings: Finding[] = Array.from({ length: count }, (_, index) => ({
        rule: "no-public-data-stores",
        severity: "critical",
        enforcement: "mandatory",
        message: `finding ${index}: ${"publiclyAccessible is true | `x` ".repeat(12)}`,
        urn: rds.urn,
        resourceType: rds.type,
        resourceName: rds.name,
    }));
    return buildReport("plan", [{ stack: "prod", tier: "prod", source: "Pulumi.prod.yaml", resources, findings, exemptions: [], rules: rulesRun(ALL_RULES, "prod"), durationMs: 1 }], ALL_RULES, { parity: PARITY });
}

describe("formats: markdown", function () {
    it("starts with a marker for CI and a headline with the verdict", function () {
        const failing = formatMarkdown(reportWithFindings()).split("\n");
        assert.equal(failing[0], COMMENT_MARKER);
        assert.equal(failing[1], "## ❌ Policy plan: could not render dev, 3 mandatory violations, 2 advisory, 2 exempted");
        assert.equal(formatMarkdown(cleanReport()).split("\n")[1], "## ✅ Policy plan: no mandatory violations, 0 advisory, 0 exempted");
        assert.match(formatMarkdown(failedReport()).split("\n")[1], /^## ❌ Policy plan: could not render dev/);
    });

    it("has a summary table per stack: resources, mandatory, advisory, exempted", function () {
        const markdown = formatMarkdown(reportWithFindings());
        const table = markdown.split("\n").filter((line) => line.startsWith("| `"));
        assert.deepEqual(table.slice(0, 3).map(cells).map((row) => row.map((cell) => cell.trim())), [
            ["`prod`", "prod", "8", "3", "0", "1", "❌ fail"],
            ["`staging`", "staging", "8", "0", "2", "1", "✅ pass"],
            ["`dev`", "—", "—", "—", "—", "—", "❌ cannot render"],
        ]);
    });

    it("collapses each stack's findings, grouped by severity, and its exemptions", function () {
        const markdown = formatMarkdown(reportWithFindings());
        const prod = markdown.slice(markdown.indexOf("<summary><b>prod</b>"), markdown.indexOf("</details>"));
        assert.match(prod, /^<summary><b>prod<\/b>: ❌ 3 mandatory, 0 advisory, 1 exempted<\/summary>\n\n#### high \(3\)\n/);
        assert.match(prod, /\| ❌ mandatory \| `deletion-protection-and-backups` \| `platform-prod-db` \(`aws:rds\/instance:Instance`\) \| deletionProtection must be true outside dev \|/);
        assert.match(prod, /\| ❌ mandatory \| `environment-parity` \| _whole stack_ \|/);
        assert.match(prod, /#### Exemptions in use\n\n\| Rule \| Resource \| Until \| Declared in \| Reason \|\n\|---\|---\|---\|---\|---\|\n\| `registry-immutable-tags` \| `platform-prod-api` \(`aws:ecr\/repository:Repository`\) \| 2099-12-31 \| resource marker \| release tooling re-tags latest \|/);
        const staging = markdown.slice(markdown.indexOf("<summary><b>staging</b>"));
        assert.ok(staging.indexOf("#### high (1)") < staging.indexOf("#### medium (1)"));
        assert.match(staging, /\| ⚠️ advisory \| `deletion-protection-and-backups` \| `platform-staging-db` \(`aws:rds\/instance:Instance`\) \| can't run policy/);
        assert.match(markdown, /\*\*dev\*\*: ❌ cannot render `Pulumi\.dev\.yaml`:\n\n```\nPulumi\.dev\.yaml: platform:postgres\.instanceClass: expected a string, got 42\nplatform:tier: must be one of dev, staging, prod\n```/);
        assertDetailsBalanced(markdown);
        assertTablesIntact(markdown);
    });

    it("escapes pipes, backticks and HTML in table cells", function () {
        const markdown = formatMarkdown(reportWithFindings());
        const row = markdown.split("\n").find((line) => line.includes("backupRetentionPeriod is 0"));
        assert.ok(row);
        assert.ok(row.includes("a\\|b \\`tick\\` \\<script\\>\\&amp; \\&nbsp; \\]\\]\\>"), row);
        assert.ok(!markdown.includes("<script>"));
        assert.ok(!markdown.includes("\u0001"));
        assert.equal(escapeInline("a|b`c`\nd"), "a\\|b\\`c\\` d");
        assertTablesIntact(markdown);
    });

    it("renders the diff collapsed per stack, with changed input paths", function () {
        const markdown = formatMarkdown(reportWithFindings());
        const diff = markdown.slice(markdown.indexOf("### Changes since the previous report"), markdown.indexOf("### Environment parity"));
        assert.match(diff, /<summary><b>prod<\/b>: \+1 added, −1 removed, ~1 changed<\/summary>/);
        assert.match(diff, /\*\*Added\*\*\n\n- `platform-prod-api` \(`aws:ecr\/repository:Repository`\)/);
        assert.match(diff, /\*\*Removed\*\*\n\n- `platform-prod-old` \(`aws:s3\/bucket:Bucket`\)/);
        assert.match(diff, /- `platform-prod-db` \(`aws:rds\/instance:Instance`\)\n {2}- `instanceClass`: "db\.t3\.medium" → "db\.r6g\.large"\n {2}- `tags\.team\|owner`: _\(absent\)_ → "data\\`eng"\n {2}- `multiAz`: false → _\(absent\)_/);
        assert.match(diff, /<summary><b>staging<\/b>: \+0 added, −0 removed, ~0 changed<\/summary>\n\nNo changes\./);
        assertDetailsBalanced(diff);
    });

    it("renders parity as a table that marks the rows not allowed", function () {
        const markdown = formatMarkdown(reportWithFindings());
        const parity = markdown.slice(markdown.indexOf("### Environment parity"));
        assert.match(parity, /❌ 1 difference the parity allowlist does not permit\./);
        assert.match(parity, /\| Path \| staging \| prod \(baseline\) \| Status \|/);
        assert.match(parity, /\| \*\*`postgres\.engineVersion`\*\* \| 16\.3 \| 16\.4 \| ❌ \*\*not allowed\*\* \|/);
        assert.match(parity, /\| `size\.postgres\.instanceClass` \| db\.t3\.medium \| db\.r6g\.large \| allowed \|/);
        assert.match(parity, /<summary>2 paths identical in every stack<\/summary>[\s\S]*\| `cluster\.endpointPrivate\\\|x` \| — \| — \| same \|/);
        assertTablesIntact(parity);
    });

    it("leaves out diff and parity when the report has none", function () {
        const markdown = formatMarkdown(cleanReport());
        assert.ok(!markdown.includes("### Changes"));
        assert.ok(!markdown.includes("### Environment parity"));
        assert.match(markdown, /\*\*prod\*\*: ✅ every rule passed \(8 resources, `Pulumi\.prod\.yaml`\)/);
    });

    it("stays under GitHub's comment limit, with fewer rows and a note when the report is too large", function () {
        const markdown = formatMarkdown(hugeReport(3_000));
        assert.ok(markdown.length <= GITHUB_COMMENT_LIMIT - 1_024, `${markdown.length} characters`);
        assert.match(markdown, /Truncated to fit GitHub's comment limit/);
        assert.match(markdown, /_…and \d+ more not shown_/);
        assert.equal(markdown.split("\n")[1], "## ❌ Policy plan: 3000 mandatory violations, 0 advisory, 0 exempted");
        assert.match(markdown, /### Environment parity/);
        assertDetailsBalanced(markdown);
        assertTablesIntact(markdown);
        assert.ok(!formatMarkdown(hugeReport(10)).includes("Truncated"));
    });

    it("cuts whole lines as a last resort, still under the limit and with details closed", function () {
        const markdown = formatMarkdown(hugeReport(50), { maxLength: 600 });
        assert.ok(markdown.length <= 600, `${markdown.length} characters`);
        assert.match(markdown, /Truncated to fit GitHub's comment limit/);
        assertDetailsBalanced(markdown);
    });

    it("renders the real dev stack under the limit", async function () {
        const markdown = formatMarkdown(await realReport());
        assert.ok(markdown.length <= GITHUB_COMMENT_LIMIT);
        assertDetailsBalanced(markdown);
        assertTablesIntact(markdown);
    });

    it("prints no resource input values, and the same text every time", function () {
        assert.ok(!formatMarkdown(reportWithFindings()).includes(INPUT_CANARY));
        assert.equal(formatMarkdown(reportWithFindings()), formatMarkdown(reportWithFindings()));
    });
});
