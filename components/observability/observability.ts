/**
 * Observability: Prometheus Operator with Prometheus, Alertmanager and Grafana (kube-prometheus-stack), Loki
 * with Fluent Bit shipping every container's log to it, Tempo when tracing is on, the exporters behind the
 * data alerts, the platform's PrometheusRule and its Grafana dashboard. Every chart is a pinned
 * `helm.v3.Release`; no credential is ever a Helm value (Grafana's admin login is a Secret the chart reads).
 *
 * DjangoService makes the services' ServiceMonitors; they, like every ServiceMonitor here, need the CRDs the
 * kube-prometheus-stack release installs: depend on `prometheusStack`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { OBSERVABILITY_CHARTS, RELEASE_NAMES, type PinnedChart } from "./charts";
import { DASHBOARD_FILE, renderDashboardJson } from "./dashboard";
import { stackEndpoints, type StackEndpoints } from "./endpoints";
import {
  celeryExporter,
  exporterNetworkPolicy,
  postgresExporter,
  redisExporter,
  type Exporter,
  type ExporterContext,
} from "./exporters";
import { monitoringLabels } from "./labels";
import { renderRules } from "./rules";
import { resolveObservabilitySettings } from "./settings";
import type { ObservabilityArgs } from "./types";
import {
  DASHBOARD_LABEL,
  fluentBitValues,
  GRAFANA_ADMIN_KEYS,
  lokiValues,
  prometheusStackValues,
  tempoValues,
} from "./values";

/** Name of the PrometheusRule holding the platform's alerts. */
export const RULE_NAME = "ferrum-alerts";

export class Observability extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  /** kube-prometheus-stack: installs the monitoring.coreos.com CRDs every ServiceMonitor needs. */
  public readonly prometheusStack: k8s.helm.v3.Release;
  public readonly loki: k8s.helm.v3.Release;
  public readonly fluentBit: k8s.helm.v3.Release;
  /** Only with tracing on. */
  public readonly tempo?: k8s.helm.v3.Release;
  public readonly exporters: readonly Exporter[];
  /** Secret: Grafana's generated admin password. */
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  public readonly grafanaAdminUser: string;
  /** In-cluster addresses of Prometheus, Grafana, Loki and Tempo. */
  public readonly endpoints: StackEndpoints;

  constructor(name: string, args: ObservabilityArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before anything registers, this component included.
    const s = resolveObservabilitySettings(name, args);
    super("ferrum:index:Observability", name, {}, opts);
    const parent = { parent: this };
    const ns = s.namespace;

    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: ns,
          labels: {
            ...monitoringLabels({ name: ns, instance: name, component: "namespace" }),
            // node-exporter (host network and PID namespace) and Fluent Bit (host log directories) cannot run
            // under "restricted"; this namespace holds only the monitoring stack. The exporters stay in the
            // platform's restricted namespace.
            "pod-security.kubernetes.io/enforce": "privileged",
          },
        },
      },
      parent,
    );
    const inNamespace = { parent: this, dependsOn: [this.namespace] };

    const password = new random.RandomPassword(
      `${name}-grafana-admin-password`,
      { length: 32, special: false },
      parent,
    );
    this.grafanaAdminPassword = pulumi.secret(password.result);
    this.grafanaAdminUser = s.grafanaAdminUser;
    // Auto-named: a new password gives a new Secret name, so the release (and Grafana) roll with it.
    const grafanaAdmin = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: {
          namespace: ns,
          labels: monitoringLabels({ name: "grafana", instance: name, component: "monitoring" }),
        },
        type: "Opaque",
        stringData: {
          [GRAFANA_ADMIN_KEYS.user]: s.grafanaAdminUser,
          [GRAFANA_ADMIN_KEYS.password]: this.grafanaAdminPassword,
        },
      },
      inNamespace,
    );

    const release = (
      role: keyof typeof OBSERVABILITY_CHARTS,
      values: Record<string, unknown>,
      dependsOn: pulumi.Resource[],
    ) =>
      helmRelease(
        `${name}-${RELEASE_NAMES[role]}`,
        OBSERVABILITY_CHARTS[role],
        RELEASE_NAMES[role],
        ns,
        values,
        {
          parent: this,
          dependsOn: [this.namespace, ...dependsOn],
        },
      );

    this.prometheusStack = release(
      "kubePrometheusStack",
      prometheusStackValues({
        namespace: ns,
        grafanaAdminSecret: grafanaAdmin.metadata.name,
        tracing: s.tracing,
        storageGiB: s.metricsStorageGiB,
        retentionDays: s.metricsRetentionDays,
        storageClass: s.storageClass,
      }),
      [grafanaAdmin],
    );
    const afterCrds = [this.prometheusStack];
    this.loki = release(
      "loki",
      lokiValues({ storage: s.logs, retentionDays: s.logRetentionDays, storageClass: s.storageClass }),
      [],
    );
    // Its ServiceMonitor needs the CRDs; it waits for nothing else (logs buffer until Loki answers).
    this.fluentBit = release("fluentBit", fluentBitValues(ns), afterCrds);
    if (s.tracing) {
      this.tempo = release(
        "tempo",
        tempoValues({ retentionHours: 72, storageGiB: 10, storageClass: s.storageClass }),
        afterCrds,
      );
    }

    new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: {
          namespace: ns,
          labels: {
            ...monitoringLabels({ name: "django-services", instance: name, component: "monitoring" }),
            ...DASHBOARD_LABEL,
          },
        },
        data: { [DASHBOARD_FILE]: renderDashboardJson({ platformNamespace: s.platformNamespace }) },
      },
      inNamespace,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: {
          name: RULE_NAME,
          namespace: ns,
          labels: monitoringLabels({ name: RULE_NAME, instance: name, component: "monitoring" }),
        },
        spec: renderRules({
          platformNamespace: s.platformNamespace,
          monitoringNamespace: ns,
          sentinelQuorum: s.sentinelQuorum,
        }),
      },
      { parent: this, dependsOn: afterCrds },
    );

    const ctx: ExporterContext = {
      name,
      namespace: s.platformNamespace,
      parent: this,
      dependsOn: afterCrds,
    };
    this.exporters = [
      ...(args.redis ? [redisExporter(ctx, args.redis)] : []),
      ...(args.postgres ? [postgresExporter(ctx, args.postgres)] : []),
      ...s.celery.map((c) => celeryExporter(ctx, c)),
    ];
    if (this.exporters.length) exporterNetworkPolicy(ctx, ns);

    this.endpoints = stackEndpoints(ns);
    this.registerOutputs({
      namespace: ns,
      grafanaService: this.endpoints.grafanaService,
      grafanaAdminUser: this.grafanaAdminUser,
      grafanaAdminPassword: this.grafanaAdminPassword,
    });
  }
}

/** A pinned chart, installed atomically under a fixed release name. */
function helmRelease(
  logicalName: string,
  chart: PinnedChart,
  releaseName: string,
  namespace: string,
  values: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    logicalName,
    {
      name: releaseName,
      chart: chart.chart,
      version: chart.version,
      repositoryOpts: { repo: chart.repo },
      namespace,
      createNamespace: false,
      atomic: true,
      timeout: 900,
      // A `null` in the values deletes the chart's default at that key (Tempo's unused receivers), as it
      // does with `helm --set key=null`; without this the provider drops it and the default stays.
      allowNullValues: true,
      values,
    },
    opts,
  );
}
