/**
 * The managed members of RedisBackend. Each makes two managed caches, as the cluster has two groups: one for
 * Celery's queues and results and the event streams (`noeviction`, persisted), one for Django's caches
 * (`allkeys-lru`, nothing persisted), since a managed cache has one eviction policy. Each serves one endpoint
 * over TLS with a token (no per-service ACL users: README, "Which backends get ACL users"), and DB 0 only:
 * every service shares it and is kept apart by its key prefix (`REDIS_KEY_PREFIX`, Celery's
 * `global_keyprefix`). Both are private to the cluster's network and highly available across zones.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * Amazon ElastiCache for Redis OSS 7.1, cluster mode disabled: a primary and its replicas in several
 * availability zones, Multi-AZ with automatic failover, TLS in transit, encrypted at rest, an AUTH token,
 * daily snapshots; reachable on 6379 from the cluster's security group only.
 */
export interface ElastiCacheRedis {
  readonly kind: "elasticache";
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets in at least two availability zones (Multi-AZ places the replica in another one). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The only security group admitted to 6379: the EKS cluster security group (managed node groups use it). */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** Node type, e.g. `cache.m7g.large`. Every node holds the whole dataset. */
  readonly nodeType: string;
  /** Nodes: one primary, the rest replicas (2 to 6). @default 2 */
  readonly numCacheClusters?: number;
  /** Daily snapshots kept, days (1 to 35). @default 7 */
  readonly snapshotRetentionDays?: number;
  /** Node type of the caches' replication group (`allkeys-lru`, no snapshots). @default "cache.t4g.small" */
  readonly cacheNodeType?: string;
  /** `protect` the replication group: on in every cloud stack. */
  readonly protect: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

/** How Azure Managed Redis spreads keys over its shards; both look like one plain Redis to clients. */
export type AzureClusteringPolicy = "EnterpriseCluster" | "NoCluster";

/**
 * Azure Managed Redis (Microsoft.Cache/redisEnterprise, the successor of Azure Cache for Redis): a cluster
 * with high availability across zones, TLS 1.2 or newer only, no public network access, one database with
 * AOF persistence and `noeviction`, reached through a private endpoint in the cluster's VNet.
 */
export interface AzureManagedRedis {
  readonly kind: "azureManagedRedis";
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /** `Balanced_B<n>`, `MemoryOptimized_M<n>` or `ComputeOptimized_X<n>`, e.g. `Balanced_B5`. */
  readonly skuName: string;
  /**
   * Availability zones of the cluster's nodes. An empty list places them without zones, for regions that have
   * none (high availability stays on either way).
   * @default ["1", "2", "3"]
   */
  readonly zones?: readonly string[];
  /**
   * `EnterpriseCluster`: a proxy routes every command to the right shard, so clients need no cluster support;
   * where the SKU runs several shards, a command over several keys (Celery's BRPOP over a queue's priority
   * lists, MULTI/EXEC) may still need them in one hash slot. `NoCluster`: one shard, no such limit (smaller
   * SKUs only). Cannot change from EnterpriseCluster after creation.
   * @default "EnterpriseCluster"
   */
  readonly clusteringPolicy?: AzureClusteringPolicy;
  /** SKU of the caches' cluster (`AllKeysLRU`, nothing persisted). @default "Balanced_B0" */
  readonly cacheSkuName?: string;
  /** Subnet of the private endpoints (in the AKS VNet or one peered with it). */
  readonly privateEndpointSubnetId: pulumi.Input<string>;
  /** Id of the private DNS zone `privatelink.redis.azure.net`, linked to the AKS VNet. */
  readonly privateDnsZoneId: pulumi.Input<string>;
  /** `protect` the cluster and its database: on in every cloud stack. */
  readonly protect: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}
