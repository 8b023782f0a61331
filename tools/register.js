"use strict";
// Loads the repository's TypeScript in the offline tools and the bench: sucrase strips the types and keeps
// every line where it was (stack traces need no source maps); type-checking is `npm test`'s job. What it
// produced is kept in node_modules/.cache, keyed by the file's path and text, so that a cold run of
// unchanged sources loads JavaScript and never loads the transpiler; a render reloads the program's
// modules and gets their code from memory.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const SUCRASE_VERSION = require("sucrase/package.json").version;
const OPTIONS = { transforms: ["typescript", "imports"], disableESTransforms: true };
const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "platform-stacks-ts");
const inMemory = new Map();
let sucrase;

function transpile(source, filename) {
    sucrase ??= require("sucrase");
    // ES2022 (tsconfig.json's target) runs as written: only types and import/export syntax change.
    return sucrase.transform(source, { ...OPTIONS, filePath: filename }).code;
}

function compiled(source, filename) {
    const key = crypto.createHash("sha256").update(`${SUCRASE_VERSION}\0${JSON.stringify(OPTIONS)}\0${filename}\0${source}`).digest("hex");
    const remembered = inMemory.get(filename);
    if (remembered?.key === key) return remembered.code;
    const cacheFile = path.join(CACHE_DIR, `${key}.js`);
    let code;
    try {
        code = fs.readFileSync(cacheFile, "utf8");
    } catch {
        code = transpile(source, filename);
        try {
            // Written aside and renamed: another process reading the cache sees a whole file or none.
            fs.mkdirSync(CACHE_DIR, { recursive: true });
            const partial = `${cacheFile}.${process.pid}.tmp`;
            fs.writeFileSync(partial, code);
            fs.renameSync(partial, cacheFile);
        } catch {
            // A read-only checkout still runs, transpiling each time.
        }
    }
    inMemory.set(filename, { key, code });
    return code;
}

require.extensions[".ts"] = (module, filename) => {
    module._compile(compiled(fs.readFileSync(filename, "utf8"), filename), filename);
};
