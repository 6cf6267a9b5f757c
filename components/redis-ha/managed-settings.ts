/**
 * The managed backends' arguments, validated and with defaults resolved once. Pure. Ids that arrive as
 * Outputs (a VPC's subnets, a resource group's name) are checked once known, by the cloud; the ones given as
 * plain values are checked here, so a typo fails before anything registers.
 */
import type { Problems } from "../../lib/problems";
import { isInt, show } from "./checks";
import type { AzureClusteringPolicy, AzureManagedRedis, ElastiCacheRedis } from "./managed-types";
import type { RedisHAArgs } from "./types";

/** Redis OSS 7.1: the newest Redis OSS engine ElastiCache offers; the parameter family follows the major. */
export const ELASTICACHE_ENGINE_VERSION = "7.1";
export const ELASTICACHE_PARAMETER_FAMILY = "redis7";
export const ELASTICACHE_PORT = 6379;
export const DEFAULT_NUM_CACHE_CLUSTERS = 2;
/** Cluster mode disabled: one primary and at most five replicas. */
export const MAX_NUM_CACHE_CLUSTERS = 6;
export const DEFAULT_SNAPSHOT_RETENTION_DAYS = 7;
/** The caches' replication group: small, two nodes (Multi-AZ), every node the whole cache. */
export const DEFAULT_CACHE_NODE_TYPE = "cache.t4g.small";
export const MAX_SNAPSHOT_RETENTION_DAYS = 35;
/**
 * Longest name with ElastiCache: the replication group ids `<name>-cache-<7 characters>` and
 * `<name>-lru-<7 characters>` are at most 40.
 */
export const ELASTICACHE_MAX_NAME_LENGTH = 26;

/** Azure Managed Redis serves its databases on 10000. */
export const AZURE_REDIS_PORT = 10000;
/** The one database an Azure Managed Redis cluster holds is always named `default`. */
export const AZURE_DATABASE_NAME = "default";
export const DEFAULT_AZURE_ZONES: readonly string[] = Object.freeze(["1", "2", "3"]);
/** The caches' cluster: the smallest Balanced SKU. */
export const DEFAULT_AZURE_CACHE_SKU = "Balanced_B0";
export const DEFAULT_AZURE_CLUSTERING_POLICY: AzureClusteringPolicy = "EnterpriseCluster";
/** The private DNS zone in which Azure Managed Redis private endpoints register. */
export const AZURE_REDIS_PRIVATE_DNS_ZONE = "privatelink.redis.azure.net";

/** The ElastiCache backend's arguments with every default filled in. */
export interface ElastiCacheSettings extends Omit<
  ElastiCacheRedis,
  "numCacheClusters" | "snapshotRetentionDays" | "cacheNodeType"
> {
  readonly numCacheClusters: number;
  readonly snapshotRetentionDays: number;
  readonly cacheNodeType: string;
  readonly namespace: string;
  readonly services: readonly string[];
}

/** The Azure Managed Redis backend's arguments with every default filled in. */
export interface AzureManagedRedisSettings extends Omit<
  AzureManagedRedis,
  "zones" | "clusteringPolicy" | "cacheSkuName"
> {
  readonly zones: readonly string[];
  readonly cacheSkuName: string;
  readonly clusteringPolicy: AzureClusteringPolicy;
  readonly namespace: string;
  readonly services: readonly string[];
}

const NODE_TYPE = /^cache\.[a-z0-9]+\.[a-z0-9]+$/;
const VPC_ID = /^vpc-[0-9a-f]+$/;
const SUBNET_ID = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]+$/;
/** Azure Managed Redis tiers; the Enterprise SKUs of its predecessor, and the NVMe-backed Flash tier, are not. */
const AZURE_SKU = /^(Balanced_B|MemoryOptimized_M|ComputeOptimized_X)[0-9]+$/;
const AZURE_REGION = /^[a-z][a-z0-9]*$/;
const AZURE_RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const AZURE_SUBNET_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const AZURE_ZONES = ["1", "2", "3"];
const CLUSTERING_POLICIES: readonly string[] = ["EnterpriseCluster", "NoCluster"];

/** A value the caller gave as a plain string (checked here), not as an Output (checked by the cloud). */
const plain = (v: unknown): v is string => typeof v === "string";

export function elastiCacheSettings(
  name: string,
  b: ElastiCacheRedis,
  args: RedisHAArgs,
  problems: Problems,
): ElastiCacheSettings {
  const s: ElastiCacheSettings = {
    ...b,
    numCacheClusters: b.numCacheClusters ?? DEFAULT_NUM_CACHE_CLUSTERS,
    snapshotRetentionDays: b.snapshotRetentionDays ?? DEFAULT_SNAPSHOT_RETENTION_DAYS,
    cacheNodeType: b.cacheNodeType ?? DEFAULT_CACHE_NODE_TYPE,
    namespace: args.namespace,
    services: args.services,
  };
  problems.check(
    name.length <= ELASTICACHE_MAX_NAME_LENGTH && !name.includes("--"),
    `with the elasticache backend the name must be at most ${ELASTICACHE_MAX_NAME_LENGTH} characters without "--", so the replication group id <name>-cache-<7 characters> stays valid (got ${show(name)})`,
  );
  problems.check(
    NODE_TYPE.test(s.nodeType),
    `backend.nodeType must be an ElastiCache node type such as cache.m7g.large (got ${show(s.nodeType)})`,
  );
  problems.check(
    NODE_TYPE.test(s.cacheNodeType),
    `backend.cacheNodeType must be an ElastiCache node type such as ${DEFAULT_CACHE_NODE_TYPE} (got ${show(s.cacheNodeType)})`,
  );
  problems.check(
    isInt(s.numCacheClusters) && s.numCacheClusters >= 2 && s.numCacheClusters <= MAX_NUM_CACHE_CLUSTERS,
    `backend.numCacheClusters must be an integer between 2 and ${MAX_NUM_CACHE_CLUSTERS}, a primary and at least one replica to fail over to (got ${s.numCacheClusters})`,
  );
  problems.check(
    isInt(s.snapshotRetentionDays) &&
      s.snapshotRetentionDays >= 1 &&
      s.snapshotRetentionDays <= MAX_SNAPSHOT_RETENTION_DAYS,
    `backend.snapshotRetentionDays must be an integer between 1 and ${MAX_SNAPSHOT_RETENTION_DAYS} (got ${s.snapshotRetentionDays})`,
  );
  if (plain(s.vpcId))
    problems.check(
      VPC_ID.test(s.vpcId),
      `backend.vpcId must be a VPC id such as vpc-0abc12 (got ${show(s.vpcId)})`,
    );
  if (Array.isArray(s.subnetIds)) {
    const subnets: readonly unknown[] = s.subnetIds;
    problems.check(
      subnets.length >= 2,
      `backend.subnetIds must list at least 2 private subnets in different availability zones, for Multi-AZ (got ${subnets.length})`,
    );
    const bad = subnets.filter((x) => plain(x) && !SUBNET_ID.test(x));
    problems.check(
      bad.length === 0,
      `backend.subnetIds must be subnet ids such as subnet-0abc12 (got ${bad.map(show).join(", ")})`,
    );
  }
  if (plain(s.clientSecurityGroupId))
    problems.check(
      SECURITY_GROUP_ID.test(s.clientSecurityGroupId),
      `backend.clientSecurityGroupId must be a security group id such as sg-0abc12 (got ${show(s.clientSecurityGroupId)})`,
    );
  return s;
}

export function azureManagedRedisSettings(
  b: AzureManagedRedis,
  args: RedisHAArgs,
  problems: Problems,
): AzureManagedRedisSettings {
  const s: AzureManagedRedisSettings = {
    ...b,
    zones: b.zones ?? DEFAULT_AZURE_ZONES,
    clusteringPolicy: b.clusteringPolicy ?? DEFAULT_AZURE_CLUSTERING_POLICY,
    cacheSkuName: b.cacheSkuName ?? DEFAULT_AZURE_CACHE_SKU,
    namespace: args.namespace,
    services: args.services,
  };
  problems.check(
    AZURE_SKU.test(s.skuName),
    `backend.skuName must be an Azure Managed Redis SKU (Balanced_B<n>, MemoryOptimized_M<n> or ComputeOptimized_X<n>) such as Balanced_B5 (got ${show(s.skuName)})`,
  );
  problems.check(
    AZURE_SKU.test(s.cacheSkuName),
    `backend.cacheSkuName must be an Azure Managed Redis SKU (Balanced_B<n>, MemoryOptimized_M<n> or ComputeOptimized_X<n>) such as ${DEFAULT_AZURE_CACHE_SKU} (got ${show(s.cacheSkuName)})`,
  );
  problems.check(
    AZURE_REGION.test(s.location),
    `backend.location must be an Azure region name such as westeurope (got ${show(s.location)})`,
  );
  const zones = s.zones;
  problems.check(
    (zones.length === 0 || zones.length >= 2) &&
      zones.every((z) => AZURE_ZONES.includes(z)) &&
      new Set(zones).size === zones.length,
    `backend.zones must list 2 or 3 distinct zones among "1", "2" and "3", or none where the region has no zones (got ${zones.map(show).join(", ")})`,
  );
  problems.check(
    CLUSTERING_POLICIES.includes(s.clusteringPolicy),
    `backend.clusteringPolicy must be EnterpriseCluster or NoCluster; OSSCluster would need cluster-aware clients (got ${show(s.clusteringPolicy)})`,
  );
  if (plain(s.resourceGroupName))
    problems.check(
      AZURE_RESOURCE_GROUP.test(s.resourceGroupName),
      `backend.resourceGroupName must be a resource group name (got ${show(s.resourceGroupName)})`,
    );
  if (plain(s.privateEndpointSubnetId))
    problems.check(
      AZURE_SUBNET_ID.test(s.privateEndpointSubnetId),
      `backend.privateEndpointSubnetId must be a subnet id (/subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>) (got ${show(s.privateEndpointSubnetId)})`,
    );
  if (plain(s.privateDnsZoneId))
    problems.check(
      s.privateDnsZoneId.toLowerCase().endsWith(`/privatednszones/${AZURE_REDIS_PRIVATE_DNS_ZONE}`),
      `backend.privateDnsZoneId must be the id of the private DNS zone ${AZURE_REDIS_PRIVATE_DNS_ZONE} (got ${show(s.privateDnsZoneId)})`,
    );
  return s;
}

/**
 * The final snapshot ElastiCache takes when the replication group is deleted: unique per project, stack and
 * component, lowercase letters, digits and single hyphens, as snapshot names must be.
 */
export function finalSnapshotName(project: string, stack: string, name: string): string {
  const slug = `${project}-${stack}-${name}-final`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return /^[a-z]/.test(slug) ? slug : `s-${slug}`;
}
