/**
 * The data services of the local stacks: Traefik, PostgreSQL, Redis (the data and cache groups) with its three
 * Sentinels, MinIO, and the one-shots that bootstrap PostgreSQL and MinIO (the k3s bootstrap Jobs). Pure.
 */
import type { FerrumConfig } from "../../config";
import { BOOTSTRAP_SHELL } from "../../components/managed-postgres/bootstrap-job";
import { ADMIN_ROLE, passwordEnvVar, POSTGRES_PORT } from "../../components/managed-postgres/naming";
import { MC_CONFIG_DIR } from "../../components/object-store/bootstrap-job";
import {
  POLICY_DIR,
  ROOT_PASSWORD_ENV,
  ROOT_USER_ENV,
  URL_ENV,
} from "../../components/object-store/bootstrap-script";
import { accessKeyEnvVar, S3_PORT, secretKeyEnvVar } from "../../components/object-store/naming";
import { REDIS_PORT, SENTINEL_PORT } from "../../components/redis-ha/naming";
import {
  DATA_DIR,
  PROBE_PASSWORD_FILE,
  REDIS_CONFIG_DIR,
  REDIS_UID,
  TEMPLATE_DIR,
  USERS_DIR,
} from "../../components/redis-ha/pod-specs";
import { POD_NAME_ENV, probeCommands, USERS_DIR_ENV } from "../../components/redis-ha/scripts";
import { cacheResources, redisResources, SENTINEL_RESOURCES } from "../../components/redis-ha/sizing";
import { SSL_MODE } from "./environment";
import {
  COMPOSE_SLOT,
  HOSTS,
  LocalService,
  Mount,
  PATHS,
  Resources,
  sentinelEndpoints,
  sentinelVolume,
  SWARM_NETWORK,
} from "./model";
import { fromKubernetes, healthcheck, healthy, labels, limits, mountString, service, started } from "./parts";
import { redisCommand, redisUsers, RUN_DIR } from "./redis";
import { objectStoreLabels, traefikCommand } from "./routes";
import { accessKeyVar, dbPasswordVar, secretAccessKeyVar, token, VARS } from "./variables";

/** Where the bootstrap Jobs' images expect their scripts (BOOTSTRAP_SHELL reads /bootstrap/bootstrap.sql). */
export const BOOTSTRAP_MOUNT = "/bootstrap";

/** The official PostgreSQL image's ENTRYPOINT and CMD, which docker-compose.yml leaves to the image. */
export const POSTGRES_IMAGE_COMMAND = ["docker-entrypoint.sh", "postgres"] as const;

/** MinIO's server arguments; the image's entrypoint script runs `minio` with them (Swarm names the binary). */
const MINIO_SERVER_ARGS = ["server", "--address", `:${S3_PORT}`, "/data"] as const;

/** The one-shots' resources: the k3s bootstrap Jobs' (lib/jobs.ts). */
const BOOTSTRAP_RESOURCES: Resources = {
  cpuLimitMillicores: 500,
  memoryLimitMiB: 128,
  cpuMillicores: 50,
  memoryMiB: 64,
};

/** Traefik, PostgreSQL, Redis with its Sentinels, MinIO and the one-shots that bootstrap them. */
export function dataServices(config: FerrumConfig, traefikImage: string): LocalService[] {
  const pgReady = ["pg_isready", "--host=127.0.0.1", `--port=${POSTGRES_PORT}`, "--username=postgres"];
  const redisEnv = {
    [USERS_DIR_ENV]: USERS_DIR,
    ...Object.fromEntries(redisUsers(config).map((u) => [u.env, token(u.env)])),
  };
  const redisTemplates: Mount = { dir: PATHS.redis, target: TEMPLATE_DIR };
  const sentinelLimits = fromKubernetes(SENTINEL_RESOURCES);
  const redisLimits = fromKubernetes(redisResources(config.redis.maxmemoryMiB));
  const cacheLimits = fromKubernetes(cacheResources(config.redis.cache.maxmemoryMiB));
  // A Redis server's init asks the Sentinels who the master is: they must be up, not yet healthy.
  const sentinelsStarted = Object.fromEntries(sentinelEndpoints().map((e) => [e.host, started]));
  const minioUrl = `http://${HOSTS.minio}:${S3_PORT}`;

  const sentinels = sentinelEndpoints().map((e, i) =>
    service(
      e.host,
      {
        image: config.redis.image,
        user: `${REDIS_UID}:${REDIS_UID}`,
        command: redisCommand(
          config,
          "sentinel-init.sh",
          "sentinel.conf",
          "sentinel.acl",
          `${DATA_DIR}/sentinel.conf`,
          `redis-server ${DATA_DIR}/sentinel.conf --sentinel`,
        ),
        working_dir: DATA_DIR,
        environment: { [POD_NAME_ENV]: `sentinel-${i}`, ...redisEnv },
        // Sentinel's config and the state it writes into it live on a volume, as on the k3s volume claim; the
        // passwords' directory in memory only.
        volumes: [mountString(redisTemplates), `${sentinelVolume(i)}:${DATA_DIR}`],
        tmpfs: [RUN_DIR],
        read_only: true,
        cap_drop: ["ALL"],
        security_opt: ["no-new-privileges:true"],
        ...limits(sentinelLimits),
        // No depends_on: the Redis servers' init scripts wait for the Sentinels to name their masters.
        healthcheck: healthcheck(probeCommands.ping(SENTINEL_PORT, PROBE_PASSWORD_FILE), {
          periodSeconds: 5,
          timeoutSeconds: 5,
          failureThreshold: 3,
        }),
        labels: labels("redis", "sentinel"),
        restart: "unless-stopped",
      },
      // A quorum member: two tasks of one Sentinel side by side would count as two. Its state volume is local to
      // a node: a task elsewhere would start from the template and forget the masters it saw promoted.
      {
        kind: "server",
        order: "stop-first",
        replicas: 1,
        mounts: [redisTemplates],
        resources: sentinelLimits,
        placement: "data",
      },
    ),
  );

  const bootstrapEnv: Record<string, string> = {
    PGHOST: HOSTS.postgres,
    PGPORT: String(POSTGRES_PORT),
    PGUSER: ADMIN_ROLE,
    PGDATABASE: "postgres",
    PGSSLMODE: SSL_MODE,
    PGCONNECT_TIMEOUT: "10",
    HOME: "/tmp",
    PGPASSWORD: token(VARS.postgresAdminPassword),
    ...Object.fromEntries(
      config.services.map((s) => [passwordEnvVar(s.name, COMPOSE_SLOT), token(dbPasswordVar(s.name))]),
    ),
  };
  const mcEnv: Record<string, string> = {
    [URL_ENV]: minioUrl,
    [ROOT_USER_ENV]: token(VARS.minioRootUser),
    [ROOT_PASSWORD_ENV]: token(VARS.minioRootPassword),
    ...Object.fromEntries(
      config.services.flatMap((s) => [
        [accessKeyEnvVar(s.name, COMPOSE_SLOT), token(accessKeyVar(s.name))],
        [secretKeyEnvVar(s.name, COMPOSE_SLOT), token(secretAccessKeyVar(s.name))],
      ]),
    ),
    MC_CONFIG_DIR,
    HOME: "/tmp",
  };
  const initdb: Mount = { dir: PATHS.initdb, target: "/docker-entrypoint-initdb.d" };
  const pgBootstrap: Mount = { dir: PATHS.pgBootstrap, target: BOOTSTRAP_MOUNT };
  const mcBootstrap: Mount = { dir: PATHS.mcBootstrap, target: BOOTSTRAP_MOUNT };
  const policies: Mount = { dir: PATHS.policies, target: POLICY_DIR };

  return [
    service(
      HOSTS.traefik,
      {
        image: traefikImage,
        command: traefikCommand({ kind: "docker" }),
        ports: [
          `${token(VARS.bindAddress)}:${token(VARS.httpPort)}:80`,
          `${token(VARS.bindAddress)}:${token(VARS.httpsPort)}:443`,
        ],
        volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"],
        healthcheck: healthcheck(["traefik", "healthcheck", "--ping"], {
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 3,
        }),
        labels: labels("traefik", "ingress"),
        restart: "unless-stopped",
      },
      {
        kind: "server",
        order: "start-first",
        replicas: 1,
        mounts: [],
        placement: "manager",
        command: traefikCommand({ kind: "swarm", network: SWARM_NETWORK }),
        ports: [`${token(VARS.httpPort)}:80`, `${token(VARS.httpsPort)}:443`],
      },
    ),
    service(
      HOSTS.postgres,
      {
        image: config.postgres.image,
        environment: {
          POSTGRES_USER: "postgres",
          POSTGRES_PASSWORD: token(VARS.postgresSuperuserPassword),
          // Read by the admin init script on the first start (an empty data volume).
          FERRUM_ADMIN_PASSWORD: token(VARS.postgresAdminPassword),
        },
        volumes: [mountString(initdb), "postgres-data:/var/lib/postgresql/data"],
        ...limits(config.postgres.resources),
        stop_grace_period: "60s",
        // 127.0.0.1: the image's first-start server listens on the socket only, so this waits for the real one.
        healthcheck: healthcheck(pgReady, { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 }, 300),
        labels: labels("postgres", "database"),
        restart: "unless-stopped",
      },
      {
        kind: "server",
        order: "stop-first",
        replicas: 1,
        mounts: [initdb],
        resources: config.postgres.resources,
        placement: "data",
        command: POSTGRES_IMAGE_COMMAND,
      },
    ),
    service(
      HOSTS.postgresBootstrap,
      {
        image: config.postgres.image,
        command: ["sh", "-c", BOOTSTRAP_SHELL],
        environment: bootstrapEnv,
        volumes: [mountString(pgBootstrap)],
        ...limits(BOOTSTRAP_RESOURCES),
        depends_on: { [HOSTS.postgres]: healthy },
        labels: labels("postgres", "database-bootstrap"),
        restart: "no",
      },
      { kind: "oneShot", mounts: [pgBootstrap], resources: BOOTSTRAP_RESOURCES },
    ),
    service(
      HOSTS.redis,
      {
        image: config.redis.image,
        user: `${REDIS_UID}:${REDIS_UID}`,
        command: redisCommand(
          config,
          "redis-init.sh",
          "redis.conf",
          "data.acl",
          `${REDIS_CONFIG_DIR}/redis.conf`,
          `redis-server ${REDIS_CONFIG_DIR}/redis.conf`,
        ),
        working_dir: DATA_DIR,
        environment: { [POD_NAME_ENV]: "redis-0", ...redisEnv },
        volumes: [mountString(redisTemplates), `redis-data:${DATA_DIR}`],
        tmpfs: [REDIS_CONFIG_DIR, RUN_DIR],
        read_only: true,
        cap_drop: ["ALL"],
        security_opt: ["no-new-privileges:true"],
        ...limits(redisLimits),
        depends_on: sentinelsStarted,
        healthcheck: healthcheck(
          probeCommands.redisReadiness(REDIS_PORT, PROBE_PASSWORD_FILE),
          { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
          600,
        ),
        labels: labels("redis", "cache"),
        restart: "unless-stopped",
      },
      {
        kind: "server",
        order: "stop-first",
        replicas: 1,
        mounts: [redisTemplates],
        resources: redisLimits,
        placement: "data",
      },
    ),
    service(
      HOSTS.redisCache,
      {
        image: config.redis.image,
        user: `${REDIS_UID}:${REDIS_UID}`,
        command: redisCommand(
          config,
          "cache-init.sh",
          "cache.conf",
          "cache.acl",
          `${REDIS_CONFIG_DIR}/redis.conf`,
          `redis-server ${REDIS_CONFIG_DIR}/redis.conf`,
        ),
        working_dir: DATA_DIR,
        environment: { [POD_NAME_ENV]: "redis-cache-0", ...redisEnv },
        volumes: [mountString(redisTemplates)],
        // A cache: nothing kept between starts.
        tmpfs: [REDIS_CONFIG_DIR, RUN_DIR, DATA_DIR],
        read_only: true,
        cap_drop: ["ALL"],
        security_opt: ["no-new-privileges:true"],
        // The k3s cache pod's limits: its memory formula and half a CPU.
        ...limits(cacheLimits),
        depends_on: sentinelsStarted,
        healthcheck: healthcheck(
          probeCommands.redisReadiness(REDIS_PORT, PROBE_PASSWORD_FILE),
          { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
          120,
        ),
        labels: labels("redis-cache", "cache"),
        restart: "unless-stopped",
      },
      // No volume, so any node; stop-first: two masters of one group side by side would split its clients.
      { kind: "server", order: "stop-first", replicas: 1, mounts: [redisTemplates], resources: cacheLimits },
    ),
    ...sentinels,
    service(
      HOSTS.minio,
      {
        image: config.objectStore.image,
        command: [...MINIO_SERVER_ARGS],
        environment: {
          [ROOT_USER_ENV]: token(VARS.minioRootUser),
          [ROOT_PASSWORD_ENV]: token(VARS.minioRootPassword),
          MINIO_SITE_REGION: config.objectStore.region,
          MINIO_BROWSER: "off",
        },
        volumes: ["minio-data:/data"],
        ...limits(config.objectStore.resources),
        // The server image has no curl; `mc ready` asks the server's readiness endpoint.
        healthcheck: healthcheck(
          ["mc", "ready", "local"],
          { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
          300,
        ),
        labels: labels("minio", "object-store", objectStoreLabels(config.objectsHost)),
        restart: "unless-stopped",
      },
      {
        kind: "server",
        order: "stop-first",
        replicas: 1,
        mounts: [],
        resources: config.objectStore.resources,
        placement: "data",
        command: ["minio", ...MINIO_SERVER_ARGS],
      },
    ),
    service(
      HOSTS.minioBootstrap,
      {
        image: config.objectStore.clientImage,
        entrypoint: ["sh", `${BOOTSTRAP_MOUNT}/bootstrap.sh`],
        environment: mcEnv,
        volumes: [mountString(mcBootstrap), mountString(policies)],
        ...limits(BOOTSTRAP_RESOURCES),
        depends_on: { [HOSTS.minio]: healthy },
        labels: labels("minio", "object-store-bootstrap"),
        restart: "no",
      },
      { kind: "oneShot", mounts: [mcBootstrap, policies], resources: BOOTSTRAP_RESOURCES },
    ),
  ];
}
