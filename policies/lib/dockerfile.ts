import * as fs from "fs";
import * as path from "path";

/**
 * The images a Dockerfile pulls: the base of every `FROM`, and the image sources of `COPY --from=` and
 * `RUN --mount=…,from=`. Bounded: the text is capped, read line by line in one pass, heredoc bodies are
 * skipped, and the only regular expressions are anchored or have no nested quantifiers.
 */

/** Far above any real Dockerfile; a larger file is reported rather than read. */
export const DOCKERFILE_MAX_BYTES = 256 * 1024;

export interface PulledImage {
    /** 1-based line of the instruction. */
    readonly line: number;
    /** `FROM`, `COPY --from` or `RUN --mount from`. */
    readonly instruction: string;
    /** What the Dockerfile says, before build arguments are substituted. */
    readonly written: string;
    /** `image`: `reference` is to be judged; `scratch` and `stage` pull nothing; `unresolved`: an unset variable. */
    readonly kind: "image" | "scratch" | "stage" | "unresolved";
    /** The reference after substitution (kind `image`). */
    readonly reference?: string;
}

/** `${NAME}`, `$NAME`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alternative}`; undefined when a name has no value. */
function substitute(text: string, values: ReadonlyMap<string, string>): string | undefined {
    let result = "";
    let index = 0;
    while (index < text.length) {
        const dollar = text.indexOf("$", index);
        if (dollar === -1) return result + text.slice(index);
        result += text.slice(index, dollar);
        if (text[dollar + 1] === "{") {
            const close = text.indexOf("}", dollar + 2);
            if (close === -1) return undefined;
            const body = text.slice(dollar + 2, close);
            const operator = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body);
            if (!operator) return undefined;
            const name = operator[0];
            const rest = body.slice(name.length);
            const value = values.get(name);
            if (rest === "") {
                if (value === undefined) return undefined;
                result += value;
            } else if (rest.startsWith(":-") || rest.startsWith("-")) {
                const fallback = rest.slice(rest.startsWith(":-") ? 2 : 1);
                result += value === undefined || (rest.startsWith(":-") && value === "") ? fallback : value;
            } else if (rest.startsWith(":+")) {
                result += value === undefined || value === "" ? "" : rest.slice(2);
            } else {
                return undefined;
            }
            index = close + 1;
        } else {
            const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(dollar + 1, dollar + 257));
            if (!name) return undefined;
            const value = values.get(name[0]);
            if (value === undefined) return undefined;
            result += value;
            index = dollar + 1 + name[0].length;
        }
    }
    return result;
}

function unquote(text: string): string {
    return text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[text.length - 1] === text[0] ? text.slice(1, -1) : text;
}

/** Heredoc delimiters opened on an instruction line (`<<EOF`, `<<-"EOF"`), in order. */
function heredocDelimiters(line: string): { readonly word: string; readonly stripTabs: boolean }[] {
    const found: { word: string; stripTabs: boolean }[] = [];
    const pattern = /<<(-?)["']?([A-Za-z_][A-Za-z0-9_]*)/g;
    for (let match = pattern.exec(line); match !== null; match = pattern.exec(line)) found.push({ word: match[2], stripTabs: match[1] === "-" });
    return found;
}

interface Instruction {
    readonly line: number;
    readonly keyword: string;
    readonly args: string;
}

/** Logical instructions: continuation lines joined, comments and heredoc bodies dropped. */
function instructions(text: string): Instruction[] {
    const lines = text.split("\n");
    let escape = "\\";
    let index = 0;
    // Parser directives come first: `# escape=`` ` is the one that changes how lines join.
    for (; index < lines.length; index++) {
        const directive = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[index]);
        if (!directive) break;
        if (directive[1].toLowerCase() === "escape" && (directive[2] === "`" || directive[2] === "\\")) escape = directive[2];
    }
    const found: Instruction[] = [];
    let pending = "";
    let pendingLine = 0;
    const heredocs: { word: string; stripTabs: boolean }[] = [];
    for (; index < lines.length; index++) {
        const raw = lines[index].endsWith("\r") ? lines[index].slice(0, -1) : lines[index];
        if (heredocs.length > 0) {
            const candidate = heredocs[0].stripTabs ? raw.replace(/^\t+/, "") : raw;
            if (candidate === heredocs[0].word) heredocs.shift();
            continue;
        }
        const trimmed = raw.trim();
        if (trimmed.startsWith("#") || (trimmed === "" && pending !== "")) continue;
        if (pending === "") pendingLine = index + 1;
        const continues = trimmed.endsWith(escape);
        pending += `${continues ? trimmed.slice(0, -escape.length) : trimmed} `;
        if (continues) continue;
        const logical = pending.trim();
        pending = "";
        if (logical === "") continue;
        const space = logical.search(/\s/);
        const keyword = (space === -1 ? logical : logical.slice(0, space)).toUpperCase();
        const args = space === -1 ? "" : logical.slice(space + 1).trim();
        found.push({ line: pendingLine, keyword, args });
        if (keyword === "RUN" || keyword === "COPY" || keyword === "ADD") heredocs.push(...heredocDelimiters(args));
    }
    return found;
}

/** `--name=value` flags at the start of an instruction's arguments, then the rest split on whitespace. */
function flagsAndWords(args: string): { flags: [string, string][]; words: string[] } {
    const words = args.split(/\s+/).filter((word) => word !== "");
    const flags: [string, string][] = [];
    while (words.length > 0 && words[0].startsWith("--")) {
        const flag = words.shift() as string;
        const equals = flag.indexOf("=");
        flags.push(equals === -1 ? [flag.slice(2).toLowerCase(), ""] : [flag.slice(2, equals).toLowerCase(), flag.slice(equals + 1)]);
    }
    return { flags, words };
}

/**
 * Every image a Dockerfile pulls. `buildArgs` are the build's `--build-arg`s: they override the defaults of
 * `ARG`s declared before the first `FROM` (the only ones a `FROM` can use), as Docker does.
 */
export function pulledImages(text: string, buildArgs: ReadonlyMap<string, string>): PulledImage[] {
    const globals = new Map<string, string>();
    // Stage names in a set (a lookup per FROM must not scan every earlier stage), and how many stages there are.
    const stageNames = new Set<string>();
    let stageCount = 0;
    const images: PulledImage[] = [];
    let seenFrom = false;
    const classify = (line: number, instruction: string, written: string, allowIndex: boolean): void => {
        const resolved = substitute(written, globals);
        if (resolved === undefined || resolved === "") {
            images.push({ line, instruction, written, kind: "unresolved" });
        } else if (resolved.toLowerCase() === "scratch") {
            images.push({ line, instruction, written, kind: "scratch" });
        } else if (stageNames.has(resolved.toLowerCase()) || (allowIndex && /^[0-9]{1,4}$/.test(resolved) && Number(resolved) < stageCount)) {
            images.push({ line, instruction, written, kind: "stage" });
        } else {
            images.push({ line, instruction, written, kind: "image", reference: resolved });
        }
    };
    for (const { line, keyword, args } of instructions(text)) {
        if (keyword === "ARG" && !seenFrom) {
            for (const declaration of args.split(/\s+/).filter((word) => word !== "")) {
                const equals = declaration.indexOf("=");
                const name = equals === -1 ? declaration : declaration.slice(0, equals);
                const value = buildArgs.get(name) ?? (equals === -1 ? undefined : unquote(declaration.slice(equals + 1)));
                if (value !== undefined) globals.set(name, value);
                else globals.delete(name);
            }
        } else if (keyword === "FROM") {
            seenFrom = true;
            const { words } = flagsAndWords(args);
            if (words.length > 0) classify(line, "FROM", words[0], false);
            if (words.length >= 3 && words[1].toLowerCase() === "as") stageNames.add(words[2].toLowerCase());
            stageCount++;
        } else if (keyword === "COPY") {
            for (const [name, value] of flagsAndWords(args).flags) if (name === "from" && value !== "") classify(line, "COPY --from", value, true);
        } else if (keyword === "RUN") {
            for (const [name, value] of flagsAndWords(args).flags) {
                if (name !== "mount") continue;
                const from = value.split(",").find((option) => option.startsWith("from="));
                if (from !== undefined && from.length > 5) classify(line, "RUN --mount from", from.slice(5), true);
            }
        }
    }
    return images;
}

const projectDirectories = new Map<string, string>();

/**
 * The nearest folder at or above `start` holding a Pulumi project file: where a program's relative paths
 * start. The CLI runs the pack in its own folder (`policies/`, inside the project); the offline tools run
 * in the project folder. Remembered per start folder.
 */
export function projectDirectory(start: string = process.cwd()): string {
    const known = projectDirectories.get(start);
    if (known !== undefined) return known;
    const found = findProjectDirectory(start);
    projectDirectories.set(start, found);
    return found;
}

function findProjectDirectory(start: string): string {
    let folder = path.resolve(start);
    for (let depth = 0; depth < 8; depth++) {
        if (fs.existsSync(path.join(folder, "Pulumi.yaml")) || fs.existsSync(path.join(folder, "Pulumi.yml"))) return folder;
        const parent = path.dirname(folder);
        if (parent === folder) break;
        folder = parent;
    }
    return path.resolve(start);
}

export type DockerfileText = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

/** Reads a Dockerfile (a regular file, at most DOCKERFILE_MAX_BYTES), never throwing: a problem says why not. */
export function readDockerfile(file: string): DockerfileText {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return { ok: false, problem: "not found" };
    }
    // A FIFO or a device would block or never end: only regular files are read.
    if (!stat.isFile()) return { ok: false, problem: "not a regular file" };
    if (stat.size > DOCKERFILE_MAX_BYTES) return { ok: false, problem: `larger than ${DOCKERFILE_MAX_BYTES / 1024} KiB` };
    try {
        return { ok: true, text: fs.readFileSync(file, "utf8") };
    } catch (error) {
        return { ok: false, problem: `unreadable (${(error as NodeJS.ErrnoException).code ?? "error"})` };
    }
}
