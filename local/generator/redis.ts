/**
 * Redis in the local stacks: the two groups (data and cache, one server each) and the Sentinels that watch both,
 * the ACL users with the variables holding their passwords, and how a Redis or Sentinel container starts. Pure.
 */
import type { FerrumConfig } from "../../config";
import { INTERNAL_USERS, serviceUser, type AclServices } from "../../components/redis-ha/acl";
import { DEFAULT_DATABASE_SLOTS, serviceDatabases } from "../../components/redis-ha/databases";
import { CACHE_MASTER_NAME, MASTER_NAME, REDIS_PORT } from "../../components/redis-ha/naming";
import { TEMPLATE_DIR, USERS_DIR } from "../../components/redis-ha/pod-specs";
import { usersFromEnvScript, type ScriptGroup } from "../../components/redis-ha/scripts";
import type { Endpoint } from "../../components/redis-ha/types";
import { keyPrefix } from "../../components/redis-ha/urls";
import { HOSTS, sentinelEndpoints } from "./model";
import { redisUserVar } from "./variables";

/** The two Redis groups of the local stacks (one server each) and the Sentinels that watch them. */
export interface RedisGroups {
  readonly data: ScriptGroup;
  readonly cache: ScriptGroup;
  readonly sentinels: readonly Endpoint[];
}

export function redisGroups(): RedisGroups {
  return {
    data: { masterName: MASTER_NAME, redis: [{ host: HOSTS.redis, port: REDIS_PORT }] },
    cache: { masterName: CACHE_MASTER_NAME, redis: [{ host: HOSTS.redisCache, port: REDIS_PORT }] },
    sentinels: sentinelEndpoints(),
  };
}

/** Each service's DBs and key prefix, as RedisHA builds its ACL rules from them. */
export function aclServices(config: FerrumConfig): AclServices {
  return {
    services: config.services.map((s) => ({
      name: s.name,
      dbs: serviceDatabases(DEFAULT_DATABASE_SLOTS[s.name]!),
      keyPrefix: keyPrefix(s.name),
    })),
  };
}

/** Every Redis ACL user of the local stacks with the variable holding its password. */
export function redisUsers(config: FerrumConfig): { user: string; env: string }[] {
  return [...Object.values(INTERNAL_USERS), ...config.services.map((s) => serviceUser(s.name))].map(
    (user) => ({
      user,
      env: redisUserVar(user),
    }),
  );
}

/** Parent of USERS_DIR: the in-memory home of the passwords' directory in a Redis container. */
export const RUN_DIR = "/run/ferrum";

/**
 * A Redis or Sentinel container's command: the users directory written from the environment (compose has no
 * Secret volumes), the component's init script on its template and rules, then the server.
 */
export function redisCommand(
  config: FerrumConfig,
  init: string,
  template: string,
  rules: string,
  configFile: string,
  server: string,
): string[] {
  return [
    "sh",
    "-c",
    [
      usersFromEnvScript(USERS_DIR, redisUsers(config)),
      `sh ${TEMPLATE_DIR}/${init} ${TEMPLATE_DIR}/${template} ${TEMPLATE_DIR}/${rules} ${configFile}`,
      `exec ${server}`,
    ].join(" && "),
  ];
}
