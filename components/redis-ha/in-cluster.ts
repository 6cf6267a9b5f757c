/**
 * Redis 7 with Sentinel inside the cluster: two StatefulSets (Redis, Sentinel), each behind a headless
 * Service that gives its pods stable DNS names, each with a PodDisruptionBudget.
 *
 * Two StatefulSets rather than a Sentinel sidecar in each Redis pod: losing a pod (a drain, an OOM kill during
 * an AOF rewrite) then costs one Redis or one Sentinel, never both at once; a Sentinel config change does not
 * restart Redis (nor the reverse); and each role has its own resources, probes and disruption budget.
 * `podManagementPolicy: Parallel` starts every pod at once: the init scripts, not the start order, decide
 * which pod is master.
 *
 * No ClusterIP Service for the Sentinels: clients get all three pod names (`REDIS_SENTINELS`) and try each in
 * turn, which a load-balanced address would hide; and a Service named `<name>-sentinel` would inject
 * `REDIS_SENTINEL_*` variables into every pod of the namespace that keeps service links on.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labels, selectorLabels, type LabelArgs } from "../../lib/labels";
import { renderRedisConf, renderSentinelConf } from "./config-files";
import { kubernetesNames, REDIS_PORT, SENTINEL_PORT, topology, type Topology } from "./naming";
import { PASSWORD_KEY, redisPodTemplate, sentinelPodTemplate } from "./pod-specs";
import { renderRedisInitScript, renderSentinelInitScript } from "./scripts";
import type { RedisHASettings } from "./settings";
import type { SentinelServer } from "./types";
import { dataVolumeClaim, statefulOptions } from "../../lib/volumes";

/** What the in-cluster backend made: the server clients reach and its key resources. */
export interface InClusterRedisResources {
  readonly server: SentinelServer;
  readonly topology: Topology;
  readonly redis: k8s.apps.v1.StatefulSet;
  readonly sentinel: k8s.apps.v1.StatefulSet;
}

export function inClusterRedis(
  name: string,
  s: RedisHASettings,
  parent: pulumi.Resource,
): InClusterRedisResources {
  const opts = { parent };
  const namespace = s.namespace;
  const names = kubernetesNames(name);
  const topo = topology(name, namespace, s.replicas, s.sentinels);
  const redisMeta: LabelArgs = { name: "redis", instance: name, component: "cache" };
  const sentinelMeta: LabelArgs = { name: "redis", instance: name, component: "sentinel" };

  const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, opts);
  const secret = new k8s.core.v1.Secret(
    `${name}-credentials`,
    {
      metadata: { namespace, labels: labels(redisMeta) },
      type: "Opaque",
      stringData: { [PASSWORD_KEY]: pulumi.secret(password.result) },
    },
    opts,
  );

  const redisConfig = new k8s.core.v1.ConfigMap(
    `${name}-server-config`,
    {
      metadata: { namespace, labels: labels(redisMeta) },
      data: {
        "redis.conf": renderRedisConf({
          port: REDIS_PORT,
          maxmemoryMiB: s.maxmemoryMiB,
          databases: s.databases,
          minReplicasToWrite: 1,
        }),
        "init.sh": renderRedisInitScript(topo),
      },
    },
    opts,
  );
  const sentinelConfig = new k8s.core.v1.ConfigMap(
    `${name}-sentinel-config`,
    {
      metadata: { namespace, labels: labels(sentinelMeta) },
      data: {
        "sentinel.conf": renderSentinelConf({
          port: SENTINEL_PORT,
          masterName: topo.masterName,
          master: topo.redis[0]!,
          quorum: s.quorum,
        }),
        "init.sh": renderSentinelInitScript(topo),
      },
    },
    opts,
  );

  headlessService(
    `${name}-server-headless`,
    names.redisHeadless,
    namespace,
    redisMeta,
    { name: "redis", port: REDIS_PORT },
    parent,
  );
  headlessService(
    `${name}-sentinel-headless`,
    names.sentinelHeadless,
    namespace,
    sentinelMeta,
    { name: "sentinel", port: SENTINEL_PORT },
    parent,
  );

  const pod = { image: s.image, secret: secret.metadata.name };
  const redis = new k8s.apps.v1.StatefulSet(
    `${name}-server`,
    {
      metadata: { name: names.redis, namespace, labels: labels(redisMeta) },
      spec: {
        serviceName: names.redisHeadless,
        replicas: s.replicas,
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate" },
        selector: { matchLabels: selectorLabels(redisMeta) },
        template: redisPodTemplate({
          ...pod,
          labels: labels(redisMeta),
          selector: selectorLabels(redisMeta),
          configMap: redisConfig.metadata.name,
          port: REDIS_PORT,
          maxmemoryMiB: s.maxmemoryMiB,
        }),
        volumeClaimTemplates: [dataVolumeClaim(s, labels(redisMeta))],
      },
    },
    statefulOptions(opts, s.protect),
  );
  const sentinel = new k8s.apps.v1.StatefulSet(
    `${name}-sentinel`,
    {
      metadata: { name: names.sentinel, namespace, labels: labels(sentinelMeta) },
      spec: {
        serviceName: names.sentinelHeadless,
        replicas: s.sentinels,
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate" },
        selector: { matchLabels: selectorLabels(sentinelMeta) },
        template: sentinelPodTemplate({
          ...pod,
          labels: labels(sentinelMeta),
          selector: selectorLabels(sentinelMeta),
          configMap: sentinelConfig.metadata.name,
          port: SENTINEL_PORT,
        }),
      },
    },
    opts,
  );

  disruptionBudget(`${name}-server-pdb`, names.redis, namespace, redisMeta, parent);
  disruptionBudget(`${name}-sentinel-pdb`, names.sentinel, namespace, sentinelMeta, parent);

  return {
    server: {
      kind: "sentinel",
      masterName: topo.masterName,
      sentinels: topo.sentinels,
      password: pulumi.secret(password.result),
    },
    topology: topo,
    redis,
    sentinel,
  };
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
