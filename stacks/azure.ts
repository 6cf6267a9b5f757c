/**
 * The Azure stack: a resource group with the VNet, AKS, Azure Database for PostgreSQL Flexible Server, ACR,
 * Traefik behind the Azure load balancer, and the same platform as dev on top: Redis with Sentinel and MinIO
 * in the cluster on zone-redundant disks (or Azure Managed Redis with `ferrum:azure.cache`).
 */
import * as authorization from "@pulumi/azure-native/authorization";
import type { LoadedConfig } from "../config";
import { AksCluster } from "../components/azure/cluster";
import { AzureNetwork } from "../components/azure/network";
import { AcrRegistry } from "../components/azure/registry";
import { AzureStorage, AZURE_STORAGE_CLASS } from "../components/azure/storage";
import { traefik } from "../components/cluster/traefik";
import type { RedisBackend } from "../components/redis-ha";
import { inClusterRedis, platform, StackOutputs } from "./platform";

export function azureStack(config: LoadedConfig): StackOutputs {
  const a = config.azure;
  const name = `ferrum-${config.stack}`;
  const tags = { project: "ferrum", stack: config.stack, "managed-by": "pulumi" };
  const { subscriptionId, tenantId } = authorization.getClientConfigOutput();

  const net = new AzureNetwork(name, { settings: a, protect: config.protect, tags });
  const aks = new AksCluster(name, {
    settings: a,
    network: net,
    subscriptionId,
    protect: config.protect,
    ...(config.deployer ? { deployer: config.deployer } : {}),
  });
  const k8sOpts = { provider: aks.provider, dependsOn: aks.ready };
  const storage = new AzureStorage(name, k8sOpts).ready;
  const registry = new AcrRegistry("acr", {
    settings: a,
    network: net,
    subscriptionId,
    kubeletObjectId: aks.kubeletObjectId,
    services: config.services,
    cache: config.images.cache,
    ...(config.secrets.imageRegistryPassword
      ? { login: { username: config.images.username, password: config.secrets.imageRegistryPassword } }
      : {}),
    tenantId,
    protect: config.protect,
  });

  const ingress = traefik("traefik", {
    namespace: config.ingressNamespace,
    kubernetesMinor: config.azure.kubernetesVersion,
    serviceAnnotations: {
      // With externalTrafficPolicy Local the load balancer probes the health check node port on this path:
      // only nodes running a Traefik pod receive traffic, and clients' addresses reach Traefik unchanged.
      "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz",
      // `<label>.<region>.cloudapp.azure.com`: a stable name to point ferrum:apiHost's DNS record at.
      "service.beta.kubernetes.io/azure-dns-label-name": name,
    },
    tlsAtLoadBalancer: false,
    ingressProvider: config.tls.source === "acme",
    ...k8sOpts,
  });

  const storageClass = (configured: string) => configured || AZURE_STORAGE_CLASS;
  const redis: RedisBackend =
    a.cache === "azureManagedRedis"
      ? {
          kind: "azureManagedRedis",
          resourceGroupName: net.resourceGroupName,
          location: a.location,
          skuName: a.redisSku,
          cacheSkuName: a.redisCacheSku,
          privateEndpointSubnetId: net.endpointsSubnetId,
          privateDnsZoneId: net.redisDns!.id,
          protect: config.protect,
          tags,
        }
      : inClusterRedis(config, AZURE_STORAGE_CLASS);

  const os = config.objectStore;
  const outputs = platform({
    config,
    provider: aks.provider,
    postgres: {
      kind: "azure",
      serverName: a.postgres.serverName,
      resourceGroupName: net.resourceGroupName,
      location: a.location,
      delegatedSubnetId: net.postgresSubnetId,
      privateDnsZoneId: net.postgresDns.id,
      skuName: a.postgres.skuName,
      tier: a.postgres.tier,
      storageGiB: a.postgres.storageGiB,
      backupRetentionDays: a.postgres.backupRetentionDays,
      geoRedundantBackup: a.postgres.geoRedundantBackup,
      ...(a.postgres.restore ? { restore: a.postgres.restore } : {}),
      bootstrapImage: config.postgres.image,
      protect: config.protect,
      dependsOn: net.postgresDns.ready,
      tags,
    },
    redis,
    objectStore: {
      kind: "inCluster",
      image: os.image,
      clientImage: os.clientImage,
      storageGiB: os.storageGiB,
      storageClass: storageClass(os.storageClass),
      resources: os.resources,
      region: os.region,
      noncurrentVersionDays: os.noncurrentVersionDays,
      rotation: os.rotation,
      protect: config.protect,
    },
    traefik: [ingress],
    images: registry.images,
    cacheWarmups: registry.warmups,
    storage,
    imagePull: registry.ready,
  });
  return {
    ...outputs,
    cloud: "azure",
    resourceGroup: net.resourceGroupName,
    aksCluster: aks.name,
    oidcIssuerUrl: aks.oidcIssuerUrl,
    acrLoginServer: registry.loginServer,
  };
}
