/**
 * The Grafana dashboard of the Django services, rendered by a pure function: request rate, 5xx ratio,
 * p95 latency, available pods, HPA replicas, Celery queue length and the services' logs. It is committed as
 * `components/observability/monitoring/dashboards/django-services.json` and shipped as a ConfigMap the Grafana sidecar imports.
 */
import { METRICS_VIEW } from "./rules";
import { DATASOURCE_UIDS } from "./values";

export const DASHBOARD_UID = "ferrum-django-services";
export const DASHBOARD_FILE = "django-services.json";

const prometheus = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };
const loki = { type: "loki", uid: DATASOURCE_UIDS.loki };

/** Selects the chosen services of the chosen namespace; `$service` is multi-valued. */
const SERVICES = 'namespace="$namespace", service=~"${service:pipe}"';
const TRAFFIC = `${SERVICES}, view!="${METRICS_VIEW}"`;
const WEB_OBJECTS = '"(${service:pipe})-web"';

interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly { expr: string; legendFormat: string }[];
}

const PANELS: readonly PanelSpec[] = [
  {
    title: "Request rate",
    unit: "reqps",
    targets: [
      {
        expr: `sum by (service) (rate(django_http_responses_total_by_status_view_method_total{${TRAFFIC}}[$__rate_interval]))`,
        legendFormat: "{{service}}",
      },
    ],
  },
  {
    title: "5xx responses (share)",
    unit: "percentunit",
    targets: [
      {
        expr:
          `sum by (service) (rate(django_http_responses_total_by_status_view_method_total{${TRAFFIC}, status=~"5.."}[$__rate_interval]))` +
          ` / sum by (service) (rate(django_http_responses_total_by_status_view_method_total{${TRAFFIC}}[$__rate_interval]))`,
        legendFormat: "{{service}}",
      },
    ],
  },
  {
    title: "Latency p95",
    unit: "s",
    targets: [
      {
        expr: `histogram_quantile(0.95, sum by (service, le) (rate(django_http_requests_latency_seconds_by_view_method_bucket{${TRAFFIC}}[$__rate_interval])))`,
        legendFormat: "{{service}}",
      },
    ],
  },
  {
    title: "Pods available",
    unit: "short",
    targets: [
      {
        expr: `sum by (deployment) (kube_deployment_status_replicas_available{namespace="$namespace", deployment=~${WEB_OBJECTS}})`,
        legendFormat: "{{deployment}}",
      },
    ],
  },
  {
    title: "HPA replicas (current / max)",
    unit: "short",
    targets: [
      {
        expr: `kube_horizontalpodautoscaler_status_current_replicas{namespace="$namespace", horizontalpodautoscaler=~${WEB_OBJECTS}}`,
        legendFormat: "{{horizontalpodautoscaler}} current",
      },
      {
        expr: `kube_horizontalpodautoscaler_spec_max_replicas{namespace="$namespace", horizontalpodautoscaler=~${WEB_OBJECTS}}`,
        legendFormat: "{{horizontalpodautoscaler}} max",
      },
    ],
  },
  {
    title: "Celery queue length",
    unit: "short",
    targets: [
      {
        expr: 'sum by (job, queue_name) (celery_queue_length{namespace="$namespace", job=~"celery-exporter-(${service:pipe})"})',
        legendFormat: "{{job}} {{queue_name}}",
      },
    ],
  },
];

function timeseries(p: PanelSpec, id: number) {
  const col = (id - 1) % 2;
  const row = Math.floor((id - 1) / 2);
  return {
    id,
    type: "timeseries",
    title: p.title,
    datasource: prometheus,
    gridPos: { h: 8, w: 12, x: col * 12, y: row * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
    targets: p.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: prometheus,
      expr: t.expr,
      legendFormat: t.legendFormat,
    })),
  };
}

export interface DashboardParams {
  /** The namespace the services run in: the `namespace` variable's only value. */
  readonly platformNamespace: string;
}

/** The dashboard model (Grafana's JSON). Pure. */
export function renderDashboard(params: DashboardParams): Record<string, unknown> {
  const panels: Record<string, unknown>[] = PANELS.map((p, i) => timeseries(p, i + 1));
  const logsY = Math.ceil(PANELS.length / 2) * 8;
  panels.push({
    id: PANELS.length + 1,
    type: "logs",
    title: "Logs",
    datasource: loki,
    gridPos: { h: 10, w: 24, x: 0, y: logsY },
    options: { showTime: true, wrapLogMessage: true, sortOrder: "Descending" },
    targets: [{ refId: "A", datasource: loki, expr: '{namespace="$namespace", app=~"${service:pipe}"}' }],
  });
  return {
    uid: DASHBOARD_UID,
    title: "Ferrum / Django services",
    tags: ["ferrum", "django"],
    timezone: "browser",
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [
        {
          name: "namespace",
          type: "constant",
          hide: 2,
          query: params.platformNamespace,
        },
        {
          name: "service",
          label: "Service",
          type: "query",
          datasource: prometheus,
          query: {
            query:
              'label_values(django_http_responses_total_by_status_view_method_total{namespace="$namespace"}, service)',
            refId: "services",
          },
          refresh: 2,
          multi: true,
          includeAll: true,
          current: { text: "All", value: "$__all" },
          sort: 1,
        },
      ],
    },
    panels,
  };
}

/** The dashboard as committed and as the ConfigMap carries it. */
export function renderDashboardJson(params: DashboardParams): string {
  return `${JSON.stringify(renderDashboard(params), null, 2)}\n`;
}
