/**
 * What makes the first `pulumi up` of a cloud stack fail or serve something unusable (issue: first contact):
 * - EKS with `bootstrapClusterCreatorAdminPermissions` gives the creator an implicit admin entry, and the
 *   explicit entry the deploying role needs (every Kubernetes call waits for it) is refused with 409.
 * - A node group spanning several zones cannot scale up in the zone where a pending pod's EBS volume lives.
 * - A cloud stack must serve a certificate clients trust: a cert-manager Certificate, or an ACM certificate at
 *   the NLB; Traefik's self-signed default certificate is what it serves otherwise.
 */
import {
  arr,
  at,
  isCloudStack,
  isUnknown,
  label,
  obj,
  str,
  type Finding,
  type GuardedResource,
  type ResourceRule,
  type StackRule,
} from "../resource";

export const explicitClusterAccess: ResourceRule = {
  scope: "resource",
  name: "explicit-cluster-access",
  description:
    "EKS grants cluster admin through explicit access entries only: no implicit admin for the identity that creates the cluster.",
  check(r) {
    if (r.type !== "aws:eks/cluster:Cluster") return [];
    const bootstrap = at(r.props, "accessConfig.bootstrapClusterCreatorAdminPermissions");
    if (isUnknown(bootstrap) || bootstrap === false) return [];
    return [
      `${label(r)}: accessConfig.bootstrapClusterCreatorAdminPermissions is ${bootstrap === undefined ? "not set (true)" : JSON.stringify(bootstrap)}; the creator's implicit entry makes EKS refuse the deploying role's explicit one (409 ResourceInUseException): set it to false (only possible at creation) and grant the deployer an access entry`,
    ];
  },
};

export const nodeGroupPerZone: ResourceRule = {
  scope: "resource",
  name: "node-group-per-zone",
  description:
    "Each EKS managed node group lives in one zone, so the Cluster Autoscaler can add a node where a pending pod's EBS volume is.",
  check(r) {
    if (r.type !== "aws:eks/nodeGroup:NodeGroup") return [];
    const subnets = r.props.subnetIds;
    if (isUnknown(subnets) || arr(subnets).some(isUnknown) || arr(subnets).length <= 1) return [];
    return [
      `${label(r)}: spans ${arr(subnets).length} subnets (zones); the autoscaler cannot choose the zone a pending pod's volume needs: make one node group per zone`,
    ];
  },
};

/** Whether a Traefik release terminates TLS at an ACM certificate on its NLB. */
function acmAtLoadBalancer(r: GuardedResource): boolean {
  const annotations = obj(at(r.props, "values.service.annotations")) ?? {};
  return str(annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"]) !== undefined;
}

export const trustedCertificate: StackRule = {
  scope: "stack",
  name: "trusted-certificate",
  description:
    "A cloud stack serves a certificate clients trust: a cert-manager Certificate from a ClusterIssuer, or an ACM certificate at the load balancer.",
  check(resources): Finding[] {
    if (!isCloudStack(resources)) return [];
    const traefik = resources.filter(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "traefik",
    );
    if (traefik.length === 0) return [];
    const issued = resources.some(
      (r) =>
        r.type.startsWith("kubernetes:") &&
        r.props.apiVersion === "cert-manager.io/v1" &&
        r.props.kind === "Certificate",
    );
    if (issued || traefik.every(acmAtLoadBalancer)) return [];
    return traefik.map((r) => ({
      urn: r.urn,
      message: `${label(r)}: serves Traefik's self-signed default certificate, which clients reject: issue one with cert-manager (ferrum:tls.source acme) or end TLS at the NLB with an ACM certificate (ferrum:tls.source acm)`,
    }));
  },
};
