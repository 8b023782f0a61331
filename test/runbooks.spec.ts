import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { MIGRATIONS_CHECK_HELP } from "../tools/migrations-check";
import { PREDEPLOY_HELP } from "../tools/predeploy";
import { PROMOTE_HELP } from "../tools/promote";
import { SMOKE_HELP } from "../tools/smoke";
import { PROJECT_DIR } from "./support/stacks";

/* The release runbooks and the README's release section are copied from: their commands must exist as written. */

const DOCUMENTS = ["docs/runbooks/deploy.md", "docs/runbooks/rollback.md", "README.md"];
const HELP: Readonly<Record<string, string>> = { promote: PROMOTE_HELP, predeploy: PREDEPLOY_HELP, smoke: SMOKE_HELP, "migrations-check": MIGRATIONS_CHECK_HELP };

function text(file: string): string {
    return fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
}

/** Shell lines of a document (fenced blocks and inline code), continuation lines joined. */
function commandLines(markdown: string): string[] {
    const fenced = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((match) => match[1].replace(/\\\n\s*/g, " ").split("\n"));
    const inline = [...markdown.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]);
    return [...fenced, ...inline];
}

describe("release runbooks and README: copy-paste accurate", function () {
    for (const document of DOCUMENTS) {
        const lines = commandLines(text(document));

        it(`${document}: every option given to promote, predeploy and smoke is one the command takes`, function () {
            let seen = 0;
            for (const line of lines) {
                for (const match of line.matchAll(/node tools\/bin\.js (promote|predeploy|smoke)\b([^#|;]*)/g)) {
                    seen += 1;
                    for (const option of match[2].match(/--[a-z][a-z-]*/g) ?? []) {
                        assert.ok(HELP[match[1]].includes(option), `${document}: ${match[1]} has no ${option}: ${line.trim()}`);
                    }
                }
            }
            assert.ok(seen >= 3, `${document} shows the commands (${seen})`);
        });

        it(`${document}: every option given to migrations-check (npm run migrations:check) is one it takes`, function () {
            for (const line of lines) {
                for (const match of line.matchAll(/(?:node tools\/bin\.js migrations-check|npm run migrations:check)\b([^#|;]*)/g)) {
                    for (const option of match[1].match(/--[a-z][a-z-]*/g) ?? []) assert.ok(HELP["migrations-check"].includes(option), `${document}: migrations-check has no ${option}: ${line.trim()}`);
                }
            }
        });

        it(`${document}: every workflow run names a workflow and its inputs`, function () {
            for (const line of lines) {
                for (const match of line.matchAll(/gh workflow run (\S+)((?: -f [a-z]+=\S+)+)/g)) {
                    const file = path.join(PROJECT_DIR, ".github", "workflows", match[1]);
                    assert.ok(fs.existsSync(file), match[1]);
                    const inputs = Object.keys(((parseYaml(fs.readFileSync(file, "utf8")) as { on: { workflow_dispatch: { inputs: Record<string, unknown> } } }).on.workflow_dispatch.inputs));
                    for (const input of [...match[2].matchAll(/-f ([a-z]+)=/g)].map((entry) => entry[1])) assert.ok(inputs.includes(input), `${match[1]} has no input ${input}`);
                }
            }
        });
    }

    it("the manual rollback picks versions exactly as the workflow does", function () {
        const filter = /jq -r '(\[\.\[\] \| select[^']+)'/;
        assert.equal(filter.exec(text("docs/runbooks/rollback.md"))?.[1], filter.exec(text(".github/workflows/rollback.yml"))?.[1]);
    });

    it("the links to workflows and runbooks resolve", function () {
        for (const document of DOCUMENTS) {
            for (const match of text(document).matchAll(/\]\(((?:\.\.\/)*[^)#\s]+\.(?:yml|md))\)/g)) {
                assert.ok(fs.existsSync(path.resolve(path.dirname(path.join(PROJECT_DIR, document)), match[1])), `${document}: ${match[1]}`);
            }
        }
    });
});
