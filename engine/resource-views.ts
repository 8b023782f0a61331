import type { ResourceUnderTest } from "../policies/lib/rule";
import { maskReportInputs, rememberSecretsIn } from "./redaction";
import type { RenderedResource } from "./render";
import { unwrappedSecretValues, unwrapSecrets } from "./secrets";

/**
 * The one place resources change shape between where they come from (a render, a state file) and who
 * reads them: the rules (inputs as the analyzer passes them) and the reports (inputs masked).
 */

/** A resource as reports show it: inputs with secrets masked. */
export interface ReportResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    readonly inputs: Record<string, unknown>;
}

/** A resource from a render or a state file: its identity and its inputs, secrets wrapped or already `[secret]`. */
export interface SourceResource extends ReportResource {
    /** Outputs that still hold secrets in the engine's envelope (a render's): remembered, never reported. */
    readonly outputs?: Record<string, unknown>;
}

/**
 * A rendered resource as a policy sees it during `pulumi preview`: its inputs with secrets unwrapped
 * (the analyzer unwraps them too), its parent and the resources each property came from.
 */
export function toPolicyResource(resource: RenderedResource): ResourceUnderTest {
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: unwrapSecrets(resource.inputs) as Record<string, unknown>,
        parent: resource.parent,
        propertyDependencies: resource.propertyDependencies,
    };
}

export function toPolicyResources(resources: readonly RenderedResource[]): ResourceUnderTest[] {
    return resources.map(toPolicyResource);
}

/** A resource as reports show it. Its inputs are masked (see redaction.ts); secrets among its outputs are remembered so that no output shows them. */
export function toReportResource(resource: SourceResource): ReportResource {
    if (resource.outputs !== undefined) rememberSecretsIn(unwrappedSecretValues(resource.outputs));
    return {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        custom: resource.custom,
        parent: resource.parent,
        inputs: maskReportInputs(resource.inputs, resource.urn),
    };
}

/** A reported resource as a rule sees it, its masked inputs as props: what the parity table compares. */
export function reportedAsPolicyResource(resource: ReportResource): ResourceUnderTest {
    return { type: resource.type, name: resource.name, urn: resource.urn, props: resource.inputs };
}
