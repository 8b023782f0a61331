/**
 * Static analysis of the regular expressions a catalogue brings in (secretlint's credential patterns): a
 * parser for the JavaScript syntax those patterns use, and two answers about each pattern.
 *
 * - Anchors: literal strings of which at least one occurs in every match (`AKIA`, `ghp_`, `postgres://`).
 *   A text that contains none of a pattern's anchors cannot match it, so a scan tests one cheap
 *   prefilter per string and runs a pattern only where one of its anchors occurs.
 * - Backtracking risk: a quantified group whose body can match the same text in more than one way
 *   (`(a+)+`, `(?:\w{1,40}\w?)+`), or two adjacent unbounded quantifiers over overlapping characters
 *   (`\w+\w*x`). Either makes a failing match cost exponential or polynomial time in the text's length;
 *   a pattern with either is refused by the generator, whatever else it catches.
 *
 * Used at generation time (policies/catalogues/generate.ts) and by the catalogue's spec; nothing here runs
 * while a rule judges a resource.
 */

/** Characters as a set over ASCII, plus whether any character beyond ASCII belongs. */
interface CharSet {
    readonly ascii: readonly boolean[];
    readonly beyondAscii: boolean;
}

type Node =
    | { readonly type: "chars"; readonly set: CharSet; readonly literal?: string }
    | { readonly type: "empty" }
    | { readonly type: "sequence"; readonly items: readonly Node[] }
    | { readonly type: "alternation"; readonly options: readonly Node[] }
    | { readonly type: "repeat"; readonly body: Node; readonly min: number; readonly max: number }
    | { readonly type: "group"; readonly body: Node }
    /** Look-arounds, word boundaries, `^` and `$`: match no character. */
    | { readonly type: "assertion" }
    /** A back-reference: matches text decided at run time. */
    | { readonly type: "backreference" };

const ASCII = 128;

function setOf(predicate: (code: number) => boolean, beyondAscii: boolean): CharSet {
    return { ascii: Array.from({ length: ASCII }, (_, code) => predicate(code)), beyondAscii };
}

function union(a: CharSet, b: CharSet): CharSet {
    return { ascii: a.ascii.map((bit, code) => bit || b.ascii[code]), beyondAscii: a.beyondAscii || b.beyondAscii };
}

function negate(set: CharSet): CharSet {
    return { ascii: set.ascii.map((bit) => !bit), beyondAscii: true };
}

function overlaps(a: CharSet, b: CharSet): boolean {
    return (a.beyondAscii && b.beyondAscii) || a.ascii.some((bit, code) => bit && b.ascii[code]);
}

function size(set: CharSet): number {
    return set.beyondAscii ? Infinity : set.ascii.filter(Boolean).length;
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isWord = (code: number): boolean => isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
const isSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);
const single = (char: string): CharSet => setOf((code) => code === char.charCodeAt(0), char.charCodeAt(0) >= ASCII);
const CLASS_ESCAPES: Readonly<Record<string, CharSet>> = {
    d: setOf(isDigit, false),
    D: setOf((code) => !isDigit(code), true),
    w: setOf(isWord, false),
    W: setOf((code) => !isWord(code), true),
    s: setOf(isSpace, true),
    S: setOf((code) => !isSpace(code), true),
};
const CONTROL_ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", f: "\f", v: "\v", "0": "\0" };
const ANY = setOf((code) => code !== 10 && code !== 13, true);

class Parser {
    private position = 0;
    private groups = 0;

    constructor(
        private readonly source: string,
        private readonly caseInsensitive: boolean,
    ) {}

    parse(): Node {
        const node = this.alternation();
        if (this.position !== this.source.length) throw new Error(`unexpected ${JSON.stringify(this.source[this.position])} at ${this.position}`);
        return node;
    }

    get groupCount(): number {
        return this.groups;
    }

    private peek(): string | undefined {
        return this.source[this.position];
    }

    private alternation(): Node {
        const options = [this.sequence()];
        while (this.peek() === "|") {
            this.position++;
            options.push(this.sequence());
        }
        return options.length === 1 ? options[0] : { type: "alternation", options };
    }

    private sequence(): Node {
        const items: Node[] = [];
        while (this.position < this.source.length && this.peek() !== "|" && this.peek() !== ")") items.push(this.quantified(this.atom()));
        if (items.length === 0) return { type: "empty" };
        return items.length === 1 ? items[0] : { type: "sequence", items };
    }

    private quantified(atom: Node): Node {
        const char = this.peek();
        let bounds: [number, number] | undefined;
        if (char === "*") bounds = [0, Infinity];
        else if (char === "+") bounds = [1, Infinity];
        else if (char === "?") bounds = [0, 1];
        else if (char === "{") {
            const found = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.source.slice(this.position));
            if (found) {
                const min = Number(found[1]);
                const max = found[2] === undefined ? min : found[3] === "" ? Infinity : Number(found[3]);
                this.position += found[0].length - 1;
                bounds = [min, max];
            }
        }
        if (bounds === undefined) return atom;
        this.position++;
        if (this.peek() === "?") this.position++;
        if (atom.type === "assertion") return atom;
        return this.quantified({ type: "repeat", body: atom, min: bounds[0], max: bounds[1] });
    }

    private atom(): Node {
        const char = this.source[this.position++];
        switch (char) {
            case "(":
                return this.group();
            case "[":
                return { type: "chars", set: this.fold(this.characterClass()) };
            case ".":
                return { type: "chars", set: ANY };
            case "^":
            case "$":
                return { type: "assertion" };
            case "\\":
                return this.escape();
            default:
                return this.literal(char);
        }
    }

    private literal(char: string): Node {
        return { type: "chars", set: this.fold(single(char)), literal: char };
    }

    private fold(set: CharSet): CharSet {
        if (!this.caseInsensitive) return set;
        return { ascii: set.ascii.map((bit, code) => bit || set.ascii[code ^ 0x20] === true && /[A-Za-z]/.test(String.fromCharCode(code))), beyondAscii: set.beyondAscii };
    }

    private group(): Node {
        let capturing = true;
        let assertion = false;
        if (this.peek() === "?") {
            const rest = this.source.slice(this.position);
            const lookaround = /^\?(?:=|!|<=|<!)/.exec(rest);
            const named = /^\?<[A-Za-z_$][\w$]*>/.exec(rest);
            if (lookaround) {
                assertion = true;
                capturing = false;
                this.position += lookaround[0].length;
            } else if (named) {
                this.position += named[0].length;
            } else if (rest.startsWith("?:")) {
                capturing = false;
                this.position += 2;
            } else {
                throw new Error(`unsupported group at ${this.position}`);
            }
        }
        if (capturing) this.groups++;
        const body = this.alternation();
        if (this.source[this.position++] !== ")") throw new Error("unterminated group");
        return assertion ? { type: "assertion" } : { type: "group", body };
    }

    private escape(): Node {
        const char = this.source[this.position++];
        if (char === undefined) throw new Error("trailing backslash");
        if (char === "b" || char === "B") return { type: "assertion" };
        if (/[1-9]/.test(char)) return { type: "backreference" };
        if (char === "k" && this.peek() === "<") {
            this.position = this.source.indexOf(">", this.position) + 1;
            return { type: "backreference" };
        }
        const set = this.escapeSet(char);
        return set.literal === undefined ? { type: "chars", set: set.set } : this.literal(set.literal);
    }

    /** An escape inside or outside a class: a class escape, a property, a control or hex character, or an escaped literal. */
    private escapeSet(char: string): { set: CharSet; literal?: string } {
        if (CLASS_ESCAPES[char]) return { set: CLASS_ESCAPES[char] };
        if (char === "p" || char === "P") {
            const end = this.source.indexOf("}", this.position);
            if (this.peek() !== "{" || end < 0) throw new Error("malformed property escape");
            const property = this.source.slice(this.position + 1, end);
            this.position = end + 1;
            // Letters (`\p{L}`) are what these patterns use; any other property is taken as "any character".
            const letters = setOf((code) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122), true);
            const set = property === "L" || property === "Letter" ? letters : setOf(() => true, true);
            return { set: char === "P" ? negate(set) : set };
        }
        if (CONTROL_ESCAPES[char] !== undefined) return { set: single(CONTROL_ESCAPES[char]), literal: CONTROL_ESCAPES[char] };
        if (char === "x" || char === "u") {
            const found = (char === "x" ? /^[0-9A-Fa-f]{2}/ : /^[0-9A-Fa-f]{4}/).exec(this.source.slice(this.position));
            if (!found) throw new Error(`malformed \\${char} escape`);
            this.position += found[0].length;
            const literal = String.fromCharCode(parseInt(found[0], 16));
            return { set: single(literal), literal };
        }
        return { set: single(char), literal: char };
    }

    private characterClass(): CharSet {
        const negated = this.peek() === "^";
        if (negated) this.position++;
        let set = setOf(() => false, false);
        let first = true;
        while (this.peek() !== "]" || first) {
            first = false;
            if (this.position >= this.source.length) throw new Error("unterminated class");
            const start = this.classAtom();
            if (this.peek() === "-" && this.source[this.position + 1] !== "]" && start.literal !== undefined) {
                this.position++;
                const end = this.classAtom();
                if (end.literal === undefined) throw new Error("malformed class range");
                const [low, high] = [start.literal.charCodeAt(0), end.literal.charCodeAt(0)];
                set = union(set, setOf((code) => code >= low && code <= high, high >= ASCII));
            } else {
                set = union(set, start.set);
            }
        }
        this.position++;
        return negated ? negate(set) : set;
    }

    private classAtom(): { set: CharSet; literal?: string } {
        const char = this.source[this.position++];
        if (char === "\\") {
            const escaped = this.source[this.position++];
            if (escaped === "b") return { set: single("\b"), literal: "\b" };
            return this.escapeSet(escaped);
        }
        return { set: single(char), literal: char };
    }
}

/** A parsed pattern. Throws on syntax the catalogue's patterns do not use (the generator then stops). */
export function parsePattern(source: string, flags: string): Node {
    return new Parser(source, flags.includes("i")).parse();
}

/** At most this many exact strings are tracked per node: beyond it, a node has anchors but no exact set. */
const MAX_EXACT = 64;

interface Literals {
    /** Every string the node can match, when few. */
    readonly exact?: readonly string[];
    /** At least one of these occurs in every match; undefined when nothing is certain. */
    readonly anchors?: readonly string[];
}

function shortest(strings: readonly string[] | undefined): number {
    return strings === undefined || strings.length === 0 ? 0 : Math.min(...strings.map((text) => text.length));
}

/**
 * The better of two anchor sets: longer anchors first (up to eight characters, beyond which a literal is
 * rare enough), then fewer of them, then longer still.
 */
function better(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
    if (a === undefined || shortest(a) === 0) return b === undefined || shortest(b) === 0 ? undefined : b;
    if (b === undefined || shortest(b) === 0) return a;
    const [la, lb] = [Math.min(shortest(a), 8), Math.min(shortest(b), 8)];
    if (la !== lb) return la > lb ? a : b;
    if (a.length !== b.length) return a.length < b.length ? a : b;
    return shortest(a) >= shortest(b) ? a : b;
}

function unique(strings: readonly string[]): string[] {
    return [...new Set(strings)];
}

/** Literals of a node; `fold` (a case-insensitive pattern) lower-cases them, else their case is kept. */
function literals(node: Node, fold: boolean): Literals {
    const caseOf = (text: string): string => (fold ? text.toLowerCase() : text);
    switch (node.type) {
        case "empty":
        case "assertion":
            return { exact: [""] };
        case "backreference":
            return {};
        case "chars": {
            if (node.literal !== undefined) return { exact: [caseOf(node.literal)] };
            if (size(node.set) > 4) return {};
            return { exact: unique(node.set.ascii.flatMap((bit, code) => (bit ? [caseOf(String.fromCharCode(code))] : []))) };
        }
        case "group":
            return literals(node.body, fold);
        case "alternation": {
            const parts = node.options.map((option) => literals(option, fold));
            const exact = parts.every((part) => part.exact !== undefined) ? unique(parts.flatMap((part) => part.exact ?? [])) : undefined;
            if (exact !== undefined && exact.length <= MAX_EXACT) return { exact };
            const anchors = parts.map((part) => better(part.exact, part.anchors));
            return anchors.every((set) => set !== undefined && shortest(set) > 0) ? { anchors: unique(anchors.flatMap((set) => set ?? [])) } : {};
        }
        case "repeat": {
            const body = literals(node.body, fold);
            // `s?` is "s" or nothing: still a finite set, so that `https?://` anchors on `http://` and `https://`.
            if (node.min === 0 && node.max === 1 && body.exact !== undefined && body.exact.length < MAX_EXACT) return { exact: unique([...body.exact, ""]) };
            if (node.min === 0) return {};
            if (node.min === node.max && body.exact !== undefined && body.exact.length ** node.min <= MAX_EXACT && node.min <= 8) {
                let exact = [""];
                for (let index = 0; index < node.min; index++) exact = unique(exact.flatMap((prefix) => (body.exact ?? []).map((suffix) => prefix + suffix)));
                return { exact };
            }
            return { anchors: better(body.exact, body.anchors) };
        }
        case "sequence": {
            // Every run of consecutive exact items concatenates into literals; the best run or item anchors the sequence.
            const parts = node.items.map((item) => literals(item, fold));
            let anchors: readonly string[] | undefined;
            for (const part of parts) anchors = better(anchors, better(part.exact, part.anchors));
            for (let start = 0; start < parts.length; start++) {
                let run: string[] = [""];
                for (let end = start; end < parts.length; end++) {
                    const exact = parts[end].exact;
                    if (exact === undefined || run.length * exact.length > MAX_EXACT) break;
                    run = unique(run.flatMap((prefix) => exact.map((suffix) => prefix + suffix)));
                    if (start === 0 && end === parts.length - 1) return { exact: run };
                    anchors = better(anchors, run);
                }
            }
            return { anchors };
        }
    }
}

/**
 * Literal strings at least one of which occurs in every match of the pattern, in their case (lower-cased for
 * a case-insensitive pattern, to be tested case-insensitively). Empty when the analysis finds none: such a
 * pattern runs on every text.
 */
export function patternAnchors(source: string, flags: string): string[] {
    const found = literals(parsePattern(source, flags), flags.includes("i"));
    const anchors = better(found.exact, found.anchors);
    return anchors === undefined || shortest(anchors) === 0 ? [] : [...anchors].sort();
}

/** Characters a node may match anywhere (for overlap tests), or undefined for nodes that match none. */
function reach(node: Node): CharSet | undefined {
    switch (node.type) {
        case "chars":
            return node.set;
        case "empty":
        case "assertion":
            return undefined;
        case "backreference":
            return setOf(() => true, true);
        case "group":
        case "repeat":
            return reach(node.body);
        case "alternation":
        case "sequence": {
            const parts = (node.type === "alternation" ? node.options : node.items).map(reach).filter((set): set is CharSet => set !== undefined);
            return parts.length === 0 ? undefined : parts.reduce(union);
        }
    }
}

function widthOf(node: Node): { min: number; max: number } {
    switch (node.type) {
        case "chars":
            return { min: 1, max: 1 };
        case "empty":
        case "assertion":
            return { min: 0, max: 0 };
        case "backreference":
            return { min: 0, max: Infinity };
        case "group":
            return widthOf(node.body);
        case "repeat": {
            const body = widthOf(node.body);
            return { min: body.min * node.min, max: body.max === 0 ? 0 : body.max * node.max };
        }
        case "alternation": {
            const widths = node.options.map(widthOf);
            return { min: Math.min(...widths.map((width) => width.min)), max: Math.max(...widths.map((width) => width.max)) };
        }
        case "sequence": {
            const widths = node.items.map(widthOf);
            return { min: widths.reduce((sum, width) => sum + width.min, 0), max: widths.reduce((sum, width) => sum + width.max, 0) };
        }
    }
}

/**
 * Whether one iteration of a repeated body can be told apart from the next: the body is of fixed width,
 * or it ends in a fixed single character that nothing before it in the body can match (`[a-z0-9]{1,40}-`).
 */
function iterationsAreUnambiguous(body: Node): boolean {
    const width = widthOf(body);
    if (width.min === width.max) return true;
    const inner = body.type === "group" ? body.body : body;
    if (inner.type !== "sequence") return false;
    const last = inner.items[inner.items.length - 1];
    if (last.type !== "chars") return false;
    const before = reach({ type: "sequence", items: inner.items.slice(0, -1) });
    return before === undefined || !overlaps(before, last.set);
}

/** Problems that make the pattern backtrack catastrophically on some input; empty when there are none. */
export function backtrackingRisks(source: string, flags: string): string[] {
    const risks: string[] = [];
    const visit = (node: Node): void => {
        switch (node.type) {
            case "group":
                visit(node.body);
                return;
            case "alternation":
                node.options.forEach(visit);
                return;
            case "repeat": {
                if (node.max > 1 && widthOf(node.body).max > 1 && !iterationsAreUnambiguous(node.body)) {
                    risks.push("a repeated group whose iterations can split the same text in several ways (nested quantifiers)");
                }
                visit(node.body);
                return;
            }
            case "sequence": {
                // Two unbounded quantifiers over overlapping characters, with nothing mandatory between them that
                // only one of them can match, share the characters between them in O(n) ways per start.
                let open: CharSet | undefined;
                for (const item of node.items) {
                    const width = widthOf(item);
                    const chars = reach(item);
                    if (width.max === Infinity && chars !== undefined) {
                        if (open !== undefined && overlaps(open, chars)) risks.push("two adjacent unbounded quantifiers over overlapping characters");
                        open = open === undefined ? chars : union(open, chars);
                    } else if (width.min > 0 && chars !== undefined && open !== undefined && !overlaps(open, chars)) {
                        open = undefined;
                    }
                    visit(item);
                }
                return;
            }
            default:
                return;
        }
    };
    const parser = new Parser(source, flags.includes("i"));
    visit(parser.parse());
    return unique(risks);
}
