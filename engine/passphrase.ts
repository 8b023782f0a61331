import { createDecipheriv, pbkdf2Sync } from "crypto";
import { InputFileError } from "./input-error";
import { readInputText } from "./input-files";

/**
 * The Pulumi passphrase secrets provider, for decrypting a stack file's `secure:` values offline exactly as
 * the engine does (pkg/secrets/passphrase and sdk/go/common/resource/config/crypt.go): the key is
 * PBKDF2-SHA256 of the passphrase over the stack's salt, 1,000,000 rounds, 32 bytes; each value is
 * `v1:<nonce>:<AES-256-GCM ciphertext with its tag>` in base64; the stack file's `encryptionsalt` is
 * `v1:<salt>:<the word "pulumi" encrypted>`, which proves the passphrase right or wrong.
 */

const ROUNDS = 1_000_000;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const SALT_CHECK = "pulumi";
/** A passphrase file larger than this is not a passphrase. */
const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

/** Where the passphrase comes from, as the CLI looks for it: the variable first, else the file it names. */
export function passphraseFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return env.PULUMI_CONFIG_PASSPHRASE;
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (file === undefined || file === "") return undefined;
    return readInputText(file, { maxBytes: MAX_PASSPHRASE_FILE_BYTES }).trim();
}

function decryptWith(key: Buffer, ciphertext: string): string | undefined {
    const parts = ciphertext.split(":");
    if (parts.length !== 3 || parts[0] !== "v1") return undefined;
    const nonce = Buffer.from(parts[1], "base64");
    const sealed = Buffer.from(parts[2], "base64");
    if (nonce.length !== 12 || sealed.length < TAG_BYTES) return undefined;
    try {
        const decipher = createDecipheriv("aes-256-gcm", key, nonce);
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
        return undefined;
    }
}

/** A decrypter for one stack file, or an error naming the file when the salt is malformed or the passphrase wrong. */
export function passphraseDecrypter(file: string, encryptionSalt: string, passphrase: string): (ciphertext: string, key: string) => string {
    const parts = encryptionSalt.split(":");
    if (parts.length < 3 || parts[0] !== "v1") throw new InputFileError(file, "encryptionsalt: expected the `v1:<salt>:<check>` the passphrase provider writes");
    const key = pbkdf2Sync(passphrase, Buffer.from(parts[1], "base64"), ROUNDS, KEY_BYTES, "sha256");
    if (decryptWith(key, parts.slice(2).join(":")) !== SALT_CHECK) throw new InputFileError(file, "incorrect passphrase (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE) for this stack's secrets");
    return (ciphertext, configKey) => {
        const plaintext = decryptWith(key, ciphertext);
        if (plaintext === undefined) throw new InputFileError(file, `${configKey}: the secure value cannot be decrypted with this stack's passphrase (corrupt, or encrypted for another stack)`);
        return plaintext;
    };
}
