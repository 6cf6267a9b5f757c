/**
 * The Azure Managed Redis backend: a Redis Enterprise cluster (high availability on, nodes across zones,
 * TLS 1.2 or newer, public network access disabled) holding one database (`default`: TLS only, port 10000,
 * `noeviction`, AOF persistence every second, access-key AUTH), reached through a private endpoint whose
 * address registers in the `privatelink.redis.azure.net` zone, so the cluster's host name resolves to it
 * from the AKS VNet.
 *
 * Two clusters, as the cluster has two groups: `<name>-cluster` holds Celery's queues and results and the event
 * streams (`NoEviction`, AOF); `<name>-lru-cluster` holds Django's caches (`AllKeysLRU`, nothing persisted, a
 * smaller SKU), so a full cache evicts cache entries and never stops Celery. Each password is its database's
 * primary access key, read with `listDatabaseKeys` and kept secret.
 */
import * as network from "@pulumi/azure-native/network";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as pulumi from "@pulumi/pulumi";
import {
  AZURE_DATABASE_NAME,
  AZURE_REDIS_PORT,
  AZURE_REDIS_PRIVATE_DNS_ZONE,
  type AzureManagedRedisSettings,
} from "./managed-settings";
import type { DirectServer } from "./types";

/** The private link sub-resource of a Redis Enterprise cluster. */
export const REDIS_ENTERPRISE_GROUP_ID = "redisEnterprise";

/** What the Azure Managed Redis backend made: the endpoint clients reach and its key resources. */
export interface AzureManagedRedisResources {
  readonly server: DirectServer;
  readonly cluster: redisenterprise.RedisEnterprise;
  readonly database: redisenterprise.Database;
  readonly privateEndpoint: network.PrivateEndpoint;
  /** The caches' cluster and database (`AllKeysLRU`). */
  readonly cacheCluster: redisenterprise.RedisEnterprise;
  readonly cacheDatabase: redisenterprise.Database;
}

export function azureManagedRedis(
  name: string,
  s: AzureManagedRedisSettings,
  parent: pulumi.Resource,
): AzureManagedRedisResources {
  const data = managedRedis(name, s, parent, {
    skuName: s.skuName,
    clusteringPolicy: s.clusteringPolicy,
    evictionPolicy: "NoEviction",
    persistence: { aofEnabled: true, aofFrequency: "1s", rdbEnabled: false },
  });
  // One shard, no clustering: a cache's multi-key commands (django-redis' delete_many) need no hash tags.
  const cache = managedRedis(`${name}-lru`, s, parent, {
    skuName: s.cacheSkuName,
    clusteringPolicy: "NoCluster",
    evictionPolicy: "AllKeysLRU",
    persistence: { aofEnabled: false, rdbEnabled: false },
  });
  return {
    server: { kind: "direct", ...data.endpoint, tls: true, cache: cache.endpoint },
    cluster: data.cluster,
    database: data.database,
    privateEndpoint: data.privateEndpoint,
    cacheCluster: cache.cluster,
    cacheDatabase: cache.database,
  };
}

/** What differs between the two clusters. */
interface ClusterShape {
  readonly skuName: string;
  readonly clusteringPolicy: "EnterpriseCluster" | "NoCluster";
  readonly evictionPolicy: "NoEviction" | "AllKeysLRU";
  readonly persistence: redisenterprise.DatabaseArgs["persistence"];
}

/** One cluster with its database, private endpoint, DNS registration and access key. */
function managedRedis(
  name: string,
  s: AzureManagedRedisSettings,
  parent: pulumi.Resource,
  shape: ClusterShape,
) {
  const opts = { parent };
  const stateful = { parent, protect: s.protect };
  const tags = s.tags ? { ...s.tags } : undefined;

  const cluster = new redisenterprise.RedisEnterprise(
    `${name}-cluster`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      sku: { name: shape.skuName },
      highAvailability: "Enabled",
      minimumTlsVersion: "1.2",
      publicNetworkAccess: "Disabled",
      ...(s.zones.length ? { zones: [...s.zones] } : {}),
      tags,
    },
    stateful,
  );
  const database = new redisenterprise.Database(
    `${name}-database`,
    {
      resourceGroupName: s.resourceGroupName,
      clusterName: cluster.name,
      databaseName: AZURE_DATABASE_NAME,
      clientProtocol: "Encrypted",
      clusteringPolicy: shape.clusteringPolicy,
      port: AZURE_REDIS_PORT,
      evictionPolicy: shape.evictionPolicy,
      persistence: shape.persistence,
      accessKeysAuthentication: "Enabled",
    },
    stateful,
  );

  const privateEndpoint = new network.PrivateEndpoint(
    `${name}-endpoint`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      subnet: { id: s.privateEndpointSubnetId },
      privateLinkServiceConnections: [
        {
          name: `${name}-redis`,
          privateLinkServiceId: cluster.id,
          groupIds: [REDIS_ENTERPRISE_GROUP_ID],
        },
      ],
      tags,
    },
    opts,
  );
  new network.PrivateDnsZoneGroup(
    `${name}-dns`,
    {
      resourceGroupName: s.resourceGroupName,
      privateEndpointName: privateEndpoint.name,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [
        { name: AZURE_REDIS_PRIVATE_DNS_ZONE.replace(/\./g, "-"), privateDnsZoneId: s.privateDnsZoneId },
      ],
    },
    opts,
  );

  const keys = redisenterprise.listDatabaseKeysOutput(
    { resourceGroupName: s.resourceGroupName, clusterName: cluster.name, databaseName: database.name },
    { parent },
  );

  return {
    endpoint: { host: cluster.hostName, port: AZURE_REDIS_PORT, password: pulumi.secret(keys.primaryKey) },
    cluster,
    database,
    privateEndpoint,
  };
}
