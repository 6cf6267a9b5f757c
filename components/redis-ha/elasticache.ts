/**
 * The ElastiCache backend: Redis OSS 7.1, cluster mode disabled, a primary and its replicas spread over the
 * private subnets' zones, Multi-AZ with automatic failover (the primary endpoint follows the promoted node),
 * TLS required in transit, encrypted at rest, an AUTH token, daily snapshots and a final one on delete.
 * Only the cluster's security group reaches 6379.
 *
 * `maxmemory-policy noeviction`, as in the cluster: one instance holds cache, Celery queues and event
 * streams, and an evicting policy would drop queued tasks. The token comes from `@pulumi/random` (letters
 * and digits: ElastiCache refuses some punctuation, and it travels in URLs).
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
      description: "Ferrum: cache, Celery queues and streams in one instance, so never evict",
      parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
      tags,
    },
    opts,
  );
  const replicationGroup = new elasticache.ReplicationGroup(
    `${name}-cache`,
    {
      description: "Ferrum cache, Celery broker and result backend, event streams",
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

  return {
    server: {
      kind: "direct",
      host: replicationGroup.primaryEndpointAddress,
      port: ELASTICACHE_PORT,
      tls: true,
      password: pulumi.secret(authToken.result),
    },
    replicationGroup,
    securityGroup,
  };
}
