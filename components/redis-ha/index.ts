export { RedisHA } from "./redis-ha";
export type { CacheEndpoint } from "./redis-ha";
export { DEFAULT_REDIS_IMAGE } from "../../config/defaults";
export type { RedisHAArgs, RedisBackend, InClusterRedis, Endpoint } from "./types";
export type { AzureClusteringPolicy, AzureManagedRedis, ElastiCacheRedis } from "./managed-types";
export {
  AZURE_REDIS_PORT,
  DEFAULT_AZURE_ZONES,
  DEFAULT_NUM_CACHE_CLUSTERS,
  DEFAULT_SNAPSHOT_RETENTION_DAYS,
  ELASTICACHE_ENGINE_VERSION,
  ELASTICACHE_PORT,
} from "./managed-settings";
export { DEFAULT_DATABASE_SLOTS, EVENTS_DB, serviceDatabases } from "./databases";
export type { ServiceDatabases } from "./databases";
export { CACHE_MASTER_NAME, MASTER_NAME, REDIS_PORT, SENTINEL_PORT } from "./naming";
export { INTERNAL_USERS, serviceUser } from "./acl";
export type { PasswordRotation } from "./credentials";
export type { InClusterCache } from "./types";
