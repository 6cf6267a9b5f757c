/**
 * ACR: one registry for every service's image (admin user disabled, anonymous pull off, Entra ID only);
 * Premium adds zone redundancy, expiry of untagged manifests and, with public network access disabled, a
 * private endpoint in the VNet. The cluster's kubelet identity may pull (AcrPull), the deploying identity
 * may push (AcrPush).
 *
 * Where config gives a service a build context, `@pulumi/docker` builds and pushes its image and the
 * Deployment runs the pushed digest. The push authenticates with the deploying identity's own Entra token,
 * from Docker's credential store after `az acr login --name <registry>`: the docker provider uses the
 * host's credentials when the program passes no username and password. No registry password exists (the
 * admin user is off, so `listRegistryCredentials` has nothing to list) and no token sits in config or state.
 */
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as network from "@pulumi/azure-native/network";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../../config";
import type { AzureSettings } from "../../lib/config-azure";
import { type AzureNetwork, privateZone } from "./network";
import { grantRole } from "./roles";

export const ACR_PRIVATE_DNS_ZONE = "privatelink.azurecr.io";
/** Days an untagged manifest is kept (Premium), as the ECR lifecycle policy does on AWS. */
export const UNTAGGED_RETENTION_DAYS = 14;

export interface AcrArgs {
  readonly settings: AzureSettings;
  readonly network: AzureNetwork;
  readonly subscriptionId: pulumi.Input<string>;
  /** Object id of the cluster's kubelet identity. */
  readonly kubeletObjectId: pulumi.Input<string>;
  readonly services: readonly ServiceSettings[];
  /** `protect` the registry: it holds every image a rollback may need. */
  readonly protect: boolean;
}

export interface Acr {
  readonly registry: containerregistry.Registry;
  readonly loginServer: pulumi.Output<string>;
  /** The pushed digest of each service with a build context. */
  readonly images: Record<string, pulumi.Output<string>>;
  /** What the workloads must wait for: the kubelet's AcrPull. */
  readonly ready: pulumi.Resource[];
}

export function acr(name: string, a: AcrArgs): Acr {
  const s = a.settings;
  const net = a.network;
  const premium = s.acrSku === "Premium";
  const registry = new containerregistry.Registry(
    name,
    {
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      registryName: s.acrName,
      sku: { name: s.acrSku },
      adminUserEnabled: false,
      anonymousPullEnabled: false,
      publicNetworkAccess: s.acrPublicNetworkAccess,
      networkRuleBypassOptions: "AzureServices",
      ...(premium
        ? {
            zoneRedundancy: "Enabled",
            policies: { retentionPolicy: { status: "enabled", days: UNTAGGED_RETENTION_DAYS } },
          }
        : {}),
      tags: net.tags,
    },
    { protect: a.protect },
  );

  const pull = grantRole(
    `${name}-pull`,
    {
      role: "acrPull",
      principalId: a.kubeletObjectId,
      principalType: "ServicePrincipal",
      scope: registry.id,
      subscriptionId: a.subscriptionId,
      description: "AKS kubelet identity: pull the services' images",
    },
    { parent: registry },
  );
  const push = s.deployerPrincipalId
    ? [
        grantRole(
          `${name}-push`,
          {
            role: "acrPush",
            principalId: s.deployerPrincipalId,
            principalType: s.deployerPrincipalType,
            scope: registry.id,
            subscriptionId: a.subscriptionId,
            description: "The identity that runs pulumi up: push the images it builds",
          },
          { parent: registry },
        ),
      ]
    : [];

  const ready: pulumi.Resource[] = [pull];
  if (s.acrPublicNetworkAccess === "Disabled") {
    const where = { resourceGroupName: net.resourceGroupName, vnetId: net.vnetId, tags: net.tags };
    const zone = privateZone(`${name}-dns`, ACR_PRIVATE_DNS_ZONE, where);
    const endpoint = new network.PrivateEndpoint(
      `${name}-endpoint`,
      {
        resourceGroupName: net.resourceGroupName,
        location: net.location,
        subnet: { id: net.endpointsSubnetId },
        privateLinkServiceConnections: [
          { name: `${name}-registry`, privateLinkServiceId: registry.id, groupIds: ["registry"] },
        ],
        tags: net.tags,
      },
      { parent: registry },
    );
    const records = new network.PrivateDnsZoneGroup(
      `${name}-dns-group`,
      {
        resourceGroupName: net.resourceGroupName,
        privateEndpointName: endpoint.name,
        privateDnsZoneGroupName: "default",
        privateDnsZoneConfigs: [{ name: "privatelink-azurecr-io", privateDnsZoneId: zone.id }],
      },
      { parent: endpoint, dependsOn: zone.ready },
    );
    ready.push(endpoint, records);
  }

  const images: Record<string, pulumi.Output<string>> = {};
  for (const svc of a.services) {
    if (svc.buildContext === "") continue;
    const tag = svc.image.split(/[:@]/).pop() ?? "latest";
    const image = new docker.Image(
      `${name}-${svc.name}-image`,
      {
        imageName: pulumi.interpolate`${registry.loginServer}/ferrum/${svc.imageRepository}:${tag}`,
        build: { context: svc.buildContext, platform: "linux/amd64" },
        // No username or password: the provider pushes with the host's `az acr login` credentials.
        registry: { server: registry.loginServer },
      },
      { parent: registry, dependsOn: push },
    );
    images[svc.name] = image.repoDigest;
  }
  return { registry, loginServer: registry.loginServer, images, ready };
}
