/**
 * Who reaches the AKS API, from `ferrum:deployer` (where `pulumi up` runs) and `ferrum:azure.authorizedIpRanges`
 * (people): public to exactly the listed public CIDRs, or private. A private cluster's API name resolves only
 * through the private DNS zone AKS creates in the node resource group (`<subzone>.privatelink.<region>.azmk8s.io`)
 * and linked to the cluster's VNet; a runner in another VNet needs that VNet peered both ways and linked to
 * the zone (Microsoft, "Create a private AKS cluster", options for connecting to the private cluster:
 * https://learn.microsoft.com/azure/aks/private-clusters).
 */
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as pulumi from "@pulumi/pulumi";
import type { DeployerSettings } from "../../config/deployer";

/** Pure: the CIDRs the API server is public to; none means a private cluster. */
export function aksAuthorizedRanges(
  deployer: DeployerSettings | undefined,
  peopleCidrs: readonly string[],
): string[] {
  return [...new Set([...(deployer?.runner === "staticEgress" ? deployer.cidrs : []), ...peopleCidrs])];
}

/** `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet` -> rg, vnet. */
export function parseVnetId(id: string): { resourceGroupName: string; virtualNetworkName: string } {
  const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i.exec(id);
  if (!m) throw new Error(`not a VNet resource id: ${id}`);
  return { resourceGroupName: m[1], virtualNetworkName: m[2] };
}

/** The private DNS zone of a private cluster: its private FQDN without the host label. Pure. */
export const privateZoneOf = (privateFqdn: string): string => privateFqdn.split(".").slice(1).join(".");

/**
 * The private path from a runner VNet to the API: the two peerings and the link of the cluster's private DNS
 * zone to the runner's VNet. Returns what the Kubernetes provider must wait for.
 */
export function runnerVnetPath(
  name: string,
  a: {
    readonly runnerVnetId: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly vnetName: pulumi.Input<string>;
    readonly vnetId: pulumi.Input<string>;
    readonly nodeResourceGroup: pulumi.Input<string>;
    readonly privateFqdn: pulumi.Input<string>;
    readonly tags: Record<string, string>;
  },
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const runner = parseVnetId(a.runnerVnetId);
  const toRunner = new network.VirtualNetworkPeering(
    `${name}-to-runner`,
    {
      resourceGroupName: a.resourceGroupName,
      virtualNetworkName: a.vnetName,
      virtualNetworkPeeringName: "to-runner",
      remoteVirtualNetwork: { id: a.runnerVnetId },
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: false,
    },
    { parent },
  );
  // The runner's side: the deploying identity needs Network Contributor on the runner's VNet (README).
  const fromRunner = new network.VirtualNetworkPeering(
    `${name}-from-runner`,
    {
      resourceGroupName: runner.resourceGroupName,
      virtualNetworkName: runner.virtualNetworkName,
      virtualNetworkPeeringName: `to-${name}`,
      remoteVirtualNetwork: { id: a.vnetId },
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: false,
    },
    { parent },
  );
  const link = new privatedns.VirtualNetworkLink(
    `${name}-api-dns-runner`,
    {
      resourceGroupName: a.nodeResourceGroup,
      privateZoneName: pulumi.output(a.privateFqdn).apply(privateZoneOf),
      virtualNetworkLinkName: `${name}-runner`,
      location: "Global",
      registrationEnabled: false,
      virtualNetwork: { id: a.runnerVnetId },
      tags: a.tags,
    },
    { parent },
  );
  return [toRunner, fromRunner, link];
}
