"use strict";
// Loads the repository's TypeScript in the offline tools and the bench: sucrase strips the types, keeps every
// line where it was (stack traces need no source maps) and takes about a millisecond per file where the
// TypeScript compiler took tens. Type-checking is `npm test`'s job. Each file is transpiled once per process:
// a render reloads the program's modules, and gets the code of an unchanged file from memory.
const fs = require("fs");
const { transform } = require("sucrase");

const transpiled = new Map();

function load(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    let entry = transpiled.get(filename);
    if (entry === undefined || entry.source !== source) {
        // ES2022 (tsconfig.json's target) runs as written: only types and import/export syntax change.
        const code = transform(source, { transforms: ["typescript", "imports"], filePath: filename, disableESTransforms: true }).code;
        entry = { source, code };
        transpiled.set(filename, entry);
    }
    module._compile(entry.code, filename);
}

require.extensions[".ts"] = load;
