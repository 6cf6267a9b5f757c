/**
 * Every namespace that runs data services (a database, cache, Sentinel or object store, or any StatefulSet
 * with volumes) has NetworkPolicies, and one of them selects each data service's pods for ingress: without
 * one, every pod of the cluster can reach the data.
 */
import { claimsVolumes, isDataComponent } from "../stateful";
import { isWorkload, namespaceOf, podLabels, selects } from "../k8s";
import { arr, at, label, obj, type Finding, type GuardedResource, type StackRule } from "../resource";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SERVICE = "kubernetes:core/v1:Service";

/** Pods a data service runs, with the labels they carry. */
interface DataPods {
  readonly resource: GuardedResource;
  readonly namespace: string;
  readonly labels: Record<string, unknown>;
}

function dataPods(resources: readonly GuardedResource[]): DataPods[] {
  return resources.flatMap((r) => {
    const data = isDataComponent(r.props) || claimsVolumes(r);
    if (!data) return [];
    const namespace = namespaceOf(r.props);
    if (namespace === undefined) return []; // not known during this preview
    if (isWorkload(r.type)) return [{ resource: r, namespace, labels: podLabels(r) }];
    const selector = obj(at(r.props, "spec.selector"));
    return r.type === SERVICE && selector ? [{ resource: r, namespace, labels: selector }] : [];
  });
}

/** Whether a NetworkPolicy restricts ingress (policyTypes unset means Ingress). */
function governsIngress(policy: GuardedResource): boolean {
  const types = at(policy.props, "spec.policyTypes");
  return types === undefined || arr(types).includes("Ingress");
}

function uncovered(resources: readonly GuardedResource[]): Finding[] {
  const policies = resources.filter((r) => r.type === NETWORK_POLICY);
  const findings: Finding[] = [];
  const byNamespace = new Map<string, DataPods[]>();
  for (const d of dataPods(resources))
    byNamespace.set(d.namespace, [...(byNamespace.get(d.namespace) ?? []), d]);
  for (const [namespace, pods] of byNamespace) {
    const here = policies.filter((p) => namespaceOf(p.props) === namespace && governsIngress(p));
    if (here.length === 0) {
      findings.push({
        urn: pods[0].resource.urn,
        message:
          `namespace "${namespace}" runs data services (${pods.map((p) => label(p.resource)).join(", ")}) but has no ` +
          "NetworkPolicy for ingress; add a default-deny one (podSelector: {}, policyTypes: [Ingress]) and admit only " +
          "this namespace (components/cluster/namespace.ts)",
      });
      continue;
    }
    for (const p of pods) {
      if (!here.some((policy) => selects(at(policy.props, "spec.podSelector"), p.labels))) {
        findings.push({
          urn: p.resource.urn,
          message:
            `${label(p.resource)}: no NetworkPolicy in namespace "${namespace}" selects its pods for ingress; ` +
            "select them (podSelector: {} selects every pod of the namespace)",
        });
      }
    }
  }
  return findings;
}

export const networkPolicyPerDataNamespace: StackRule = {
  scope: "stack",
  name: "network-policy-for-data",
  description:
    "Every namespace with data services has an ingress NetworkPolicy selecting each data service's pods.",
  check: uncovered,
};
