import { AuditInput } from "../../engine/state-files";
import { isRecord } from "../../policies/lib/values";
import { StackSecrets } from "./stack-secrets";

/*
 * Which generated secrets of a stack are due, judged on its state (`pulumi stack export`): a RandomPassword
 * keeps the rotation window it was generated in (`keepers.rotationWindowStart`, and the period as
 * `keepers.rotationDays`); when today's window differs, the next `pulumi up` regenerates it. Reading the keeper
 * needs the state only (the backend), no cloud credentials; secrets in the file are never decrypted (the
 * reader turns each into `[secret]`, and keepers hold none).
 */

export type DueStatus = "due" | "current" | "not-deployed";

export interface DueSecret {
    readonly name: string;
    readonly urn: string;
    readonly status: DueStatus;
    /** The window the deployed value was generated in, when the state says (a date, or `unreadable`). */
    readonly deployedWindow?: string;
    /** One line: why. */
    readonly detail: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Each generated secret of the stack against its RandomPassword in the state. */
export function dueSecrets(secrets: StackSecrets, state: AuditInput): DueSecret[] {
    const byUrn = new Map(state.resources.map((resource) => [resource.urn, resource]));
    return secrets.secrets.flatMap((secret): DueSecret[] => {
        if (secret.urn === undefined) return [];
        const resource = byUrn.get(secret.urn);
        if (resource === undefined) {
            return [{ name: secret.name, urn: secret.urn, status: "not-deployed", detail: "not in the state: the first `pulumi up` generates it in the current window" }];
        }
        const keepers = isRecord(resource.props.keepers) ? resource.props.keepers : {};
        const window = typeof keepers.rotationWindowStart === "string" && DATE.test(keepers.rotationWindowStart) ? keepers.rotationWindowStart : undefined;
        const days = typeof keepers.rotationDays === "string" && /^\d{1,4}$/.test(keepers.rotationDays) ? Number(keepers.rotationDays) : undefined;
        if (window === undefined) {
            return [{ name: secret.name, urn: secret.urn, status: "due", deployedWindow: "unreadable", detail: "the state holds no readable rotation window for it (generated before windows were kept): rotate it" }];
        }
        if (window !== secrets.windowStart) {
            return [{ name: secret.name, urn: secret.urn, status: "due", deployedWindow: window, detail: `generated in the window of ${window}; the current window began ${secrets.windowStart}` }];
        }
        if (days !== secrets.rotationDays) {
            return [{ name: secret.name, urn: secret.urn, status: "due", deployedWindow: window, detail: `generated for a ${days ?? "unreadable"}-day period; the stack's period is now ${secrets.rotationDays} days` }];
        }
        return [{ name: secret.name, urn: secret.urn, status: "current", deployedWindow: window, detail: `generated in the current window (${window}); next due ${secrets.nextWindowStart}` }];
    });
}
