import * as fs from "fs";
import * as path from "path";
import { mulberry32 } from "./seeded-random";

/**
 * Resource types taken at random from the installed provider SDKs, with the names of their real inputs:
 * for specs that show a rule judging a type its author never listed. The pick is printed with each
 * assertion's message, so a failure names the type; `PLATFORM_SDK_SEED` replays a pick.
 */

export interface SdkType {
    readonly type: string;
    /** The class's input names (`resourceInputs["x"] = args?.x`), secret ones excluded. */
    readonly inputs: readonly string[];
    readonly secretInputs: readonly string[];
}


export const SDK_SEED = Number(process.env.PLATFORM_SDK_SEED ?? Date.now() % 2 ** 31);
const next = mulberry32(SDK_SEED);

function pick<T>(items: readonly T[]): T {
    return items[Math.floor(next() * items.length)];
}

function read(file: string): SdkType | undefined {
    const text = fs.readFileSync(file, "utf8");
    const type = /static __pulumiType = '([^']+)'/.exec(text)?.[1];
    if (type === undefined || !type.includes(":")) return undefined;
    const secretList = /additionalSecretOutputs: (\[[^\]]*\])/.exec(text)?.[1];
    const secretInputs = secretList === undefined ? [] : (JSON.parse(secretList) as string[]);
    const inputs = [...new Set([...text.matchAll(/resourceInputs\["([^"]+)"\] = args\?\./g)].map((found) => found[1]))].filter((input) => !secretInputs.includes(input));
    return { type, inputs, secretInputs: secretInputs.filter((input) => text.includes(`resourceInputs["${input}"] = args?.`)) };
}

/** A resource type of `provider` (`aws`, `gcp`, ...) at random, with at least one input, for which `accept` holds. */
export function randomSdkType(provider: string, accept: (type: SdkType) => boolean = () => true): SdkType {
    const root = path.dirname(require.resolve(`@pulumi/${provider}/package.json`));
    const modules = fs.readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory() && !["types", "config", "node_modules", "bin"].includes(entry.name));
    for (let attempt = 0; attempt < 500; attempt++) {
        const directory = path.join(root, pick(modules).name);
        const files = fs.readdirSync(directory).filter((file) => file.endsWith(".js") && file !== "index.js" && !file.startsWith("get"));
        if (files.length === 0) continue;
        const found = read(path.join(directory, pick(files)));
        if (found !== undefined && found.inputs.length > 0 && accept(found)) return found;
    }
    throw new Error(`no ${provider} resource type found (seed ${SDK_SEED})`);
}
