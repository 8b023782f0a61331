/** ANSI styling, only when writing to a terminal that wants colour. */
export interface Style {
    bold(text: string): string;
    dim(text: string): string;
    red(text: string): string;
    green(text: string): string;
    yellow(text: string): string;
}

const plain: Style = { bold: (t) => t, dim: (t) => t, red: (t) => t, green: (t) => t, yellow: (t) => t };
const ansi = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const coloured: Style = { bold: ansi(1), dim: ansi(2), red: ansi(31), green: ansi(32), yellow: ansi(33) };

export function styleFor(stream: NodeJS.WriteStream | undefined, forceColour?: boolean): Style {
    if (forceColour !== undefined) return forceColour ? coloured : plain;
    const wantsColour = stream?.isTTY === true && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";
    return wantsColour ? coloured : plain;
}
