import { createCipheriv, pbkdf2Sync, randomBytes } from "crypto";

/**
 * What `pulumi config set --secret` writes with the passphrase provider (the format engine/passphrase.ts
 * decrypts): for specs that need a stack file with secure values of their choosing, without the CLI.
 */
export interface PassphraseStack {
    /** The stack file's `encryptionsalt:` value. */
    readonly encryptionSalt: string;
    /** The `secure:` ciphertext of a plaintext. */
    encrypt(plaintext: string): string;
}

export function passphraseStack(passphrase: string): PassphraseStack {
    const salt = randomBytes(8);
    const key = pbkdf2Sync(passphrase, salt, 1_000_000, 32, "sha256");
    const encrypt = (plaintext: string): string => {
        const nonce = randomBytes(12);
        const cipher = createCipheriv("aes-256-gcm", key, nonce);
        const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
        return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
    };
    return { encryptionSalt: `v1:${salt.toString("base64")}:${encrypt("pulumi")}`, encrypt };
}
