import catalogue from "../catalogues/credential-formats.json";
import { patternAnchors } from "../catalogues/regex-analysis";

/**
 * The credential formats the pack recognises by shape alone, whatever the name they sit under.
 *
 * Data first: every pattern of secretlint's recommended preset, as generated into
 * catalogues/credential-formats.json (catalogues/generate.ts; a spec keeps it current with node_modules).
 * Code only where the catalogue is not enough, each with its reason:
 * - CATALOGUE_NOT_USED: catalogue patterns this pack does not apply, and why;
 * - CATALOGUE_REFINEMENTS: catalogue patterns whose matches are filtered, and why;
 * - SUPPLEMENTS: formats the catalogue lacks.
 *
 * Every pattern has anchors: literals of which one occurs in every match, computed from the pattern
 * (catalogues/regex-analysis.ts). A scan tests one prefilter of all anchors per text and runs a pattern only
 * where one of its own anchors occurs; most strings contain none.
 */

export interface CredentialFormat {
    /** The catalogue's id (`github/GITHUB_TOKEN`), or the pack's own kind (`jwt`). */
    readonly kind: string;
    /** For messages, e.g. "a GitHub Token". Never contains the value. */
    readonly description: string;
    /** Global; run with matchAll or replace. */
    readonly pattern: RegExp;
    readonly anchors: readonly string[];
    /** Where it comes from: the maintained catalogue, or the pack (a supplement). */
    readonly origin: "catalogue" | "pack";
    /** Whether a match is a credential (documentation keys and identifiers are not). */
    readonly accept?: (match: RegExpMatchArray) => boolean;
    /** The capture group that holds the secret (a URL's password); the whole match when absent. */
    readonly secretGroup?: string;
}

/** AWS's own documentation keys (docs.aws.amazon.com): placeholders everyone recognises, as secretlint treats them too. */
export const DOCUMENTATION_KEYS: ReadonlySet<string> = new Set(["AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"]);
export const DOCUMENTATION_SECRETS: ReadonlySet<string> = new Set(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);

/** Catalogue patterns the pack does not apply, with the reason. */
export const CATALOGUE_NOT_USED: Readonly<Record<string, string>> = {
    "aws/AWSAccountID": "an AWS account ID is an identifier that ARNs, policies and tags carry everywhere, not a credential",
    "basicauth/BasicAuth": "URL userinfo (below) finds a password in a URL of any scheme, placeholders aside, and reports it as such",
    "database-connection-string/MongoDBConnection": "URL userinfo (below) finds the password of a MongoDB URL, and of any other scheme",
    "database-connection-string/MySQLConnection": "URL userinfo (below) finds the password of a MySQL URL, and of any other scheme",
    "database-connection-string/PostgreSQLConnection": "URL userinfo (below) finds the password of a PostgreSQL URL, and of any other scheme",
};

/** Catalogue patterns whose matches are filtered, with the reason. */
const CATALOGUE_REFINEMENTS: Readonly<Record<string, { readonly reason: string; readonly accept: (match: RegExpMatchArray) => boolean }>> = {
    "aws/AWSAccessKeyID": {
        reason: "only access key IDs (AKIA long-term, ASIA temporary, A3T legacy) are credentials; AIDA/AROA/AGPA/... are the unique IDs of users, roles and groups that policies name, and AWS's documentation key is a placeholder",
        accept: (match) => /^(?:AKIA|ASIA|A3T)/.test(match[0]) && !DOCUMENTATION_KEYS.has(match[0]),
    },
    "aws/AWSSecretAccessKey": {
        reason: "AWS's documentation secret access key is a placeholder",
        accept: (match) => !DOCUMENTATION_SECRETS.has(match[1] ?? ""),
    },
};

interface Supplement {
    readonly kind: string;
    readonly description: string;
    readonly pattern: RegExp;
    /** Why the pack keeps it: what the catalogue lacks. */
    readonly reason: string;
    readonly secretGroup?: string;
}

/**
 * Formats the catalogue lacks. Boundaries are look-arounds rather than \b so that `KEY=sk_live_...` and
 * `"eyJ..."` match while a longer run of the same alphabet (a hash, a base64 blob) does not. Every
 * quantifier is bounded or runs over characters that what follows cannot match: linear.
 */
const SUPPLEMENTS: readonly Supplement[] = [
    {
        kind: "stripe-live-key",
        description: "a Stripe live key",
        pattern: /(?<![A-Za-z0-9])(?:sk|rk)_live_[A-Za-z0-9]{16,247}(?![A-Za-z0-9])/g,
        reason: "the preset has no Stripe rule",
    },
    {
        kind: "google-api-key",
        description: "a Google API key",
        pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g,
        reason: "the preset's GCP rule reads service-account key files only, not AIza API keys",
    },
    {
        kind: "jwt",
        description: "a JSON Web Token",
        pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,4096}\.eyJ[A-Za-z0-9_-]{10,16384}\.[A-Za-z0-9_-]{0,1024}(?![A-Za-z0-9_-])/g,
        reason: "the preset has no JWT rule; a signed token is a bearer credential until it expires",
    },
    {
        kind: "slack-legacy-token",
        description: "a Slack legacy workspace token",
        pattern: /(?<![A-Za-z0-9])xoxs-(?:\d{1,40}-){1,8}[A-Za-z0-9]{1,64}(?![A-Za-z0-9-])/g,
        reason: "the preset's Slack rule knows xoxb/xoxp/xapp/xoxa/xoxo/xoxr, not the legacy xoxs- prefix",
    },
    {
        kind: "azure-shared-key",
        description: "an Azure account or shared access key",
        // Azure Storage / Service Bus / Event Hubs connection strings: `AccountKey=<88 base64>`, `SharedAccessKey=<44 base64>`.
        pattern: /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{40,100}={0,2}(?![A-Za-z0-9+/=])/gi,
        reason: "the preset has no Azure rule",
    },
    {
        kind: "private-key",
        description: "a PEM private key",
        // The header is enough: RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... PRIVATE KEY (BLOCK).
        pattern: /-----BEGIN (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----/g,
        reason: "the preset's private-key rule wants a whole, valid base64 body; in a resource input even a truncated or elided private key block is a mistake worth stopping",
    },
    {
        kind: "private-key-body",
        description: "the body of a private key (DER in base64, without its PEM header)",
        // PKCS#8 RSA (`MII…IBADANBgkqhkiG9w0BAQEFAAS`), PKCS#1 RSA (`MII…IBAAKC`), SEC1 EC (`MHcCAQEEI`, `MIGkAgEB…`,
        // `MIHcAgEB…`), PKCS#8 EC (`MIGHAgEAMBMGByqGSM49AgEG`), PKCS#8 Ed25519 (`MC4CAQAwBQYDK2VwBCIEI`), OpenSSH (`openssh-key-v1`).
        pattern:
            /(?<![A-Za-z0-9+/])(?:MII[A-Za-z0-9+/]{3}IB(?:ADANBgkqhkiG9w0BAQEFAAS|AAKC)|MHcCAQEEI|MI[GH][A-Za-z0-9+/]AgEBB|MIGHAgEAMBMGByqGSM49AgEG|MC4CAQAwBQYDK2VwBCIEI|b3BlbnNzaC1rZXktdjE)[A-Za-z0-9+/]{16}/g,
        reason: "the preset finds a key by its PEM header; a key whose header was stripped, or split from its body across keys or lines, is still a key",
    },
    {
        kind: "url-with-password",
        description: "a URL with an embedded password",
        // `scheme://user:password@host`, the user possibly empty (`redis://:token@host`).
        pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:@/?#"'`]{0,256}:(?<password>[^\s@/?#"'`]{1,1024})@[^\s/?#@"'`]{1,256}/g,
        reason: "URL userinfo of every scheme (redis, amqp, git+https, jdbc, ...); the preset checks http(s)/ftp(s), PostgreSQL, MySQL and MongoDB URLs only",
        secretGroup: "password",
    },
];

interface CatalogueEntry {
    readonly id: string;
    readonly description: string;
    readonly pattern: string;
    readonly flags: string;
    readonly anchors: readonly string[];
}

function fromCatalogue(entry: CatalogueEntry): CredentialFormat {
    const pattern = new RegExp(entry.pattern, `${entry.flags.replace(/[gy]/g, "")}g`);
    const refinement = CATALOGUE_REFINEMENTS[entry.id];
    const secretGroup = /\(\?<password>/.test(entry.pattern) ? "password" : undefined;
    return { kind: entry.id, description: entry.description, pattern, anchors: entry.anchors, origin: "catalogue", accept: refinement?.accept, secretGroup };
}

function fromSupplement(supplement: Supplement): CredentialFormat {
    return {
        kind: supplement.kind,
        description: supplement.description,
        pattern: supplement.pattern,
        anchors: patternAnchors(supplement.pattern.source, supplement.pattern.flags),
        origin: "pack",
        secretGroup: supplement.secretGroup,
    };
}

/** Which catalogue this pack reads, e.g. `@secretlint/secretlint-rule-preset-recommend@12.0.0`. */
export const CATALOGUE_SOURCE: string = catalogue.source;

/** The reasons the pack keeps its own formats, by kind: for the README and the specs. */
export const SUPPLEMENT_REASONS: Readonly<Record<string, string>> = Object.fromEntries(SUPPLEMENTS.map((supplement) => [supplement.kind, supplement.reason]));
export const REFINEMENT_REASONS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(CATALOGUE_REFINEMENTS).map(([id, refinement]) => [id, refinement.reason]));

/** Catalogue formats first: where two overlap in a text, the catalogue's is reported. */
export const CREDENTIAL_FORMATS: readonly CredentialFormat[] = [
    ...(catalogue.formats as readonly CatalogueEntry[]).filter((entry) => CATALOGUE_NOT_USED[entry.id] === undefined).map(fromCatalogue),
    ...SUPPLEMENTS.map(fromSupplement),
];

function escape(literal: string): string {
    return literal.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** The anchors as a trie (`A(?:KIA|SIA)|x(?:oxb-|app-)`): one character tested per branch and position, not one per anchor. */
function trie(words: readonly string[]): string {
    // An anchor that ends here makes its longer siblings redundant: the prefilter only asks whether any occurs.
    if (words.includes("")) return "";
    const groups = new Map<string, string[]>();
    for (const word of words) groups.set(word[0], [...(groups.get(word[0]) ?? []), word.slice(1)]);
    const branches = [...groups].map(([first, rest]) => escape(first) + trie(rest));
    return branches.length === 1 ? branches[0] : `(?:${branches.join("|")})`;
}

const ignoresCase = (format: CredentialFormat): boolean => format.pattern.flags.includes("i");
const anchorsOf = (formats: readonly CredentialFormat[]): string[] => [...new Set(formats.flatMap((format) => format.anchors))].sort();
/** Case-sensitive patterns' anchors, in their case; a case-sensitive test runs several times faster than a case-insensitive one. */
const SENSITIVE = anchorsOf(CREDENTIAL_FORMATS.filter((format) => !ignoresCase(format)));
/** Case-insensitive patterns' anchors (lower-cased), tested ignoring case: few (a Slack webhook's host, Azure's key names). */
const INSENSITIVE = anchorsOf(CREDENTIAL_FORMATS.filter(ignoresCase));
// Tests without state; the global twins only ever go to matchAll, which copies them (lastIndex included).
const SENSITIVE_ANCHOR = new RegExp(trie(SENSITIVE));
const INSENSITIVE_ANCHOR = new RegExp(trie(INSENSITIVE), "i");
const SENSITIVE_SCAN = new RegExp(SENSITIVE_ANCHOR.source, "g");
const INSENSITIVE_SCAN = new RegExp(INSENSITIVE_ANCHOR.source, "gi");

/**
 * A character without case from each case-insensitive anchor (`=` of `accountkey=`, `:` of `https://...`):
 * a text with none of them cannot hold one, and `includes` answers that faster than the case-insensitive test.
 */
const INSENSITIVE_GATES: readonly string[] = [...new Set(INSENSITIVE.map((anchor) => [...anchor].find((char) => char.toLowerCase() === char.toUpperCase()) ?? ""))];

/** Whether a text contains an anchor of any format: a text without any cannot hold a credential format. */
export function hasAnyAnchor(text: string): boolean {
    if (SENSITIVE_ANCHOR.test(text)) return true;
    let gated = true;
    for (const gate of INSENSITIVE_GATES) if (gate === "" || text.includes(gate)) gated = false;
    return !gated && INSENSITIVE_ANCHOR.test(text);
}

/** Occurrences of anchors looked at before a text full of them (adversarial, or a dump of tokens) is searched anchor by anchor instead. */
const MAX_ANCHOR_MATCHES = 64;

/**
 * The formats with an anchor in a text, found in one pass of each trie rather than one search of the text
 * per anchor. A trie stops at the shortest of anchors that share a beginning, so a format is chosen when one
 * of its anchors starts with an anchor found (a cheap over-approximation: its pattern then decides).
 */
export function formatsWithAnchors(text: string): CredentialFormat[] {
    const found = new Set<string>();
    let matches = 0;
    for (const [trieAnchor, fold] of [
        [SENSITIVE_SCAN, false],
        [INSENSITIVE_SCAN, true],
    ] as const) {
        for (const match of text.matchAll(trieAnchor)) {
            found.add(fold ? match[0].toLowerCase() : match[0]);
            if (++matches > MAX_ANCHOR_MATCHES) {
                const lower = text.toLowerCase();
                return CREDENTIAL_FORMATS.filter((format) => format.anchors.some((anchor) => (ignoresCase(format) ? lower : text).includes(anchor)));
            }
        }
    }
    if (found.size === 0) return [];
    const prefixes = [...found];
    return CREDENTIAL_FORMATS.filter((format) => format.anchors.some((anchor) => prefixes.some((prefix) => anchor.startsWith(prefix))));
}

/** Shorter than any credential (the shortest, a URL `a://:b@c`, has eight characters). */
export const SHORTEST_CREDENTIAL = 8;
