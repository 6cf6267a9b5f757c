/**
 * AKS: a system node pool over three zones that the cluster autoscaler resizes; Azure CNI overlay (pods get
 * addresses outside the VNet) with the Cilium dataplane enforcing NetworkPolicies (without an engine every
 * NetworkPolicy is silently ignored); the OIDC issuer and workload identity; Entra ID sign-in with Azure
 * RBAC for Kubernetes and local accounts disabled, so every access is an Entra identity; the API server
 * private, or public to listed CIDRs only; patch auto-upgrades; Azure Monitor only when a workspace is given.
 *
 * The control plane runs as a user-assigned identity granted Network Contributor on the nodes' subnet before
 * the cluster exists (a system-assigned one would get it only after, racing the first load balancer). The
 * deploying identity gets AKS RBAC Cluster Admin, and the Kubernetes provider signs in as it through kubelogin
 * (kubeconfig.ts). A new role assignment takes up to five minutes to reach the cluster's authorization server
 * (Microsoft, "Use Azure RBAC for Kubernetes Authorization", https://learn.microsoft.com/azure/aks/manage-azure-rbac):
 * the provider waits that long after the grant, with a real wait resource, or the first Kubernetes call of a
 * new cluster would get 403.
 */
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import type { AzureSettings } from "../../config/azure";
import type { DeployerSettings } from "../../config/deployer";
import { aksAuthorizedRanges, runnerVnetPath } from "./api-access";
import { AKS_DNS_SERVICE_IP, AKS_POD_CIDR, AKS_SERVICE_CIDR } from "../../lib/azure-subnets";
import { kubeloginKubeconfig } from "./kubeconfig";
import { type AzureNetwork, movedUnder } from "./network";
import { grantRole } from "./roles";

export const AKS_ZONES = ["1", "2", "3"];
/** The autoscaler owns the pool's size once the cluster exists; `pulumi up` must not reset it. */
export const CLUSTER_IGNORED_CHANGES = ["agentPoolProfiles[0].count"];
/** How long a new Azure RBAC role assignment takes to reach the AKS authorization server, at most. */
export const RBAC_PROPAGATION = "300s";

export interface AksClusterArgs {
  /** `ferrum:azure`: version, tier, system pool, admins, API access, upgrade channel, monitoring. */
  readonly settings: AzureSettings;
  /** The resource group, VNet and nodes' subnet the cluster lives in. */
  readonly network: AzureNetwork;
  /** The subscription the role assignments are scoped in. */
  readonly subscriptionId: pulumi.Input<string>;
  /** `protect` the cluster. */
  readonly protect: boolean;
  /**
   * Where `pulumi up` runs (ferrum:deployer): decides who reaches the API.
   * @default none - the API is public to `settings.authorizedIpRanges` only, private when that is empty
   */
  readonly deployer?: DeployerSettings;
}

/** The API server's exposure: public to the listed CIDRs, or private (reachable from the VNet only). */
export function apiServerAccess(authorizedIpRanges: readonly string[]) {
  return authorizedIpRanges.length
    ? { authorizedIPRanges: [...authorizedIpRanges], enablePrivateCluster: false }
    : { enablePrivateCluster: true, privateDNSZone: "system", enablePrivateClusterPublicFQDN: false };
}

export class AksCluster extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly id: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** Object id of the kubelet identity: the nodes pull images as it. */
  readonly kubeletObjectId: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Everything workloads must wait for (the cluster, the deployer's role on it). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferrum:azure:AksCluster", name, {}, opts);
    const s = args.settings;
    const net = args.network;
    const ctx = args;
    const moved = movedUnder(this);
    const rg = { resourceGroupName: net.resourceGroupName, location: net.location };
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { ...rg, resourceName: `${name}-control-plane`, tags: net.tags },
      moved,
    );
    const subnetAccess = grantRole(
      `${name}-network-contributor`,
      {
        role: "networkContributor",
        principalId: identity.principalId,
        principalType: "ServicePrincipal",
        scope: net.nodesSubnetId,
        subscriptionId: ctx.subscriptionId,
        description: "AKS control plane: join the nodes' subnet, manage its load balancers",
      },
      { parent: identity },
    );

    const pool = s.systemPool;
    const cluster = new containerservice.ManagedCluster(
      name,
      {
        ...rg,
        resourceName: name,
        dnsPrefix: name,
        kubernetesVersion: s.kubernetesVersion,
        sku: { name: "Base", tier: s.clusterTier },
        supportPlan: "KubernetesOfficial",
        nodeResourceGroup: `${s.resourceGroupName}-nodes`,
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        agentPoolProfiles: [
          {
            name: "system",
            mode: "System",
            type: "VirtualMachineScaleSets",
            osType: "Linux",
            vmSize: pool.vmSize,
            availabilityZones: AKS_ZONES,
            enableAutoScaling: true,
            minCount: pool.minCount,
            maxCount: pool.maxCount,
            count: pool.minCount,
            osDiskSizeGB: pool.osDiskSizeGiB,
            osDiskType: "Managed",
            vnetSubnetID: net.nodesSubnetId,
            enableNodePublicIP: false,
            maxPods: 110,
            upgradeSettings: { maxSurge: "33%" },
            nodeLabels: { "ferrum.io/pool": "system" },
          },
        ],
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkDataplane: "cilium",
          networkPolicy: "cilium",
          podCidr: AKS_POD_CIDR,
          serviceCidr: AKS_SERVICE_CIDR,
          dnsServiceIP: AKS_DNS_SERVICE_IP,
          loadBalancerSku: "standard",
          outboundType: "loadBalancer",
        },
        oidcIssuerProfile: { enabled: true },
        securityProfile: {
          workloadIdentity: { enabled: true },
          imageCleaner: { enabled: true, intervalHours: 48 },
        },
        aadProfile: {
          managed: true,
          enableAzureRBAC: true,
          adminGroupObjectIDs: [...s.adminGroupObjectIds],
        },
        enableRBAC: true,
        disableLocalAccounts: true,
        apiServerAccessProfile: apiServerAccess(aksAuthorizedRanges(ctx.deployer, s.authorizedIpRanges)),
        autoUpgradeProfile: { upgradeChannel: s.upgradeChannel, nodeOSUpgradeChannel: "NodeImage" },
        storageProfile: {
          diskCSIDriver: { enabled: true },
          snapshotController: { enabled: true },
          fileCSIDriver: { enabled: false },
          blobCSIDriver: { enabled: false },
        },
        azureMonitorProfile: { metrics: { enabled: false } },
        addonProfiles: s.logAnalyticsWorkspaceId
          ? {
              omsagent: {
                enabled: true,
                config: { logAnalyticsWorkspaceResourceID: s.logAnalyticsWorkspaceId, useAADAuth: "true" },
              },
            }
          : {},
        tags: net.tags,
      },
      { ...moved, protect: ctx.protect, ignoreChanges: CLUSTER_IGNORED_CHANGES, dependsOn: [subnetAccess] },
    );

    const ready: pulumi.Resource[] = [cluster];
    // What the Kubernetes provider waits for: the deployer's grant, propagated, and the private path to the API.
    const access: pulumi.Resource[] = [];
    if (s.deployerPrincipalId) {
      const grant = grantRole(
        `${name}-cluster-admin`,
        {
          role: "aksRbacClusterAdmin",
          principalId: s.deployerPrincipalId,
          principalType: s.deployerPrincipalType,
          scope: cluster.id,
          subscriptionId: ctx.subscriptionId,
          description: "The identity that runs pulumi up: manages every Kubernetes object of the cluster",
        },
        // Grouped under the cluster, but not stateful: it need not inherit the cluster's protection.
        { parent: cluster, protect: false },
      );
      const propagated = new time.Sleep(
        `${name}-cluster-admin-propagation`,
        // A new assignment (a replaced one too) waits again.
        { createDuration: RBAC_PROPAGATION, triggers: { assignment: grant.id } },
        { parent: cluster, protect: false },
      );
      ready.push(grant);
      access.push(propagated);
    }
    if (ctx.deployer?.runner === "privateNetwork" && ctx.deployer.azure) {
      access.push(
        ...runnerVnetPath(
          name,
          {
            runnerVnetId: ctx.deployer.azure.vnetId,
            resourceGroupName: net.resourceGroupName,
            vnetName: net.vnetName,
            vnetId: net.vnetId,
            nodeResourceGroup: cluster.nodeResourceGroup.apply((g) => g ?? `${s.resourceGroupName}-nodes`),
            privateFqdn: cluster.privateFQDN,
            tags: net.tags,
          },
          cluster,
        ),
      );
    }

    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: net.resourceGroupName, resourceName: cluster.name, format: "exec" },
      { parent: cluster },
    );
    const kubeconfig = pulumi.secret(
      credentials.kubeconfigs.apply((configs) =>
        kubeloginKubeconfig(Buffer.from(configs[0].value, "base64").toString("utf8"), s.kubelogin),
      ),
    );
    // Every Kubernetes resource uses this provider: none is sent before the deployer may make it.
    const provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig, enableServerSideApply: true },
      { ...moved, dependsOn: access },
    );

    this.name = cluster.name;
    this.id = cluster.id;
    this.provider = provider;
    this.kubeletObjectId = cluster.identityProfile.apply((p) => p?.kubeletidentity?.objectId ?? "");
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
    this.ready = ready;
    this.registerOutputs({ name: this.name, oidcIssuerUrl: this.oidcIssuerUrl });
  }
}
