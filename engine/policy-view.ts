import { ResourceUnderTest } from "../policies/lib/rule";
import { RenderedResource } from "./render";
import { unwrapSecrets } from "./secrets";

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
