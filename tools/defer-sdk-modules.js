"use strict";
// @pulumi/pulumi loads, with its runtime, what its closure serializer needs (`pulumi.runtime.serializeFunction`,
// which turns a JavaScript function into code for a cloud function): the TypeScript compiler and npm's
// Arborist, a quarter of a cold start of the tools. The tools never serialize a function (and Pulumi's
// mocks never ask to). Those two requires, from the SDK's closure code only, get a stand-in that loads the
// real module at its first use, so a serialization still works exactly as before.
const Module = require("module");
const path = require("path");

const SDK = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const DEFERRED = [
    { request: "typescript", from: `${SDK}typescript-shim.js` },
    { request: "@npmcli/arborist", from: `${SDK}runtime${path.sep}closure${path.sep}codePaths.js` },
];

/** An object that stands for a module: the module loads on first access, and everything is answered by it. */
function deferredModule(load) {
    const target = {};
    let loaded;
    const real = () => {
        if (loaded === undefined) {
            loaded = load();
            // The stand-in's own properties mirror the module's, so that listing them answers as the module would.
            Object.defineProperties(target, Object.getOwnPropertyDescriptors(loaded));
            Object.setPrototypeOf(target, Object.getPrototypeOf(loaded));
        }
        return loaded;
    };
    return new Proxy(target, {
        // TypeScript's `import * as` (__importStar) takes an ES module as it is, without listing its keys.
        get: (_, key) => (key === "__esModule" && loaded === undefined ? true : Reflect.get(real(), key)),
        set: (_, key, value) => Reflect.set(real(), key, value),
        has: (_, key) => Reflect.has(real(), key),
        ownKeys: () => (real(), Reflect.ownKeys(target)),
        getOwnPropertyDescriptor: (_, key) => (real(), Reflect.getOwnPropertyDescriptor(target, key)),
        getPrototypeOf: () => (real(), Reflect.getPrototypeOf(target)),
    });
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
    const deferred = parent?.filename && DEFERRED.find((entry) => entry.request === request && parent.filename.endsWith(entry.from));
    if (!deferred) return load.call(this, request, parent, isMain);
    return deferredModule(() => load.call(this, request, parent, isMain));
};
