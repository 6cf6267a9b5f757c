/**
 * The platform's alerting rules, rendered by a pure function into the document that is both
 * `components/observability/monitoring/rules.yaml` (checked and unit-tested by promtool) and the PrometheusRule's spec. The metric
 * names are the ones the exporters actually expose:
 * - django-prometheus: `django_http_responses_total_by_status_view_method_total` (a Counter; the client
 *   library appends `_total`) and the Histogram `django_http_requests_latency_seconds_by_view_method`; its own
 *   `/metrics` view is `prometheus-django-metrics` and is left out of rates and latencies;
 * - kube-state-metrics (bundled with kube-prometheus-stack, job `kube-state-metrics`): pod and HPA state;
 * - the kubelet (job `kubelet`): volume statistics;
 * - redis_exporter (job `redis-exporter`): `redis_instance_info{role, maxmemory_policy}`,
 *   `redis_memory_used_bytes`, `redis_memory_max_bytes` (INFO's maxmemory), `redis_sentinel_master_status`,
 *   `redis_sentinel_master_ok_sentinels`; postgres_exporter (job `postgres-exporter`): `pg_up`.
 * The Redis servers that must never fill are the `noeviction` ones (Celery's queues and results, the event
 * streams); the cache servers (`allkeys-lru`) are full by design and evict.
 * A job is the name of the Service a ServiceMonitor selects (Prometheus Operator's default).
 */
import { stringify } from "yaml";

export interface RuleParams {
  /** Namespace of the services, Redis and PostgreSQL. */
  readonly platformNamespace: string;
  readonly monitoringNamespace: string;
  /** Share of 5xx responses above which a service alerts. */
  readonly errorRatio: number;
  /** p95 request latency above which a service alerts, seconds. */
  readonly latencyP95Seconds: number;
  /** Sentinels that must agree before a failover (RedisHA's quorum). */
  readonly sentinelQuorum: number;
}

export const DEFAULT_RULE_PARAMS: RuleParams = {
  platformNamespace: "ferrum",
  monitoringNamespace: "monitoring",
  errorRatio: 0.05,
  latencyP95Seconds: 1,
  sentinelQuorum: 2,
};

export type Severity = "critical" | "warning";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: Severity };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** The PrometheusRule spec, and the promtool rule file: `{ groups: [...] }`. */
export interface RulesDocument {
  readonly groups: readonly RuleGroup[];
}

/** The metrics-endpoint view of django-prometheus, excluded from traffic figures. */
export const METRICS_VIEW = "prometheus-django-metrics";
export const JOBS = {
  kubeStateMetrics: "kube-state-metrics",
  kubelet: "kubelet",
  redis: "redis-exporter",
  postgres: "postgres-exporter",
} as const;

const rule = (
  alert: string,
  expr: string,
  forDuration: string,
  severity: Severity,
  summary: string,
  description: string,
): AlertRule => ({
  alert,
  expr,
  for: forDuration,
  labels: { severity },
  annotations: { summary, description },
});

function serviceRules(p: RuleParams): AlertRule[] {
  const ns = `namespace="${p.platformNamespace}"`;
  const responses = (extra: string) =>
    `sum by (namespace, service) (rate(django_http_responses_total_by_status_view_method_total{${ns}, ${extra}view!="${METRICS_VIEW}"}[5m]))`;
  const ksm = `job="${JOBS.kubeStateMetrics}", ${ns}`;
  const hpa = (metric: string) => `kube_horizontalpodautoscaler_${metric}{${ksm}}`;
  const byHpa = "on (namespace, horizontalpodautoscaler)";
  return [
    rule(
      "DjangoHigh5xxRatio",
      `(\n  ${responses('status=~"5..", ')}\n/\n  ${responses("")}\n) > ${p.errorRatio}`,
      "10m",
      "critical",
      "{{ $labels.service }} answers more than " + `${p.errorRatio * 100}% of its requests with 5xx`,
      "The share of 5xx responses of the service (its metrics view left out) has stayed above the threshold for 10 minutes.",
    ),
    rule(
      "DjangoHighLatencyP95",
      `histogram_quantile(0.95, sum by (namespace, service, le) (rate(django_http_requests_latency_seconds_by_view_method_bucket{${ns}, view!="${METRICS_VIEW}"}[5m]))) > ${p.latencyP95Seconds}`,
      "10m",
      "warning",
      `{{ $labels.service }} p95 latency is above ${p.latencyP95Seconds}s`,
      "The 95th percentile of the service's request latency has stayed above the threshold for 10 minutes.",
    ),
    rule(
      "PodCrashLooping",
      `max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{${ksm}, reason="CrashLoopBackOff"}[5m])) >= 1\nor\nmax by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ksm}}[15m])) > 3`,
      "5m",
      "critical",
      "{{ $labels.pod }}/{{ $labels.container }} is crash-looping",
      "The container is waiting in CrashLoopBackOff, or restarted more than 3 times in 15 minutes.",
    ),
    rule(
      "HpaPinnedAtMax",
      `${hpa("status_current_replicas")}\n  == ${byHpa}\n${hpa("spec_max_replicas")}\nand ${byHpa}\n(${hpa("spec_max_replicas")} > ${hpa("spec_min_replicas")})`,
      "15m",
      "warning",
      "{{ $labels.horizontalpodautoscaler }} has run at its maximum replicas for 15 minutes",
      "The autoscaler cannot add pods: raise maxReplicas or find what makes the service slow.",
    ),
  ];
}

/** Share of maxmemory at which a noeviction Redis warns, and at which it is about to refuse writes. */
export const REDIS_MEMORY_WARNING = 0.8;
export const REDIS_MEMORY_CRITICAL = 0.95;

function dataRules(p: RuleParams): AlertRule[] {
  const redis = `job="${JOBS.redis}"`;
  // used / max on every server whose policy is noeviction (a server without maxmemory is left out: max 0).
  const memoryShare = (threshold: number) =>
    `(\n  redis_memory_used_bytes{${redis}}\n/\n  (redis_memory_max_bytes{${redis}} > 0)\n) > ${threshold}\nand on (instance)\nredis_instance_info{${redis}, maxmemory_policy="noeviction"}`;
  return [
    rule(
      "RedisNoReachableMaster",
      `absent(redis_instance_info{${redis}, role="master", maxmemory_policy="noeviction"})`,
      "2m",
      "critical",
      "No reachable Redis holding Celery and the event streams reports itself master",
      "No noeviction Redis target scraped by redis_exporter is a master: Celery queues and event streams refuse writes.",
    ),
    rule(
      "RedisMemoryHigh",
      memoryShare(REDIS_MEMORY_WARNING),
      "10m",
      "warning",
      `{{ $labels.instance }} holds more than ${REDIS_MEMORY_WARNING * 100}% of its maxmemory`,
      "This Redis never evicts (Celery's queues and results, the event streams): at maxmemory it refuses every write. Find what grows (a queue no worker drains, an untrimmed stream) or raise ferrum:redis.maxmemoryMiB.",
    ),
    rule(
      "RedisMemoryNearLimit",
      memoryShare(REDIS_MEMORY_CRITICAL),
      "2m",
      "critical",
      `{{ $labels.instance }} holds more than ${REDIS_MEMORY_CRITICAL * 100}% of its maxmemory`,
      "This Redis never evicts: it is about to refuse writes, and Celery cannot enqueue nor services publish events.",
    ),
    rule(
      "RedisSentinelMasterDown",
      `max by (master_name) (redis_sentinel_master_status{${redis}}) == 0`,
      "2m",
      "critical",
      "No Sentinel sees master {{ $labels.master_name }} as ok",
      "Every Sentinel reports the master subjectively or objectively down, and no failover has completed.",
    ),
    rule(
      "RedisSentinelQuorumAtRisk",
      `min by (master_name) (redis_sentinel_master_ok_sentinels{${redis}}) < ${p.sentinelQuorum}`,
      "5m",
      "warning",
      "Fewer than " + `${p.sentinelQuorum} Sentinels of {{ $labels.master_name }} are ok`,
      "Without a quorum of Sentinels, a failed master would not be replaced.",
    ),
    rule(
      "PostgresDown",
      `pg_up{job="${JOBS.postgres}"} == 0`,
      "1m",
      "critical",
      "PostgreSQL does not answer postgres_exporter",
      "postgres_exporter cannot connect to the server: every service's database is unreachable.",
    ),
  ];
}

function storageRules(p: RuleParams): AlertRule[] {
  const sel = `job="${JOBS.kubelet}", namespace=~"${p.platformNamespace}|${p.monitoringNamespace}"`;
  return [
    rule(
      "PersistentVolumeNearFull",
      `kubelet_volume_stats_available_bytes{${sel}}\n  /\nkubelet_volume_stats_capacity_bytes{${sel}}\n< 0.10`,
      "5m",
      "warning",
      "{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 10% free",
      "Grow the claim (storageGiB) before the volume fills: Redis, PostgreSQL and Prometheus stop writing when it does.",
    ),
  ];
}

/** Every rule group. Pure. */
export function renderRules(params: Partial<RuleParams> = {}): RulesDocument {
  const p = { ...DEFAULT_RULE_PARAMS, ...params };
  return {
    groups: [
      { name: "ferrum.services", rules: serviceRules(p) },
      { name: "ferrum.data", rules: dataRules(p) },
      { name: "ferrum.storage", rules: storageRules(p) },
    ],
  };
}

/** Every alert's name, in document order. */
export function alertNames(doc: RulesDocument): string[] {
  return doc.groups.flatMap((g) => g.rules.map((r) => r.alert));
}

export const RULES_HEADER =
  "# Generated by components/observability/rules.ts (renderRules with its defaults); do not edit.\n" +
  "# Regenerate: UPDATE_MONITORING=1 npx jest tests/monitoring/files.test.ts --selectProjects unit\n";

/** The document as components/observability/monitoring/rules.yaml holds it. */
export function renderRulesYaml(params: Partial<RuleParams> = {}): string {
  return RULES_HEADER + stringify(renderRules(params), { lineWidth: 0 });
}
