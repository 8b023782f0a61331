import * as fs from "fs";
import * as path from "path";

/** The pack's name and version, as the SDK reports them (the version comes from policies/package.json). */
export const PACK_NAME = "platform-policies";
export const PACK_VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
