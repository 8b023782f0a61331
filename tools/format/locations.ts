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
    const found = new Map<string, string>();
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
                for (const match of fs.readFileSync(full, "utf8").matchAll(COMPONENT_DECLARATION)) if (!found.has(match[1])) found.set(match[1], file);
            }
        }
    };
    walk(path.join(root, "components"), 0);
    return found;
}

let componentSourcesOfThisRepository: ReadonlyMap<string, string> | undefined;

/** This repository's component sources, scanned once per process. */
export function componentSources(): ReadonlyMap<string, string> {
    if (componentSourcesOfThisRepository === undefined) {
        const root = repositoryRoot();
        componentSourcesOfThisRepository = root === undefined ? new Map() : scanComponentSources(root);
    }
    return componentSourcesOfThisRepository;
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
    const file = componentSources().get(component);
    return file === undefined ? undefined : { component, file };
}
