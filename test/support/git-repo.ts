import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { scratchDir } from "./scratch";

/**
 * A throwaway git repository in a temp folder, for the specs of commands that read history (release-notes).
 * git runs with an argument list, a fixed identity and clock, no signing, and without the variables that
 * would point it at another repository (a spec may run inside a hook of this one).
 */
export class ScratchRepo {
    readonly dir: string;
    private tick = 0;

    constructor(prefix = "platform-git-") {
        this.dir = scratchDir(prefix);
        this.git("init", "--quiet", "--initial-branch=main");
    }

    private env(): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C" };
        for (const name of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_COMMON_DIR"]) delete env[name];
        // One second apart: the log's order is the order of the commits.
        const date = new Date(Date.UTC(2026, 11, 1) + this.tick * 1000).toISOString();
        Object.assign(env, { GIT_AUTHOR_NAME: "Spec", GIT_AUTHOR_EMAIL: "spec@example.com", GIT_COMMITTER_NAME: "Spec", GIT_COMMITTER_EMAIL: "spec@example.com", GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
        return env;
    }

    /** `git <args>` in the repository; its stdout, trimmed. */
    git(...args: string[]): string {
        return execFileSync("git", ["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], { cwd: this.dir, env: this.env(), encoding: "utf8", maxBuffer: 64 * 2 ** 20, stdio: ["pipe", "pipe", "pipe"] }).trim();
    }

    /** Writes files (relative path -> text; null deletes) without committing. */
    write(files: Readonly<Record<string, string | Buffer | null>>): void {
        for (const [file, text] of Object.entries(files)) {
            const target = path.join(this.dir, file);
            if (text === null) {
                fs.rmSync(target, { force: true });
                continue;
            }
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, text);
        }
    }

    /** Writes the files and commits them (or an empty commit) with `message` as given, byte for byte; returns the full hash. */
    commit(message: string, files: Readonly<Record<string, string | Buffer | null>> = {}): string {
        this.write(files);
        this.git("add", "--all");
        this.tick += 1;
        const messageFile = path.join(this.dir, ".git", "SPEC_MESSAGE");
        fs.writeFileSync(messageFile, message);
        this.git("commit", "--quiet", "--allow-empty", "--cleanup=verbatim", "--no-verify", "-F", messageFile);
        return this.head();
    }

    head(): string {
        return this.git("rev-parse", "HEAD");
    }

    /**
     * `count` empty commits on top of HEAD in one `git fast-import` (thousands in a second), with subjects
     * `chore: commit <n>`; HEAD moves to the last.
     */
    bulkCommits(count: number): void {
        const parent = this.head();
        const lines: string[] = [];
        for (let index = 1; index <= count; index++) {
            const message = `chore: commit ${index}\n`;
            const when = 1_800_000_000 + index;
            lines.push("commit refs/heads/main", `committer Spec <spec@example.com> ${when} +0000`, `data ${Buffer.byteLength(message)}`, message);
            if (index === 1) lines.push(`from ${parent}`);
            lines.push("");
        }
        execFileSync("git", ["fast-import", "--quiet", "--force"], { cwd: this.dir, env: this.env(), input: lines.join("\n"), stdio: ["pipe", "pipe", "pipe"] });
        this.git("reset", "--quiet", "--hard", "main");
    }
}
