import { execFileSync } from "child_process";

/** Where a deployment's build metadata comes from when the stack file does not say. */
export interface DetectedRelease {
    readonly sha?: string;
    readonly date?: string;
    readonly actor?: string;
}

/**
 * What git answered, per folder and question, for the life of the process: an offline plan renders the
 * program several times (and reloads this module each time), and each answer cost a process spawn. Kept
 * on the global object so that it outlives the reloads; `pulumi up` asks once anyway.
 */
const GIT_ANSWERS = Symbol.for("platform-stacks.config.release.git");
const processWide = globalThis as { [GIT_ANSWERS]?: Map<string, string | undefined> };
const answers = (processWide[GIT_ANSWERS] ??= new Map<string, string | undefined>());

function git(args: string[], cwd: string): string | undefined {
    const key = JSON.stringify([cwd, ...args]);
    if (answers.has(key)) return answers.get(key);
    let answer: string | undefined;
    try {
        answer = execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
    } catch {
        answer = undefined;
    }
    answers.set(key, answer);
    return answer;
}

/**
 * CI variables first (GitHub Actions, GitLab CI, generic BUILD_*), then the git checkout. The commit's
 * date and author, not the clock and the user, are the defaults, so that two previews of one commit agree.
 */
export function detectRelease(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): DetectedRelease {
    const sha = env.BUILD_SHA ?? env.GITHUB_SHA ?? env.CI_COMMIT_SHA ?? git(["rev-parse", "HEAD"], cwd);
    const date = env.BUILD_DATE ?? (sha ? git(["show", "-s", "--format=%cI", sha], cwd) : undefined);
    // The commit's author, not $USER: two engineers deploying one commit must not roll every pod.
    const actor = env.BUILD_ACTOR ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN ?? (sha ? git(["show", "-s", "--format=%ae", sha], cwd) : undefined);
    return { sha, date, actor };
}
