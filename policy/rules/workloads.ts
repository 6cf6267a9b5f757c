/**
 * Every container of every workload (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs; init containers
 * too) asks for CPU and memory and is capped, the long-running ones are probed, and all of them run under the
 * "restricted" Pod Security Standard (lib/security.ts): non-root, no privilege escalation, every capability
 * dropped, the RuntimeDefault seccomp profile.
 */
import { containers, podSpec, type ContainerRef } from "../k8s";
import { at, isUnknown, label, obj, arr, type GuardedResource, type ResourceRule } from "../resource";

function who(r: GuardedResource, c: ContainerRef): string {
  return `${label(r)}: ${c.list === "initContainers" ? "init container" : "container"} "${c.name}"`;
}

function missingResources(c: ContainerRef): string[] {
  const missing: string[] = [];
  for (const kind of ["requests", "limits"] as const) {
    for (const res of ["cpu", "memory"] as const) {
      const v = at(c.spec, `resources.${kind}.${res}`);
      if (isUnknown(v)) continue;
      if (v === undefined || v === null || v === "")
        missing.push(`no ${res} ${kind === "requests" ? "request" : "limit"}`);
    }
  }
  return missing;
}

export const containerResources: ResourceRule = {
  scope: "resource",
  name: "container-resources",
  description: "Every container and init container sets CPU and memory requests and limits.",
  check: (r) =>
    containers(r).flatMap((c) => {
      const missing = missingResources(c);
      return missing.length
        ? [
            `${who(r, c)} has ${missing.join(", ")}; set resources.requests and resources.limits for cpu and memory`,
          ]
        : [];
    }),
};

export const containerProbes: ResourceRule = {
  scope: "resource",
  name: "container-probes",
  description:
    "Every container that runs for the pod's lifetime (not Jobs, not plain init containers) has a readiness or liveness probe.",
  check: (r) =>
    containers(r)
      .filter(
        (c) => c.longRunning && c.spec.readinessProbe === undefined && c.spec.livenessProbe === undefined,
      )
      .map(
        (c) =>
          `${who(r, c)} runs for the pod's lifetime but has no readinessProbe or livenessProbe; add a livenessProbe ` +
          "(one that never depends on the database) or a readinessProbe",
      ),
};

const SECCOMP_OK = new Set(["RuntimeDefault", "Localhost"]);

function securityProblems(c: ContainerRef, pod: Record<string, unknown>): string[] {
  const sc = obj(c.spec.securityContext) ?? {};
  const podSc = obj(pod.securityContext) ?? {};
  const problems: string[] = [];
  const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  if (nonRoot !== true && !isUnknown(nonRoot)) problems.push("runAsNonRoot is not true");
  if ((sc.runAsUser ?? podSc.runAsUser) === 0) problems.push("runAsUser is 0 (root)");
  if (sc.privileged === true) problems.push("privileged is true");
  if (sc.allowPrivilegeEscalation !== false && !isUnknown(sc.allowPrivilegeEscalation))
    problems.push("allowPrivilegeEscalation is not false");
  const drop = at(sc, "capabilities.drop");
  if (!isUnknown(drop) && !arr(drop).includes("ALL")) problems.push("capabilities.drop does not include ALL");
  const seccomp = at(sc, "seccompProfile.type") ?? at(podSc, "seccompProfile.type");
  if (!isUnknown(seccomp) && !SECCOMP_OK.has(seccomp as string))
    problems.push("no seccompProfile RuntimeDefault (pod or container)");
  return problems;
}

const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;

export const containerSecurityContext: ResourceRule = {
  scope: "resource",
  name: "container-security-context",
  description:
    "Every container runs restricted: runAsNonRoot, allowPrivilegeEscalation false, capabilities drop ALL, seccomp RuntimeDefault at pod or container level; no host namespaces.",
  check: (r) => {
    const pod = podSpec(r);
    if (!pod) return [];
    const host = HOST_NAMESPACES.filter((h) => pod[h] === true);
    return [
      ...(host.length
        ? [
            `${label(r)}: the pod uses ${host.join(", ")}; remove it (restricted pods share nothing with the node)`,
          ]
        : []),
      ...containers(r).flatMap((c) => {
        const problems = securityProblems(c, pod);
        return problems.length
          ? [
              `${who(r, c)} is not restricted: ${problems.join(", ")}; use lib/security.ts ` +
                "(podSecurityContext and containerSecurityContext)",
            ]
          : [];
      }),
    ];
  },
};
