#!/usr/bin/env node
"use strict";
// Entry point of the offline tools: TypeScript is transpiled on load (see register.js; type-checking is `npm test`'s job).
require("./register");

/** Exit only once stdout and stderr are flushed: writes to a pipe are asynchronous, and a report can be large. */
function exitAfterFlush(code) {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

require("./cli").main(process.argv.slice(2)).then(exitAfterFlush, (error) => {
    // Anything that reaches here is a bug, not bad input: keep the trace for the report.
    console.error(error);
    exitAfterFlush(70);
});
