#!/usr/bin/env node
"use strict";
// Entry point of the offline tools: TypeScript is transpiled on load (see register.js; type-checking is `npm test`'s job).
// V8's compiled code is kept between runs: half of a cold start is compiling the SDKs' JavaScript.
// Node 22 does this itself; Node 20 through v8-compile-cache (a cache folder under the OS's temp folder).
const nodeModule = require("module");
if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache();
else require("v8-compile-cache");
require("./defer-sdk-modules");
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
