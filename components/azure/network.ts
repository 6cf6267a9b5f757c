/**
 * The resource group and the VNet: a subnet for the AKS nodes (pods live in the CNI overlay, outside the
 * VNet), a subnet delegated to Flexible Server (nothing else may live there), a subnet for private
 * endpoints; the Flexible Server's private DNS zone linked to the VNet, and, for the managed cache, the
 * `privatelink.redis.azure.net` zone linked too. No subnet has default outbound access: nodes leave through
 * the cluster's load balancer, the database and the endpoints need no way out.
 */
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import type { AzureSettings } from "../../config/azure";
import { AZURE_REDIS_PRIVATE_DNS_ZONE } from "../redis-ha/managed-settings";
import { subnetLayout } from "../../lib/azure-subnets";

export const POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers";

/** The Flexible Server's private zone: `<server>.private.postgres.database.azure.com`. */
export const postgresDnsZoneName = (serverName: string): string =>
  `${serverName}.private.postgres.database.azure.com`;

export interface PrivateZone {
  readonly id: pulumi.Output<string>;
  /** The zone and its VNet link: what a record's owner must wait for. */
  readonly ready: pulumi.Resource[];
}

import { movedUnder } from "../moved";

export { movedUnder };

/** A private DNS zone linked (without auto-registration) to the VNet. */
export function privateZone(
  name: string,
  zoneName: string,
  where: {
    resourceGroupName: pulumi.Input<string>;
    vnetId: pulumi.Input<string>;
    tags: Record<string, string>;
  },
  opts: pulumi.CustomResourceOptions,
): PrivateZone {
  const zone = new privatedns.PrivateZone(
    name,
    {
      resourceGroupName: where.resourceGroupName,
      privateZoneName: zoneName,
      location: "Global",
      tags: where.tags,
    },
    opts,
  );
  const link = new privatedns.VirtualNetworkLink(
    `${name}-link`,
    {
      resourceGroupName: where.resourceGroupName,
      privateZoneName: zone.name,
      virtualNetworkLinkName: `${name}-link`,
      location: "Global",
      registrationEnabled: false,
      virtualNetwork: { id: where.vnetId },
      tags: where.tags,
    },
    { parent: zone },
  );
  return { id: zone.id, ready: [zone, link] };
}

export interface AzureNetworkArgs {
  /** `ferrum:azure`: the resource group, region, VNet CIDR, the server's name and the cache backend. */
  readonly settings: AzureSettings;
  /** `protect` the resource group: deleting it deletes everything in it, the database included. */
  readonly protect: boolean;
  /** Tags of every resource. */
  readonly tags: Record<string, string>;
}

export class AzureNetwork extends pulumi.ComponentResource {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly resourceGroupId: pulumi.Output<string>;
  readonly location: string;
  readonly vnetId: pulumi.Output<string>;
  readonly vnetName: pulumi.Output<string>;
  readonly nodesSubnetId: pulumi.Output<string>;
  readonly postgresSubnetId: pulumi.Output<string>;
  readonly endpointsSubnetId: pulumi.Output<string>;
  readonly postgresDns: PrivateZone;
  /** Present with the managed cache only. */
  readonly redisDns?: PrivateZone;
  readonly tags: Record<string, string>;

  constructor(name: string, args: AzureNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferrum:azure:Network", name, {}, opts);
    const s = args.settings;
    const tags = args.tags;
    const moved = movedUnder(this);
    // Deleting the group deletes everything in it, the database included.
    const group = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: s.resourceGroupName, location: s.location, tags },
      { ...moved, protect: args.protect },
    );
    const rg = { resourceGroupName: group.name, location: s.location };
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        ...rg,
        virtualNetworkName: `${name}-vnet`,
        addressSpace: { addressPrefixes: [s.vnetCidr] },
        tags,
      },
      // The subnets are their own resources below; the VNet must not claim (and drop) them on update.
      { ...moved, ignoreChanges: ["subnets"] },
    );

    const layout = subnetLayout(s.vnetCidr);
    // One at a time: Azure refuses concurrent changes to one VNet (AnotherOperationInProgress).
    const nodes = new network.Subnet(
      `${name}-nodes`,
      {
        resourceGroupName: group.name,
        virtualNetworkName: vnet.name,
        subnetName: "nodes",
        addressPrefix: layout.nodes,
        defaultOutboundAccess: false,
      },
      { parent: vnet },
    );
    const postgres = new network.Subnet(
      `${name}-postgres`,
      {
        resourceGroupName: group.name,
        virtualNetworkName: vnet.name,
        subnetName: "postgres",
        addressPrefix: layout.postgres,
        defaultOutboundAccess: false,
        delegations: [{ name: "flexible-servers", serviceName: POSTGRES_DELEGATION }],
      },
      { parent: vnet, dependsOn: [nodes] },
    );
    const endpoints = new network.Subnet(
      `${name}-endpoints`,
      {
        resourceGroupName: group.name,
        virtualNetworkName: vnet.name,
        subnetName: "private-endpoints",
        addressPrefix: layout.endpoints,
        defaultOutboundAccess: false,
      },
      { parent: vnet, dependsOn: [postgres] },
    );

    const where = { resourceGroupName: group.name, vnetId: vnet.id, tags };
    this.resourceGroupName = group.name;
    this.resourceGroupId = group.id;
    this.location = s.location;
    this.vnetId = vnet.id;
    this.vnetName = vnet.name;
    this.nodesSubnetId = nodes.id;
    this.postgresSubnetId = postgres.id;
    this.endpointsSubnetId = endpoints.id;
    this.postgresDns = privateZone(
      `${name}-postgres-dns`,
      postgresDnsZoneName(s.postgres.serverName),
      where,
      moved,
    );
    if (s.cache === "azureManagedRedis")
      this.redisDns = privateZone(`${name}-redis-dns`, AZURE_REDIS_PRIVATE_DNS_ZONE, where, moved);
    this.tags = tags;
    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      vnetId: this.vnetId,
      nodesSubnetId: this.nodesSubnetId,
      postgresSubnetId: this.postgresSubnetId,
      endpointsSubnetId: this.endpointsSubnetId,
    });
  }
}
