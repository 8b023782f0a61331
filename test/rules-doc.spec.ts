import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ALL_RULES } from "../policies/rules";
import { readmeWithRules } from "../tools/rules-doc";
import { PROJECT_DIR } from "./support/stacks";

describe("README rule reference", function () {
    it("documents every rule as its metadata says (else: npm run docs:rules)", function () {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        assert.equal(readme, readmeWithRules(readme, ALL_RULES), "README.md's rule reference is stale: run `npm run docs:rules`");
        for (const rule of ALL_RULES) assert.ok(readme.includes(`#### ${rule.name}`), rule.name);
    });

    it("every rule has its metadata filled in", function () {
        const names = new Set<string>();
        for (const rule of ALL_RULES) {
            assert.match(rule.name, /^[a-z][a-z0-9-]+$/);
            assert.ok(!names.has(rule.name), `unique name ${rule.name}`);
            names.add(rule.name);
            for (const field of [rule.description, rule.rationale, rule.remediation]) assert.ok(field.length > 20, `${rule.name} is documented`);
            assert.ok(rule.resourceTypes.length > 0);
        }
    });
});
