/**
 * Pinned Helm charts and images of the observability stack. A bump is a reviewed change here, never a
 * floating range: `helm.v3.Release` installs exactly `version`.
 */

/** A Helm chart pinned by version, with the repository it is fetched from. */
export interface PinnedChart {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
}

export const OBSERVABILITY_CHARTS = {
  /** Prometheus Operator, Prometheus, Alertmanager, Grafana, kube-state-metrics, node-exporter. */
  kubePrometheusStack: {
    chart: "kube-prometheus-stack",
    version: "77.13.0",
    repo: "https://prometheus-community.github.io/helm-charts",
  },
  loki: { chart: "loki", version: "6.42.0", repo: "https://grafana.github.io/helm-charts" },
  fluentBit: { chart: "fluent-bit", version: "0.55.0", repo: "https://fluent.github.io/helm-charts" },
  /** Tempo in single-binary mode; installed only with tracing on. */
  tempo: { chart: "tempo", version: "1.24.1", repo: "https://grafana.github.io/helm-charts" },
} as const satisfies Record<string, PinnedChart>;

/** Exporter images, pinned by tag. Each runs as the non-root user its image declares. */
export const EXPORTER_IMAGES = {
  redis: "oliver006/redis_exporter:v1.77.0",
  postgres: "prometheuscommunity/postgres-exporter:v0.18.1",
  celery: "danihodovic/celery-exporter:0.10.13",
} as const;

/** Ports the exporters listen on (each project's default). */
export const EXPORTER_PORTS = { redis: 9121, postgres: 9187, celery: 9808 } as const;

/** Helm release names: fixed, so the Services the others address have stable DNS names. */
export const RELEASE_NAMES = {
  kubePrometheusStack: "kube-prometheus-stack",
  loki: "loki",
  fluentBit: "fluent-bit",
  tempo: "tempo",
} as const;
