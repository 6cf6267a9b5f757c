/**
 * Pod templates of the Redis (data and cache) and Sentinel StatefulSets. Pure apart from the Input types.
 *
 * All run the official image as its `redis` user (uid 999) under the restricted Pod Security Standard with a
 * read-only root filesystem. An init container renders the pod's config: a Redis pod's into an in-memory
 * emptyDir (rendered afresh on every start), a Sentinel's onto its volume claim (it carries Sentinel's state
 * over a reboot). Passwords come from the users Secret, mounted read-only as a directory (scripts.ts): the
 * kubelet refreshes it in place, so the probes pick up a rotated password without a restart.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { INTERNAL_USERS } from "./acl";
import { containerSecurityContext, podSecurityContext } from "../../lib/security";
import { POD_NAME_ENV, probeCommands, USERS_DIR_ENV } from "./scripts";
import { cacheResources, INIT_RESOURCES, redisResources, SENTINEL_RESOURCES } from "./sizing";

type PodTemplateSpec = k8s.types.input.core.v1.PodTemplateSpec;

/** The official image's `redis` user and group. */
export const REDIS_UID = 999;

/** Where the ConfigMap (templates, rules, init script), the users Secret and the writable config are mounted. */
export const TEMPLATE_DIR = "/opt/ferrum";
export const USERS_DIR = "/run/ferrum/users";
export const REDIS_CONFIG_DIR = "/etc/redis";
export const SENTINEL_CONFIG_DIR = "/etc/sentinel";
export const DATA_DIR = "/data";
/** The rules file of the server's ACL users in its ConfigMap (acl.ts). */
export const RULES_FILE = "users.acl";
/** The file the probes read the probe user's password from. */
export const PROBE_PASSWORD_FILE = `${USERS_DIR}/${INTERNAL_USERS.probe}`;
/** The Sentinel's volume claim (its config file and state). */
export const SENTINEL_STATE_VOLUME = "state";

export interface PodSpecInputs {
  readonly image: string;
  /** Labels of the pod; the selector subset drives the anti-affinity. */
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  /** Name of the ConfigMap holding the config template, the ACL rules and `init.sh`. */
  readonly configMap: pulumi.Input<string>;
  /** Name of the users Secret. */
  readonly usersSecret: pulumi.Input<string>;
  readonly port: number;
}

/** Prefer one pod of a role per node; on a single-node k3s they all still schedule. */
export function preferredAntiAffinity(selector: Record<string, string>): k8s.types.input.core.v1.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: selector },
          },
        },
      ],
    },
  };
}

const usersMount = { name: "users", mountPath: USERS_DIR, readOnly: true };

function initContainer(
  p: PodSpecInputs,
  template: string,
  configVolume: string,
  configDir: string,
  configFile: string,
): k8s.types.input.core.v1.Container {
  return {
    name: "config",
    image: p.image,
    command: [
      "sh",
      `${TEMPLATE_DIR}/init.sh`,
      `${TEMPLATE_DIR}/${template}`,
      `${TEMPLATE_DIR}/${RULES_FILE}`,
      `${configDir}/${configFile}`,
    ],
    env: [
      { name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: USERS_DIR_ENV, value: USERS_DIR },
    ],
    resources: INIT_RESOURCES,
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: "template", mountPath: TEMPLATE_DIR, readOnly: true },
      usersMount,
      { name: configVolume, mountPath: configDir },
    ],
  };
}

type Volume = k8s.types.input.core.v1.Volume;

function podBase(p: PodSpecInputs, volumes: readonly Volume[] = []): k8s.types.input.core.v1.PodSpec {
  return {
    automountServiceAccountToken: false,
    // A Service named like a variable (`redis-sentinel` -> REDIS_SENTINEL_PORT) must not leak into the env.
    enableServiceLinks: false,
    securityContext: podSecurityContext(REDIS_UID),
    affinity: preferredAntiAffinity(p.selector),
    containers: [],
    volumes: [
      { name: "template", configMap: { name: p.configMap, defaultMode: 0o444 } },
      // Group-readable through fsGroup, by the redis user only.
      { name: "users", secret: { secretName: p.usersSecret, defaultMode: 0o440 } },
      ...volumes,
    ],
  };
}

/** Where a Redis pod keeps its dataset: the data group on its volume claim, the cache group in an emptyDir. */
export type DataVolume =
  { readonly kind: "claim" } | { readonly kind: "emptyDir"; readonly sizeLimitMiB: number };

/** Redis pods: the init container decides master or replica. */
export function redisPodTemplate(
  p: PodSpecInputs & { readonly maxmemoryMiB: number; readonly data: DataVolume },
): PodTemplateSpec {
  const base = podBase(p, [
    // In memory: the rendered config holds the passwords the server sends and must not reach the disk.
    { name: "config", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ...(p.data.kind === "emptyDir"
      ? [{ name: "data", emptyDir: { sizeLimit: `${p.data.sizeLimitMiB}Mi` } }]
      : []),
  ]);
  return {
    metadata: { labels: p.labels },
    spec: {
      ...base,
      // SIGTERM makes Redis fsync the AOF and, as master, wait up to 10 s for replicas to catch up.
      terminationGracePeriodSeconds: 30,
      initContainers: [initContainer(p, "redis.conf", "config", REDIS_CONFIG_DIR, "redis.conf")],
      containers: [
        {
          name: "redis",
          image: p.image,
          command: ["redis-server", `${REDIS_CONFIG_DIR}/redis.conf`],
          workingDir: DATA_DIR,
          ports: [{ name: "redis", containerPort: p.port }],
          resources:
            p.data.kind === "emptyDir" ? cacheResources(p.maxmemoryMiB) : redisResources(p.maxmemoryMiB),
          securityContext: containerSecurityContext(),
          // Loading a large AOF takes time: liveness starts only once PING answers PONG.
          startupProbe: {
            exec: { command: probeCommands.ping(p.port, PROBE_PASSWORD_FILE) },
            periodSeconds: 5,
            failureThreshold: 120,
            timeoutSeconds: 5,
          },
          livenessProbe: {
            exec: { command: probeCommands.redisLiveness(p.port, PROBE_PASSWORD_FILE) },
            periodSeconds: 10,
            failureThreshold: 6,
            timeoutSeconds: 5,
          },
          readinessProbe: {
            exec: { command: probeCommands.redisReadiness(p.port, PROBE_PASSWORD_FILE) },
            periodSeconds: 5,
            failureThreshold: 3,
            timeoutSeconds: 5,
          },
          volumeMounts: [
            { name: "data", mountPath: DATA_DIR },
            { name: "config", mountPath: REDIS_CONFIG_DIR },
            usersMount,
          ],
        },
      ],
    },
  };
}

/** Sentinel pods: the config file, with the state Sentinel rewrites into it, lives on the volume claim `state`. */
export function sentinelPodTemplate(p: PodSpecInputs): PodTemplateSpec {
  const base = podBase(p);
  const probe = { exec: { command: probeCommands.ping(p.port, PROBE_PASSWORD_FILE) }, timeoutSeconds: 5 };
  return {
    metadata: { labels: p.labels },
    spec: {
      ...base,
      terminationGracePeriodSeconds: 10,
      initContainers: [
        initContainer(p, "sentinel.conf", SENTINEL_STATE_VOLUME, SENTINEL_CONFIG_DIR, "sentinel.conf"),
      ],
      containers: [
        {
          name: "sentinel",
          image: p.image,
          command: ["redis-server", `${SENTINEL_CONFIG_DIR}/sentinel.conf`, "--sentinel"],
          workingDir: SENTINEL_CONFIG_DIR,
          ports: [{ name: "sentinel", containerPort: p.port }],
          resources: SENTINEL_RESOURCES,
          securityContext: containerSecurityContext(),
          livenessProbe: { ...probe, periodSeconds: 10, failureThreshold: 6 },
          readinessProbe: { ...probe, periodSeconds: 5, failureThreshold: 3 },
          volumeMounts: [{ name: SENTINEL_STATE_VOLUME, mountPath: SENTINEL_CONFIG_DIR }, usersMount],
        },
      ],
    },
  };
}
