/**
 * The ElastiCache backend: Redis OSS 7.1, cluster mode disabled, a primary and its replicas spread over the
 * private subnets' zones, Multi-AZ with automatic failover (the primary endpoint follows the promoted node),
 * TLS required in transit, encrypted at rest, an AUTH token, daily snapshots and a final one on delete.
 * Only the cluster's security group reaches 6379.
 *
 * Two replication groups, as the cluster has two groups: `<name>-cache` holds Celery's queues and results and
 * the event streams with `maxmemory-policy noeviction` (an evicting policy would drop queued tasks), snapshots
 * and a final one; `<name>-lru` holds Django's caches with `allkeys-lru`, on smaller nodes, without snapshots,
 * so a full cache evicts cache entries and never stops Celery. Each has its own token from `@pulumi/random`
 * (letters and digits: ElastiCache refuses some punctuation, and it travels in URLs).
 */
import type * as ec2 from "@pulumi/aws/ec2";
import { clientSecurityGroup } from "../aws/client-security-group";
import * as elasticache from "@pulumi/aws/elasticache";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  ELASTICACHE_ENGINE_VERSION,
  ELASTICACHE_PARAMETER_FAMILY,
  ELASTICACHE_PORT,
  finalSnapshotName,
  type ElastiCacheSettings,
} from "./managed-settings";
import type { DirectServer } from "./types";

/** Length of the AUTH token (ElastiCache accepts 16 to 128 characters). */
export const AUTH_TOKEN_LENGTH = 64;

/** What the ElastiCache backend made: the endpoint clients reach and its key resources. */
export interface ElastiCacheResources {
  readonly server: DirectServer;
  readonly replicationGroup: elasticache.ReplicationGroup;
  /** The caches' replication group (`allkeys-lru`). */
  readonly cacheReplicationGroup: elasticache.ReplicationGroup;
  readonly securityGroup: ec2.SecurityGroup;
}

export function elastiCacheRedis(
  name: string,
  s: ElastiCacheSettings,
  parent: pulumi.Resource,
): ElastiCacheResources {
  const opts = { parent };
  const tags = s.tags ? { ...s.tags } : undefined;

  const authToken = new random.RandomPassword(
    `${name}-auth-token`,
    { length: AUTH_TOKEN_LENGTH, special: false },
    opts,
  );
  const subnets = new elasticache.SubnetGroup(
    `${name}-subnets`,
    { subnetIds: s.subnetIds, description: "Private subnets of the Ferrum cache", tags },
    opts,
  );
  const securityGroup = clientSecurityGroup(
    name,
    {
      vpcId: s.vpcId,
      port: ELASTICACHE_PORT,
      clientSecurityGroupId: s.clientSecurityGroupId,
      description: "Redis (TLS) from the cluster only",
      tags,
    },
    opts,
  );
  const parameters = new elasticache.ParameterGroup(
    `${name}-params`,
    {
      family: ELASTICACHE_PARAMETER_FAMILY,
      description: "Ferrum: Celery queues and results and event streams, so never evict",
      parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
      tags,
    },
    opts,
  );
  const replicationGroup = new elasticache.ReplicationGroup(
    `${name}-cache`,
    {
      description: "Ferrum Celery broker and result backend, event streams (noeviction)",
      engine: "redis",
      engineVersion: ELASTICACHE_ENGINE_VERSION,
      clusterMode: "disabled",
      nodeType: s.nodeType,
      numCacheClusters: s.numCacheClusters,
      port: ELASTICACHE_PORT,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      authToken: pulumi.secret(authToken.result),
      subnetGroupName: subnets.name,
      securityGroupIds: [securityGroup.id],
      parameterGroupName: parameters.name,
      snapshotRetentionLimit: s.snapshotRetentionDays,
      snapshotWindow: "02:00-03:00",
      maintenanceWindow: "sun:03:30-sun:04:30",
      finalSnapshotIdentifier: finalSnapshotName(pulumi.getProject(), pulumi.getStack(), name),
      autoMinorVersionUpgrade: true,
      applyImmediately: false,
      tags,
    },
    { parent, protect: s.protect },
  );

  const cacheToken = new random.RandomPassword(
    `${name}-lru-auth-token`,
    { length: AUTH_TOKEN_LENGTH, special: false },
    opts,
  );
  const cacheParameters = new elasticache.ParameterGroup(
    `${name}-lru-params`,
    {
      family: ELASTICACHE_PARAMETER_FAMILY,
      description: "Ferrum: Django's caches only, so the least recently used key is evicted under pressure",
      parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }],
      tags,
    },
    opts,
  );
  const cacheReplicationGroup = new elasticache.ReplicationGroup(
    `${name}-lru`,
    {
      description: "Ferrum Django caches (allkeys-lru)",
      engine: "redis",
      engineVersion: ELASTICACHE_ENGINE_VERSION,
      clusterMode: "disabled",
      nodeType: s.cacheNodeType,
      numCacheClusters: 2,
      port: ELASTICACHE_PORT,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      authToken: pulumi.secret(cacheToken.result),
      subnetGroupName: subnets.name,
      securityGroupIds: [securityGroup.id],
      parameterGroupName: cacheParameters.name,
      // A cache: nothing to restore.
      snapshotRetentionLimit: 0,
      maintenanceWindow: "sun:03:30-sun:04:30",
      autoMinorVersionUpgrade: true,
      applyImmediately: false,
      tags,
    },
    { parent, protect: s.protect },
  );

  return {
    server: {
      kind: "direct",
      host: replicationGroup.primaryEndpointAddress,
      port: ELASTICACHE_PORT,
      tls: true,
      password: pulumi.secret(authToken.result),
      cache: {
        host: cacheReplicationGroup.primaryEndpointAddress,
        port: ELASTICACHE_PORT,
        password: pulumi.secret(cacheToken.result),
      },
    },
    replicationGroup,
    cacheReplicationGroup,
    securityGroup,
  };
}
