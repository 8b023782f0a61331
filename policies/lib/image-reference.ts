import { parseAll, Reference } from "@swimlane/docker-reference";

/**
 * Container image references, parsed by `@swimlane/docker-reference` (the distribution/reference grammar)
 * rather than by a hand-written pattern. This module only adds what pinning needs on top of the parser.
 */

/** The one digest form accepted as a pin: sha256 with its 64 hex digits in lower case (the OCI canonical form). */
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isSha256Digest(value: unknown): value is string {
    return typeof value === "string" && SHA256_DIGEST.test(value);
}

/** How firmly a reference names one image. */
export type ImagePinning =
    /** Repository plus a sha256 digest (a tag beside it is allowed: the digest wins). */
    | { readonly kind: "pinned"; readonly reference: Reference; readonly digest: string }
    /** Repository with a tag or nothing at all (`:latest` implied): the registry decides what runs. */
    | { readonly kind: "unpinned"; readonly reference: Reference }
    /** Repository with a digest that is not sha256 in canonical form (another algorithm, upper-case hex). */
    | { readonly kind: "weak-digest"; readonly reference: Reference; readonly digest: string }
    /** A bare digest or 64-hex identifier, no repository: a local image ID, not something a registry serves. */
    | { readonly kind: "image-id"; readonly digest: string }
    /** Not a reference at all; `problem` is the parser's reason. */
    | { readonly kind: "invalid"; readonly problem: string };

/** Parses a reference (`nginx`, `ghcr.io/org/app:v1`, `repo:tag@sha256:…`) and says how it is pinned. Never throws. */
export function imagePinning(text: string): ImagePinning {
    let reference: Reference;
    try {
        reference = parseAll(text);
    } catch (error) {
        return { kind: "invalid", problem: error instanceof Error ? error.message : String(error) };
    }
    const digest = reference.digest;
    if (reference.type === "digest") return { kind: "image-id", digest: digest ?? "" };
    if (digest === undefined) return { kind: "unpinned", reference };
    return isSha256Digest(digest) ? { kind: "pinned", reference, digest } : { kind: "weak-digest", reference, digest };
}
