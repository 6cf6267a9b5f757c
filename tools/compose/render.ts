/**
 * docker-compose.yml and the files it mounts (under compose/), rendered from the same catalog, config and
 * component renderers as the k3s dev stack. Pure: config in, file contents out; tools/compose.ts writes them.
 *
 * What comes from where:
 * - each Django service's environment is `renderEnv` itself (the ConfigMap + Secret of k3s), fed connections
 *   built by the components' own URL builders (databaseUrl, cacheValues) with compose host names;
 * - migrate, worker and beat commands and the probes' timings come from the k3s pod specs (webPodSpec,
 *   beatPodSpec); the route rules from routing.ts's `routeRule`;
 * - the PostgreSQL admin init script and bootstrap SQL, redis.conf, sentinel.conf and their init scripts, the
 *   object store's mc script and bucket policies are the components' renderers' output, written under compose/.
 *
 * No credential is ever a literal: a credential is a token while the model is built and a required `${VAR}`
 * reference in the file (variables.ts); audit.ts checks the result before it is returned.
 */
import * as pulumi from "@pulumi/pulumi";
import { Document, parse, YAMLMap, isScalar, Scalar } from "yaml";
import { PROBE_PATHS, WEB_PORT } from "../../catalog";
import type { FerrumConfig, ResourceSpec, ServiceSettings } from "../../config";
import type {
  CacheConnection,
  DatabaseConnection,
  EmailConnection,
  PaymentsConnection,
  StorageConnection,
} from "../../components/connections";
import { celeryDelivery } from "../../components/django-service/delivery";
import { renderEnv } from "../../components/django-service/env";
import {
  APP_UID,
  beatPodSpec,
  PodInputs,
  webPodSpec,
  workerGracePeriodSeconds,
  workerPodSpec,
} from "../../components/django-service/pods";
import { routeRule } from "../../components/django-service/routing";
import { BOOTSTRAP_SHELL } from "../../components/managed-postgres/bootstrap-job";
import { renderAdminInitScript, renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import {
  ADMIN_ROLE,
  databaseName,
  databaseUrl,
  loginName,
  passwordEnvVar,
  POSTGRES_PORT,
  roleName,
} from "../../components/managed-postgres/naming";
import { MC_CONFIG_DIR } from "../../components/object-store/bootstrap-job";
import type { CredentialSlot } from "../../lib/rotation";
import {
  POLICY_DIR,
  renderBootstrapScript,
  ROOT_PASSWORD_ENV,
  ROOT_USER_ENV,
  URL_ENV,
} from "../../components/object-store/bootstrap-script";
import {
  accessKeyEnvVar,
  bucketPrefix,
  policyFileName,
  PUBLIC_PREFIX,
  publicPolicyFileName,
  S3_PORT,
  secretKeyEnvVar,
  serviceBuckets,
} from "../../components/object-store/naming";
import { renderPolicy } from "../../components/object-store/policy";
import { renderPublicReadPolicy } from "../../components/object-store/public-access";
import { publicRouteRule, ROUTE_NAME } from "../../components/object-store/route";
import { aclRules, INTERNAL_USERS, renderAclRules, serviceUser, type AclServices } from "../../components/redis-ha/acl";
import { renderRedisConf, renderSentinelConf } from "../../components/redis-ha/config-files";
import { DEFAULT_DATABASE_SLOTS, serviceDatabases, slotProblems } from "../../components/redis-ha/databases";
import { CACHE_MASTER_NAME, MASTER_NAME, REDIS_PORT, SENTINEL_PORT } from "../../components/redis-ha/naming";
import {
  DATA_DIR,
  PROBE_PASSWORD_FILE,
  REDIS_CONFIG_DIR,
  REDIS_UID,
  TEMPLATE_DIR,
  USERS_DIR,
} from "../../components/redis-ha/pod-specs";
import {
  POD_NAME_ENV,
  probeCommands,
  renderRedisInitScript,
  renderSentinelInitScript,
  USERS_DIR_ENV,
  usersFromEnvScript,
  type ScriptGroup,
} from "../../components/redis-ha/scripts";
import { DEFAULT_DATABASES, DEFAULT_QUORUM, DEFAULT_SENTINELS } from "../../components/redis-ha/settings";
import { redisMemoryLimitMiB } from "../../components/redis-ha/sizing";
import { cacheValues, keyPrefix } from "../../components/redis-ha/urls";
import type { Endpoint } from "../../components/redis-ha/types";
import { Component, PART_OF } from "../../lib/labels";
import { credentialProblems } from "./audit";
import {
  accessKeyVar,
  composeVariables,
  dbPasswordVar,
  djangoSecretKeyVar,
  EnvVariable,
  imageVar,
  redisUserVar,
  resolveTokens,
  secretAccessKeyVar,
  token,
  VARS,
} from "./variables";

/** The command that regenerates everything this module renders (README, Makefile and test messages name it). */
export const REGENERATE_COMMAND = "npm run compose";
export const COMPOSE_FILE = "docker-compose.yml";
/** Directory (beside the compose file) of the generated files the containers mount. */
export const GENERATED_DIR = "compose";

/** Traefik v3, pinned (k3s ships v3; its CRDs are what the k3s routes use). */
export const DEFAULT_TRAEFIK_IMAGE = "traefik:v3.6.15";

/** The k3s stack's routes listen on `websecure` with Traefik's default certificate (stacks/dev.ts). */
export const ENTRY_POINTS = ["websecure"] as const;

/** The in-cluster PostgreSQL serves no TLS; the k3s connections say `prefer`, and so do these. */
export const SSL_MODE = "prefer" as const;

/** Compose service names, which are also the containers' DNS names on the compose network. */
export const HOSTS = {
  traefik: "traefik",
  postgres: "postgres",
  postgresBootstrap: "postgres-bootstrap",
  redis: "redis",
  redisCache: "redis-cache",
  minio: "minio",
  minioBootstrap: "minio-bootstrap",
} as const;

/** Three Sentinels as on k3s: REDIS_SENTINELS and the Celery URL lists keep their length, the quorum its value. */
export const SENTINEL_COUNT = DEFAULT_SENTINELS;
export const sentinelHost = (ordinal: number): string => `sentinel-${ordinal}`;

/** The compose services of one Django service: web is the service's own name (its DNS name, as on k3s). */
export const djangoServiceNames = (service: string) =>
  ({
    migrate: `${service}-migrate`,
    web: service,
    worker: `${service}-worker`,
    beat: `${service}-beat`,
  }) as const;

/** One generated file, its path relative to the repository root (POSIX separators). */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
  /** Mode 0755 rather than 0644 (the PostgreSQL image runs executable init scripts, sources the others). */
  readonly executable: boolean;
}

export interface ComposeOptions {
  /** @default DEFAULT_TRAEFIK_IMAGE */
  readonly traefikImage?: string;
}

export interface RenderedCompose {
  /** docker-compose.yml first, then compose/... in path order. */
  readonly files: readonly GeneratedFile[];
  /** The variables the file references; tools/make-env.ts writes the secret ones. */
  readonly variables: readonly EnvVariable[];
}

/**
 * The one credential slot of the local stack (lib/rotation.ts): its credentials come from `.env` and never
 * rotate, so each service gets one database login (`ferrum_<svc>_a`) and one object-store user.
 */
const COMPOSE_SLOT: CredentialSlot = "a";

/** Mount paths of compose/ in the containers. */
const PATHS = {
  initdb: `${GENERATED_DIR}/postgres/initdb`,
  pgBootstrap: `${GENERATED_DIR}/postgres/bootstrap`,
  redis: `${GENERATED_DIR}/redis`,
  mcBootstrap: `${GENERATED_DIR}/minio/bootstrap`,
  policies: `${GENERATED_DIR}/minio/policies`,
} as const;
/** Where the bootstrap Jobs' images expect their scripts (BOOTSTRAP_SHELL reads /bootstrap/bootstrap.sql). */
const BOOTSTRAP_MOUNT = "/bootstrap";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type ComposeService = Record<string, Json>;

interface PlainProbe {
  readonly exec?: { readonly command: readonly string[] };
  readonly httpGet?: { readonly path: string };
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly initialDelaySeconds?: number;
}
interface PlainContainer {
  readonly name: string;
  readonly command?: readonly string[];
  readonly livenessProbe?: PlainProbe;
  readonly readinessProbe?: PlainProbe;
  readonly startupProbe?: PlainProbe;
}

/** The pod spec builders return plain values for plain inputs; this reads them as such (and checks it). */
function plainContainers(list: unknown): PlainContainer[] {
  if (!Array.isArray(list)) throw new Error("compose: expected a plain container list from the pod spec");
  return list as unknown as PlainContainer[];
}

function container(list: PlainContainer[], name: string): PlainContainer {
  const found = list.find((c) => c.name === name);
  if (!found) throw new Error(`compose: the pod spec has no ${name} container`);
  return found;
}

const seconds = (n: number): string => `${n}s`;

/** A compose healthcheck with a k8s probe's timings; `startPeriod` defaults to the probe's initial delay. */
function healthcheck(test: readonly string[], probe: PlainProbe, startPeriod?: number): ComposeService {
  const start = startPeriod ?? probe.initialDelaySeconds ?? 0;
  return {
    test: ["CMD", ...test],
    interval: seconds(probe.periodSeconds ?? 10),
    timeout: seconds(probe.timeoutSeconds ?? 1),
    retries: probe.failureThreshold ?? 3,
    ...(start > 0 ? { start_period: seconds(start) } : {}),
  };
}

/** The startup allowance of a k8s startup probe: period × failure threshold. */
const startupSeconds = (p: PlainProbe | undefined): number =>
  p ? (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3) : 0;

/** Memory and CPU limits of a k8s container, as compose's `mem_limit` and `cpus`. */
const limits = (r: Pick<ResourceSpec, "cpuLimitMillicores" | "memoryLimitMiB">): ComposeService => ({
  mem_limit: `${r.memoryLimitMiB}m`,
  cpus: r.cpuLimitMillicores / 1000,
});

function labels(name: string, component: Component, extra: Record<string, string> = {}): ComposeService {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    ...extra,
  };
}

const healthy = { condition: "service_healthy" };
const started = { condition: "service_started" };
const completed = { condition: "service_completed_successfully" };

/** The value of an Input (plain or Output), awaited; the Outputs here are built from plain strings. */
function unwrap(value: pulumi.Input<string>): Promise<string> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v)));
}

async function resolveAll(record: Record<string, pulumi.Input<string>>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(record).map(async ([k, v]) => [k, await unwrap(v)] as const),
  );
  return Object.fromEntries(entries);
}

/** Traefik's router, middleware and service labels for one web service: the k3s IngressRoute, as labels. */
export function traefikLabels(
  apiHost: string,
  s: Pick<ServiceSettings, "name" | "routePrefix">,
): Record<string, string> {
  const router = s.name;
  const middleware = `${s.name}-strip-prefix`;
  return {
    "traefik.enable": "true",
    [`traefik.http.routers.${router}.rule`]: routeRule(apiHost, s.routePrefix),
    [`traefik.http.routers.${router}.entrypoints`]: ENTRY_POINTS.join(","),
    [`traefik.http.routers.${router}.tls`]: "true",
    [`traefik.http.routers.${router}.middlewares`]: middleware,
    [`traefik.http.routers.${router}.service`]: router,
    [`traefik.http.middlewares.${middleware}.stripprefix.prefixes`]: s.routePrefix,
    [`traefik.http.services.${router}.loadbalancer.server.port`]: String(WEB_PORT),
  };
}

/**
 * The object store's public endpoint through the local Traefik: the k3s stack's host, on the host port of
 * Traefik's websecure entry point. The port is always written: a signature covers `host:port` whenever the port
 * is not 443, and botocore leaves `:443` out of what it signs, as browsers leave it out of the Host header.
 */
export const composePublicEndpoint = (objectsHost: string): string =>
  `https://${objectsHost}:${token(VARS.httpsPort)}`;

/** Traefik's labels for the object store: the k3s IngressRoute of components/object-store/route.ts, as labels. */
export function objectStoreLabels(objectsHost: string): Record<string, string> {
  return {
    "traefik.enable": "true",
    [`traefik.http.routers.${ROUTE_NAME}.rule`]: publicRouteRule(objectsHost),
    [`traefik.http.routers.${ROUTE_NAME}.entrypoints`]: ENTRY_POINTS.join(","),
    [`traefik.http.routers.${ROUTE_NAME}.tls`]: "true",
    [`traefik.http.routers.${ROUTE_NAME}.service`]: ROUTE_NAME,
    [`traefik.http.services.${ROUTE_NAME}.loadbalancer.server.port`]: String(S3_PORT),
    // S3 signatures cover the host: the server must see the one the browser asked for.
    [`traefik.http.services.${ROUTE_NAME}.loadbalancer.passhostheader`]: "true",
  };
}

/** Django's env for one service: renderEnv, given connections to the compose hosts and tokens for credentials. */
async function djangoEnvironment(config: FerrumConfig, s: ServiceSettings): Promise<Record<string, string>> {
  const out = (text: string) => pulumi.output(text);
  const database: DatabaseConnection = {
    host: HOSTS.postgres,
    port: POSTGRES_PORT,
    database: databaseName(s.name),
    username: loginName(s.name, COMPOSE_SLOT),
    password: out(token(dbPasswordVar(s.name))),
    sslMode: SSL_MODE,
    url: out(
      databaseUrl({
        user: loginName(s.name, COMPOSE_SLOT),
        password: token(dbPasswordVar(s.name)),
        host: HOSTS.postgres,
        port: POSTGRES_PORT,
        database: databaseName(s.name),
        sslMode: SSL_MODE,
        role: roleName(s.name),
      }),
    ),
  };
  const slot = DEFAULT_DATABASE_SLOTS[s.name]!;
  const values = cacheValues(
    {
      kind: "sentinel",
      masterName: MASTER_NAME,
      cacheMasterName: CACHE_MASTER_NAME,
      sentinels: sentinelEndpoints(),
      username: serviceUser(s.name),
      password: token(redisUserVar(serviceUser(s.name))),
    },
    s.name,
    serviceDatabases(slot),
  );
  const cache: CacheConnection = {
    url: out(values.url),
    sentinels: values.sentinels,
    sentinelMaster: values.sentinelMaster,
    keyPrefix: values.keyPrefix,
    celeryBrokerUrl: out(values.celeryBrokerUrl),
    celeryResultBackend: out(values.celeryResultBackend),
    celeryTransportOptions: out(values.celeryTransportOptions),
    eventsUrl: out(values.eventsUrl),
  };
  const [bucket] = serviceBuckets(bucketPrefix(config.project, config.stack), [s]);
  const storage: StorageConnection = {
    bucket: bucket!.bucket,
    endpointUrl: `http://${HOSTS.minio}:${S3_PORT}`,
    region: config.objectStore.region,
    publicEndpointUrl: composePublicEndpoint(config.objectsHost),
    publicBaseUrl: `${composePublicEndpoint(config.objectsHost)}/${bucket!.bucket}`,
    publicPrefix: PUBLIC_PREFIX,
    addressingStyle: "path",
    credentials: {
      accessKeyId: out(token(accessKeyVar(s.name))),
      secretAccessKey: out(token(secretAccessKeyVar(s.name))),
    },
  };
  const withLogin = config.email.host !== "" && config.email.user !== "";
  const email: EmailConnection | undefined =
    config.email.host === ""
      ? undefined
      : {
          host: config.email.host,
          port: config.email.port,
          useTls: config.email.useTls,
          user: withLogin ? token(VARS.emailUser) : "",
          ...(withLogin ? { password: out(token(VARS.emailPassword)) } : {}),
        };
  const payments: PaymentsConnection | undefined = s.payments
    ? { shopId: token(VARS.yookassaShopId), secretKey: out(token(VARS.yookassaSecretKey)) }
    : undefined;

  const env = renderEnv({
    settingsModule: `${s.djangoPackage}.settings`,
    // The API host (Traefik forwards it) and the service's compose DNS name (the healthcheck's Host header).
    allowedHosts: [config.apiHost, s.name],
    scriptName: s.routePrefix,
    secretKey: out(token(djangoSecretKeyVar(s.name))),
    database,
    cache,
    storage,
    email,
    payments,
    delivery: celeryDelivery(s.worker),
  });
  return { ...(await resolveAll(env.config)), ...(await resolveAll(env.secret)) };
}

function sentinelEndpoints() {
  return Array.from({ length: SENTINEL_COUNT }, (_, i) => ({ host: sentinelHost(i), port: SENTINEL_PORT }));
}

/** The two Redis groups of compose (one server each) and the Sentinels that watch them. */
interface RedisGroups {
  readonly data: ScriptGroup;
  readonly cache: ScriptGroup;
  readonly sentinels: readonly Endpoint[];
}

function redisGroups(): RedisGroups {
  return {
    data: { masterName: MASTER_NAME, redis: [{ host: HOSTS.redis, port: REDIS_PORT }] },
    cache: { masterName: CACHE_MASTER_NAME, redis: [{ host: HOSTS.redisCache, port: REDIS_PORT }] },
    sentinels: sentinelEndpoints(),
  };
}

/** Each service's DBs and key prefix, as RedisHA builds its ACL rules from them. */
function aclServices(config: FerrumConfig): AclServices {
  return {
    services: config.services.map((s) => ({
      name: s.name,
      dbs: serviceDatabases(DEFAULT_DATABASE_SLOTS[s.name]!),
      keyPrefix: keyPrefix(s.name),
    })),
  };
}

/** Every Redis ACL user of compose with the .env variable holding its password. */
function redisUsers(config: FerrumConfig): { user: string; env: string }[] {
  return [...Object.values(INTERNAL_USERS), ...config.services.map((s) => serviceUser(s.name))].map((user) => ({
    user,
    env: redisUserVar(user),
  }));
}

/**
 * A Redis or Sentinel container's command: the users directory written from the environment (compose has no
 * Secret volumes), the component's init script on its template and rules, then the server.
 */
function redisCommand(
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

/** The services every Django container waits for, as DjangoService waits for the components on k3s. */
function backingServices(): ComposeService {
  return {
    [HOSTS.postgresBootstrap]: completed,
    [HOSTS.redis]: healthy,
    [HOSTS.redisCache]: healthy,
    ...Object.fromEntries(sentinelEndpoints().map((e) => [e.host, healthy])),
    [HOSTS.minioBootstrap]: completed,
  };
}

/** `python -c` readiness check: GET the probe path with the Host header k3s's kubelet would send. */
function webCheck(path: string, host: string): string[] {
  const url = `http://127.0.0.1:${WEB_PORT}${path}`;
  return [
    "python",
    "-c",
    `import urllib.request as r; r.urlopen(r.Request(${JSON.stringify(url)}, headers={"Host": ${JSON.stringify(host)}}), timeout=3)`,
  ];
}

/** Replaced, in the YAML document, by an alias of the service's entry under `x-environments`. */
const ENV_PLACEHOLDER = "<environment>";

/** The containers of one Django service: migrate, web and, with Celery, worker and beat. */
function djangoServices(apiHost: string, s: ServiceSettings): [string, ComposeService][] {
  const names = djangoServiceNames(s.name);
  const pods: PodInputs = {
    service: s,
    image: s.image,
    configMapName: "",
    secretName: "",
    serviceAccountName: "",
    probeHost: s.name,
  };
  const webPod = webPodSpec(pods);
  const migrate = container(plainContainers(webPod.initContainers), "migrate");
  const podContainers = plainContainers(webPod.containers);
  const web = container(podContainers, "web");
  const beat = container(plainContainers(beatPodSpec(pods).containers), "beat");

  /** One container; what the k3s pods' securityContext and emptyDir give: non-root, read-only root, /tmp only. */
  const django = (
    component: Component,
    resources: ResourceSpec,
    rest: {
      command?: readonly string[];
      depends_on: ComposeService;
      healthcheck?: ComposeService;
      labels?: Record<string, string>;
      restart: "no" | "unless-stopped";
      /** As the pod's terminationGracePeriodSeconds: a worker gets to finish its longest task. */
      stopGraceSeconds?: number;
    },
  ): ComposeService => ({
    image: token(imageVar(s.name)),
    ...(rest.command ? { command: [...rest.command] } : {}),
    user: `${APP_UID}:${APP_UID}`,
    environment: ENV_PLACEHOLDER,
    read_only: true,
    tmpfs: ["/tmp"],
    cap_drop: ["ALL"],
    security_opt: ["no-new-privileges:true"],
    ...limits(resources),
    stop_grace_period: `${rest.stopGraceSeconds ?? 30}s`,
    depends_on: rest.depends_on,
    ...(rest.healthcheck ? { healthcheck: rest.healthcheck } : {}),
    labels: labels(s.name, component, rest.labels),
    restart: rest.restart,
  });
  const webProbe = web.readinessProbe ?? {};
  const services: [string, ComposeService][] = [
    [
      names.migrate,
      django("migrate", s.web, { command: migrate.command, depends_on: backingServices(), restart: "no" }),
    ],
    [
      names.web,
      django("web", s.web, {
        depends_on: { ...backingServices(), [names.migrate]: completed },
        healthcheck: healthcheck(
          webCheck(webProbe.httpGet?.path ?? PROBE_PATHS.readiness, s.name),
          webProbe,
          startupSeconds(web.startupProbe),
        ),
        labels: traefikLabels(apiHost, s),
        restart: "unless-stopped",
      }),
    ],
  ];
  if (s.celery) {
    // The same container whether it is a sidecar of the web pods or a Deployment of its own on k3s.
    const worker = container(plainContainers(workerPodSpec(pods).containers), "worker");
    const liveness = worker.livenessProbe ?? {};
    services.push([
      names.worker,
      django("worker", s.worker, {
        command: worker.command,
        depends_on: { ...backingServices(), [names.migrate]: completed },
        ...(liveness.exec ? { healthcheck: healthcheck(liveness.exec.command, liveness) } : {}),
        restart: "unless-stopped",
        stopGraceSeconds: workerGracePeriodSeconds(s),
      }),
    ]);
    services.push([
      names.beat,
      django("beat", s.beat, {
        command: beat.command,
        // As on k3s, beat starts once the web tier is up (its Deployment depends on the web Deployment).
        depends_on: { ...backingServices(), [names.web]: healthy },
        restart: "unless-stopped",
      }),
    ]);
  }
  return services;
}

/** The files under compose/ that the data services mount: every one a component renderer's output. */
function mountedFiles(config: FerrumConfig, groups: RedisGroups): GeneratedFile[] {
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
    file(`${PATHS.redis}/redis-init.sh`, renderRedisInitScript({ ...groups.data, sentinels: groups.sentinels })),
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
    file(`${PATHS.redis}/cache-init.sh`, renderRedisInitScript({ ...groups.cache, sentinels: groups.sentinels })),
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
      renderBootstrapScript(
        buckets,
        { noncurrentVersionDays: config.objectStore.noncurrentVersionDays },
        [COMPOSE_SLOT],
      ),
    ),
    ...buckets.flatMap((b) => [
      file(`${PATHS.policies}/${policyFileName(b.service)}`, renderPolicy(b.bucket)),
      file(`${PATHS.policies}/${publicPolicyFileName(b.service)}`, renderPublicReadPolicy(b.bucket)),
    ]),
  ].sort((a, b) => a.path.localeCompare(b.path));
}

const mount = (hostPath: string, containerPath: string): string => `./${hostPath}:${containerPath}:ro`;

/** Parent of USERS_DIR: the in-memory home of the passwords' directory in a Redis container. */
const RUN_DIR = "/run/ferrum";
/** The named volume of Sentinel `ordinal`'s state. */
const sentinelVolume = (ordinal: number): string => `sentinel-${ordinal}-state`;

function dataServices(config: FerrumConfig, traefikImage: string): [string, ComposeService][] {
  const pgReady = ["pg_isready", "--host=127.0.0.1", `--port=${POSTGRES_PORT}`, "--username=postgres"];
  const redisEnv = {
    [USERS_DIR_ENV]: USERS_DIR,
    ...Object.fromEntries(redisUsers(config).map((u) => [u.env, token(u.env)])),
  };
  const sentinelLimits = { cpuLimitMillicores: 250, memoryLimitMiB: 64 };
  const bootstrapLimits = { cpuLimitMillicores: 500, memoryLimitMiB: 128 };
  const minioUrl = `http://${HOSTS.minio}:${S3_PORT}`;

  const sentinels: [string, ComposeService][] = sentinelEndpoints().map((e, i) => [
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
      volumes: [mount(PATHS.redis, TEMPLATE_DIR), `${sentinelVolume(i)}:${DATA_DIR}`],
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
  ]);

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

  return [
    [
      HOSTS.traefik,
      {
        image: traefikImage,
        command: [
          "--providers.docker=true",
          "--providers.docker.exposedByDefault=false",
          "--entryPoints.web.address=:80",
          "--entryPoints.web.http.redirections.entryPoint.to=websecure",
          "--entryPoints.web.http.redirections.entryPoint.scheme=https",
          "--entryPoints.websecure.address=:443",
          "--ping=true",
          "--log.level=INFO",
          "--accessLog=true",
        ],
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
    ],
    [
      HOSTS.postgres,
      {
        image: config.postgres.image,
        environment: {
          POSTGRES_USER: "postgres",
          POSTGRES_PASSWORD: token(VARS.postgresSuperuserPassword),
          // Read by the admin init script on the first start (an empty data volume).
          FERRUM_ADMIN_PASSWORD: token(VARS.postgresAdminPassword),
        },
        volumes: [
          mount(PATHS.initdb, "/docker-entrypoint-initdb.d"),
          "postgres-data:/var/lib/postgresql/data",
        ],
        ...limits(config.postgres.resources),
        stop_grace_period: "60s",
        // 127.0.0.1: the image's first-start server listens on the socket only, so this waits for the real one.
        healthcheck: healthcheck(pgReady, { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 }, 300),
        labels: labels("postgres", "database"),
        restart: "unless-stopped",
      },
    ],
    [
      HOSTS.postgresBootstrap,
      {
        image: config.postgres.image,
        command: ["sh", "-c", BOOTSTRAP_SHELL],
        environment: bootstrapEnv,
        volumes: [mount(PATHS.pgBootstrap, BOOTSTRAP_MOUNT)],
        ...limits(bootstrapLimits),
        depends_on: { [HOSTS.postgres]: healthy },
        labels: labels("postgres", "database-bootstrap"),
        restart: "no",
      },
    ],
    [
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
        volumes: [mount(PATHS.redis, TEMPLATE_DIR), `redis-data:${DATA_DIR}`],
        tmpfs: [REDIS_CONFIG_DIR, RUN_DIR],
        read_only: true,
        cap_drop: ["ALL"],
        security_opt: ["no-new-privileges:true"],
        mem_limit: `${redisMemoryLimitMiB(config.redis.maxmemoryMiB)}m`,
        cpus: 1,
        depends_on: Object.fromEntries(sentinelEndpoints().map((e) => [e.host, started])),
        healthcheck: healthcheck(
          probeCommands.redisReadiness(REDIS_PORT, PROBE_PASSWORD_FILE),
          { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
          600,
        ),
        labels: labels("redis", "cache"),
        restart: "unless-stopped",
      },
    ],
    [
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
        volumes: [mount(PATHS.redis, TEMPLATE_DIR)],
        // A cache: nothing kept between starts.
        tmpfs: [REDIS_CONFIG_DIR, RUN_DIR, DATA_DIR],
        read_only: true,
        cap_drop: ["ALL"],
        security_opt: ["no-new-privileges:true"],
        mem_limit: `${redisMemoryLimitMiB(config.redis.cache.maxmemoryMiB)}m`,
        cpus: 1,
        depends_on: Object.fromEntries(sentinelEndpoints().map((e) => [e.host, started])),
        healthcheck: healthcheck(
          probeCommands.redisReadiness(REDIS_PORT, PROBE_PASSWORD_FILE),
          { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
          120,
        ),
        labels: labels("redis-cache", "cache"),
        restart: "unless-stopped",
      },
    ],
    ...sentinels,
    [
      HOSTS.minio,
      {
        image: config.objectStore.image,
        command: ["server", "--address", `:${S3_PORT}`, "/data"],
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
    ],
    [
      HOSTS.minioBootstrap,
      {
        image: config.objectStore.clientImage,
        entrypoint: ["sh", `${BOOTSTRAP_MOUNT}/bootstrap.sh`],
        environment: mcEnv,
        volumes: [mount(PATHS.mcBootstrap, BOOTSTRAP_MOUNT), mount(PATHS.policies, POLICY_DIR)],
        ...limits(bootstrapLimits),
        depends_on: { [HOSTS.minio]: healthy },
        labels: labels("minio", "object-store-bootstrap"),
        restart: "no",
      },
    ],
  ];
}

/** Comments above service keys, for whoever opens the file. */
function comments(config: FerrumConfig): Record<string, string> {
  const c: Record<string, string> = {
    [HOSTS.traefik]:
      " Traefik v3: each web service's labels carry its k3s IngressRoute (routing.ts's rule) and StripPrefix\n" +
      ` Middleware, on websecure with Traefik's default certificate: https://${config.apiHost}/<service>/.`,
    [HOSTS.postgres]:
      " PostgreSQL 16 (config.ts's image). The first start on an empty volume runs compose/postgres/initdb\n" +
      " (renderAdminInitScript): it creates ferrum_admin, the non-superuser admin (CREATEDB CREATEROLE).",
    [HOSTS.postgresBootstrap]:
      " One-shot, the k3s bootstrap Job: renderBootstrapSql's script as ferrum_admin; every `up` re-runs it\n" +
      " (idempotent), and it sets each role's password from .env.",
    [HOSTS.redis]:
      " Redis 7, the data group (Celery, event streams; noeviction): one master and no replica (a replica holds\n" +
      " a copy of the whole dataset; failover is for k3s); redis-cache, the cache group (allkeys-lru). Three\n" +
      " Sentinels (a few MiB each), quorum 2 as on k3s: REDIS_SENTINELS and the Celery URL lists have the same\n" +
      " shape, so settings that read them are exercised as in the cluster. Same rendered configs, ACL users and\n" +
      " init scripts as the k3s pods (min-replicas-to-write 0: there is no replica to wait for); each user's\n" +
      " password comes from .env into an in-memory directory, as the k3s Secret volume.",
    [HOSTS.minio]:
      " S3-compatible object store (MinIO's last community release; only the S3 API, console off). Its labels\n" +
      ` carry the k3s public route: https://${config.objectsHost}/<bucket>/... through Traefik, Host kept, so the\n` +
      " URLs the services sign for browsers verify.",
    [HOSTS.minioBootstrap]:
      " One-shot, the k3s bootstrap Job: renderBootstrapScript's mc script, one versioned bucket, user and\n" +
      " one-bucket policy (compose/minio/policies, renderPolicy) per service, and each bucket's anonymous read\n" +
      ` of ${PUBLIC_PREFIX} (renderPublicReadPolicy).`,
  };
  for (const s of config.services) {
    const n = djangoServiceNames(s.name);
    const then = s.celery ? `${n.web}, its Celery worker (a sidecar on k3s) and its one beat` : n.web;
    c[n.migrate] =
      ` ${s.name} (${s.routePrefix}): ${n.migrate} is the k3s migrate initContainer (advisory lock);\n` +
      ` then ${then}.`;
  }
  return c;
}

/** Every string of `value` read as compose must read it: `$` doubled, tokens turned into references. */
function resolveModel(value: Json, vars: ReadonlyMap<string, EnvVariable>): Json {
  if (typeof value === "string") return resolveTokens(value, vars);
  if (Array.isArray(value)) return value.map((v) => resolveModel(v, vars));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveModel(v, vars)]));
  return value;
}

function header(config: FerrumConfig): string {
  return [
    ` GENERATED FILE: do not edit. Regenerate with: ${REGENERATE_COMMAND} (tools/compose.ts)`,
    ` ${REGENERATE_COMMAND} -- --check fails when this file or ${GENERATED_DIR}/ is stale; so does the test suite.`,
    "",
    ` Local parity with the k3s stack "${config.stack}" without Kubernetes: the same catalog (catalog.ts), config`,
    ` (config.ts over Pulumi.yaml + Pulumi.${config.stack}.yaml), env contract (renderEnv: each service gets the keys of`,
    " its k3s ConfigMap + Secret, pointed at these hosts) and the components' own renderers, whose output",
    ` is under ${GENERATED_DIR}/ and mounted read-only.`,
    "",
    " No credential is in this file: each is a required ${VAR} reference to the git-ignored .env, which",
    " `make up` writes once with random letters and digits (tools/make-env.ts). Start: make up. Stop: make down.",
  ].join("\n");
}

/**
 * docker-compose.yml and the compose/ files for `config` (the dev stack's, in the committed files). Throws when
 * the result would hold a credential literal or a service lacks a Redis database slot.
 */
export async function renderCompose(
  config: FerrumConfig,
  options: ComposeOptions = {},
): Promise<RenderedCompose> {
  const slotIssues = slotProblems(
    config.services.map((s) => s.name),
    DEFAULT_DATABASE_SLOTS,
    DEFAULT_DATABASES,
  );
  if (slotIssues.length) throw new Error(`compose: ${slotIssues.join("; ")}`);

  const variables = composeVariables(config);
  const byName = new Map(variables.map((v) => [v.name, v]));
  const groups = redisGroups();

  const environments: Record<string, Json> = {};
  for (const s of config.services) environments[s.name] = await djangoEnvironment(config, s);

  const services: Record<string, Json> = Object.fromEntries([
    ...dataServices(config, options.traefikImage ?? DEFAULT_TRAEFIK_IMAGE),
    ...config.services.flatMap((s) => djangoServices(config.apiHost, s)),
  ]);
  const model = resolveModel(
    {
      "x-environments": environments,
      services,
      volumes: {
        "postgres-data": {},
        "redis-data": {},
        ...Object.fromEntries(sentinelEndpoints().map((_, i) => [sentinelVolume(i), {}])),
        "minio-data": {},
      },
    },
    byName,
  ) as { "x-environments": Record<string, Json>; services: Record<string, ComposeService> };

  // YAML 1.1 rules for quoting: compose reads the file as YAML 1.1, where a plain `no` or `off` is a boolean.
  const doc = new Document(model, { aliasDuplicateObjects: false, version: "1.1" });
  doc.commentBefore = header(config);
  const servicesNode = doc.get("services", true) as YAMLMap<Scalar<string>, YAMLMap>;
  for (const s of config.services) {
    const envNode = doc.getIn(["x-environments", s.name], true) as YAMLMap;
    for (const name of Object.values(djangoServiceNames(s.name))) {
      const svc = servicesNode.get(name, true) as YAMLMap | undefined;
      if (svc) svc.set("environment", doc.createAlias(envNode, `${s.name}-env`));
    }
  }
  const envsPair = doc.contents as YAMLMap<Scalar<string>>;
  const first = envsPair.items[0]!;
  if (isScalar(first.key))
    first.key.commentBefore =
      " Each service's environment: the variables renderEnv puts in its ConfigMap and Secret on k3s (POD_IP,\n" +
      " from the downward API there, is not set), shared by its migrate, web, worker and beat containers.";
  const notes = comments(config);
  for (const pair of servicesNode.items) {
    const note = isScalar(pair.key) ? notes[String(pair.key.value)] : undefined;
    if (note && isScalar(pair.key)) pair.key.commentBefore = note;
  }
  const text = doc.toString({ lineWidth: 0, minContentWidth: 0 });

  const secretNames = new Set(variables.filter((v) => v.kind === "secret").map((v) => v.name));
  const problems = credentialProblems(parse(text) as Parameters<typeof credentialProblems>[0], secretNames);
  if (problems.length)
    throw new Error(`compose: credential literals in the render:\n  - ${problems.join("\n  - ")}`);

  return {
    files: [{ path: COMPOSE_FILE, content: text, executable: false }, ...mountedFiles(config, groups)],
    variables,
  };
}
