/**
 * The files under compose/ that the data services mount: every one a component renderer's output (the same
 * admin init script, bootstrap SQL, Redis and Sentinel configs, ACL rules and init scripts of both Redis groups,
 * mc script and bucket policies as the k3s stack's ConfigMaps). Pure.
 */
import type { FerrumConfig } from "../../config";
import { renderAdminInitScript, renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import { ADMIN_ROLE } from "../../components/managed-postgres/naming";
import { renderBootstrapScript } from "../../components/object-store/bootstrap-script";
import {
  bucketPrefix,
  policyFileName,
  publicPolicyFileName,
  serviceBuckets,
} from "../../components/object-store/naming";
import { renderPolicy } from "../../components/object-store/policy";
import { renderPublicReadPolicy } from "../../components/object-store/public-access";
import { aclRules, renderAclRules } from "../../components/redis-ha/acl";
import { renderRedisConf, renderSentinelConf } from "../../components/redis-ha/config-files";
import { REDIS_PORT, SENTINEL_PORT } from "../../components/redis-ha/naming";
import { renderRedisInitScript, renderSentinelInitScript } from "../../components/redis-ha/scripts";
import { DEFAULT_DATABASES, DEFAULT_QUORUM } from "../../components/redis-ha/settings";
import { COMPOSE_SLOT, GeneratedFile, PATHS } from "./model";
import { aclServices, redisGroups } from "./redis";

/** The files under compose/ that the data services mount, in path order. */
export function mountedFiles(config: FerrumConfig): GeneratedFile[] {
  const groups = redisGroups();
  const services = config.services.map((s) => s.name);
  const buckets = serviceBuckets(bucketPrefix(config.project, config.stack), config.services);
  const file = (path: string, content: string, executable = false): GeneratedFile => ({
    path,
    content,
    executable,
  });
  return [
    // The key the k3s ConfigMap gives it; executable, so the image runs it rather than sourcing it.
    file(`${PATHS.initdb}/10-ferrum-admin.sh`, renderAdminInitScript(ADMIN_ROLE), true),
    file(`${PATHS.pgBootstrap}/bootstrap.sql`, renderBootstrapSql(services, { logins: [COMPOSE_SLOT] })),
    file(
      `${PATHS.redis}/redis.conf`,
      renderRedisConf({
        kind: "data",
        port: REDIS_PORT,
        maxmemoryMiB: config.redis.maxmemoryMiB,
        databases: DEFAULT_DATABASES,
        // No replica locally: a master that waited for one would refuse every write.
        minReplicasToWrite: 0,
      }),
    ),
    file(
      `${PATHS.redis}/redis-init.sh`,
      renderRedisInitScript({ ...groups.data, sentinels: groups.sentinels }),
    ),
    file(
      `${PATHS.redis}/cache.conf`,
      renderRedisConf({
        kind: "cache",
        port: REDIS_PORT,
        maxmemoryMiB: config.redis.cache.maxmemoryMiB,
        databases: DEFAULT_DATABASES,
        minReplicasToWrite: 0,
      }),
    ),
    file(
      `${PATHS.redis}/cache-init.sh`,
      renderRedisInitScript({ ...groups.cache, sentinels: groups.sentinels }),
    ),
    file(
      `${PATHS.redis}/sentinel.conf`,
      renderSentinelConf({
        port: SENTINEL_PORT,
        groups: [groups.data, groups.cache].map((g) => ({
          masterName: g.masterName,
          master: g.redis[0]!,
          quorum: DEFAULT_QUORUM,
        })),
      }),
    ),
    file(
      `${PATHS.redis}/sentinel-init.sh`,
      renderSentinelInitScript({ groups: [groups.data, groups.cache], sentinels: groups.sentinels }),
    ),
    ...(["data", "cache", "sentinel"] as const).map((kind) =>
      file(`${PATHS.redis}/${kind}.acl`, renderAclRules(aclRules(kind, aclServices(config)))),
    ),
    file(
      `${PATHS.mcBootstrap}/bootstrap.sh`,
      renderBootstrapScript(buckets, { noncurrentVersionDays: config.objectStore.noncurrentVersionDays }, [
        COMPOSE_SLOT,
      ]),
    ),
    ...buckets.flatMap((b) => [
      file(`${PATHS.policies}/${policyFileName(b.service)}`, renderPolicy(b.bucket)),
      file(`${PATHS.policies}/${publicPolicyFileName(b.service)}`, renderPublicReadPolicy(b.bucket)),
    ]),
  ].sort((a, b) => a.path.localeCompare(b.path));
}
