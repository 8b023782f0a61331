#!/usr/bin/env node
"use strict";
// Entry point of the offline tools: TypeScript is transpiled on the fly (type-checking is `npm test`'s job).
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("./cli").main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
        // Anything that reaches here is a bug, not bad input: keep the trace for the report.
        console.error(error);
        process.exit(70);
    },
);
