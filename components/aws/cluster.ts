/**
 * EKS: authentication through access entries (mode API), the IAM OIDC provider for IRSA, a private API
 * endpoint plus a public one limited to configured CIDRs (none: private only), VPC CNI with network policy
 * enforcement (without it every NetworkPolicy is silently ignored), encrypted node volumes, control-plane
 * logs, and a managed node group in the private subnets that the Cluster Autoscaler resizes.
 */
import * as iam from "@pulumi/aws/iam";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "../../lib/config-aws";
import type { Network } from "./network";

export interface Cluster {
  readonly name: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** The cluster security group: managed node groups' pods use it, so the database admits it. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcProviderUrl: pulumi.Output<string>;
  /** Everything workloads must wait for (node group). */
  readonly ready: pulumi.Resource[];
}

const NODE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
];

export function eksCluster(
  name: string,
  settings: AwsSettings,
  net: Network,
  tags: Record<string, string>,
): Cluster {
  const nodeRole = new iam.Role(`${name}-node-role`, {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    tags,
  });
  NODE_POLICIES.forEach(
    (policyArn, i) =>
      new iam.RolePolicyAttachment(
        `${name}-node-policy-${i}`,
        { role: nodeRole.name, policyArn },
        { parent: nodeRole },
      ),
  );

  const cluster = new eks.Cluster(
    name,
    {
      name,
      version: settings.kubernetesVersion,
      vpcId: net.vpcId,
      publicSubnetIds: net.publicSubnetIds,
      privateSubnetIds: net.privateSubnetIds,
      nodeAssociatePublicIpAddress: false,
      skipDefaultNodeGroup: true,
      instanceRoles: [nodeRole],
      authenticationMode: "API",
      accessEntries: Object.fromEntries(
        settings.adminPrincipalArns.map((arn, i) => [
          `admin-${i}`,
          {
            principalArn: arn,
            accessPolicies: {
              admin: {
                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                accessScope: { type: "cluster" },
              },
            },
          },
        ]),
      ),
      createOidcProvider: true,
      endpointPrivateAccess: true,
      endpointPublicAccess: settings.publicAccessCidrs.length > 0,
      publicAccessCidrs: settings.publicAccessCidrs.length ? [...settings.publicAccessCidrs] : undefined,
      vpcCniOptions: { enableNetworkPolicy: true },
      enabledClusterLogTypes: ["api", "audit", "authenticator"],
      deletionProtection: true,
      tags,
    },
    { protect: true },
  );

  const nodes = new eks.ManagedNodeGroup(`${name}-nodes`, {
    cluster,
    nodeRole,
    subnetIds: net.privateSubnetIds,
    instanceTypes: [...settings.nodeInstanceTypes],
    capacityType: "ON_DEMAND",
    diskSize: 50,
    scalingConfig: {
      minSize: settings.nodeMinSize,
      maxSize: settings.nodeMaxSize,
      desiredSize: settings.nodeDesiredSize,
    },
    // The Cluster Autoscaler owns the size once the group exists.
    ignoreScalingChanges: true,
    labels: { "ferrum.io/pool": "general" },
    tags,
  });

  const provider = new k8s.Provider(`${name}-k8s`, {
    kubeconfig: cluster.kubeconfigJson,
    enableServerSideApply: true,
  });
  return {
    name: cluster.eksCluster.name,
    provider,
    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcProviderUrl: cluster.oidcProviderUrl,
    ready: [nodes],
  };
}
