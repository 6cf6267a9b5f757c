export { RedisHA } from "./redis-ha";
export { DEFAULT_REDIS_IMAGE } from "./types";
export type { RedisHAArgs, RedisBackend, InClusterRedis, Endpoint } from "./types";
export { DEFAULT_DATABASE_SLOTS, EVENTS_DB, serviceDatabases } from "./databases";
export type { ServiceDatabases } from "./databases";
export { MASTER_NAME, REDIS_PORT, SENTINEL_PORT } from "./naming";
