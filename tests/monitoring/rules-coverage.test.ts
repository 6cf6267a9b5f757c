/**
 * The rules' shape and the promtool tests' coverage, without promtool: every alert of renderRules has a test
 * in components/observability/monitoring/rules.test.yaml whose series fire it and one whose series leave it quiet after its `for`.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { alertNames, DEFAULT_RULE_PARAMS, renderRules } from "../../components/observability";

const ROOT = path.resolve(__dirname, "../..");

interface AlertRuleTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[];
}
interface PromtoolFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: AlertRuleTest[] }[];
}

const testFile = parse(
  readFileSync(path.join(ROOT, "components/observability/monitoring/rules.test.yaml"), "utf8"),
) as PromtoolFile;
const doc = renderRules();
const rules = doc.groups.flatMap((g) => g.rules);
const minutes = (d: string) => Number(d.replace(/m$/, ""));

describe("alert rules", () => {
  test("the alerts the platform needs, each with a severity, a for and annotations", () => {
    expect(alertNames(doc)).toEqual([
      "DjangoHigh5xxRatio",
      "DjangoHighLatencyP95",
      "PodCrashLooping",
      "HpaPinnedAtMax",
      "RedisNoReachableMaster",
      "RedisMemoryHigh",
      "RedisMemoryNearLimit",
      "RedisSentinelMasterDown",
      "RedisSentinelQuorumAtRisk",
      "PostgresDown",
      "PersistentVolumeNearFull",
    ]);
    for (const r of rules) {
      expect(["critical", "warning"]).toContain(r.labels.severity);
      expect(r.for).toMatch(/^\d+m$/);
      expect(r.annotations.summary).not.toBe("");
    }
  });

  test.each([
    ["DjangoHigh5xxRatio", "django_http_responses_total_by_status_view_method_total"],
    ["DjangoHighLatencyP95", "django_http_requests_latency_seconds_by_view_method_bucket"],
    ["PodCrashLooping", "kube_pod_container_status_waiting_reason"],
    ["PodCrashLooping", "kube_pod_container_status_restarts_total"],
    ["HpaPinnedAtMax", "kube_horizontalpodautoscaler_status_current_replicas"],
    ["HpaPinnedAtMax", "kube_horizontalpodautoscaler_spec_max_replicas"],
    ["RedisNoReachableMaster", "redis_instance_info"],
    ["RedisMemoryHigh", "redis_memory_used_bytes"],
    ["RedisMemoryHigh", "redis_memory_max_bytes"],
    ["RedisMemoryNearLimit", "redis_memory_used_bytes"],
    ["RedisSentinelMasterDown", "redis_sentinel_master_status"],
    ["RedisSentinelQuorumAtRisk", "redis_sentinel_master_ok_sentinels"],
    ["PostgresDown", "pg_up"],
    ["PersistentVolumeNearFull", "kubelet_volume_stats_available_bytes"],
  ])("%s reads %s (the name its exporter exposes)", (alert, metric) => {
    expect(rules.find((r) => r.alert === alert)!.expr).toContain(`${metric}{`);
  });

  test("the platform and monitoring namespaces are parameters", () => {
    const other = renderRules({ platformNamespace: "shop", monitoringNamespace: "obs" });
    const text = JSON.stringify(other);
    expect(text).not.toContain(`"${DEFAULT_RULE_PARAMS.platformNamespace}"`);
    expect(text).toContain('namespace=\\"shop\\"');
    expect(text).toContain('namespace=~\\"shop|obs\\"');
  });
});

describe("components/observability/monitoring/rules.test.yaml", () => {
  test("tests the committed rules file", () => {
    expect(testFile.rule_files).toEqual(["rules.yaml"]);
  });

  const cases = testFile.tests.flatMap((t) => t.alert_rule_test ?? []);
  test.each(rules.map((r) => [r.alert, r.for] as const))(
    "%s: one test fires it, one leaves it quiet after its for (%s)",
    (alert, forDuration) => {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => (c.exp_alerts ?? []).length > 0)).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0 && minutes(c.eval_time) > minutes(forDuration)),
      ).toBe(true);
    },
  );

  test("tests no alert the rules do not define", () => {
    const names = new Set(alertNames(doc));
    expect(cases.filter((c) => !names.has(c.alertname))).toEqual([]);
  });
});
