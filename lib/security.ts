/**
 * Pod and container security settings shared by every workload: the Kubernetes "restricted" Pod Security
 * Standard (non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp).
 */
import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

export function podSecurityContext(uid: number, gid = uid): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(readOnlyRootFilesystem = true): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** `requests`/`limits` from the config's units. */
export function resources(spec: {
  cpuMillicores: number;
  cpuLimitMillicores: number;
  memoryMiB: number;
  memoryLimitMiB: number;
}): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: `${spec.cpuMillicores}m`, memory: `${spec.memoryMiB}Mi` },
    limits: { cpu: `${spec.cpuLimitMillicores}m`, memory: `${spec.memoryLimitMiB}Mi` },
  };
}
