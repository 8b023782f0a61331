import { detectNamedSecret, detectSecretFormats, SecretMatch } from "../lib/secret-detection";
import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { SECRET_MASK } from "../lib/values";

const PARAMETER = "aws:ssm/parameter:Parameter";
/** SSM holds at most 8 KB (advanced tier); longer text is judged on its first characters only. */
export const MAX_SCANNED_VALUE_CHARS = 32_768;
/** SSM parameter names are at most 2,048 characters; a longer one is judged by its last characters. */
const MAX_NAME_CHARS = 2_048;

const MARKED_SECRET: SecretMatch = { source: "name", kind: "named-secret", description: "a value Pulumi marks as secret" };

/** Value inputs of a parameter: `value` (a Pulumi secret output), `insecureValue` (shown in plans) and the write-only `valueWo`. */
const VALUE_INPUTS = ["value", "insecureValue", "valueWo"] as const;

function findings(resource: ResourceUnderTest): { input: string; match: SecretMatch }[] {
    const rawName = typeof resource.props.name === "string" && resource.props.name !== "" ? resource.props.name : resource.name;
    const name = rawName.slice(-MAX_NAME_CHARS);
    const found: { input: string; match: SecretMatch }[] = [];
    for (const input of VALUE_INPUTS) {
        // Presence first: an input that is not declared is not read (and cannot be an unknown preview value).
        if (!(input in resource.props)) continue;
        const value = resource.props[input];
        if (typeof value !== "string") continue;
        // The analyzer's mask in a String parameter: the value was a Pulumi secret, stored by SSM in plaintext.
        if (value === SECRET_MASK) {
            found.push({ input, match: MARKED_SECRET });
            continue;
        }
        const text = value.slice(0, MAX_SCANNED_VALUE_CHARS);
        const formats = detectSecretFormats(text);
        const matches = formats.length > 0 ? formats : [detectNamedSecret(name, text)].filter((match): match is SecretMatch => match !== undefined);
        for (const match of matches) found.push({ input, match });
    }
    return found;
}

/**
 * An SSM parameter that holds a secret is a SecureString (encrypted with KMS, readable only with
 * kms:Decrypt): a String or StringList is stored and shown in plaintext to anyone with ssm:GetParameter, in
 * the console and in CloudTrail. A secret is what the pack's detector (lib/secret-detection.ts) finds: a
 * value with a credential's shape, whatever the name, or a literal (not a placeholder or a reference) under a
 * secret-looking name (`/app/prod/db-password`; the logical name when `name` is not set); offline (a state
 * export, `preview --json`), a value redacted as a Pulumi secret. Messages say which
 * input and what kind of secret matched, never the value.
 */
export const ssmSecureString: ResourceRule = {
    kind: "resource",
    name: "ssm-secure-string",
    description: "SSM parameters that hold a secret are SecureString, not String or StringList.",
    severity: "high",
    rationale:
        "A String parameter is plaintext to every reader of the parameter store, the console and CloudTrail; SecureString encrypts it with KMS and puts reading it behind the key's policy.",
    remediation:
        "Set type: \"SecureString\" (with keyId for a customer-managed key) on the aws.ssm.Parameter, or keep the secret in Secrets Manager (components/secrets); rotate a secret that was stored in plaintext.",
    resourceTypes: [PARAMETER],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        const type = resource.props.type;
        if (type !== "String" && type !== "StringList") return [];
        return findings(resource).map(({ input, match }) =>
            `SSM parameter ${resource.name} of type ${type} holds ${match.description} in ${input}${match === MARKED_SECRET ? "" : ` (${match.source === "format" ? "its format" : "its name"})`}; use type SecureString`,
        );
    },
};
