import { Rule } from "../lib/rule";
import { registryImmutableTags } from "./registry-immutable-tags";
import { imagePinnedByDigest } from "./image-pinned-by-digest";

/** Every rule of the pack, in the order reports list them. */
export const ALL_RULES: readonly Rule[] = [registryImmutableTags, imagePinnedByDigest];
