/**
 * Reading a state file against its floor, `JSON.parse` of the same text, printed as numbers (no timed tests):
 *
 *   node -r ts-node/register/transpile-only bench/read-state.ts [counts=10000,50000] [runs=5]
 *
 * For each count: a synthetic export (bench/generate-export.ts) is written to a temporary file, then timed
 * (median of the runs, after one warm-up): reading the file, JSON.parse of its text, the reader on the text,
 * reading and parsing the file (the floor of any reader), and the reader on the file (read + parse + walk).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStateDocument, readStateFile } from "../engine/state-files";
import { generateExport } from "./generate-export";
import { timeInProcess as time } from "./timing";

function main(): void {
    const counts = (process.argv[2] ?? "10000,50000").split(",").map(Number);
    const runs = Number(process.argv[3] ?? 5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "read-state-"));
    console.log(`node ${process.version}, ${os.cpus().length} cores, median of ${runs} runs`);
    try {
        for (const count of counts) {
            const file = path.join(dir, `export-${count}.json`);
            fs.writeFileSync(file, JSON.stringify(generateExport(count)));
            const text = fs.readFileSync(file, "utf8");
            const read = time(runs, () => fs.readFileSync(file, "utf8"));
            const parse = time(runs, () => JSON.parse(text));
            const floor = time(runs, () => JSON.parse(fs.readFileSync(file, "utf8")));
            const fromText = time(runs, () => parseStateDocument(text, file));
            const fromFile = time(runs, () => readStateFile(file));
            const secrets = [...readStateFile(file).secretPaths.values()].reduce((sum, paths) => sum + paths.length, 0);
            console.log(
                `${String(count).padStart(6)} resources, ${(text.length / 2 ** 20).toFixed(1)} MB, ${secrets} input secrets: ` +
                    `read ${read.toFixed(0)} ms, JSON.parse ${parse.toFixed(0)} ms, reader on text ${fromText.toFixed(0)} ms (${(fromText / parse).toFixed(2)}x JSON.parse), ` +
                    `read + JSON.parse ${floor.toFixed(0)} ms, reader on file ${fromFile.toFixed(0)} ms (${(fromFile / floor).toFixed(2)}x read + JSON.parse)`,
            );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main();
