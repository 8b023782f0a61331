import { strict as assert } from "assert";
import * as fs from "fs";
import { PARITY_BASELINE_FILE } from "../policies/rules/environment-parity";
import { currentBaseline, formatBaseline } from "../tools/parity-baseline";
import { PROJECT_DIR } from "./support/stacks";

describe("parity baseline", function () {
    it("the committed policies/parity/baseline.json is what the prod stack renders today (else: npm run parity:baseline)", async function () {
        const committed = fs.readFileSync(PARITY_BASELINE_FILE, "utf8");
        assert.equal(committed, formatBaseline(await currentBaseline(PROJECT_DIR)), "the parity baseline is stale: run `npm run parity:baseline` and commit policies/parity/baseline.json");
    });
});
