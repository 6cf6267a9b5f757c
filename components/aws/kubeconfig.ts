/** EKS's kubeconfig: pure, beside the cluster that uses it (components/azure/kubeconfig.ts is AKS's). */
/**
 * The kubeconfig Pulumi's Kubernetes provider uses: the endpoint and CA of the cluster, and a token from
 * `aws eks get-token` under whatever AWS identity runs Pulumi (no credential is stored in it).
 */
export function kubeconfigFor(name: string, endpoint: string, caData: string, region: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: endpoint, "certificate-authority-data": caData } }],
    users: [
      {
        name: "aws",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: "aws" } }],
    "current-context": name,
  });
}
