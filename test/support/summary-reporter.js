"use strict";
// mocha's spec reporter, plus a last line "N passed, N failed" from the real counts, which CI reads.
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures } = runner.stats;
            process.stdout.write(`${passes} passed, ${failures} failed\n`);
        });
    }
}

module.exports = SummaryReporter;
