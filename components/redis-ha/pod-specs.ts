/**
 * Pod templates of the Redis and Sentinel StatefulSets. Pure apart from the Input types.
 *
 * Both run the official image as its `redis` user (uid 999) under the restricted Pod Security Standard with a
 * read-only root filesystem. An init container renders the pod's config into an in-memory emptyDir (the only
 * place the password is written to), which the server then owns and rewrites as Sentinel reconfigures it.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, podSecurityContext } from "../../lib/security";
import { PASSWORD_ENV, POD_NAME_ENV, probeCommands, REDISCLI_AUTH_ENV } from "./scripts";
import { INIT_RESOURCES, redisResources, SENTINEL_RESOURCES } from "./sizing";

type PodTemplateSpec = k8s.types.input.core.v1.PodTemplateSpec;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The official image's `redis` user and group. */
export const REDIS_UID = 999;
/** Key of the password in the Secret. */
export const PASSWORD_KEY = "password";

/** Where the ConfigMap (template and init script) and the writable config are mounted. */
export const TEMPLATE_DIR = "/opt/ferrum";
export const REDIS_CONFIG_DIR = "/etc/redis";
export const SENTINEL_CONFIG_DIR = "/etc/sentinel";
export const DATA_DIR = "/data";

export interface PodSpecInputs {
  readonly image: string;
  /** Labels of the pod; the selector subset drives the anti-affinity. */
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  /** Name of the ConfigMap holding the config template and `init.sh`. */
  readonly configMap: pulumi.Input<string>;
  /** Name of the Secret holding the password under {@link PASSWORD_KEY}. */
  readonly secret: pulumi.Input<string>;
  readonly port: number;
}

function passwordEnv(secret: pulumi.Input<string>, names: readonly string[]): EnvVar[] {
  return names.map((name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: PASSWORD_KEY } } }));
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

function initContainer(
  p: PodSpecInputs,
  template: string,
  configDir: string,
  configFile: string,
): k8s.types.input.core.v1.Container {
  return {
    name: "config",
    image: p.image,
    command: ["sh", `${TEMPLATE_DIR}/init.sh`, `${TEMPLATE_DIR}/${template}`, `${configDir}/${configFile}`],
    env: [
      { name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      ...passwordEnv(p.secret, [PASSWORD_ENV, REDISCLI_AUTH_ENV]),
    ],
    resources: INIT_RESOURCES,
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: "template", mountPath: TEMPLATE_DIR, readOnly: true },
      { name: "config", mountPath: configDir },
    ],
  };
}

function podBase(p: PodSpecInputs): k8s.types.input.core.v1.PodSpec {
  return {
    automountServiceAccountToken: false,
    // A Service named like a variable (`redis-sentinel` -> REDIS_SENTINEL_PORT) must not leak into the env.
    enableServiceLinks: false,
    securityContext: podSecurityContext(REDIS_UID),
    affinity: preferredAntiAffinity(p.selector),
    containers: [],
    volumes: [
      { name: "template", configMap: { name: p.configMap, defaultMode: 0o444 } },
      // In memory: the rendered config holds the password and must never reach the node's disk.
      { name: "config", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ],
  };
}

/** Redis pods: the init container decides master or replica; data on the volume claim `data`. */
export function redisPodTemplate(p: PodSpecInputs & { readonly maxmemoryMiB: number }): PodTemplateSpec {
  const base = podBase(p);
  return {
    metadata: { labels: p.labels },
    spec: {
      ...base,
      // SIGTERM makes Redis fsync the AOF and, as master, wait up to 10 s for replicas to catch up.
      terminationGracePeriodSeconds: 30,
      initContainers: [initContainer(p, "redis.conf", REDIS_CONFIG_DIR, "redis.conf")],
      containers: [
        {
          name: "redis",
          image: p.image,
          command: ["redis-server", `${REDIS_CONFIG_DIR}/redis.conf`],
          workingDir: DATA_DIR,
          ports: [{ name: "redis", containerPort: p.port }],
          env: passwordEnv(p.secret, [REDISCLI_AUTH_ENV]),
          resources: redisResources(p.maxmemoryMiB),
          securityContext: containerSecurityContext(),
          // Loading a large AOF takes time: liveness starts only once PING answers PONG.
          startupProbe: {
            exec: { command: probeCommands.ping(p.port) },
            periodSeconds: 5,
            failureThreshold: 120,
            timeoutSeconds: 5,
          },
          livenessProbe: {
            exec: { command: probeCommands.redisLiveness(p.port) },
            periodSeconds: 10,
            failureThreshold: 6,
            timeoutSeconds: 5,
          },
          readinessProbe: {
            exec: { command: probeCommands.redisReadiness(p.port) },
            periodSeconds: 5,
            failureThreshold: 3,
            timeoutSeconds: 5,
          },
          volumeMounts: [
            { name: "data", mountPath: DATA_DIR },
            { name: "config", mountPath: REDIS_CONFIG_DIR },
          ],
        },
      ],
    },
  };
}

/** Sentinel pods: stateless apart from the config file Sentinel rewrites. */
export function sentinelPodTemplate(p: PodSpecInputs): PodTemplateSpec {
  const base = podBase(p);
  const probe = { exec: { command: probeCommands.ping(p.port) }, timeoutSeconds: 5 };
  return {
    metadata: { labels: p.labels },
    spec: {
      ...base,
      terminationGracePeriodSeconds: 10,
      initContainers: [initContainer(p, "sentinel.conf", SENTINEL_CONFIG_DIR, "sentinel.conf")],
      containers: [
        {
          name: "sentinel",
          image: p.image,
          command: ["redis-server", `${SENTINEL_CONFIG_DIR}/sentinel.conf`, "--sentinel"],
          workingDir: SENTINEL_CONFIG_DIR,
          ports: [{ name: "sentinel", containerPort: p.port }],
          env: passwordEnv(p.secret, [REDISCLI_AUTH_ENV]),
          resources: SENTINEL_RESOURCES,
          securityContext: containerSecurityContext(),
          livenessProbe: { ...probe, periodSeconds: 10, failureThreshold: 6 },
          readinessProbe: { ...probe, periodSeconds: 5, failureThreshold: 3 },
          volumeMounts: [{ name: "config", mountPath: SENTINEL_CONFIG_DIR }],
        },
      ],
    },
  };
}
