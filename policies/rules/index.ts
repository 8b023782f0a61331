import { Rule } from "../lib/rule";
import { registryImmutableTags } from "./registry-immutable-tags";

/** Every rule of the pack, in the order reports list them. */
export const ALL_RULES: readonly Rule[] = [registryImmutableTags];
