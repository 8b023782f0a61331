/**
 * Readers for existing Pulumi state, for `audit` (see documents.ts for what a rule sees). One entry point over
 * four parts: the engine's wire constants, bytes and gzip, locating JSON errors, and reading each format's
 * documents (rewriting their property values as `pulumi policy analyze` does).
 */
export * from "./wire";
export { parseJson } from "./json-errors";
export * from "./documents";
