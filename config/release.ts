import { execFileSync } from "child_process";

/** Where a deployment's build metadata comes from when the stack file does not say. */
export interface DetectedRelease {
    readonly sha?: string;
    readonly date?: string;
    readonly actor?: string;
}

function git(args: string[], cwd: string): string | undefined {
    try {
        return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
    } catch {
        return undefined;
    }
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
