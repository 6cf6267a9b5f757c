/**
 * The Helm values of the four releases, rendered from plain settings. Pure apart from Input types: the only
 * Inputs are Kubernetes names and cloud identifiers (a Secret's name, a bucket, a role ARN), never a secret.
 * A test scans every release's values for every secret the program holds.
 */
import type * as pulumi from "@pulumi/pulumi";
import { stackEndpoints } from "./endpoints";
import type { LogStorage } from "./types";

/** Keys of the Grafana admin Secret the chart reads (`grafana.admin.existingSecret`). */
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;

/** The Grafana sidecar imports every ConfigMap of the monitoring namespace carrying this label. */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/** Data source uids the dashboards and the Tempo links refer to. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", tempo: "tempo" } as const;

/** The ServiceAccount Loki runs as; cloud identities (IRSA, workload identity) trust exactly this name. */
export const LOKI_SERVICE_ACCOUNT = "loki";

/**
 * Requests (and a memory limit) of a chart's container. Every pod the charts run gets explicit requests, so
 * the scheduler reserves what each needs and README's node sizes for the opt-ins add up (harness/dev-budget.ts
 * reads them back from these values); the figures are the components' usual footprint on a small cluster.
 */
export const chartResources = (cpu: string, memory: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { memory: memoryLimit },
});

const volume = (storageGiB: number, storageClass?: string) => ({
  accessModes: ["ReadWriteOnce"],
  ...(storageClass ? { storageClassName: storageClass } : {}),
  resources: { requests: { storage: `${storageGiB}Gi` } },
});

export interface PrometheusStackSettings {
  readonly namespace: string;
  /** Name of the Secret holding Grafana's admin login under {@link GRAFANA_ADMIN_KEYS}. */
  readonly grafanaAdminSecret: pulumi.Input<string>;
  readonly tracing: boolean;
  readonly storageGiB: number;
  readonly retentionDays: number;
  readonly storageClass?: string;
}

/** Loki, and Tempo with tracing on; Prometheus is the chart's own default data source (uid `prometheus`). */
export function grafanaDataSources(namespace: string, tracing: boolean): Record<string, unknown>[] {
  const e = stackEndpoints(namespace);
  const loki = {
    name: "Loki",
    type: "loki",
    uid: DATASOURCE_UIDS.loki,
    access: "proxy",
    url: e.lokiUrl,
    jsonData: { maxLines: 1000 },
  };
  const tempo = {
    name: "Tempo",
    type: "tempo",
    uid: DATASOURCE_UIDS.tempo,
    access: "proxy",
    url: e.tempoUrl,
    jsonData: {
      tracesToLogsV2: { datasourceUid: DATASOURCE_UIDS.loki },
      serviceMap: { datasourceUid: DATASOURCE_UIDS.prometheus },
      nodeGraph: { enabled: true },
    },
  };
  return tracing ? [loki, tempo] : [loki];
}

export function prometheusStackValues(s: PrometheusStackSettings): Record<string, unknown> {
  return {
    crds: { enabled: true },
    // k3s embeds these, EKS and AKS manage them: Prometheus cannot scrape them, so their targets and rules
    // would only ever alert.
    kubeEtcd: { enabled: false },
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    prometheus: {
      prometheusSpec: {
        // Select every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule of the cluster, not
        // only those carrying this release's label: DjangoService's and the exporters' carry ferrum's labels.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        retention: `${s.retentionDays}d`,
        // Headroom for the WAL, so the volume never fills (the PVC alert fires below 10% free).
        retentionSize: `${Math.max(1, Math.floor(s.storageGiB * 0.8))}GB`,
        storageSpec: { volumeClaimTemplate: { spec: volume(s.storageGiB, s.storageClass) } },
        resources: { requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "3Gi" } },
      },
    },
    alertmanager: { alertmanagerSpec: { resources: chartResources("20m", "64Mi", "256Mi") } },
    prometheusOperator: {
      resources: chartResources("50m", "96Mi", "256Mi"),
      // The config-reloader sidecar the operator adds to Prometheus and Alertmanager.
      prometheusConfigReloader: { resources: chartResources("10m", "32Mi", "64Mi") },
      admissionWebhooks: { patch: { resources: chartResources("10m", "32Mi", "64Mi") } },
    },
    "kube-state-metrics": { resources: chartResources("20m", "64Mi", "256Mi") },
    "prometheus-node-exporter": { resources: chartResources("20m", "32Mi", "128Mi") },
    grafana: {
      // The login comes from a Secret made outside the chart: it never enters the release's values.
      admin: {
        existingSecret: s.grafanaAdminSecret,
        userKey: GRAFANA_ADMIN_KEYS.user,
        passwordKey: GRAFANA_ADMIN_KEYS.password,
      },
      // Dashboards and data sources are code; nothing in Grafana's database needs to survive a restart.
      persistence: { enabled: false },
      resources: chartResources("100m", "192Mi", "512Mi"),
      sidecar: {
        // Each of its two sidecars (dashboards, data sources).
        resources: chartResources("10m", "64Mi", "128Mi"),
        dashboards: {
          enabled: true,
          label: Object.keys(DASHBOARD_LABEL)[0],
          labelValue: Object.values(DASHBOARD_LABEL)[0],
        },
        datasources: { enabled: true, defaultDatasourceEnabled: true, uid: DATASOURCE_UIDS.prometheus },
      },
      additionalDataSources: grafanaDataSources(s.namespace, s.tracing),
      "grafana.ini": {
        analytics: { check_for_updates: false, reporting_enabled: false },
        users: { allow_sign_up: false },
      },
    },
  };
}

/** SingleBinary on a volume (filesystem); SimpleScalable (read, write, backend) on object storage. */
export function lokiDeploymentMode(storage: LogStorage): "SingleBinary" | "SimpleScalable" {
  return storage.kind === "filesystem" ? "SingleBinary" : "SimpleScalable";
}

/** Loki's `object_store` name for each backend. */
const OBJECT_STORE = { filesystem: "filesystem", s3: "s3", azureBlob: "azure" } as const;

function lokiStorage(storage: LogStorage): {
  storage: Record<string, unknown>;
  serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
  podLabels: Record<string, string>;
} {
  switch (storage.kind) {
    case "filesystem":
      return { storage: { type: "filesystem" }, serviceAccountAnnotations: {}, podLabels: {} };
    case "s3": {
      const b = storage.bucket;
      return {
        storage: {
          type: "s3",
          bucketNames: { chunks: b, ruler: b, admin: b },
          // No keys: the pods assume the role through IRSA.
          s3: { region: storage.region },
        },
        serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": storage.roleArn },
        podLabels: {},
      };
    }
    case "azureBlob": {
      const c = storage.container;
      return {
        storage: {
          type: "azure",
          bucketNames: { chunks: c, ruler: c, admin: c },
          azure: { accountName: storage.storageAccount, useFederatedToken: true },
        },
        serviceAccountAnnotations: { "azure.workload.identity/client-id": storage.clientId },
        podLabels: { "azure.workload.identity/use": "true" },
      };
    }
  }
}

export interface LokiSettings {
  readonly storage: LogStorage;
  readonly retentionDays: number;
  readonly storageClass?: string;
}

export function lokiValues(s: LokiSettings): Record<string, unknown> {
  const objectStore = OBJECT_STORE[s.storage.kind];
  const mode = lokiDeploymentMode(s.storage);
  const backend = lokiStorage(s.storage);
  // The volumes outlive their StatefulSet, like every other data volume of the platform: the chart's
  // default deletes the single binary's and the backend's claims with it (a retention policy of Delete);
  // without one, Kubernetes keeps them. The single binary's volume holds every log on `filesystem`.
  const volume = (sizeGiB: number) => ({
    size: `${sizeGiB}Gi`,
    ...(s.storageClass ? { storageClass: s.storageClass } : {}),
    enableStatefulSetAutoDeletePVC: false,
  });
  // The chart reads `persistence.enabled` for the single binary, `persistence.volumeClaimsEnabled` for the
  // backend and write targets.
  const replicas =
    mode === "SingleBinary"
      ? {
          singleBinary: {
            replicas: 1,
            resources: chartResources("100m", "256Mi", "1Gi"),
            persistence: {
              enabled: true,
              ...volume(s.storage.kind === "filesystem" ? (s.storage.storageGiB ?? 10) : 10),
            },
          },
          backend: { replicas: 0 },
          read: { replicas: 0 },
          write: { replicas: 0 },
        }
      : {
          singleBinary: { replicas: 0 },
          backend: {
            replicas: 2,
            resources: chartResources("100m", "256Mi", "1Gi"),
            persistence: { volumeClaimsEnabled: true, ...volume(10) },
          },
          read: { replicas: 2, resources: chartResources("100m", "256Mi", "1Gi") },
          write: {
            replicas: 3,
            resources: chartResources("100m", "512Mi", "2Gi"),
            persistence: { volumeClaimsEnabled: true, ...volume(10) },
          },
        };
  return {
    deploymentMode: mode,
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: mode === "SingleBinary" ? 1 : 3 },
      schemaConfig: {
        configs: [
          {
            from: "2024-04-01",
            store: "tsdb",
            object_store: objectStore,
            schema: "v13",
            index: { prefix: "loki_index_", period: "24h" },
          },
        ],
      },
      storage: backend.storage,
      limits_config: { retention_period: `${s.retentionDays * 24}h` },
      compactor: { retention_enabled: true, delete_request_store: objectStore },
      podLabels: backend.podLabels,
    },
    serviceAccount: {
      create: true,
      name: LOKI_SERVICE_ACCOUNT,
      annotations: backend.serviceAccountAnnotations,
    },
    ...replicas,
    // One address for pushes and queries in both modes.
    gateway: { enabled: true, resources: chartResources("10m", "32Mi", "128Mi") },
    // The rules sidecar beside Loki's containers.
    sidecar: { resources: chartResources("10m", "64Mi", "128Mi") },
    // The memcached caches ask for gigabytes by default; this platform's log volume does not need them.
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
  };
}

/** The Fluent Bit pipeline: every container's log, Kubernetes metadata, shipped to Loki's gateway. */
export function fluentBitPipeline(lokiHost: string, lokiPort: number): Record<string, string> {
  const section = (name: string, entries: [string, string | number][]) =>
    [`[${name}]`, ...entries.map(([k, v]) => `    ${k} ${v}`)].join("\n") + "\n";
  return {
    inputs: section("INPUT", [
      ["Name", "tail"],
      ["Path", "/var/log/containers/*.log"],
      ["multiline.parser", "docker, cri"],
      ["Tag", "kube.*"],
      ["Mem_Buf_Limit", "10MB"],
      ["Skip_Long_Lines", "On"],
    ]),
    filters: section("FILTER", [
      ["Name", "kubernetes"],
      ["Match", "kube.*"],
      ["Merge_Log", "On"],
      ["Keep_Log", "Off"],
      ["K8S-Logging.Parser", "On"],
      ["K8S-Logging.Exclude", "On"],
    ]),
    outputs: section("OUTPUT", [
      ["Name", "loki"],
      ["Match", "kube.*"],
      ["Host", lokiHost],
      ["Port", lokiPort],
      // Few, bounded labels: the stream per container. Everything else stays in the JSON line.
      [
        "Labels",
        "job=fluent-bit, namespace=$kubernetes['namespace_name'], pod=$kubernetes['pod_name'], " +
          "container=$kubernetes['container_name'], app=$kubernetes['labels']['app.kubernetes.io/name']",
      ],
      ["Auto_Kubernetes_Labels", "Off"],
      ["Line_Format", "json"],
    ]),
  };
}

export function fluentBitValues(namespace: string): Record<string, unknown> {
  const e = stackEndpoints(namespace);
  return {
    kind: "DaemonSet",
    // Every node, control-plane nodes included.
    tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
    serviceMonitor: { enabled: true },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    config: fluentBitPipeline(e.lokiHost, e.lokiPort),
  };
}

export interface TempoSettings {
  readonly retentionHours: number;
  readonly storageGiB: number;
  readonly storageClass?: string;
}

/**
 * The receivers Tempo listens with: OTLP (gRPC and HTTP), what the services' OpenTelemetry SDKs send. The
 * chart's defaults add Jaeger (four protocols) and OpenCensus receivers, which nothing here sends to; Helm
 * merges values into the defaults, so only a `null` removes them (the release sets `allowNullValues`).
 */
export const TEMPO_RECEIVERS = {
  otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } },
  jaeger: null,
  opencensus: null,
} as const;

export function tempoValues(s: TempoSettings): Record<string, unknown> {
  return {
    tempo: {
      retention: `${s.retentionHours}h`,
      receivers: TEMPO_RECEIVERS,
      // No usage reports to Grafana Labs from the cluster (Grafana's are off too).
      reportingEnabled: false,
      resources: chartResources("100m", "256Mi", "1Gi"),
    },
    persistence: {
      enabled: true,
      size: `${s.storageGiB}Gi`,
      ...(s.storageClass ? { storageClassName: s.storageClass } : {}),
    },
    serviceMonitor: { enabled: true },
  };
}
