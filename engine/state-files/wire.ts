// Wire constants of the Pulumi engine (sdk/go/common/resource/sig, plugin/rpc.go, pkg/resource/stack). Literal
// here so that reading a file does not load the SDK; test/state-files.spec.ts checks them against @pulumi/pulumi.
/** Key of the signature that marks a special value. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** NaN and infinities, as the IEEE 754 bits in 16 hex digits. */
export const FLOAT_SIG = "8ad145fe-0d11-4827-bfd7-1abcbf086f5c";
/** Strings that are not valid UTF-8, base64-encoded. */
export const BYTES_SIG = "803fd3297a5875dc03ca845dda5d2a98";
/** The unknown value as state, previews and the analyzer's string marshaling write it. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Every sentinel the policy SDK's unknown-checking proxy recognises (bool, number, string, array, asset, archive, object). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    UNKNOWN_VALUE,
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/**
 * Deepest nesting of a property value accepted. Real state nests a few dozen levels; the rules, the report
 * writers (JSON.stringify gives up near 4,000 levels) and the policy SDK recurse on values, so a deeper file
 * is refused here with one line instead of overflowing the stack later.
 */
export const MAX_VALUE_DEPTH = 1000;

/** What the readers accept, for messages about a file that is none of it. */
export const EXPECTED = "expected a Pulumi stack export (version 3 or 4), a checkpoint or `pulumi preview --json` output";
