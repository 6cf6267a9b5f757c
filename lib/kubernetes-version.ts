/**
 * The Kubernetes minor version this program targets: the EKS and AKS clusters it creates by default, the
 * schemas its manifests are validated against, and the Pod Security Standards version its namespace enforces.
 * One place, so that moving to the next minor is one reviewed change (and a test keeps the others equal).
 */
export const TARGET_KUBERNETES_MINOR = "1.33";

/** `v1.33`: the form the `pod-security.kubernetes.io/<mode>-version` labels take. */
export const podSecurityVersion = (minor: string = TARGET_KUBERNETES_MINOR): string => `v${minor}`;
