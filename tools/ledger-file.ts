import * as path from "path";
import { InputFileError } from "../engine/input-error";
import { LedgerError, readLedger, RELEASE_LEDGER_PATH, ReleaseLedger } from "../policies/lib/release-ledger";

/** `<projectDir>/releases/ledger.json`. */
export function ledgerFileOf(projectDir: string): string {
    return path.join(projectDir, RELEASE_LEDGER_PATH);
}

/** The project's release ledger for a command that needs it: one that cannot be read is bad input (exit 2, one line). */
export function readProjectLedger(projectDir: string): ReleaseLedger {
    const file = ledgerFileOf(projectDir);
    try {
        return readLedger(file);
    } catch (error) {
        if (error instanceof LedgerError) throw new InputFileError(file, error.message);
        throw error;
    }
}
