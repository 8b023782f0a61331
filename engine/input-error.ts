/** An input file the tools cannot use; reported as one line, never a stack trace. No dependencies, so it loads fast. */
export class InputFileError extends Error {
    constructor(readonly file: string, problem: string) {
        super(`${file}: ${problem}`);
        this.name = "InputFileError";
    }
}
