/**
 * ACR: one registry for every service's image (admin user disabled, anonymous pull off, Entra ID only);
 * Premium adds zone redundancy, expiry of untagged manifests and, with public network access disabled, a
 * private endpoint in the VNet. The cluster's kubelet identity may pull (AcrPull), the deploying identity
 * may push (AcrPush).
 *
 * Every service image runs by digest from this registry. An image under `ferrum:imageRegistry` comes through
 * an ACR cache rule for that upstream (`<registry>.azurecr.io/<prefix>/<path>:<tag>@<digest>`): ACR fetches
 * what it does not hold yet from the upstream, which exists before this stack does, so the first `pulumi up`
 * depends on no image it would have to push itself. With `ferrum:imageRegistryUsername` the rule logs in
 * through a credential set: the login and `ferrum:imageRegistryPassword` are secrets of a Key Vault of the
 * stack's own (RBAC only, purge-protected), which the credential set's identity reads as Key Vault Secrets
 * User. Without one it pulls anonymously, which ghcr.io allows for public images. What rests on Microsoft's
 * documentation, not on a run against a subscription (README, "Service images"): artifact cache's upstreams
 * and wildcard rules, and the credential set's Key Vault access (artifact-cache-overview,
 * wildcards-artifact-cache, artifact-cache-cli).
 *
 * Where config gives a service a build context, `@pulumi/docker` builds and pushes its image and the
 * Deployment runs the pushed digest. The push authenticates with the deploying identity's own Entra token,
 * from Docker's credential store after `az acr login --name <registry>`: the docker provider uses the
 * host's credentials when the program passes no username and password. No registry password exists (the
 * admin user is off, so `listRegistryCredentials` has nothing to list) and no token sits in config or state.
 */
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as network from "@pulumi/azure-native/network";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../../config/types";
import type { AzureSettings } from "../../config/azure";
import type { ImageCache } from "../../config/images";
import { isCached, pullOf } from "../../lib/images";
import { type AzureNetwork, movedUnder, privateZone } from "./network";
import { grantRole } from "./roles";

export const ACR_PRIVATE_DNS_ZONE = "privatelink.azurecr.io";
/** Days an untagged manifest is kept (Premium), as the ECR lifecycle policy does on AWS. */
export const UNTAGGED_RETENTION_DAYS = 14;

export interface AcrRegistryArgs {
  /** `ferrum:azure`: the registry's name, SKU and network access, the Key Vault's name and the deployer. */
  readonly settings: AzureSettings;
  /** The resource group, VNet and private endpoints' subnet. */
  readonly network: AzureNetwork;
  /** The subscription the role assignments are scoped in. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Object id of the cluster's kubelet identity. */
  readonly kubeletObjectId: pulumi.Input<string>;
  /** The services: the image each runs, built and pushed here when it has a build context. */
  readonly services: readonly ServiceSettings[];
  /** How the upstream of `ferrum:imageRegistry` is cached. @default - nothing is cached */
  readonly cache?: ImageCache;
  /**
   * `ferrum:imageRegistryUsername` and its password: the cache's login, when it authenticates.
   * @default none - the cache rule pulls anonymously (refused when the cache authenticates)
   */
  readonly login?: { readonly username: string; readonly password: pulumi.Input<string> };
  /** The tenant of the Key Vault holding the login. */
  readonly tenantId: pulumi.Input<string>;
  /** `protect` the registry: it holds every image a rollback may need. */
  readonly protect: boolean;
}

/** The key in the cache rule's and credential set's names: Azure takes letters and digits only. */
const ruleKey = (prefix: string) => prefix.replace(/[^A-Za-z0-9]/g, "");

/**
 * The ACR cache rule's repositories: everything under `source` (`ghcr.io/ferrum/*`) as `<prefix>/<path>/*`.
 * A repository-level wildcard rule, as artifact cache's wildcard documentation shows them. Pure.
 */
export function cacheRuleRepositories(cache: Pick<ImageCache, "source" | "upstream">): {
  sourceRepository: string;
  targetRepository: string;
} {
  const path = cache.source.split("/").slice(1).join("/");
  const under = path ? `${path}/` : "";
  return {
    sourceRepository: `${cache.upstream.host}/${under}*`,
    targetRepository: `${cache.upstream.prefix}/${under}*`,
  };
}

/**
 * The Key Vault with the login, the credential set reading it, and the credential set's right to read it.
 * The vault is RBAC-only (no access policies), purge-protected, and keeps what is deleted 7 days, Azure's
 * shortest: it copies stack config, and a deleted vault keeps its name until then.
 */
function cacheLogin(
  name: string,
  a: AcrRegistryArgs,
  registryName: pulumi.Input<string>,
  login: NonNullable<AcrRegistryArgs["login"]>,
  moved: pulumi.CustomResourceOptions,
) {
  const s = a.settings;
  const net = a.network;
  const u = a.cache!.upstream;
  const vault = new keyvault.Vault(
    `${name}-vault`,
    {
      resourceGroupName: net.resourceGroupName,
      location: net.location,
      vaultName: s.keyVaultName,
      properties: {
        tenantId: a.tenantId,
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 7,
        enablePurgeProtection: true,
      },
      tags: net.tags,
    },
    // It holds the only copy the cache reads of its login; deleting it stops every first pull.
    { ...moved, protect: a.protect },
  );
  const secret = (key: string, value: pulumi.Input<string>) =>
    new keyvault.Secret(
      `${name}-${ruleKey(u.prefix)}-${key}`,
      {
        resourceGroupName: net.resourceGroupName,
        vaultName: vault.name,
        secretName: `${ruleKey(u.prefix)}-${key}`,
        properties: { value },
      },
      { parent: vault },
    );
  const username = secret("username", login.username);
  const password = secret("password", pulumi.secret(login.password));
  const credentials = new containerregistry.CredentialSet(
    `${name}-${ruleKey(u.prefix)}`,
    {
      resourceGroupName: net.resourceGroupName,
      registryName,
      credentialSetName: ruleKey(u.prefix),
      loginServer: u.host,
      identity: { type: "SystemAssigned" },
      authCredentials: [
        {
          name: "Credential1",
          usernameSecretIdentifier: username.properties.secretUri,
          passwordSecretIdentifier: password.properties.secretUri,
        },
      ],
    },
    { ...moved, dependsOn: [username, password] },
  );
  const read = grantRole(
    `${name}-${ruleKey(u.prefix)}-read`,
    {
      role: "keyVaultSecretsUser",
      principalId: credentials.identity.apply((i) => i?.principalId ?? ""),
      principalType: "ServicePrincipal",
      scope: vault.id,
      subscriptionId: a.subscriptionId,
      description: `ACR artifact cache: read the login to ${u.host}`,
    },
    { parent: credentials },
  );
  return { credentials, read };
}

export class AcrRegistry extends pulumi.ComponentResource {
  readonly registry: containerregistry.Registry;
  readonly loginServer: pulumi.Output<string>;
  /** The image each service's pods run: the digest a build pushed, the cached reference, or the configured one. */
  readonly images: Record<string, pulumi.Output<string>>;
  /** By service: the cached image by tag, which a Job pulls before the pods pull its digest. */
  readonly warmups: Record<string, pulumi.Output<string>>;
  /** The cache rule, when the stack caches an upstream. */
  readonly cacheRule?: containerregistry.CacheRule;
  /** What the workloads must wait for: the kubelet's AcrPull, the cache rule and its login's access. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, a: AcrRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferrum:azure:Registry", name, {}, opts);
    // Before anything is created.
    if (a.cache?.authenticated && !a.login)
      throw new Error(
        `AcrRegistry ${name}: the cache of ${a.cache.upstream.host} authenticates, but no login was given`,
      );
    const moved = movedUnder(this);
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
      { ...moved, protect: a.protect },
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
      const zone = privateZone(`${name}-dns`, ACR_PRIVATE_DNS_ZONE, where, moved);
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

    let cacheRule: containerregistry.CacheRule | undefined;
    if (a.cache) {
      const u = a.cache.upstream;
      const login = a.cache.authenticated ? cacheLogin(name, a, registry.name, a.login!, moved) : undefined;
      cacheRule = new containerregistry.CacheRule(
        `${name}-${ruleKey(u.prefix)}`,
        {
          resourceGroupName: net.resourceGroupName,
          registryName: registry.name,
          cacheRuleName: ruleKey(u.prefix),
          ...cacheRuleRepositories(a.cache),
          ...(login ? { credentialSetResourceId: login.credentials.id } : {}),
        },
        // The rule's first pull reads the login: the credential set may read the vault by then.
        { parent: registry, dependsOn: login ? [login.read] : [] },
      );
      ready.push(cacheRule);
    }

    const images: Record<string, pulumi.Output<string>> = {};
    const warmups: Record<string, pulumi.Output<string>> = {};
    for (const svc of a.services) {
      if (svc.buildContext === "") {
        const pull = registry.loginServer.apply((host) => pullOf(svc.image, a.cache, host));
        images[svc.name] = pull.image;
        if (isCached(svc.image, a.cache)) warmups[svc.name] = pull.apply((p) => p.warmup!);
        continue;
      }
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
    this.registry = registry;
    this.loginServer = registry.loginServer;
    this.images = images;
    this.warmups = warmups;
    if (cacheRule) this.cacheRule = cacheRule;
    this.ready = ready;
    this.registerOutputs({ loginServer: this.loginServer });
  }
}
