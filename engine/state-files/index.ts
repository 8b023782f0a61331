/**
 * Readers for existing Pulumi state, for `audit` (see documents.ts for what a rule sees). One entry point over
 * parts: the engine's wire constants (wire.ts), bytes and gzip (bytes.ts), locating JSON errors (json-errors.ts),
 * reading each format's documents (documents.ts) and rewriting their property values as `pulumi policy analyze`
 * receives them (properties.ts).
 */
export * from "./wire";
export { parseJson } from "./json-errors";
export * from "./documents";
