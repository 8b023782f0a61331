/** How kubectl and the Kubernetes provider get a token for a cluster: a cloud CLI's exec plugin. */
export interface ExecCredential {
    readonly command: string;
    readonly args?: readonly string[];
    readonly provideClusterInfo?: boolean;
    readonly installHint?: string;
}

/** A kubeconfig with one cluster, context and user, authenticated by an exec plugin (no token is stored). */
export function execKubeconfig(clusterId: string, server: string, certificateAuthority: string, exec: ExecCredential): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterId, cluster: { server, "certificate-authority-data": certificateAuthority } }],
        contexts: [{ name: clusterId, context: { cluster: clusterId, user: clusterId } }],
        "current-context": clusterId,
        users: [{ name: clusterId, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", ...exec } } }],
    });
}
