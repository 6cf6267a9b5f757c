/**
 * The Kubernetes minor the program is validated against where it cannot know the cluster's: the schemas its
 * manifests are checked with (kubernetes-models), and the Pod Security Standards version a k3s stack's
 * namespace enforces. The cloud stacks pin their own cluster's minor (ferrum:aws / ferrum:azure
 * kubernetesVersion, from lib/versions.ts).
 */
export const TARGET_KUBERNETES_MINOR = "1.33";

/** `v1.33`: the form the `pod-security.kubernetes.io/<mode>-version` labels take. */
export const podSecurityVersion = (minor: string = TARGET_KUBERNETES_MINOR): string => `v${minor}`;
