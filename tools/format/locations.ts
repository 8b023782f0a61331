/**
 * Where in this repository a resource comes from: the source file of the innermost `platform:` component
 * in its URN. The map is checked against the files on disk by test/formats/locations.spec.ts, which also
 * fails when a component is added under components/ without an entry here.
 */
export const COMPONENT_SOURCES: Readonly<Record<string, string>> = {
    "platform:index:Platform": "components/platform.ts",
    "platform:network:Network": "components/network/aws.ts",
    "platform:secrets:SecretStore": "components/secrets/aws.ts",
    "platform:registry:ContainerRegistry": "components/registry/aws.ts",
    "platform:registry:BuiltImage": "components/registry/image-aws.ts",
    "platform:cluster:Cluster": "components/cluster/aws.ts",
    "platform:cluster:WorkloadIdentity": "components/cluster/workload-identity-aws.ts",
    "platform:data:Postgres": "components/postgres/aws.ts",
    "platform:data:Redis": "components/redis/aws.ts",
    "platform:app:AppNamespace": "components/app/namespace.ts",
    "platform:app:Service": "components/app/service.ts",
    "platform:monitoring:Monitoring": "components/monitoring/aws.ts",
};

/** The package of this program's own component types. */
const COMPONENT_PACKAGE = "platform:";

/**
 * The qualified type of a URN (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`): the types of the
 * resource's ancestors and its own, outermost first. Names may contain `::`; types never do.
 */
export function qualifiedTypeOf(urn: string): string[] {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) return [];
    return parts[2].split("$");
}

export interface ComponentSource {
    /** Type token of the component, e.g. `platform:data:Postgres`. */
    readonly component: string;
    /** Repository-relative path of the file that declares it. */
    readonly file: string;
}

/**
 * The innermost `platform:` component of a resource (the resource itself when it is one) and its source
 * file; undefined for resources outside every component (the stack, default providers) or unknown types.
 */
export function componentSourceOf(urn: string): ComponentSource | undefined {
    const component = qualifiedTypeOf(urn)
        .filter((type) => type.startsWith(COMPONENT_PACKAGE))
        .pop();
    if (component === undefined) return undefined;
    return Object.hasOwn(COMPONENT_SOURCES, component) ? { component, file: COMPONENT_SOURCES[component] } : undefined;
}
