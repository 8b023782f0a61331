/**
 * Fake credentials in the real formats, for the secret rules' specs. Each is assembled at run time from
 * a prefix and an obviously fake filler (EXAMPLE, fake, 0000), so that the repository itself holds no
 * string a secret scanner (GitHub push protection, secretlint, gitleaks) would flag, while every value
 * still has exactly the shape the detectors look for.
 */

/** `prefix` followed by `filler` repeated to exactly `length` characters. */
export function fake(prefix: string, length: number, filler = "EXAMPLE0fake"): string {
    return prefix + filler.repeat(Math.ceil(length / filler.length)).slice(0, length);
}

const pem = (label: string, body: string): string => [`-----BEGIN ${label}-----`, body, `-----END ${label}-----`].join("\n");

/** A base64 body that starts like DER (`MI`), as secretlint's private-key rule requires of a real key. */
const PEM_BODY = fake("MIIE", 124, "EXAMPLEKEY0fake0").match(/.{1,64}/g)?.join("\n") ?? "";

export const FAKE = {
    awsAccessKeyId: fake("AKIA", 16, "FAKE0EXAMPLE0KEY"),
    awsTemporaryAccessKeyId: fake("ASIA", 16, "FAKE0EXAMPLE0KEY"),
    /** AWS's documentation key: a placeholder to both detectors. */
    awsDocumentationKeyId: ["AKIA", "IOSFODNN7", "EXAMPLE"].join(""),
    awsRoleId: fake("AROA", 16, "FAKE0EXAMPLE0ROLE"),
    awsSecretAccessKey: fake("", 40, "fakeEXAMPLE/0000+"),
    githubClassic: fake("ghp_", 36),
    githubOauth: fake("gho_", 36),
    githubServer: fake("ghs_", 36),
    githubFineGrained: fake("github_pat_", 82, "EXAMPLE0fake_"),
    slackBot: ["xoxb", "000000000000", "000000000000", fake("", 24)].join("-"),
    slackUser: ["xoxp", "000000000000", "000000000000", "000000000000", fake("", 32)].join("-"),
    slackLegacyWorkspace: ["xoxs", "000000000000", "000000000000", fake("", 24)].join("-"),
    slackWebhook: ["https://hooks.slack.com/services", "T00000000", "B00000000", fake("", 24)].join("/"),
    stripeSecret: fake("sk_live_", 24),
    stripeRestricted: fake("rk_live_", 24),
    googleApiKey: fake("AIza", 35, "EXAMPLE0fake-_"),
    pemRsa: pem("RSA PRIVATE KEY", PEM_BODY),
    pemPkcs8: pem("PRIVATE KEY", PEM_BODY),
    pemOpenSsh: pem("OPENSSH PRIVATE KEY", PEM_BODY),
    /** A header around a placeholder body, as in documentation. */
    pemPlaceholder: pem("PRIVATE KEY", "..."),
    jwt: [fake("eyJ", 33, "hbGciOiJIUzI1NiJ9EXAMPLE"), fake("eyJ", 40, "zdWIiOiJFWEFNUExFIn0fake"), fake("", 43, "EXAMPLE0fake_-")].join("."),
    npm: fake("npm_", 36),
    /** An Azure Storage account key (88 base64 characters), as it sits in a connection string. */
    azureStorageKey: fake("", 86, "EXAMPLE0fake0KEY+/") + "==",
    /** A password that is a plain literal, in URLs and assignments. */
    password: "EXAMPLE-fake-pw-0000",
} as const;

/** Every window of `size` characters of a secret: a message containing any of them leaks part of it. */
export function fragments(secret: string, size = 8): string[] {
    if (secret.length <= size) return [secret];
    const windows: string[] = [];
    for (let start = 0; start + size <= secret.length; start++) windows.push(secret.slice(start, start + size));
    return windows;
}

/** The fragments of `secrets` found in `messages` (none expected). */
export function leakedFragments(messages: readonly string[], secrets: readonly string[]): string[] {
    return secrets.flatMap((secret) => fragments(secret).filter((fragment) => messages.some((message) => message.includes(fragment))));
}
