import { strict as assert } from "assert";
import { formatHuman } from "../../tools/format/human";
import { styleFor } from "../../tools/format/style";
import { cleanReport, reportWithFindings } from "./fixtures";

const PLAIN = styleFor(undefined, false);

describe("human format", function () {
    const text = formatHuman(reportWithFindings(), PLAIN);

    it("shows each stack's resource tree: components nested, their own resources counted by type", function () {
        assert.match(text, /^Stack prod {2}\(tier prod, Pulumi\.prod\.yaml, 8 resources, 1\.2 s\)\n {2}pulumi:pulumi:Stack platform-prod \(7 resources\)\n {4}platform:index:Platform platform-prod \(6 resources\)\n {6}platform:data:Postgres platform-prod-postgres \(1 resource\)\n {8}1 aws:rds\/instance:Instance$/m);
        assert.ok(!formatHuman(reportWithFindings(), PLAIN, { tree: false }).includes("pulumi:pulumi:Stack"), "--no-tree leaves trees out");
    });

    it("groups verdicts by severity, mandatory marked ✖ and advisory ⚠, then exemptions and a verdict line per stack", function () {
        const prod = text.slice(text.indexOf("Stack prod"), text.indexOf("Stack staging"));
        assert.match(prod, / {2}Policy verdicts:\n {4}high \(3\)\n {6}✖ mandatory deletion-protection-and-backups {2}platform-prod-db \(aws:rds\/instance:Instance\): deletionProtection must be true outside dev/);
        assert.match(prod, /Exemptions in use:\n {4}⊘ registry-immutable-tags on platform-prod-api until 2099-12-31 \(resource\): release tooling re-tags latest/);
        assert.match(prod, / {2}prod: FAIL — 3 mandatory, 0 advisory, 1 exempted/);
        const staging = text.slice(text.indexOf("Stack staging"), text.indexOf("Stack dev"));
        assert.ok(staging.indexOf("high (1)") < staging.indexOf("medium (1)"), "higher severities first");
        assert.match(staging, /⚠ advisory {2}workload-probes-and-limits/);
    });

    it("a stack that failed shows its one-line reason; the summary line counts everything and gives the exit code", function () {
        assert.match(text, /Stack dev .*\n {2}cannot render: Pulumi\.dev\.yaml: platform:postgres\.instanceClass/);
        assert.match(text, /\n3 stacks, 16 resources: 3 mandatory violations, 2 advisory, 2 exempted; could not render: dev \(exit 2\)$/);
        assert.match(formatHuman(cleanReport(), PLAIN), /none: every rule passed/);
    });

    it("colours only when asked: ANSI codes with colour on, none with colour off", function () {
        assert.ok(!text.includes("\u001b["));
        const coloured = formatHuman(reportWithFindings(), styleFor(undefined, true));
        assert.ok(coloured.includes("\u001b[31m✖ mandatory\u001b[0m"));
        const terminal = { isTTY: true } as NodeJS.WriteStream;
        const saved = process.env.NO_COLOR;
        delete process.env.NO_COLOR;
        try {
            assert.notEqual(styleFor(terminal).red("x"), "x", "a terminal gets colour");
            process.env.NO_COLOR = "1";
            assert.equal(styleFor(terminal).red("x"), "x", "NO_COLOR turns it off");
        } finally {
            if (saved === undefined) delete process.env.NO_COLOR;
            else process.env.NO_COLOR = saved;
        }
        assert.equal(styleFor({ isTTY: false } as NodeJS.WriteStream).red("x"), "x", "a pipe gets none");
    });
});
