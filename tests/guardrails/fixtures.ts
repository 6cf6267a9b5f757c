/**
 * Builders of rule fixtures: resources as the rules see them, Kubernetes workloads that comply with every
 * rule (tests then break one thing at a time), and a runner that goes through the policy pack's own
 * validateResource/validateStack functions with SDK-shaped arguments.
 */
import { policies } from "../../policy/policies";
import type { GuardedResource, Violation } from "../../policy/resource";

export function resource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<GuardedResource> = {},
): GuardedResource {
  return { urn: `urn:pulumi:test::ferrum::${type}::${name}`, type, name, props, protect: false, ...extra };
}

/** A container that meets every workload rule. */
export function goodContainer(
  name: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    image: "ghcr.io/ferrum/auth-service:1.0.0",
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/healthz/ready", port: "http" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...overrides,
  };
}

export const LABELS = { "app.kubernetes.io/name": "auth", "app.kubernetes.io/component": "web" };

/** A Deployment (or another workload type) whose pod runs `containers`. */
export function workload(
  name: string,
  containers: Record<string, unknown>[],
  options: {
    type?: string;
    initContainers?: Record<string, unknown>[];
    pod?: Record<string, unknown>;
    labels?: Record<string, string>;
    namespace?: string;
    volumeClaimTemplates?: unknown[];
  } = {},
): GuardedResource {
  const labels = options.labels ?? LABELS;
  return resource(options.type ?? "kubernetes:apps/v1:Deployment", name, {
    metadata: { name, namespace: options.namespace ?? "ferrum", labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          ...(options.initContainers ? { initContainers: options.initContainers } : {}),
          containers,
          ...options.pod,
        },
      },
      ...(options.volumeClaimTemplates ? { volumeClaimTemplates: options.volumeClaimTemplates } : {}),
    },
  });
}

/** Runs every policy of the pack over `resources` with SDK-shaped arguments; returns what they reported. */
export async function runPolicies(resources: readonly GuardedResource[]): Promise<Violation[]> {
  const found: Violation[] = [];
  const opts = (r: GuardedResource) => ({
    protect: r.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parent ? { parent: r.parent } : {}),
  });
  const common = {
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason}`);
    },
    isType: () => false,
    asType: () => undefined,
  };
  const byUrn = new Map(
    resources.map((r) => [
      r.urn,
      {
        ...common,
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.props,
        opts: opts(r),
        dependencies: [],
        propertyDependencies: {} as Record<string, unknown[]>,
      },
    ]),
  );
  for (const r of resources) {
    const sdk = byUrn.get(r.urn) as Record<string, unknown>;
    if (r.parent && byUrn.has(r.parent)) sdk.parent = byUrn.get(r.parent);
    sdk.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [
        k,
        urns.map((u) => byUrn.get(u)).filter(Boolean),
      ]),
    );
  }
  for (const p of policies) {
    if ("validateResource" in p && p.validateResource) {
      const validate = [p.validateResource].flat()[0];
      for (const r of resources) {
        await validate({ ...(byUrn.get(r.urn) as any) }, (message: string) =>
          found.push({ rule: p.name, urn: r.urn, message }),
        );
      }
    } else if ("validateStack" in p) {
      await p.validateStack(
        { ...common, resources: [...byUrn.values()] as any },
        (message: string, urn?: string) => found.push({ rule: p.name, ...(urn ? { urn } : {}), message }),
      );
    }
  }
  return found;
}
