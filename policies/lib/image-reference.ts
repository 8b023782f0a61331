/**
 * Container image references (`nginx`, `ghcr.io/org/app:v1`, `repo:tag@sha256:…`), parsed by a linear-time
 * scanner of the distribution/reference grammar, with `docker.io/library` normalisation as `docker pull` does.
 *
 * Why not `@swimlane/docker-reference` (which this replaces): its grammar regular expression nests quantifiers
 * (a path component is `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`, and `[-]*` may match nothing), so any
 * reference that fails after its name — an empty tag `repo:`, a truncated digest `…@sha256:3f9a1c` — backtracks
 * exponentially in the length of a name component: 2.4 s for `abcdefghijkl:`, 37 s for 16 letters, never
 * for a registry host. A pre-check that kept it safe would have to decide the whole grammar anyway, so the
 * grammar is decided here, once, by scanning: every step looks at each character a bounded number of times,
 * and the only regular expressions are anchored character classes without nested quantifiers. What the
 * library got right is kept and checked against it in image-reference.spec.ts: domain and port, path
 * components and separators, the tag grammar, digest algorithms and lengths, 64-hex image IDs, the
 * lowercase rule, the 255-character name limit and `docker.io/library` normalisation.
 */

/** The one digest form accepted as a pin: sha256 with its 64 hex digits in lower case (the OCI canonical form). */
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isSha256Digest(value: unknown): value is string {
    return typeof value === "string" && SHA256_DIGEST.test(value);
}

/** distribution/reference: a repository name (domain included, after normalisation) is at most 255 characters. */
export const NAME_MAX_LENGTH = 255;
const TAG_MAX_LENGTH = 128;
/** Digest algorithms a registry serves, with their hex lengths. */
const DIGEST_HEX_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
/**
 * Nothing valid is longer: a name written with `index.docker.io/` (6 more than normalised) + `:` + tag +
 * `@sha512:` + 128 hex. Longer text is answered without being scanned at all.
 */
export const REFERENCE_MAX_LENGTH = NAME_MAX_LENGTH + 6 + 1 + TAG_MAX_LENGTH + 1 + "sha512:".length + 128;

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPOSITORY_PREFIX = "library/";

/** A parsed reference; property names as `@swimlane/docker-reference`'s Reference, for existing readers. */
export interface ImageReference {
    /** Registry host with its port, e.g. `ghcr.io`, `registry.example.com:5000`; `docker.io` when none is written. */
    readonly domain: string;
    /** Path in the registry, e.g. `acme/api`; `library/<name>` for an official Docker Hub image. */
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** How firmly a reference names one image. */
export type ImagePinning =
    /** Repository plus a sha256 digest (a tag beside it is allowed: the digest wins). */
    | { readonly kind: "pinned"; readonly reference: ImageReference; readonly digest: string }
    /** Repository with a tag or nothing at all (`:latest` implied): the registry decides what runs. */
    | { readonly kind: "unpinned"; readonly reference: ImageReference }
    /** Repository with a digest that is not sha256 in canonical form (another algorithm, upper-case hex). */
    | { readonly kind: "weak-digest"; readonly reference: ImageReference; readonly digest: string }
    /** A bare digest or 64-hex identifier, no repository: a local image ID, not something a registry serves. */
    | { readonly kind: "image-id"; readonly digest: string }
    /** Not a reference at all; `problem` says why, without repeating the text. */
    | { readonly kind: "invalid"; readonly problem: string };

export type ParsedReference = { readonly ok: true; readonly reference: ImageReference } | { readonly ok: false; readonly problem: string };

const INVALID_FORMAT = "invalid reference format";

const isLowerAlnum = (code: number): boolean => (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
const isAlnum = (code: number): boolean => isLowerAlnum(code) || (code >= 0x41 && code <= 0x5a);
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isHex = (code: number): boolean => isDigit(code) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
const isWord = (code: number): boolean => isAlnum(code) || code === 0x5f;

/** `[a-f0-9]{64}`: what `docker images` prints as an image ID. */
function isImageIdentifier(text: string): boolean {
    if (text.length !== 64) return false;
    for (let index = 0; index < 64; index++) {
        const code = text.charCodeAt(index);
        if (!(isDigit(code) || (code >= 0x61 && code <= 0x66))) return false;
    }
    return true;
}

/** domain-component `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`, joined by dots, then an optional `:port`. */
function isDomain(text: string): boolean {
    const colon = text.indexOf(":");
    const host = colon === -1 ? text : text.slice(0, colon);
    if (colon !== -1) {
        const port = text.slice(colon + 1);
        if (port === "") return false;
        for (let index = 0; index < port.length; index++) if (!isDigit(port.charCodeAt(index))) return false;
    }
    let componentStart = 0;
    for (let index = 0; index <= host.length; index++) {
        const code = index === host.length ? 0x2e : host.charCodeAt(index);
        if (code === 0x2e) {
            if (index === componentStart || host.charCodeAt(componentStart) === 0x2d || host.charCodeAt(index - 1) === 0x2d) return false;
            componentStart = index + 1;
        } else if (!(isAlnum(code) || code === 0x2d)) {
            return false;
        }
    }
    return true;
}

/** path-component: lowercase alphanumeric runs joined by exactly `.`, `_`, `__` or one or more `-`. */
function isPathComponent(text: string): boolean {
    if (text === "" || !isLowerAlnum(text.charCodeAt(0)) || !isLowerAlnum(text.charCodeAt(text.length - 1))) return false;
    let separatorStart = -1;
    for (let index = 0; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (isLowerAlnum(code)) {
            if (separatorStart !== -1) {
                const separator = text.slice(separatorStart, index);
                if (!(separator === "." || separator === "_" || separator === "__" || /^-+$/.test(separator))) return false;
                separatorStart = -1;
            }
        } else if (code === 0x2e || code === 0x5f || code === 0x2d) {
            if (separatorStart === -1) separatorStart = index;
        } else {
            return false;
        }
    }
    return true;
}

/** tag `[\w][\w.-]{0,127}`. */
function isTag(text: string): boolean {
    if (text === "" || text.length > TAG_MAX_LENGTH || !isWord(text.charCodeAt(0))) return false;
    for (let index = 1; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (!(isWord(code) || code === 0x2e || code === 0x2d)) return false;
    }
    return true;
}

/** digest-algorithm `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*`, `:`, at least 32 hex digits. */
function isDigestSyntax(text: string): boolean {
    const colon = text.indexOf(":");
    if (colon <= 0) return false;
    let componentStart = true;
    for (let index = 0; index < colon; index++) {
        const code = text.charCodeAt(index);
        const isLetter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
        if (componentStart) {
            if (!isLetter) return false;
            componentStart = false;
        } else if (code === 0x2d || code === 0x5f || code === 0x2b || code === 0x2e) {
            componentStart = true;
        } else if (!isLetter && !isDigit(code)) {
            return false;
        }
    }
    if (componentStart) return false;
    const hexLength = text.length - colon - 1;
    if (hexLength < 32) return false;
    for (let index = colon + 1; index < text.length; index++) if (!isHex(text.charCodeAt(index))) return false;
    return true;
}

/** The problem with a digest that has the digest syntax, or undefined when its algorithm and length are right. */
function digestProblem(digest: string): string | undefined {
    const colon = digest.indexOf(":");
    const expected = Object.hasOwn(DIGEST_HEX_LENGTHS, digest.slice(0, colon)) ? DIGEST_HEX_LENGTHS[digest.slice(0, colon)] : undefined;
    if (expected === undefined) return "unsupported digest algorithm";
    return digest.length - colon - 1 === expected ? undefined : "invalid checksum digest length";
}

/** Docker's familiar-name rule: the first component is a registry when it has a `.` or `:` or is `localhost`. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
    const slash = name.indexOf("/");
    const first = slash === -1 ? "" : name.slice(0, slash);
    const hasRegistry = slash !== -1 && (first.includes(".") || first.includes(":") || first === "localhost");
    let domain = hasRegistry ? first : DEFAULT_DOMAIN;
    let remainder = hasRegistry ? name.slice(slash + 1) : name;
    if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
    if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = `${OFFICIAL_REPOSITORY_PREFIX}${remainder}`;
    return { domain, remainder };
}

/** A qualified reference (`domain/path[:tag][@digest]`), split without backtracking. */
function parseQualified(text: string): ParsedReference {
    const at = text.indexOf("@");
    const nameAndTag = at === -1 ? text : text.slice(0, at);
    const digest = at === -1 ? undefined : text.slice(at + 1);
    if (digest !== undefined && (digest.includes("@") || !isDigestSyntax(digest))) {
        return { ok: false, problem: digest === "" ? `${INVALID_FORMAT}: empty digest` : `${INVALID_FORMAT}: the digest is not <algorithm>:<32 or more hex digits>` };
    }
    // A tag follows the last `:` after the last `/`; an earlier `:` can only be the registry's port.
    const colon = nameAndTag.lastIndexOf(":");
    const hasTag = colon !== -1 && colon > nameAndTag.lastIndexOf("/");
    const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
    const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
    if (tag !== undefined && !isTag(tag)) {
        return { ok: false, problem: tag === "" ? `${INVALID_FORMAT}: empty tag` : `${INVALID_FORMAT}: the tag is not 1-128 of [A-Za-z0-9_.-] starting with a letter, digit or _` };
    }
    const components = name.split("/");
    // As the grammar's greedy optional domain: the first component is the domain when it is one and more follow.
    const domain = components.length > 1 && isDomain(components[0]) ? components[0] : "";
    const path = domain === "" ? components : components.slice(1);
    if (!path.every(isPathComponent)) {
        const lowercase = path.every((component) => isPathComponent(component.toLowerCase()));
        return { ok: false, problem: lowercase ? `${INVALID_FORMAT}: repository name must be lowercase` : INVALID_FORMAT };
    }
    if (name.length > NAME_MAX_LENGTH) return { ok: false, problem: `repository name must not be more than ${NAME_MAX_LENGTH} characters` };
    if (digest !== undefined) {
        const problem = digestProblem(digest);
        if (problem !== undefined) return { ok: false, problem };
    }
    return { ok: true, reference: { domain, repository: path.join("/"), ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) } };
}

/**
 * Parses a reference as `docker pull` reads it (familiar names normalised to `docker.io[/library]`), or a bare
 * image ID / digest. Linear in the length of the text, and the text is capped first. Never throws.
 */
export function parseImageReference(text: string): ParsedReference | { readonly ok: true; readonly imageId: string } {
    if (text === "") return { ok: false, problem: "repository name must have at least one component" };
    if (text.length > REFERENCE_MAX_LENGTH) return { ok: false, problem: `longer than any valid reference (${text.length} characters; at most ${REFERENCE_MAX_LENGTH})` };
    if (isImageIdentifier(text)) return { ok: true, imageId: `sha256:${text}` };
    if (isDigestSyntax(text) && digestProblem(text) === undefined) return { ok: true, imageId: text };
    const { domain, remainder } = splitDockerDomain(text);
    const tagSeparator = remainder.indexOf(":");
    const remoteName = tagSeparator === -1 ? remainder : remainder.slice(0, tagSeparator);
    if (remoteName.toLowerCase() !== remoteName) return { ok: false, problem: `${INVALID_FORMAT}: repository name must be lowercase` };
    return parseQualified(`${domain}/${remainder}`);
}

/** Parses a reference and says how it is pinned. Never throws; linear time (see parseImageReference). */
export function imagePinning(text: string): ImagePinning {
    const parsed = parseImageReference(text);
    if (!parsed.ok) return { kind: "invalid", problem: parsed.problem };
    if ("imageId" in parsed) return { kind: "image-id", digest: parsed.imageId };
    const { reference } = parsed;
    const digest = reference.digest;
    if (digest === undefined) return { kind: "unpinned", reference };
    return isSha256Digest(digest) ? { kind: "pinned", reference, digest } : { kind: "weak-digest", reference, digest };
}

/** A reference for a message: quoted, and cut short when long (a finding quotes what matched, never a page of it). */
export function quoteReference(text: string, limit = 160): string {
    return text.length <= limit ? JSON.stringify(text) : `${JSON.stringify(`${text.slice(0, limit)}…`)} (${text.length} characters)`;
}
