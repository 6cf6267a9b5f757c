/**
 * The exporters behind the data alerts: redis_exporter (every Redis and Sentinel pod, or the managed cache),
 * postgres_exporter and one celery-exporter per Celery service. Each is a one-replica Deployment with a
 * Service and a ServiceMonitor, running in the platform namespace: beside the Secrets it reads and inside the
 * NetworkPolicy that admits that namespace to Redis and PostgreSQL. Credentials reach them only through
 * `secretKeyRef`, from an existing Secret or from a Secret made here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, podSecurityContext } from "../../lib/security";
import { EXPORTER_IMAGES, EXPORTER_PORTS } from "./charts";
import {
  celeryTransportOptionEnv,
  directScrapeUrl,
  postgresDataSourceUri,
  sentinelScrapeTargets,
} from "./exporter-specs";
import { monitoringLabels, monitoringSelector } from "./labels";
import type { CeleryTarget, Credential, PostgresTarget, RedisTarget } from "./types";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;
type Endpoint = Record<string, unknown>;

/** Where the exporters live and who owns them. */
export interface ExporterContext {
  /** The component's name: children are `${name}-<exporter>`. */
  readonly name: string;
  readonly namespace: string;
  readonly parent: pulumi.Resource;
  /** What the ServiceMonitors wait for: the release that installs their CRD. */
  readonly dependsOn: pulumi.Resource[];
}

interface ExporterSpec {
  /** Kubernetes name of the Deployment and Service; the Service's name is the metrics' `job` label. */
  readonly app: string;
  readonly image: string;
  readonly port: number;
  /** The non-root user the image declares. */
  readonly uid: number;
  readonly env: readonly EnvVar[];
  /** Variables whose values are credentials, each read from a Secret. */
  readonly secretEnv: Readonly<Record<string, Credential>>;
  readonly args?: readonly string[];
  readonly readinessProbe: Probe;
  readonly endpoints: readonly Endpoint[];
}

export interface Exporter {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly serviceMonitor: k8s.apiextensions.CustomResource;
  /** The Secret made for `value` credentials, if any. */
  readonly secret?: k8s.core.v1.Secret;
}

const tcpProbe = (port: number): Probe => ({ tcpSocket: { port }, periodSeconds: 10, failureThreshold: 3 });

function exporter(ctx: ExporterContext, spec: ExporterSpec): Exporter {
  const id = `${ctx.name}-${spec.app}`;
  const meta = { name: spec.app, instance: ctx.name, component: "metrics" as const };
  const opts = { parent: ctx.parent };
  const owned = Object.entries(spec.secretEnv).filter(([, c]) => c.kind === "value");
  const secret = owned.length
    ? new k8s.core.v1.Secret(
        id,
        {
          metadata: { namespace: ctx.namespace, labels: monitoringLabels(meta) },
          type: "Opaque",
          stringData: Object.fromEntries(
            owned.map(([env, c]) => [env, pulumi.secret((c as { value: pulumi.Output<string> }).value)]),
          ),
        },
        opts,
      )
    : undefined;
  const secretEnv: EnvVar[] = Object.entries(spec.secretEnv).map(([env, c]) => ({
    name: env,
    valueFrom: {
      secretKeyRef:
        c.kind === "secretKey"
          ? { name: c.secretName, key: c.key }
          : { name: secret!.metadata.name, key: env },
    },
  }));

  const deployment = new k8s.apps.v1.Deployment(
    id,
    {
      metadata: { name: spec.app, namespace: ctx.namespace, labels: monitoringLabels(meta) },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: monitoringSelector(meta) },
        template: {
          metadata: { labels: monitoringLabels(meta) },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(spec.uid),
            containers: [
              {
                name: "exporter",
                image: spec.image,
                ...(spec.args ? { args: [...spec.args] } : {}),
                ports: [{ name: "metrics", containerPort: spec.port }],
                env: [...spec.env, { name: "HOME", value: "/tmp" }, ...secretEnv],
                resources: {
                  requests: { cpu: "20m", memory: "64Mi" },
                  limits: { cpu: "200m", memory: "256Mi" },
                },
                securityContext: containerSecurityContext(),
                readinessProbe: spec.readinessProbe,
                livenessProbe: { ...tcpProbe(spec.port), failureThreshold: 6 },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "tmp", emptyDir: {} }],
          },
        },
      },
    },
    opts,
  );
  const service = new k8s.core.v1.Service(
    id,
    {
      metadata: { name: spec.app, namespace: ctx.namespace, labels: monitoringLabels(meta) },
      spec: {
        type: "ClusterIP",
        selector: monitoringSelector(meta),
        ports: [{ name: "metrics", port: spec.port, targetPort: "metrics" }],
      },
    },
    opts,
  );
  const serviceMonitor = new k8s.apiextensions.CustomResource(
    `${id}-service-monitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: spec.app, namespace: ctx.namespace, labels: monitoringLabels(meta) },
      spec: { selector: { matchLabels: monitoringSelector(meta) }, endpoints: spec.endpoints },
    },
    { parent: ctx.parent, dependsOn: ctx.dependsOn },
  );
  return { deployment, service, serviceMonitor, ...(secret ? { secret } : {}) };
}

const scrape = { port: "metrics", interval: "30s", scrapeTimeout: "10s" };

/** One multi-target redis_exporter: each Redis and Sentinel pod is its own scrape endpoint. */
export function redisExporter(ctx: ExporterContext, target: RedisTarget): Exporter {
  const targets =
    target.kind === "sentinel"
      ? sentinelScrapeTargets(
          target.redisHosts,
          target.sentinelHosts,
          target.redisPort ?? 6379,
          target.sentinelPort ?? 26379,
          target.cacheHosts ?? [],
        ).map((t) => ({ ...t, url: t.url as pulumi.Input<string> }))
      : [
          {
            instance: "primary",
            role: "server" as const,
            url: pulumi.output(target.host).apply((h) => directScrapeUrl(h, target.port)),
          },
        ];
  return exporter(ctx, {
    app: "redis-exporter",
    image: EXPORTER_IMAGES.redis,
    port: EXPORTER_PORTS.redis,
    uid: 59000,
    env: [
      { name: "REDIS_ADDR", value: targets[0]!.url },
      // One login for every target: RedisHA gives the exporter its own ACL user on every Redis and Sentinel.
      ...(target.kind === "sentinel" && target.username
        ? [{ name: "REDIS_USER", value: target.username }]
        : []),
    ],
    secretEnv: { REDIS_PASSWORD: target.password },
    readinessProbe: tcpProbe(EXPORTER_PORTS.redis),
    endpoints: targets.map((t) => ({
      ...scrape,
      path: "/scrape",
      params: { target: [t.url] },
      relabelings: [
        { targetLabel: "instance", replacement: t.instance },
        { targetLabel: "redis_role", replacement: t.role },
      ],
    })),
  });
}

export function postgresExporter(ctx: ExporterContext, target: PostgresTarget): Exporter {
  const database = target.database ?? "postgres";
  return exporter(ctx, {
    app: "postgres-exporter",
    image: EXPORTER_IMAGES.postgres,
    port: EXPORTER_PORTS.postgres,
    uid: 65534,
    env: [
      {
        name: "DATA_SOURCE_URI",
        value: pulumi
          .output(target.host)
          .apply((h) => postgresDataSourceUri(h, target.port, database, target.sslMode)),
      },
      { name: "DATA_SOURCE_USER", value: target.user },
    ],
    secretEnv: { DATA_SOURCE_PASS: target.password },
    readinessProbe: tcpProbe(EXPORTER_PORTS.postgres),
    endpoints: [{ ...scrape, path: "/metrics" }],
  });
}

/** The celery-exporter of one service's broker (its own Celery DB). */
export function celeryExporter(ctx: ExporterContext, target: CeleryTarget): Exporter {
  const queues = target.queues ?? ["celery"];
  return exporter(ctx, {
    app: `celery-exporter-${target.service}`,
    image: EXPORTER_IMAGES.celery,
    port: EXPORTER_PORTS.celery,
    uid: 1000,
    env: [],
    args: [`--port=${EXPORTER_PORTS.celery}`, `--queues=${queues.join(",")}`, "--retry-interval=5"],
    secretEnv: {
      CE_BROKER_URL: { kind: "value", value: target.brokerUrl },
      CE_BROKER_TRANSPORT_OPTION: {
        kind: "value",
        value: pulumi.secret(target.transportOptions.apply(celeryTransportOptionEnv)),
      },
    },
    readinessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 15, failureThreshold: 3 },
    endpoints: [{ ...scrape, path: "/metrics" }],
  });
}

/** Admits the monitoring namespace to the exporters' metrics ports (the platform denies by default). */
export function exporterNetworkPolicy(
  ctx: ExporterContext,
  monitoringNamespace: string,
): k8s.networking.v1.NetworkPolicy {
  const name = "allow-monitoring-to-exporters";
  return new k8s.networking.v1.NetworkPolicy(
    `${ctx.name}-${name}`,
    {
      metadata: {
        name,
        namespace: ctx.namespace,
        labels: monitoringLabels({ name, instance: ctx.name, component: "network-policy" }),
      },
      spec: {
        podSelector: {
          matchLabels: { "app.kubernetes.io/part-of": "ferrum", "app.kubernetes.io/component": "metrics" },
        },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoringNamespace } } },
            ],
            ports: Object.values(EXPORTER_PORTS).map((port) => ({ protocol: "TCP", port })),
          },
        ],
      },
    },
    { parent: ctx.parent },
  );
}
