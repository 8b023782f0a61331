import * as fs from "fs";
import * as path from "path";

/** A component declares its type token in its constructor: `super("platform:data:Postgres", name, args, opts)`. */
const COMPONENT_DECLARATION = /\bsuper\(\s*"(platform:[A-Za-z0-9_.-]{1,100}:[A-Za-z0-9_]{1,100})"/g;
/** Bounds of the scan: component sources are small and few. */
const MAX_SOURCE_BYTES = 512 * 1024;
const MAX_SOURCE_FILES = 1_000;
const MAX_FOLDER_DEPTH = 8;

/** The repository holding this program: the nearest folder above this file with Pulumi.yaml and components/. */
function repositoryRoot(): string | undefined {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml")) && fs.existsSync(path.join(dir, "components"))) return dir;
        if (path.dirname(dir) === dir) return undefined;
    }
}

/**
 * Where in a repository each of its components is declared, by type token: read from the components' own
 * `super("platform:...")` under `<root>/components`, so a new component needs no entry anywhere.
 * Paths are relative to the root, with `/`.
 */
export function scanComponentSources(root: string): ReadonlyMap<string, string> {
    return new Map([...scanComponentDeclarations(root)].map(([type, files]) => [type, files[0]]));
}

/** Every file that declares each component type: one per cloud for the components with per-cloud implementations. */
export function scanComponentDeclarations(root: string): ReadonlyMap<string, readonly string[]> {
    const found = new Map<string, string[]>();
    let files = 0;
    const walk = (dir: string, depth: number): void => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
        } catch {
            return;
        }
        for (const entry of entries) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory() && depth < MAX_FOLDER_DEPTH) walk(full, depth + 1);
            else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && files++ < MAX_SOURCE_FILES) {
                if (fs.statSync(full).size > MAX_SOURCE_BYTES) continue;
                const file = path.relative(root, full).split(path.sep).join("/");
                for (const match of fs.readFileSync(full, "utf8").matchAll(COMPONENT_DECLARATION)) {
                    const files = found.get(match[1]) ?? [];
                    if (!files.includes(file)) files.push(file);
                    found.set(match[1], files);
                }
            }
        }
    };
    walk(path.join(root, "components"), 0);
    return found;
}

let componentDeclarationsOfThisRepository: ReadonlyMap<string, readonly string[]> | undefined;

/** This repository's component declarations, scanned once per process. */
export function componentDeclarations(): ReadonlyMap<string, readonly string[]> {
    if (componentDeclarationsOfThisRepository === undefined) {
        const root = repositoryRoot();
        componentDeclarationsOfThisRepository = root === undefined ? new Map() : scanComponentDeclarations(root);
    }
    return componentDeclarationsOfThisRepository;
}

/** This repository's component sources: the first file that declares each type. */
export function componentSources(): ReadonlyMap<string, string> {
    return new Map([...componentDeclarations()].map(([type, files]) => [type, files[0]]));
}

/** The package of this program's own component types. */
const COMPONENT_PACKAGE = "platform:";

/**
 * The qualified type of a URN (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`): the types of the
 * resource's ancestors and its own, outermost first. Names may contain `::`; types never do.
 */
export function qualifiedTypeOf(urn: string): string[] {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) return [];
    return parts[2].split("$");
}

export interface ComponentSource {
    /** Type token of the component, e.g. `platform:data:Postgres`. */
    readonly component: string;
    /** Repository-relative path of the file that declares it. */
    readonly file: string;
}

/**
 * The innermost `platform:` component of a resource (the resource itself when it is one) and its source
 * file; undefined for resources outside every component (the stack, default providers) or unknown types.
 */
export function componentSourceOf(urn: string): ComponentSource | undefined {
    const component = qualifiedTypeOf(urn)
        .filter((type) => type.startsWith(COMPONENT_PACKAGE))
        .pop();
    if (component === undefined) return undefined;
    const files = componentDeclarations().get(component) ?? [];
    // A component implemented per cloud (components/postgres/aws.ts, gcp.ts): the file of the cloud whose
    // resource this is, e.g. gcp.ts for a gcp:sql/databaseInstance:DatabaseInstance.
    const cloud = qualifiedTypeOf(urn).pop()?.split(":")[0];
    const file = files.find((candidate) => cloud !== undefined && path.posix.basename(candidate, ".ts").split("-").includes(cloud)) ?? files[0];
    return file === undefined ? undefined : { component, file };
}
