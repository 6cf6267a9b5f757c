/**
 * EKS, secure by default: authentication through access entries only (mode API, no implicit admin for the
 * creator: `ferrum:aws.deployerRoleArn` and `adminPrincipalArns` each get an explicit entry keyed by principal),
 * Kubernetes Secrets envelope-encrypted with a KMS key of the cluster's own, the API endpoint private plus a
 * public one limited to exactly the deployer's and people's CIDRs (api-access.ts), control-plane logs kept 90
 * days, the IAM OIDC provider for IRSA, and deletion protection. Add-ons are EKS-managed: VPC CNI with network
 * policy enforcement (without it every NetworkPolicy is silently ignored), kube-proxy and CoreDNS. One managed
 * node group per zone in the private subnets (an EBS volume lives in one zone, and the Cluster Autoscaler can
 * only grow the group of the zone a pending pod's volume is in), sized by the Cluster Autoscaler, from a launch
 * template that encrypts the root volume and requires IMDSv2 (a pod cannot reach the node role's credentials
 * through the metadata service).
 *
 * The Kubernetes provider waits for the deployer's access policy association (and the private path to the
 * API): every Kubernetes resource of the stack uses it, so none is sent before the deployer may make it.
 *
 * Versions (lib/versions.ts): the control plane runs `ferrum:aws.kubernetesVersion` with the upgrade policy
 * STANDARD; the node group (Amazon Linux 2023) and every add-on follow that minor, since EKS moves neither
 * with the control plane.
 *
 * Built from plain @pulumi/aws resources rather than @pulumi/eks: every piece is in the plan, where the
 * guardrails and `pulumi preview --diff` readers see it, and no extra provider plugin runs.
 */
import { createHash } from "crypto";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "../../config/aws";
import { EKS_NODE_AMI_TYPE } from "../../lib/versions";
import { eksAddonVersion } from "./addons";
import { runnerPath, type EksApiAccess } from "./api-access";
import { attachPolicies } from "./irsa";
import { kubeconfigFor } from "./kubeconfig";
import { ZONE_KEYS } from "../../lib/aws-subnets";
import type { Network } from "./network";

export interface EksClusterArgs {
  /** `ferrum:aws`: version, node sizes and instance types, the deployer's role and the admins. */
  readonly settings: Pick<
    AwsSettings,
    | "kubernetesVersion"
    | "deployerRoleArn"
    | "adminPrincipalArns"
    | "nodeInstanceTypes"
    | "nodeMinSize"
    | "nodeMaxSize"
    | "nodeDesiredSize"
  >;
  /** The VPC: the control plane and the nodes go into its private subnets, one node group per zone. */
  readonly network: Network;
  /** Who reaches the API: from ferrum:deployer and ferrum:aws.publicAccessCidrs (api-access.ts). */
  readonly access: EksApiAccess;
  /** The stack's AWS region: the kubeconfig's `aws eks get-token` names it. */
  readonly region: string;
  /** Tags of every AWS resource. */
  readonly tags: Record<string, string>;
  /**
   * Repository prefix of the stack's ECR pull-through cache (registry.ts): the nodes make its first pulls.
   * @default - nothing is cached
   */
  readonly imageCachePrefix?: string;
}

export const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator"];
const NODE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
];

/**
 * What a node needs beyond AmazonEC2ContainerRegistryReadOnly to pull through a pull-through cache rule: ECR
 * fetches an image it does not hold yet on behalf of the principal pulling it, which needs
 * `ecr:BatchImportUpstreamImage`, and `ecr:CreateRepository` for the cache's first image of a repository
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html). Only under the
 * cache's prefix. Pure.
 */
export function imageCachePolicy(region: string, accountId: string, prefix: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "FillPullThroughCache",
        Effect: "Allow",
        Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        Resource: `arn:aws:ecr:${region}:${accountId}:repository/${prefix}/*`,
      },
    ],
  };
}

/**
 * A role the given AWS service may assume, and its managed policies' attachments (what uses the role waits
 * for those: EKS checks the permissions when it creates the cluster or the nodes).
 */
function serviceRole(
  name: string,
  service: string,
  actions: string[],
  policyArns: string[],
  tags: Record<string, string>,
  parent: pulumi.Resource,
): { role: iam.Role; attachments: iam.RolePolicyAttachment[] } {
  const role = new iam.Role(
    name,
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
      }),
      tags,
    },
    { parent },
  );
  return { role, attachments: attachPolicies(name, role, policyArns) };
}

/**
 * A principal's key in resource names: its last ARN segment and a short hash of the whole ARN (two roles of
 * the same name in different accounts or paths never collide), so adding or removing one principal never
 * renames another's entry, as list indexes would.
 */
export function principalKey(arn: string): string {
  const last = arn.split("/").pop() ?? arn;
  const slug = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${slug}-${createHash("sha256").update(arn).digest("hex").slice(0, 6)}`;
}

export class EksCluster extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  /** Kubernetes provider for the cluster (kubeconfig: see kubeconfigFor). */
  readonly provider: k8s.Provider;
  /** The cluster security group: managed node groups' pods use it, so the database admits it. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcProviderUrl: pulumi.Output<string>;
  /** Everything workloads must wait for (nodes and cluster DNS). */
  readonly ready: pulumi.Resource[];
  /** The node groups, one per zone. */
  readonly nodes: pulumi.Resource[];
  /** The nodes' right to fill the image cache, when there is one: pods pulling through it wait for it. */
  readonly imagePull: pulumi.Resource[];

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferrum:aws:EksCluster", name, {}, opts);
    const s = args.settings;
    const tags = args.tags;

    const clusterRole = serviceRole(
      `${name}-cluster-role`,
      "eks.amazonaws.com",
      ["sts:AssumeRole", "sts:TagSession"],
      ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
      tags,
      this,
    );
    // Losing the key makes every Secret in etcd unreadable: protected like the cluster.
    const secretsKey = new kms.Key(
      `${name}-secrets`,
      {
        description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags,
      },
      { parent: this, protect: true },
    );
    // EKS writes to this group; created here so it has a retention (EKS would keep logs forever).
    const logGroup = new cloudwatch.LogGroup(
      `${name}-control-plane`,
      { name: `/aws/eks/${name}/cluster`, retentionInDays: 90, tags },
      { parent: this },
    );

    const cluster = new eks.Cluster(
      name,
      {
        name,
        version: s.kubernetesVersion,
        roleArn: clusterRole.role.arn,
        vpcConfig: {
          subnetIds: args.network.privateSubnetIds,
          endpointPrivateAccess: true,
          endpointPublicAccess: args.access.endpointPublicAccess,
          // Without CIDRs AWS would default the public endpoint to 0.0.0.0/0; it is off then anyway.
          publicAccessCidrs: args.access.publicAccessCidrs ? [...args.access.publicAccessCidrs] : undefined,
        },
        // No implicit admin for whoever creates the cluster (settable at creation only): with it, the explicit
        // entry for the deploying role below would be refused with 409 ResourceInUseException.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.arn } },
        enabledClusterLogTypes: CLUSTER_LOG_TYPES,
        // STANDARD, not AWS's default EXTENDED: a cluster past standard support is upgraded by EKS instead of
        // being billed for extended support at a higher cluster-hour price. The version guardrail
        // (npm run versions:check) fails 60 days before that date, and pulumi up refuses once it has passed.
        upgradePolicy: { supportType: "STANDARD" },
        // The managed add-ons below replace the self-managed ones EKS would otherwise install.
        bootstrapSelfManagedAddons: false,
        deletionProtection: true,
        tags,
      },
      { parent: this, protect: true, dependsOn: [logGroup, ...clusterRole.attachments] },
    );

    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? "");
    const oidc = new iam.OpenIdConnectProvider(
      `${name}-oidc`,
      { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags },
      { parent: this },
    );

    // One entry and cluster-admin association per principal, keyed by principal: the deployer first.
    const principals = [...new Set([s.deployerRoleArn, ...s.adminPrincipalArns])];
    const associations = principals.map((principalArn) => {
      const key = `${name}-access-${principalKey(principalArn)}`;
      const entry = new eks.AccessEntry(
        key,
        { clusterName: cluster.name, principalArn, type: "STANDARD", tags },
        { parent: this },
      );
      return new eks.AccessPolicyAssociation(
        key,
        {
          clusterName: cluster.name,
          principalArn,
          policyArn: CLUSTER_ADMIN_POLICY,
          accessScope: { type: "cluster" },
        },
        { parent: this, dependsOn: [entry] },
      );
    });
    const deployerAccess = associations[0];
    const privatePath = runnerPath(
      name,
      {
        access: args.access,
        clusterSecurityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
        vpcId: args.network.vpcId,
        vpcCidr: args.network.vpcCidr,
        privateRouteTableIds: args.network.privateRouteTableIds,
        tags,
      },
      this,
    );

    const addon = (addonName: string, extra: Partial<eks.AddonArgs>, dependsOn: pulumi.Resource[] = []) =>
      new eks.Addon(
        `${name}-${addonName}`,
        {
          clusterName: cluster.name,
          addonName,
          addonVersion: eksAddonVersion(addonName, s.kubernetesVersion, { parent: this }),
          resolveConflictsOnCreate: "OVERWRITE",
          resolveConflictsOnUpdate: "OVERWRITE",
          tags,
          ...extra,
        },
        { parent: this, dependsOn },
      );
    const vpcCni = addon("vpc-cni", {
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
    });
    const kubeProxy = addon("kube-proxy", {});

    const nodeRole = serviceRole(
      `${name}-node-role`,
      "ec2.amazonaws.com",
      ["sts:AssumeRole"],
      NODE_POLICIES,
      tags,
      this,
    );
    this.imagePull = args.imageCachePrefix
      ? [
          new iam.RolePolicy(
            `${name}-node-image-cache`,
            {
              role: nodeRole.role.id,
              policy: getCallerIdentityOutput({}, { parent: this }).accountId.apply((account) =>
                JSON.stringify(imageCachePolicy(args.region, account, args.imageCachePrefix!)),
              ),
            },
            { parent: nodeRole.role },
          ),
        ]
      : [];
    const launchTemplate = new ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: `Nodes of EKS cluster ${name}: encrypted root volume, IMDSv2 only`,
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
          },
        ],
        // Hop limit 1: pods (one hop further) cannot reach the node's instance metadata.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        tagSpecifications: [
          { resourceType: "instance", tags: { ...tags, Name: `${name}-node` } },
          { resourceType: "volume", tags },
        ],
        tags,
      },
      { parent: this },
    );
    // Totals split over the zones, rounded up so no zone is left at zero.
    const perZone = (n: number) => Math.ceil(n / ZONE_KEYS.length);
    const nodes = ZONE_KEYS.map(
      (zone, position) =>
        new eks.NodeGroup(
          `${name}-nodes-${zone}`,
          {
            clusterName: cluster.name,
            // The nodes follow the control plane's minor (EKS does not move them itself), on Amazon Linux 2023.
            version: s.kubernetesVersion,
            amiType: EKS_NODE_AMI_TYPE,
            nodeRoleArn: nodeRole.role.arn,
            subnetIds: [args.network.privateSubnets[zone]],
            instanceTypes: [...s.nodeInstanceTypes],
            capacityType: "ON_DEMAND",
            launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
            scalingConfig: {
              minSize: perZone(s.nodeMinSize),
              maxSize: Math.max(perZone(s.nodeMaxSize), perZone(s.nodeMinSize)),
              desiredSize: perZone(s.nodeDesiredSize),
            },
            updateConfig: { maxUnavailable: 1 },
            labels: { "ferrum.io/pool": "general" },
            tags,
          },
          // The Cluster Autoscaler owns the size once the group exists. Groups were named by the zone's
          // position (`<name>-nodes-0`) before zones had keys; zone a's group is also the one group of earlier
          // versions (`<name>-nodes`), now limited to its zone's subnet.
          {
            parent: this,
            dependsOn: [vpcCni, kubeProxy, ...nodeRole.attachments],
            ignoreChanges: ["scalingConfig.desiredSize"],
            aliases: [
              { name: `${name}-nodes-${position}` },
              ...(position === 0 ? [{ name: `${name}-nodes` }] : []),
            ],
          },
        ),
    );
    const coreDns = addon("coredns", {}, nodes);

    this.name = cluster.name;
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcProviderArn = oidc.arn;
    this.oidcProviderUrl = oidc.url;
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: pulumi
          .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
          .apply(([n, endpoint, ca]) => kubeconfigFor(n, endpoint, ca.data ?? "", args.region)),
        enableServerSideApply: true,
      },
      // Every Kubernetes resource uses this provider: none is sent before the deployer may make it (its
      // access policy association) and can reach the API (the private path), or the first would get 401.
      { parent: this, dependsOn: [deployerAccess, ...privatePath] },
    );
    this.nodes = nodes;
    this.ready = [...nodes, coreDns];
    this.registerOutputs({
      name: this.name,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
      oidcProviderArn: this.oidcProviderArn,
      oidcProviderUrl: this.oidcProviderUrl,
    });
  }
}
