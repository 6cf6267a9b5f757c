/**
 * Redis 7 with Sentinel inside the cluster: three StatefulSets (the data group, the cache group, the
 * Sentinels), each behind a headless Service that gives its pods stable DNS names, each with a
 * PodDisruptionBudget; the users Secret; and the users Job that applies ACL changes to the running servers.
 *
 * Two groups rather than one Redis: Redis 7.0 has one eviction policy per server, and Celery's queues and the
 * event streams must never be evicted while a cache must be. So Django's caches live on their own small group
 * (`allkeys-lru`, nothing persisted) and fill it without touching the data group (`noeviction`, AOF), which
 * holds Celery's queues and results and the streams. The same Sentinels watch both groups.
 *
 * Separate StatefulSets for Redis and Sentinel rather than a Sentinel sidecar: losing a pod (a drain, an OOM kill
 * during an AOF rewrite) then costs one Redis or one Sentinel, never both at once; each role has its own
 * resources, probes and disruption budget. `podManagementPolicy: Parallel` starts every pod at once: the init
 * scripts, not the start order, decide which pod is master.
 *
 * The users Secret has a fixed name and is read at start (init containers) and by the probes (mounted, refreshed
 * in place): changing a password restarts nothing. The users Job, replaced whenever a user or password changes,
 * applies the change to every running server (scripts.ts).
 *
 * No ClusterIP Service for the Sentinels: clients get all three pod names (`REDIS_SENTINELS`) and try each in
 * turn, which a load-balanced address would hide; and a Service named `<name>-sentinel` would inject
 * `REDIS_SENTINEL_*` variables into every pod of the namespace that keeps service links on.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { bootstrapJob } from "../../lib/jobs";
import { labels, selectorLabels, type LabelArgs } from "../../lib/labels";
import { dataVolumeClaim, statefulOptions } from "../../lib/volumes";
import { aclRules, INTERNAL_USERS, renderAclRules, serviceUser, type AclServices } from "./acl";
import { renderRedisConf, renderSentinelConf } from "./config-files";
import { userPasswords, usersDirectory, type UserPassword } from "./credentials";
import { serviceDatabases } from "./databases";
import { kubernetesNames, REDIS_PORT, SENTINEL_PORT, topology, type Group, type Topology } from "./naming";
import {
  RULES_FILE,
  redisPodTemplate,
  REDIS_UID,
  SENTINEL_STATE_VOLUME,
  sentinelPodTemplate,
  TEMPLATE_DIR,
  USERS_DIR,
} from "./pod-specs";
import {
  renderRedisInitScript,
  renderSentinelInitScript,
  renderUsersJobScript,
  USERS_DIR_ENV,
  type UsersJobTarget,
} from "./scripts";
import type { RedisHASettings } from "./settings";
import type { Login, SentinelServer } from "./types";
import { keyPrefix } from "./urls";

/** The Sentinels' volume claim: a config file of a few KiB (the smallest size every cloud provisions). */
export const SENTINEL_STORAGE_GIB = 1;

/** What the in-cluster backend made: the server clients reach and its key resources. */
export interface InClusterRedisResources {
  readonly server: SentinelServer;
  readonly topology: Topology;
  readonly redis: k8s.apps.v1.StatefulSet;
  readonly cache: k8s.apps.v1.StatefulSet;
  readonly sentinel: k8s.apps.v1.StatefulSet;
  readonly usersJob: k8s.batch.v1.Job;
  /** redis_exporter's login, the same on every server. */
  readonly exporter: Login;
  /** The operators' login (every command), the same on every server. */
  readonly admin: Login;
}

export function inClusterRedis(
  name: string,
  s: RedisHASettings,
  parent: pulumi.Resource,
): InClusterRedisResources {
  const opts = { parent };
  const namespace = s.namespace;
  const names = kubernetesNames(name);
  const topo = topology(name, namespace, {
    replicas: s.replicas,
    cacheReplicas: s.cacheReplicas,
    sentinels: s.sentinels,
  });
  const redisMeta: LabelArgs = { name: "redis", instance: name, component: "cache" };
  const cacheMeta: LabelArgs = { name: "redis-cache", instance: name, component: "cache" };
  const sentinelMeta: LabelArgs = { name: "redis", instance: name, component: "sentinel" };
  const usersMeta: LabelArgs = { name: "redis-users", instance: name, component: "cache-bootstrap" };

  // Users and passwords.
  const acl: AclServices = {
    services: s.services.map((svc) => ({
      name: svc,
      dbs: serviceDatabases(s.slots[svc]!),
      keyPrefix: keyPrefix(svc),
    })),
  };
  const rules = {
    data: renderAclRules(aclRules("data", acl)),
    cache: renderAclRules(aclRules("cache", acl)),
    sentinel: renderAclRules(aclRules("sentinel", acl)),
  };
  const users = [...Object.values(INTERNAL_USERS), ...s.services.map(serviceUser)];
  const passwords = userPasswords(name, users, s.rotation, parent);
  const usersSecret = new k8s.core.v1.Secret(
    `${name}-users`,
    {
      // A fixed name: pods read it by name at start, and a new password must not restart them.
      metadata: { name: `${names.redis}-users`, namespace, labels: labels(redisMeta) },
      type: "Opaque",
      stringData: usersDirectory(passwords),
    },
    opts,
  );

  // Config files.
  const configMap = (
    resource: string,
    meta: LabelArgs,
    data: Record<string, string>,
  ): k8s.core.v1.ConfigMap =>
    new k8s.core.v1.ConfigMap(resource, { metadata: { namespace, labels: labels(meta) }, data }, opts);
  const groupScript = (group: Group): string =>
    renderRedisInitScript({ ...group, sentinels: topo.sentinels });
  const redisConfig = configMap(`${name}-server-config`, redisMeta, {
    "redis.conf": renderRedisConf({
      kind: "data",
      port: REDIS_PORT,
      maxmemoryMiB: s.maxmemoryMiB,
      databases: s.databases,
      minReplicasToWrite: 1,
    }),
    [RULES_FILE]: rules.data,
    "init.sh": groupScript(topo),
  });
  const cacheConfig = configMap(`${name}-cache-config`, cacheMeta, {
    "redis.conf": renderRedisConf({
      kind: "cache",
      port: REDIS_PORT,
      maxmemoryMiB: s.cacheMaxmemoryMiB,
      databases: s.databases,
      minReplicasToWrite: 0,
    }),
    [RULES_FILE]: rules.cache,
    "init.sh": groupScript(topo.cache),
  });
  const sentinelConfig = configMap(`${name}-sentinel-config`, sentinelMeta, {
    "sentinel.conf": renderSentinelConf({
      port: SENTINEL_PORT,
      groups: [topo, topo.cache].map((g) => ({
        masterName: g.masterName,
        master: g.redis[0]!,
        quorum: s.quorum,
      })),
    }),
    [RULES_FILE]: rules.sentinel,
    "init.sh": renderSentinelInitScript({ groups: [topo, topo.cache], sentinels: topo.sentinels }),
  });

  for (const [resource, service, meta, port] of [
    [`${name}-server-headless`, names.redisHeadless, redisMeta, { name: "redis", port: REDIS_PORT }],
    [`${name}-cache-headless`, names.cacheHeadless, cacheMeta, { name: "redis", port: REDIS_PORT }],
    [
      `${name}-sentinel-headless`,
      names.sentinelHeadless,
      sentinelMeta,
      { name: "sentinel", port: SENTINEL_PORT },
    ],
  ] as const) {
    headlessService(resource, service, namespace, meta, port, parent);
  }

  const pod = { image: s.image, usersSecret: usersSecret.metadata.name, port: REDIS_PORT };
  const statefulSet = (
    resource: string,
    stsName: string,
    serviceName: string,
    meta: LabelArgs,
    replicas: number,
    template: k8s.types.input.core.v1.PodTemplateSpec,
    claims: k8s.types.input.core.v1.PersistentVolumeClaim[],
    options: pulumi.CustomResourceOptions,
  ): k8s.apps.v1.StatefulSet =>
    new k8s.apps.v1.StatefulSet(
      resource,
      {
        metadata: { name: stsName, namespace, labels: labels(meta) },
        spec: {
          serviceName,
          replicas,
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate" },
          selector: { matchLabels: selectorLabels(meta) },
          template,
          ...(claims.length ? { volumeClaimTemplates: claims } : {}),
        },
      },
      options,
    );

  const redis = statefulSet(
    `${name}-server`,
    names.redis,
    names.redisHeadless,
    redisMeta,
    s.replicas,
    redisPodTemplate({
      ...pod,
      labels: labels(redisMeta),
      selector: selectorLabels(redisMeta),
      configMap: redisConfig.metadata.name,
      maxmemoryMiB: s.maxmemoryMiB,
      data: { kind: "claim" },
    }),
    [dataVolumeClaim(s, labels(redisMeta))],
    statefulOptions(opts, s.protect),
  );
  const cache = statefulSet(
    `${name}-cache`,
    names.cache,
    names.cacheHeadless,
    cacheMeta,
    s.cacheReplicas,
    redisPodTemplate({
      ...pod,
      labels: labels(cacheMeta),
      selector: selectorLabels(cacheMeta),
      configMap: cacheConfig.metadata.name,
      maxmemoryMiB: s.cacheMaxmemoryMiB,
      // A replica's full resync writes the RDB it receives here first.
      data: { kind: "emptyDir", sizeLimitMiB: 2 * s.cacheMaxmemoryMiB },
    }),
    [],
    opts,
  );
  const sentinelClaim = dataVolumeClaim(
    { storageGiB: SENTINEL_STORAGE_GIB, storageClass: s.storageClass },
    labels(sentinelMeta),
  );
  const sentinel = statefulSet(
    `${name}-sentinel`,
    names.sentinel,
    names.sentinelHeadless,
    sentinelMeta,
    s.sentinels,
    sentinelPodTemplate({
      ...pod,
      port: SENTINEL_PORT,
      labels: labels(sentinelMeta),
      selector: selectorLabels(sentinelMeta),
      configMap: sentinelConfig.metadata.name,
    }),
    [{ ...sentinelClaim, metadata: { ...sentinelClaim.metadata, name: SENTINEL_STATE_VOLUME } }],
    statefulOptions(opts, s.protect),
  );

  disruptionBudget(`${name}-server-pdb`, names.redis, namespace, redisMeta, parent);
  disruptionBudget(`${name}-cache-pdb`, names.cache, namespace, cacheMeta, parent);
  disruptionBudget(`${name}-sentinel-pdb`, names.sentinel, namespace, sentinelMeta, parent);

  const usersJob = usersJobOf(name, {
    namespace,
    meta: usersMeta,
    image: s.image,
    topology: topo,
    rules,
    passwords,
    dependsOn: [redis, cache, sentinel],
    parent,
  });

  const login = (user: string): Login => ({ username: user, password: passwords.get(user)!.current });
  return {
    server: {
      kind: "sentinel",
      masterName: topo.masterName,
      cacheMasterName: topo.cache.masterName,
      sentinels: topo.sentinels,
      users: new Map(s.services.map((svc) => [svc, login(serviceUser(svc))])),
    },
    topology: topo,
    redis,
    cache,
    sentinel,
    usersJob,
    exporter: login(INTERNAL_USERS.exporter),
    admin: login(INTERNAL_USERS.admin),
  };
}

interface UsersJobArgs {
  readonly namespace: string;
  readonly meta: LabelArgs;
  readonly image: string;
  readonly topology: Topology;
  readonly rules: { readonly data: string; readonly cache: string; readonly sentinel: string };
  readonly passwords: ReadonlyMap<string, UserPassword>;
  readonly dependsOn: pulumi.Resource[];
  readonly parent: pulumi.Resource;
}

/**
 * The users Job: its ConfigMap (script and rules) and Secret (every user's file, redis-admin's in the clear)
 * are auto-named, so a new user, a removed one or a new password gives them new names and replaces the Job,
 * which runs again. Pulumi waits for it; the services, which depend on RedisHA, get their new passwords after.
 */
function usersJobOf(name: string, a: UsersJobArgs): k8s.batch.v1.Job {
  const opts = { parent: a.parent };
  const t = a.topology;
  const targets: UsersJobTarget[] = [
    ...t.redis.map((endpoint) => ({ kind: "data" as const, endpoint })),
    ...t.cache.redis.map((endpoint) => ({ kind: "cache" as const, endpoint })),
    ...t.sentinels.map((endpoint) => ({ kind: "sentinel" as const, endpoint })),
  ];
  const config = new k8s.core.v1.ConfigMap(
    `${name}-users-job`,
    {
      metadata: { namespace: a.namespace, labels: labels(a.meta) },
      data: {
        "users.sh": renderUsersJobScript(targets, [t.masterName, t.cache.masterName]),
        "data.acl": a.rules.data,
        "cache.acl": a.rules.cache,
        "sentinel.acl": a.rules.sentinel,
      },
    },
    opts,
  );
  const secret = new k8s.core.v1.Secret(
    `${name}-users-job`,
    {
      metadata: { namespace: a.namespace, labels: labels(a.meta) },
      type: "Opaque",
      stringData: usersDirectory(a.passwords, [INTERNAL_USERS.admin]),
    },
    opts,
  );
  return bootstrapJob(
    `${name}-users`,
    {
      namespace: a.namespace,
      labels: labels(a.meta),
      uid: REDIS_UID,
      image: a.image,
      command: ["sh", `${TEMPLATE_DIR}/users.sh`, TEMPLATE_DIR],
      env: [{ name: USERS_DIR_ENV, value: USERS_DIR }],
      noServiceLinks: true,
      mounts: [
        { name: "script", mountPath: TEMPLATE_DIR, volume: { configMap: { name: config.metadata.name } } },
        {
          name: "users",
          mountPath: USERS_DIR,
          volume: { secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
        },
      ],
    },
    { ...opts, dependsOn: a.dependsOn },
  );
}

/** A headless Service publishing every pod's address from the moment it has one, ready or not. */
function headlessService(
  resourceName: string,
  serviceName: string,
  namespace: string,
  meta: LabelArgs,
  port: { name: string; port: number },
  parent: pulumi.Resource,
): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    resourceName,
    {
      metadata: { name: serviceName, namespace, labels: labels(meta) },
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: selectorLabels(meta),
        ports: [{ name: port.name, port: port.port, targetPort: port.name }],
      },
    },
    { parent },
  );
}

/** One pod of the role at a time may be evicted: a drain never takes a quorum or the last replica. */
function disruptionBudget(
  resourceName: string,
  pdbName: string,
  namespace: string,
  meta: LabelArgs,
  parent: pulumi.Resource,
): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    resourceName,
    {
      metadata: { name: pdbName, namespace, labels: labels(meta) },
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(meta) } },
    },
    { parent },
  );
}
