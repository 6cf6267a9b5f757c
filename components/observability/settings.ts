/**
 * Observability's arguments with defaults resolved and every problem collected (one ProblemsError) before
 * anything registers. Pure.
 */
import { invalidArguments, Problems } from "../../lib/problems";
import type { CeleryTarget, LogStorage, ObservabilityArgs } from "./types";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface ObservabilitySettings {
  readonly namespace: string;
  readonly platformNamespace: string;
  readonly tracing: boolean;
  readonly logs: LogStorage;
  readonly logRetentionDays: number;
  readonly metricsStorageGiB: number;
  readonly metricsRetentionDays: number;
  readonly storageClass?: string;
  readonly celery: readonly CeleryTarget[];
  readonly grafanaAdminUser: string;
  /** Sentinels that must agree on a failover (RedisHA's default quorum). */
  readonly sentinelQuorum: number;
}

export const OBSERVABILITY_DEFAULTS = {
  logs: { kind: "filesystem", storageGiB: 10 } as LogStorage,
  logRetentionDays: 14,
  metricsStorageGiB: 20,
  metricsRetentionDays: 15,
  grafanaAdminUser: "admin",
  sentinelQuorum: 2,
} as const;

export function resolveObservabilitySettings(name: string, args: ObservabilityArgs): ObservabilitySettings {
  const d = OBSERVABILITY_DEFAULTS;
  const s: ObservabilitySettings = {
    namespace: args.namespace,
    platformNamespace: args.platformNamespace,
    tracing: args.tracing ?? false,
    logs: args.logs ?? d.logs,
    logRetentionDays: args.logRetentionDays ?? d.logRetentionDays,
    metricsStorageGiB: args.metricsStorageGiB ?? d.metricsStorageGiB,
    metricsRetentionDays: args.metricsRetentionDays ?? d.metricsRetentionDays,
    ...(args.storageClass ? { storageClass: args.storageClass } : {}),
    celery: args.celery ?? [],
    grafanaAdminUser: args.grafanaAdminUser ?? d.grafanaAdminUser,
    sentinelQuorum: d.sentinelQuorum,
  };

  const problems = new Problems();
  for (const [key, value] of [
    ["namespace", s.namespace],
    ["platformNamespace", s.platformNamespace],
  ] as const) {
    if (!DNS_LABEL.test(value)) problems.report(`${key} must be a DNS label (got ${JSON.stringify(value)})`);
  }
  if (s.namespace === s.platformNamespace) {
    problems.report(
      `namespace must differ from platformNamespace (both ${JSON.stringify(s.namespace)}): the monitoring stack needs privileged pods (node-exporter, Fluent Bit) the platform's restricted namespace refuses`,
    );
  }
  const positive: [string, number][] = [
    ["logRetentionDays", s.logRetentionDays],
    ["metricsStorageGiB", s.metricsStorageGiB],
    ["metricsRetentionDays", s.metricsRetentionDays],
  ];
  if (s.logs.kind === "filesystem") positive.push(["logs.storageGiB", s.logs.storageGiB ?? 10]);
  for (const [key, value] of positive) {
    if (!Number.isInteger(value) || value < 1)
      problems.report(`${key} must be a whole number of at least 1 (got ${value})`);
  }
  const services = s.celery.map((c) => c.service);
  const bad = services.filter((svc, i) => !DNS_LABEL.test(svc) || services.indexOf(svc) !== i);
  if (bad.length)
    problems.report(`celery services must be unique DNS labels (got ${JSON.stringify(services)})`);
  if (
    args.redis?.kind === "sentinel" &&
    (!args.redis.redisHosts.length || !args.redis.sentinelHosts.length)
  ) {
    problems.report("redis (sentinel) needs at least one Redis host and one Sentinel host");
  }
  problems.throwIfAny(invalidArguments("Observability", name));
  return s;
}
