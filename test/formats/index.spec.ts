import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FORMATS, OutputError, parseOutputSpec, writeOutputs } from "../../tools/format";
import { formatJson } from "../../tools/format/json";
import { formatJunit } from "../../tools/format/junit";
import { formatMarkdown } from "../../tools/format/markdown";
import { formatSarif } from "../../tools/format/sarif";
import { reportWithFindings } from "./fixtures";

describe("formats: registry and --output", function () {
    let dir: string;

    beforeEach(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "formats-"));
    });

    afterEach(function () {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("registers every format, human included (plain text: no colour codes in files)", function () {
        assert.deepEqual(Object.keys(FORMATS).sort(), ["human", "json", "junit", "markdown", "sarif"]);
        assert.ok(!FORMATS.human.render(reportWithFindings()).includes("\u001b["));
        const report = reportWithFindings();
        assert.equal(FORMATS.json.render(report), formatJson(report));
        assert.equal(FORMATS.sarif.render(report), formatSarif(report));
        assert.equal(FORMATS.junit.render(report), formatJunit(report));
        assert.equal(FORMATS.markdown.render(report), formatMarkdown(report));
    });

    it("parses <format>=<file>, the file being everything after the first '='", function () {
        assert.deepEqual(parseOutputSpec("sarif=reports/plan.sarif"), { format: "sarif", file: "reports/plan.sarif" });
        assert.deepEqual(parseOutputSpec("JSON=out/a=b.json"), { format: "json", file: "out/a=b.json" });
        assert.deepEqual(parseOutputSpec("junit=C:\\ci\\plan.xml"), { format: "junit", file: "C:\\ci\\plan.xml" });
    });

    it("explains a bad spec in one line, listing the known formats", function () {
        assert.throws(() => parseOutputSpec("yaml=plan.yaml"), (error: Error) => error instanceof OutputError && error.message === '--output: unknown format "yaml"; known formats: human, json, sarif, junit, markdown');
        assert.throws(() => parseOutputSpec("reports/plan.sarif"), (error: Error) => error instanceof OutputError && /expected <format>=<file>, e\.g\. sarif=reports\/plan\.sarif \(formats: human, json, sarif, junit, markdown\)/.test(error.message));
        assert.throws(() => parseOutputSpec("sarif="), (error: Error) => error instanceof OutputError && /no file after "sarif="/.test(error.message));
        assert.throws(() => parseOutputSpec("constructor=x"), (error: Error) => error instanceof OutputError && /unknown format "constructor"/.test(error.message));
    });

    it("writes each file, creating its folders", function () {
        const report = reportWithFindings();
        const specs = [parseOutputSpec(`sarif=${path.join(dir, "a", "b", "plan.sarif")}`), parseOutputSpec(`markdown=${path.join(dir, "comment.md")}`)];
        assert.deepEqual(writeOutputs(report, specs), specs.map((spec) => spec.file));
        assert.equal(fs.readFileSync(path.join(dir, "a", "b", "plan.sarif"), "utf8"), formatSarif(report));
        assert.equal(fs.readFileSync(path.join(dir, "comment.md"), "utf8"), formatMarkdown(report));
    });

    it("a human file shows the trees unless the run leaves them out (--no-tree)", function () {
        const report = reportWithFindings();
        const file = path.join(dir, "plan.txt");
        writeOutputs(report, [{ format: "human", file }]);
        assert.match(fs.readFileSync(file, "utf8"), /^ {2}pulumi:pulumi:Stack platform-prod \(7 resources\)$/m);
        writeOutputs(report, [{ format: "human", file }], { tree: false });
        const text = fs.readFileSync(file, "utf8");
        assert.ok(!text.includes("pulumi:pulumi:Stack"), "--no-tree leaves the trees out of the file");
        assert.match(text, /Policy verdicts:/);
    });

    it("refuses the same file twice, and reports a file it cannot write, before writing anything", function () {
        const report = reportWithFindings();
        const file = path.join(dir, "plan.out");
        assert.throws(() => writeOutputs(report, [{ format: "json", file }, { format: "sarif", file }]), /plan\.out is given twice \(json and sarif\)/);
        assert.ok(!fs.existsSync(file));
        fs.writeFileSync(path.join(dir, "not-a-folder"), "");
        assert.throws(() => writeOutputs(report, [{ format: "json", file: path.join(dir, "not-a-folder", "plan.json") }]), (error: Error) => error instanceof OutputError && /^cannot write .*plan\.json \(E[A-Z]+\)/.test(error.message));
    });
});
