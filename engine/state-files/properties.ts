// Property values as the analyzer receives them: secrets masked (paths recorded), special values replaced, unknowns counted.
import { SECRET_MASK } from "../../policies/lib/values";
import { rememberSecretEnvelope } from "../redaction";
import { formatPath, shorten } from "./describe";
import { ARCHIVE_SIG, ASSET_SIG, BYTES_SIG, FLOAT_SIG, MAX_VALUE_DEPTH, RESOURCE_REFERENCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN_SENTINELS, UNKNOWN_VALUE } from "./wire";

const HEX_FLOAT = /^[0-9a-f]{16}$/;
const SIGNATURE_LIKE = /^[0-9a-f-]{32,36}$/;

interface Frame {
    readonly source: unknown[] | Record<string, unknown>;
    /** Keys of an object; undefined for an array. */
    readonly keys: string[] | undefined;
    readonly key: string | number;
    index: number;
    /** Shallow copy, made on the first change below this container. */
    copy: unknown[] | Record<string, unknown> | undefined;
}

/** A special value the analyzer does not receive as it is stored: anything signed but an asset or archive. */
function isSpecial(value: object): boolean {
    if (Array.isArray(value)) return false;
    const signature = (value as Record<string, unknown>)[SIG_KEY];
    return signature !== undefined && signature !== ASSET_SIG && signature !== ARCHIVE_SIG;
}

function assign(frame: Frame, key: string | number, value: unknown): void {
    if (!frame.copy) frame.copy = Array.isArray(frame.source) ? frame.source.slice() : { ...frame.source };
    if (key === "__proto__") Object.defineProperty(frame.copy, key, { value, writable: true, enumerable: true, configurable: true });
    else (frame.copy as Record<string | number, unknown>)[key] = value;
}

/** Rewrites the property values of one document; `fail` raises the reader's one-line error. */
export class PropertyRewriter {
    /** Unknown values met so far. */
    unknownValues = 0;
    /** In a preview, `[secret]` strings are secrets the engine already redacted. */
    redactedSecretsAreStrings = false;
    /** Work stacks of the fast pass, reused from one value to the next. */
    private readonly scanValues: unknown[] = [];
    private readonly scanDepths: number[] = [];

    constructor(private readonly fail: (problem: string) => never) {}

    /**
     * The fast pass: counts unknowns and tells whether the value holds anything to rewrite (a special value,
     * a redacted `[secret]` string in a preview) or nests too deep. If so, it counts nothing: the rewrite does.
     */
    needsRewrite(root: Record<string, unknown>): boolean {
        const values = this.scanValues;
        const depths = this.scanDepths;
        values.length = 0;
        depths.length = 0;
        values.push(root);
        depths.push(1);
        let unknowns = 0;
        const redacted = this.redactedSecretsAreStrings;
        /** Looks at one child value; true when the value needs the rewrite. */
        const needsRewrite = (child: unknown, depth: number): boolean => {
            if (typeof child === "string") {
                if (child.length === 36 && UNKNOWN_SENTINELS.has(child)) unknowns++;
                else if (redacted && child === SECRET_MASK) return true;
            } else if (typeof child === "object" && child !== null) {
                if (depth > MAX_VALUE_DEPTH || isSpecial(child)) return true;
                values.push(child);
                depths.push(depth);
            }
            return false;
        };
        while (values.length > 0) {
            const container = values.pop() as unknown[] | Record<string, unknown>;
            const depth = (depths.pop() as number) + 1;
            if (Array.isArray(container)) {
                for (let index = 0; index < container.length; index++) if (needsRewrite(container[index], depth)) return true;
            } else {
                for (const key in container) if (needsRewrite(container[key], depth)) return true;
            }
        }
        this.unknownValues += unknowns;
        return false;
    }

    /** The copy-on-write pass, with the path of each container for secret paths and messages. */
    rewrite(root: Record<string, unknown>, rootIsCopy: boolean, where: string, urn: string, secretsByUrn: Map<string, string[]>): Record<string, unknown> {
        const secretPaths: string[] = [];
        const stack: Frame[] = [{ source: root, keys: Object.keys(root), key: "", index: 0, copy: rootIsCopy ? root : undefined }];
        const pathTo = (last: string | number): string => formatPath([...stack.slice(1).map((frame) => frame.key), last]);
        let result = root;
        while (stack.length > 0) {
            const frame = stack[stack.length - 1];
            const keyList = frame.keys;
            const length = keyList ? keyList.length : (frame.source as unknown[]).length;
            if (frame.index >= length) {
                stack.pop();
                const done = frame.copy ?? frame.source;
                if (stack.length === 0) result = done as Record<string, unknown>;
                else if (frame.copy) assign(stack[stack.length - 1], frame.key, done);
                continue;
            }
            const position = frame.index++;
            const key: string | number = keyList ? keyList[position] : position;
            const child = (frame.source as Record<string | number, unknown>)[key];

            if (typeof child === "string") {
                if (child.length === 36 && UNKNOWN_SENTINELS.has(child)) this.unknownValues++;
                else if (this.redactedSecretsAreStrings && child === SECRET_MASK) secretPaths.push(pathTo(key));
                continue;
            }
            if (typeof child !== "object" || child === null) continue;
            if (isSpecial(child)) {
                const signature = (child as Record<string, unknown>)[SIG_KEY];
                if (signature === SECRET_SIG) {
                    // Never decrypted: whatever it holds (ciphertext, plaintext, value) stays out of the props, and its
                    // strings are remembered only so that no output of this run can print them.
                    rememberSecretEnvelope(child as Record<string, unknown>);
                    assign(frame, key, SECRET_MASK);
                    secretPaths.push(pathTo(key));
                } else {
                    const replacement = this.specialValue(child as Record<string, unknown>, signature, () => `${where}.${pathTo(key)}`);
                    if (replacement === UNKNOWN_VALUE) this.unknownValues++;
                    assign(frame, key, replacement);
                }
                continue;
            }
            const childKeys = Array.isArray(child) ? undefined : Object.keys(child);
            if ((childKeys ? childKeys.length : (child as unknown[]).length) === 0) continue;
            if (stack.length >= MAX_VALUE_DEPTH) {
                this.fail(`\`${shorten(`${where}.${pathTo(key)}`, 120)}\` (${shorten(urn, 120)}) is nested more than ${MAX_VALUE_DEPTH} levels deep; this tool reads values up to that depth`);
            }
            stack.push({ source: child as unknown[] | Record<string, unknown>, keys: childKeys, key, index: 0, copy: undefined });
        }
        if (secretPaths.length > 0) {
            const known = secretsByUrn.get(urn);
            if (known) known.push(...secretPaths);
            else secretsByUrn.set(urn, secretPaths);
        }
        return result;
    }

    /** A resource reference, special float or byte string, as the analyzer receives it. */
    private specialValue(value: Record<string, unknown>, signature: unknown, location: () => string): unknown {
        const where = location();
        if (signature === RESOURCE_REFERENCE_SIG) {
            if (typeof value.id === "string") return value.id;
            if (typeof value.urn === "string") return value.urn;
            this.fail(`\`${shorten(where, 160)}\` is a resource reference without a URN`);
        }
        if (signature === FLOAT_SIG) {
            if (typeof value.value !== "string" || !HEX_FLOAT.test(value.value)) this.fail(`\`${shorten(where, 160)}\` is a special float without its 16 hex digits`);
            return Buffer.from(value.value, "hex").readDoubleBE(0);
        }
        if (signature === BYTES_SIG) {
            if (typeof value.value !== "string") this.fail(`\`${shorten(where, 160)}\` is a byte string without its base64 value`);
            return Buffer.from(value.value, "base64").toString("utf8");
        }
        const shown = typeof signature === "string" && SIGNATURE_LIKE.test(signature) ? ` ${signature}` : "";
        this.fail(`\`${shorten(where, 160)}\` has an unrecognized signature${shown}; the engine itself cannot read this value`);
    }
}
