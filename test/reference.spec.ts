import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REFERENCE_DIR } from "./support/reference";
import { PROJECT_DIR } from "./support/stacks";

function listFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? listFiles(path.join(dir, entry.name)).map((file) => path.join(entry.name, file)) : [entry.name],
    );
}

describe("vendored reference artifacts", function () {
    const shared = path.join(PROJECT_DIR, "..", "shared");

    for (const folder of ["schemas", "fixtures"]) {
        it(`test/reference/${folder} is an exact copy of ../shared/${folder}`, function () {
            if (!fs.existsSync(path.join(shared, folder))) this.skip();
            const files = listFiles(path.join(shared, folder)).sort();
            assert.deepEqual(listFiles(path.join(REFERENCE_DIR, folder)).sort(), files);
            for (const file of files) {
                assert.ok(fs.readFileSync(path.join(shared, folder, file)).equals(fs.readFileSync(path.join(REFERENCE_DIR, folder, file))), file);
            }
        });
    }
});
