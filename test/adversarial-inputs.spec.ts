import { strict as assert } from "assert";
import { ALL_RULES } from "../policies/rules";
import { fuzzRule, realisticSamples, RuleTiming, typesJudged } from "./support/adversarial";
import { TestResource } from "../policies/test-support/policy-harness";

// Every rule of the pack on adversarial strings in every string position of a realistic input of every type
// it judges. Measured, not time-boxed: the spec asserts that each rule answers every input (a verdict, an
// advisory or the runner's "could not evaluate"), and prints the worst time per resource it saw; a hang
// would stop the suite at mocha's timeout. bench/run.ts re-times the worst case found here.
describe("adversarial inputs: every rule answers, and how long it takes", function () {
    this.timeout(600_000);
    let samples: Map<string, TestResource>;
    const worst: RuleTiming[] = [];

    before(async function () {
        samples = await realisticSamples();
    });

    after(function () {
        const table = worst.sort((a, b) => b.ms - a.ms).map((timing) => `      ${timing.ms.toFixed(2).padStart(8)} ms  ${timing.rule}  ${timing.type}  ${timing.position}  <- ${timing.value}`);
        console.log(`\n      worst time per resource, per rule (${samples.size} resource types sampled):\n${table.join("\n")}`);
    });

    for (const rule of ALL_RULES) {
        it(`${rule.name} answers every adversarial input`, function () {
            const { judged, withoutSample } = typesJudged(rule, samples);
            assert.ok(judged.length > 0, `${rule.name}: no realistic sample for any of ${rule.resourceTypes.join(", ")}`);
            if (withoutSample.length > 0) console.log(`      ${rule.name}: no realistic sample for ${withoutSample.join(", ")}`);
            const timings = fuzzRule(rule, samples, 20_000, 6);
            // A sample without any string input has nothing to fuzz.
            assert.ok(timings.length > 0 && timings.length <= judged.length);
            for (const timing of timings) assert.ok(Object.keys(timing.outcomes).every((kind) => ["violation", "exempted", "unknown"].includes(kind)), JSON.stringify(timing));
            worst.push(timings.reduce((a, b) => (b.ms > a.ms ? b : a)));
        });
    }
});
