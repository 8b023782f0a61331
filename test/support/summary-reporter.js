"use strict";
// mocha's spec reporter, plus a last line "N passed, N failed, N skipped" from the real counts, which CI
// reads. Skipped specs (`this.skip()`, e.g. engine specs on a machine without a Pulumi CLI) are counted
// apart: a skipped spec never counts as passed.
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats;
            process.stdout.write(`${passes} passed, ${failures} failed, ${pending} skipped\n`);
        });
    }
}

module.exports = SummaryReporter;
