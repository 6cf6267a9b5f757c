/**
 * The Kubernetes control plane and nodes: the API server is private or limited to listed CIDRs (never the
 * whole internet), only cloud identities sign in (no static kubeconfig credentials), Secrets are encrypted
 * with a key of the cluster's own; nodes' instance metadata answers only IMDSv2 requests, and not to pods.
 */
import {
  arr,
  at,
  isUnknown,
  label,
  obj,
  worldCidrs,
  type GuardedResource,
  type ResourceRule,
} from "../resource";

function eksFindings(r: GuardedResource): string[] {
  const p = r.props;
  const found: string[] = [];
  const vpc = obj(p.vpcConfig) ?? {};
  const cidrs = arr(vpc.publicAccessCidrs);
  // EKS defaults the endpoint to public, and a public endpoint's CIDRs to 0.0.0.0/0.
  const isPublic = vpc.endpointPublicAccess !== false;
  if (!isUnknown(vpc.endpointPublicAccess) && !cidrs.some(isUnknown) && isPublic) {
    const open = cidrs.length === 0 ? ["0.0.0.0/0 (no publicAccessCidrs)"] : worldCidrs(cidrs);
    if (open.length) {
      found.push(
        `${label(r)}: the public API endpoint is open to ${open.join(" and ")}; set vpcConfig.endpointPublicAccess: false, ` +
          "or list your runners' and offices' CIDRs in vpcConfig.publicAccessCidrs",
      );
    }
  }
  const mode = at(p, "accessConfig.authenticationMode");
  if (!isUnknown(mode) && mode !== "API") {
    found.push(
      `${label(r)}: accessConfig.authenticationMode is ${mode === undefined ? "not set (CONFIG_MAP)" : JSON.stringify(mode)}; ` +
        'set "API" so only access entries grant access, not the aws-auth ConfigMap',
    );
  }
  const encrypted = arr(p.encryptionConfig ? at(p, "encryptionConfig.resources") : undefined);
  if (!isUnknown(p.encryptionConfig) && !encrypted.includes("secrets")) {
    found.push(
      `${label(r)}: Kubernetes Secrets are not envelope-encrypted; set encryptionConfig: ` +
        '{ resources: ["secrets"], provider: { keyArn: <a KMS key of the cluster\'s own> } }',
    );
  }
  return found;
}

function aksFindings(r: GuardedResource): string[] {
  const p = r.props;
  const found: string[] = [];
  const access = obj(p.apiServerAccessProfile) ?? {};
  const ranges = arr(access.authorizedIPRanges);
  if (
    !isUnknown(access.enablePrivateCluster) &&
    !ranges.some(isUnknown) &&
    access.enablePrivateCluster !== true
  ) {
    const open = ranges.length === 0 ? ["the internet (no authorizedIPRanges)"] : worldCidrs(ranges);
    if (open.length) {
      found.push(
        `${label(r)}: the API server is reachable from ${open.join(" and ")}; set apiServerAccessProfile.enablePrivateCluster: ` +
          "true, or list your runners' and offices' CIDRs in apiServerAccessProfile.authorizedIPRanges",
      );
    }
  }
  if (!isUnknown(p.disableLocalAccounts) && p.disableLocalAccounts !== true) {
    found.push(
      `${label(r)}: local accounts are enabled (a static admin kubeconfig exists); set disableLocalAccounts: true ` +
        "with aadProfile.managed and Azure RBAC",
    );
  }
  return found;
}

function controlPlane(r: GuardedResource): string[] {
  if (r.type === "aws:eks/cluster:Cluster") return eksFindings(r);
  if (r.type === "azure-native:containerservice:ManagedCluster") return aksFindings(r);
  return [];
}

export const lockedDownControlPlane: ResourceRule = {
  scope: "resource",
  name: "locked-down-control-plane",
  description:
    "EKS and AKS API servers are private or limited to listed CIDRs, never the whole internet; only cloud identities sign in (EKS access entries, AKS without local accounts); EKS encrypts Secrets with a KMS key.",
  check: controlPlane,
};

function nodeMetadata(r: GuardedResource): string[] {
  if (r.type !== "aws:ec2/launchTemplate:LaunchTemplate") return [];
  const m = obj(r.props.metadataOptions) ?? {};
  if (isUnknown(m.httpTokens) || isUnknown(m.httpPutResponseHopLimit)) return [];
  const found: string[] = [];
  if (m.httpEndpoint !== "disabled" && m.httpTokens !== "required") {
    found.push(
      `${label(r)}: metadataOptions.httpTokens is ${m.httpTokens === undefined ? "not set (IMDSv1 allowed)" : JSON.stringify(m.httpTokens)}; ` +
        'set httpTokens: "required" (IMDSv2 only)',
    );
  }
  const hops = typeof m.httpPutResponseHopLimit === "number" ? m.httpPutResponseHopLimit : undefined;
  if (m.httpEndpoint !== "disabled" && hops !== undefined && hops > 1) {
    found.push(
      `${label(r)}: metadataOptions.httpPutResponseHopLimit is ${hops}, so pods reach the node role's credentials; ` +
        "set 1 and give pods their own roles (IRSA)",
    );
  }
  return found;
}

export const nodeMetadataV2: ResourceRule = {
  scope: "resource",
  name: "node-metadata-imdsv2",
  description:
    "Node launch templates require IMDSv2 with a hop limit of 1, so no pod can take the node role's credentials from the instance metadata service.",
  check: nodeMetadata,
};
