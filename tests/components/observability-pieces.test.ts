/** Observability's pure pieces and its AWS log storage. */
import { awsLogStorage } from "../../components/observability/aws-log-storage";
import { lokiBucketPolicy } from "../../components/observability/aws-log-storage";
import {
  celeryTransportOptionEnv,
  postgresDataSourceUri,
  sentinelScrapeTargets,
  shortHost,
} from "../../components/observability/exporter-specs";
import { stackEndpoints } from "../../components/observability/endpoints";
import { fluentBitPipeline, lokiDeploymentMode } from "../../components/observability/values";
import { redact, underMocks } from "../helpers/pulumi";

describe("exporter specs", () => {
  test("celery-exporter's transport options: space-separated key=JSON pairs (Sentinel and managed forms)", () => {
    expect(
      celeryTransportOptionEnv(
        JSON.stringify({ master_name: "ferrum", sentinel_kwargs: { password: "p4ss" } }),
      ),
    ).toBe('master_name="ferrum" sentinel_kwargs={"password":"p4ss"}');
    expect(celeryTransportOptionEnv(JSON.stringify({ global_keyprefix: "{auth}:" }))).toBe(
      'global_keyprefix="{auth}:"',
    );
    expect(celeryTransportOptionEnv("{}")).toBe("");
  });

  test("every Redis and Sentinel pod is a target named after its pod", () => {
    const t = sentinelScrapeTargets(
      ["redis-0.h.ns.svc.cluster.local"],
      ["redis-sentinel-0.s.ns.svc.cluster.local"],
      6379,
      26379,
    );
    expect(t).toEqual([
      { instance: "redis-0", role: "server", url: "redis://redis-0.h.ns.svc.cluster.local:6379" },
      {
        instance: "redis-sentinel-0",
        role: "sentinel",
        url: "redis://redis-sentinel-0.s.ns.svc.cluster.local:26379",
      },
    ]);
    expect(shortHost("postgres")).toBe("postgres");
  });

  test("postgres_exporter's data source carries no credential", () => {
    expect(postgresDataSourceUri("db.example", 5432, "postgres", "require")).toBe(
      "db.example:5432/postgres?sslmode=require",
    );
  });
});

describe("values", () => {
  test("Loki's mode follows its storage", () => {
    expect(lokiDeploymentMode({ kind: "filesystem" })).toBe("SingleBinary");
    expect(lokiDeploymentMode({ kind: "s3", bucket: "b", region: "r", roleArn: "a" })).toBe("SimpleScalable");
  });

  test("Fluent Bit's pipeline: one section each, output to the given Loki", () => {
    const p = fluentBitPipeline("loki-gateway.obs.svc.cluster.local", 80);
    expect(p.outputs.split("\n")[0]).toBe("[OUTPUT]");
    expect(p.outputs).toContain("    Host loki-gateway.obs.svc.cluster.local\n");
    expect(p.inputs).toContain("    multiline.parser docker, cri\n");
  });

  test("endpoints derive from the fixed release names", () => {
    expect(stackEndpoints("monitoring")).toMatchObject({
      grafanaService: "kube-prometheus-stack-grafana",
      prometheusUrl: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
      otlpHttpEndpoint: "http://tempo.monitoring.svc.cluster.local:4318",
    });
  });
});

describe("awsLogStorage", () => {
  test("a private encrypted bucket and a role only Loki's ServiceAccount assumes, allowed only that bucket", async () => {
    const { result, registrations: r } = await underMocks(() =>
      awsLogStorage("logs", {
        bucket: "ferrum-prod-logs",
        region: "eu-central-1",
        identity: {
          oidcProviderArn:
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
          oidcProviderUrl: "https://oidc.eks.eu-central-1.amazonaws.com/id/ABC",
        },
        namespace: "monitoring",
        retentionDays: 14,
        protect: true,
      }),
    );
    expect(result.kind).toBe("s3");
    const bucket = r.get("aws:s3/bucket:Bucket", "logs-bucket");
    expect(bucket.options.protect).toBe(true);
    const role = redact(r.get("aws:iam/role:Role", "logs-role").inputs, true) as any;
    const trust = JSON.parse(role.assumeRolePolicy);
    expect(JSON.stringify(trust)).toContain("system:serviceaccount:monitoring:loki");
    const lifecycle = redact(
      r.get("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "logs-lifecycle").inputs,
      true,
    ) as any;
    expect(lifecycle.rules[0].expiration.days).toBe(21);
    expect(r.ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toHaveLength(1);
    expect(lokiBucketPolicy("b").Statement.flatMap((s) => s.Resource)).toEqual([
      "arn:aws:s3:::b",
      "arn:aws:s3:::b/*",
    ]);
  });
});
