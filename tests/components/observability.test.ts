import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  EXPORTER_IMAGES,
  Observability,
  OBSERVABILITY_CHARTS,
  renderRules,
  RULE_NAME,
  type ObservabilityArgs,
} from "../../components/observability";
import { ProblemsError } from "../../lib/problems";
import { isSecretEnvelope, redact, secretValues, refusal, underMocks } from "../helpers/pulumi";
import { sharedPlan } from "../helpers/shared-plans";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SECRET = "kubernetes:core/v1:Secret";
const CR_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const CR_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

const REDIS_PASSWORD = "redis-pass-4711";
const PG_PASSWORD = "pg-admin-pass-0815";
const sentinels = [0, 1, 2].map(
  (i) => `redis-sentinel-${i}.redis-sentinel-headless.ferrum.svc.cluster.local`,
);
const redisHosts = [0, 1, 2].map((i) => `redis-${i}.redis-headless.ferrum.svc.cluster.local`);

const celery = (service: string) => ({
  service,
  brokerUrl: pulumi.secret(
    sentinels.map((h) => `sentinel://:${REDIS_PASSWORD}@${h}:26379/${service === "auth" ? 2 : 8}`).join(";"),
  ),
  transportOptions: pulumi.secret(
    JSON.stringify({ master_name: "ferrum", sentinel_kwargs: { password: REDIS_PASSWORD } }),
  ),
});

const args = (extra: Partial<ObservabilityArgs> = {}): ObservabilityArgs => ({
  namespace: "monitoring",
  platformNamespace: "ferrum",
  redis: {
    kind: "sentinel",
    masterName: "ferrum",
    redisHosts,
    sentinelHosts: sentinels,
    password: { kind: "value", value: pulumi.secret(REDIS_PASSWORD) },
  },
  postgres: {
    host: "postgres.ferrum.svc.cluster.local",
    port: 5432,
    user: "ferrum_admin",
    sslMode: "prefer",
    password: { kind: "value", value: pulumi.secret(PG_PASSWORD) },
  },
  celery: [celery("auth"), celery("catalog")],
  ...extra,
});

/** Whether `key` of a Secret's stringData is secret: the value's own envelope, or the whole map's. */
const secretIn = (stringData: unknown, key: string): boolean =>
  isSecretEnvelope(stringData) || isSecretEnvelope((stringData as Record<string, unknown>)[key]);

const build = (extra: Partial<ObservabilityArgs> = {}) =>
  underMocks(() => new Observability("observability", args(extra)));

const releaseValues = (r: Awaited<ReturnType<typeof build>>["registrations"], chart: string) => {
  const rel = r.ofType(RELEASE).find((x) => (redact(x.inputs, true) as any).chart === chart);
  if (!rel) throw new Error(`no release of ${chart}`);
  return redact(rel.inputs, true) as any;
};

describe("Observability: pinned Helm releases", () => {
  test("kube-prometheus-stack, Loki and Fluent Bit by pinned version and repository; no Tempo without tracing", async () => {
    const { registrations: r } = await build();
    const releases = r.ofType(RELEASE).map((x) => redact(x.inputs, true) as any);
    const pins = releases
      .map((x) => [x.chart, x.version, x.repositoryOpts.repo, x.name])
      .sort((a, b) => a[0].localeCompare(b[0]));
    const c = OBSERVABILITY_CHARTS;
    expect(pins).toEqual([
      [c.fluentBit.chart, "0.55.0", c.fluentBit.repo, "fluent-bit"],
      [c.kubePrometheusStack.chart, "77.13.0", c.kubePrometheusStack.repo, "kube-prometheus-stack"],
      [c.loki.chart, "6.42.0", c.loki.repo, "loki"],
    ]);
    for (const x of releases) {
      expect(x.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(x).toMatchObject({ namespace: "monitoring", atomic: true, createNamespace: false });
    }
  });

  test("tracing adds Tempo (pinned, OTLP receivers) and its Grafana data source", async () => {
    const { registrations: r } = await build({ tracing: true });
    const tempo = releaseValues(r, "tempo");
    expect([tempo.version, tempo.repositoryOpts.repo]).toEqual([
      "1.24.1",
      "https://grafana.github.io/helm-charts",
    ]);
    expect(Object.keys(tempo.values.tempo.receivers.otlp.protocols)).toEqual(["grpc", "http"]);
    expect(tempo.values.tempo.reportingEnabled).toBe(false);
    const ds = releaseValues(r, "kube-prometheus-stack").values.grafana.additionalDataSources;
    expect(ds.map((d: any) => [d.type, d.url])).toEqual([
      ["loki", "http://loki-gateway.monitoring.svc.cluster.local"],
      ["tempo", "http://tempo.monitoring.svc.cluster.local:3200"],
    ]);
  });

  test("Tempo listens with OTLP only: every other receiver of the chart's defaults is deleted", async () => {
    const { registrations: r } = await build({ tracing: true });
    const tempo = releaseValues(r, "tempo");
    // The receivers the pinned chart's values.yaml turns on, from its value list (tools/chart-values/lists/).
    const list = readFileSync(
      path.join(__dirname, "../../tools/chart-values/lists/tempo@1.24.1.txt"),
      "utf8",
    );
    const defaults = [...list.matchAll(/^tempo\.receivers\.([A-Za-z_]+)$/gm)].map((m) => m[1]);
    expect(defaults).toEqual(["jaeger", "opencensus", "otlp"]);
    // Helm merges values into the defaults; a null deletes the key, when the release lets nulls through.
    const receivers = tempo.values.tempo.receivers;
    expect(tempo.allowNullValues).toBe(true);
    expect(defaults.filter((k) => receivers[k!] !== null)).toEqual(["otlp"]);
    expect(Object.keys(receivers).sort()).toEqual(defaults);
  });

  test("Prometheus selects every ServiceMonitor, PodMonitor, Probe and rule, release label or not", async () => {
    const { registrations: r } = await build();
    const spec = releaseValues(r, "kube-prometheus-stack").values.prometheus.prometheusSpec;
    for (const kind of ["serviceMonitor", "podMonitor", "probe", "scrapeConfig", "rule"])
      expect(spec[`${kind}SelectorNilUsesHelmValues`]).toBe(false);
    expect(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe("20Gi");
    expect(spec.retention).toBe("15d");
  });

  test("Grafana: Prometheus (default) and Loki data sources, the dashboard sidecar, admin login from a Secret", async () => {
    const { registrations: r } = await build();
    const grafana = releaseValues(r, "kube-prometheus-stack").values.grafana;
    expect(grafana.sidecar.datasources).toMatchObject({ defaultDatasourceEnabled: true, uid: "prometheus" });
    expect(grafana.sidecar.dashboards).toMatchObject({
      enabled: true,
      label: "grafana_dashboard",
      labelValue: "1",
    });
    expect(grafana.additionalDataSources.map((d: any) => d.uid)).toEqual(["loki"]);
    const adminSecret = r.get(SECRET, "observability-grafana-admin");
    const name = (adminSecret.state.metadata as any).name;
    expect(grafana.admin).toEqual({
      existingSecret: name,
      userKey: "admin-user",
      passwordKey: "admin-password",
    });
    expect(grafana.adminPassword).toBeUndefined();
    expect(secretIn(adminSecret.inputs.stringData, "admin-password")).toBe(true);
    expect(
      r.get("random:index/randomPassword:RandomPassword", "observability-grafana-admin-password"),
    ).toBeDefined();
  });

  test("Loki on a volume: SingleBinary, filesystem, one replica, the volume kept; gateway on", async () => {
    const { registrations: r } = await build({
      logs: { kind: "filesystem", storageGiB: 8 },
      storageClass: "local-path",
    });
    const v = releaseValues(r, "loki").values;
    expect(v.deploymentMode).toBe("SingleBinary");
    expect(v.loki.storage).toEqual({ type: "filesystem" });
    expect(v.loki.commonConfig.replication_factor).toBe(1);
    expect(v.loki.schemaConfig.configs[0]).toMatchObject({
      store: "tsdb",
      object_store: "filesystem",
      schema: "v13",
    });
    expect(v.singleBinary).toEqual({
      replicas: 1,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
      // No claim retention policy: the chart's default (Delete) would delete every log with the StatefulSet.
      persistence: {
        enabled: true,
        size: "8Gi",
        storageClass: "local-path",
        enableStatefulSetAutoDeletePVC: false,
      },
    });
    expect([v.read.replicas, v.write.replicas, v.backend.replicas]).toEqual([0, 0, 0]);
    expect(v.loki.limits_config.retention_period).toBe("336h");
    expect(v.gateway.enabled).toBe(true);
  });

  test("Loki on S3: SimpleScalable on kept volumes, the bucket, IRSA on the loki ServiceAccount, no keys", async () => {
    const { registrations: r } = await build({
      logs: {
        kind: "s3",
        bucket: "ferrum-prod-logs",
        region: "eu-central-1",
        roleArn: "arn:aws:iam::1:role/loki",
      },
    });
    const v = releaseValues(r, "loki").values;
    expect(v.deploymentMode).toBe("SimpleScalable");
    expect(v.loki.storage).toEqual({
      type: "s3",
      bucketNames: { chunks: "ferrum-prod-logs", ruler: "ferrum-prod-logs", admin: "ferrum-prod-logs" },
      s3: { region: "eu-central-1" },
    });
    expect(v.serviceAccount).toEqual({
      create: true,
      name: "loki",
      annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/loki" },
    });
    expect([v.read.replicas, v.write.replicas, v.backend.replicas, v.singleBinary.replicas]).toEqual([
      2, 3, 2, 0,
    ]);
    // The write and backend targets take volume claims through `volumeClaimsEnabled` (the chart reads no
    // `persistence.enabled` there), and keep them when their StatefulSet goes.
    for (const target of [v.write, v.backend]) {
      expect(target.persistence).toEqual({
        volumeClaimsEnabled: true,
        size: "10Gi",
        enableStatefulSetAutoDeletePVC: false,
      });
    }
    expect(v.loki.compactor.delete_request_store).toBe("s3");
  });

  test("Loki on Azure Blob: workload identity, no account key", async () => {
    const { registrations: r } = await build({
      logs: { kind: "azureBlob", storageAccount: "ferrumlogs", container: "loki", clientId: "client-id-1" },
    });
    const v = releaseValues(r, "loki").values;
    expect(v.loki.storage.azure).toEqual({ accountName: "ferrumlogs", useFederatedToken: true });
    expect(v.loki.podLabels).toEqual({ "azure.workload.identity/use": "true" });
    expect(v.serviceAccount.annotations).toEqual({ "azure.workload.identity/client-id": "client-id-1" });
  });

  test("Fluent Bit: a DaemonSet tailing every container log into Loki's gateway", async () => {
    const { registrations: r } = await build();
    const v = releaseValues(r, "fluent-bit").values;
    expect(v.kind).toBe("DaemonSet");
    expect(v.config.inputs).toContain("Path /var/log/containers/*.log");
    expect(v.config.filters).toContain("Name kubernetes");
    expect(v.config.outputs).toContain("Name loki");
    expect(v.config.outputs).toContain("Host loki-gateway.monitoring.svc.cluster.local");
    expect(v.config.outputs).toContain("Port 80");
    expect(v.config.outputs).toContain("namespace=$kubernetes['namespace_name']");
  });

  test("the ServiceMonitors, the rules and Fluent Bit wait for the release that installs the CRDs", async () => {
    const { registrations: r } = await build({ tracing: true });
    const kps = r.ofType(RELEASE).find((x) => x.name === "observability-kube-prometheus-stack")!;
    const waiting = [
      ...r.ofType(CR_MONITOR),
      ...r.ofType(CR_RULE),
      r.get(RELEASE, "observability-fluent-bit"),
      r.get(RELEASE, "observability-tempo"),
    ];
    for (const w of waiting) expect(w.options.dependsOn).toContain(kps.urn);
  });
});

describe("Observability: no secret in any release's values", () => {
  test.each([false, true])("tracing %s", async (tracing) => {
    const { registrations: r } = await build({ tracing });
    const secrets = new Set<string>();
    for (const res of r.resources) secretValues(res.inputs, false, secrets);
    for (const s of [REDIS_PASSWORD, PG_PASSWORD]) expect(secrets).toContain(s);
    // A Secret's stringData is secret as a whole, so Grafana's login name (not a credential) is in the set.
    secrets.delete("admin");
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    for (const rel of r.ofType(RELEASE)) {
      const values = rel.inputs.values;
      expect(secretValues(values).size).toBe(0);
      const text = JSON.stringify(redact(values, true));
      expect([...secrets].filter((s) => text.includes(s))).toEqual([]);
    }
    // Nor in any ConfigMap, label or annotation.
    for (const res of r.resources) {
      const visible = JSON.stringify(redact(res.inputs));
      expect(
        [...secrets].filter((s) => visible.includes(s)).map((s) => `${res.name}: ${s.slice(0, 4)}`),
      ).toEqual([]);
    }
  });
});

describe("Observability: exporters", () => {
  test("redis_exporter, postgres_exporter and a celery-exporter per Celery service, pinned, restricted, in the platform namespace", async () => {
    const { registrations: r } = await build();
    const deps = r.ofType(DEPLOYMENT).map((d) => redact(d.inputs, true) as any);
    const rows = deps.map((d) => [
      d.metadata.name,
      d.metadata.namespace,
      d.spec.template.spec.containers[0].image,
    ]);
    expect(rows.sort((x, y) => x[0].localeCompare(y[0]))).toEqual([
      ["celery-exporter-auth", "ferrum", EXPORTER_IMAGES.celery],
      ["celery-exporter-catalog", "ferrum", EXPORTER_IMAGES.celery],
      ["postgres-exporter", "ferrum", EXPORTER_IMAGES.postgres],
      ["redis-exporter", "ferrum", EXPORTER_IMAGES.redis],
    ]);
    for (const d of deps) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.containers[0].securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(d.metadata.labels).toMatchObject({
        "app.kubernetes.io/part-of": "ferrum",
        "app.kubernetes.io/component": "metrics",
        "app.kubernetes.io/managed-by": "pulumi",
      });
    }
  });

  test("credentials only through secretKeyRef: DATA_SOURCE_PASS, REDIS_PASSWORD, CE_BROKER_URL", async () => {
    const { registrations: r } = await build();
    const env = (name: string) =>
      (redact(r.get(DEPLOYMENT, `observability-${name}`).inputs, true) as any).spec.template.spec
        .containers[0].env;
    const ref = (name: string, variable: string) =>
      env(name).find((e: any) => e.name === variable)?.valueFrom?.secretKeyRef;
    const ownSecret = (name: string) => (r.get(SECRET, `observability-${name}`).state.metadata as any).name;
    expect(ref("postgres-exporter", "DATA_SOURCE_PASS")).toEqual({
      name: ownSecret("postgres-exporter"),
      key: "DATA_SOURCE_PASS",
    });
    expect(ref("redis-exporter", "REDIS_PASSWORD")).toEqual({
      name: ownSecret("redis-exporter"),
      key: "REDIS_PASSWORD",
    });
    for (const v of ["CE_BROKER_URL", "CE_BROKER_TRANSPORT_OPTION"])
      expect(ref("celery-exporter-auth", v)).toEqual({ name: ownSecret("celery-exporter-auth"), key: v });
    expect(env("postgres-exporter").find((e: any) => e.name === "DATA_SOURCE_URI").value).toBe(
      "postgres.ferrum.svc.cluster.local:5432/postgres?sslmode=prefer",
    );
    // The transport options in celery-exporter's form, inside the Secret only.
    const celerySecret = redact(r.get(SECRET, "observability-celery-exporter-auth").inputs, true) as any;
    expect(celerySecret.stringData.CE_BROKER_TRANSPORT_OPTION).toBe(
      `master_name="ferrum" sentinel_kwargs={"password":"${REDIS_PASSWORD}"}`,
    );
    for (const name of [
      "postgres-exporter",
      "redis-exporter",
      "celery-exporter-auth",
      "celery-exporter-catalog",
    ]) {
      const data = r.get(SECRET, `observability-${name}`).inputs.stringData;
      const keys = Object.keys(redact(data, true) as object);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(secretIn(data, k)).toBe(true);
    }
  });

  test("an existing Secret's key is referenced, not copied", async () => {
    const { registrations: r } = await build({
      postgres: {
        host: "ferrum-prod.abc.eu-central-1.rds.amazonaws.com",
        port: 5432,
        user: "ferrum_admin",
        sslMode: "require",
        password: {
          kind: "secretKey",
          secretName: "postgres-credentials-1a2b",
          key: "FERRUM_ADMIN_PASSWORD",
        },
      },
    });
    const pg = (redact(r.get(DEPLOYMENT, "observability-postgres-exporter").inputs, true) as any).spec
      .template.spec.containers[0].env;
    expect(pg.find((e: any) => e.name === "DATA_SOURCE_PASS").valueFrom.secretKeyRef).toEqual({
      name: "postgres-credentials-1a2b",
      key: "FERRUM_ADMIN_PASSWORD",
    });
    expect(r.ofType(SECRET).map((s) => s.name)).not.toContain("observability-postgres-exporter");
  });

  test("redis_exporter scrapes every Redis and Sentinel pod as its own target; a managed cache over TLS", async () => {
    const { registrations: r } = await build();
    const sm = redact(r.get(CR_MONITOR, "observability-redis-exporter-service-monitor").inputs, true) as any;
    expect(sm.metadata).toMatchObject({ name: "redis-exporter", namespace: "ferrum" });
    expect(
      sm.spec.endpoints.map((e: any) => [
        e.path,
        e.params.target[0],
        e.relabelings[0].replacement,
        e.relabelings[1].replacement,
      ]),
    ).toEqual([
      ...redisHosts.map((h, i) => ["/scrape", `redis://${h}:6379`, `redis-${i}`, "server"]),
      ...sentinels.map((h, i) => ["/scrape", `redis://${h}:26379`, `redis-sentinel-${i}`, "sentinel"]),
    ]);

    const managed = await build({
      redis: {
        kind: "direct",
        host: pulumi.output("master.ferrum.abc.euc1.cache.amazonaws.com"),
        port: 6379,
        tls: true,
        password: { kind: "value", value: pulumi.secret(REDIS_PASSWORD) },
      },
    });
    const direct = redact(
      managed.registrations.get(CR_MONITOR, "observability-redis-exporter-service-monitor").inputs,
      true,
    ) as any;
    expect(direct.spec.endpoints.map((e: any) => e.params.target)).toEqual([
      ["rediss://master.ferrum.abc.euc1.cache.amazonaws.com:6379"],
    ]);
  });

  test("with RedisHA's ACL users: the exporter logs in as its own user (a plain env value) and scrapes the cache pods too", async () => {
    const cacheHosts = [0, 1].map((i) => `redis-cache-${i}.redis-cache-headless.ferrum.svc.cluster.local`);
    const { registrations: r } = await build({
      redis: {
        kind: "sentinel",
        masterName: "ferrum",
        redisHosts,
        cacheHosts,
        sentinelHosts: sentinels,
        username: "redis-exporter",
        password: { kind: "value", value: pulumi.secret(REDIS_PASSWORD) },
      },
    });
    const deployment = redact(
      r.get("kubernetes:apps/v1:Deployment", "observability-redis-exporter").inputs,
      true,
    ) as any;
    const env = deployment.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: "REDIS_USER", value: "redis-exporter" });
    expect(env.find((e: any) => e.name === "REDIS_PASSWORD").valueFrom.secretKeyRef).toBeDefined();
    const sm = redact(r.get(CR_MONITOR, "observability-redis-exporter-service-monitor").inputs, true) as any;
    expect(sm.spec.endpoints.map((e: any) => [e.params.target[0], e.relabelings[0].replacement])).toEqual([
      ...redisHosts.map((h, i) => [`redis://${h}:6379`, `redis-${i}`]),
      ...cacheHosts.map((h, i) => [`redis://${h}:6379`, `redis-cache-${i}`]),
      ...sentinels.map((h, i) => [`redis://${h}:26379`, `redis-sentinel-${i}`]),
    ]);
    // Without a user (a managed cache's token), no REDIS_USER.
    const plain = await build();
    const plainEnv = (
      redact(
        plain.registrations.get("kubernetes:apps/v1:Deployment", "observability-redis-exporter").inputs,
        true,
      ) as any
    ).spec.template.spec.containers[0].env;
    expect(plainEnv.map((e: any) => e.name)).not.toContain("REDIS_USER");
  });

  test("the monitoring namespace is admitted to the exporters' ports, and to nothing else", async () => {
    const { registrations: r } = await build();
    const np = redact(
      r.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "observability-allow-monitoring-to-exporters")
        .inputs,
      true,
    ) as any;
    expect(np.metadata.namespace).toBe("ferrum");
    expect(np.spec.podSelector.matchLabels).toEqual({
      "app.kubernetes.io/part-of": "ferrum",
      "app.kubernetes.io/component": "metrics",
    });
    expect(np.spec.ingress[0].ports.map((p: any) => p.port)).toEqual([9121, 9187, 9808]);
    expect(np.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({
      "kubernetes.io/metadata.name": "monitoring",
    });
  });
});

describe("Observability: rules, dashboard, namespace", () => {
  test("the PrometheusRule's spec is renderRules for these namespaces", async () => {
    const { registrations: r } = await build();
    const rule = redact(r.get(CR_RULE, "observability-rules").inputs, true) as any;
    expect(rule.metadata).toMatchObject({ name: RULE_NAME, namespace: "monitoring" });
    expect(rule.spec).toEqual(
      JSON.parse(
        JSON.stringify(renderRules({ platformNamespace: "ferrum", monitoringNamespace: "monitoring" })),
      ),
    );
  });

  test("the dashboard is a ConfigMap the Grafana sidecar imports", async () => {
    const { registrations: r } = await build();
    const cm = redact(r.get("kubernetes:core/v1:ConfigMap", "observability-dashboard").inputs, true) as any;
    expect(cm.metadata.namespace).toBe("monitoring");
    expect(cm.metadata.labels.grafana_dashboard).toBe("1");
    const dashboard = JSON.parse(cm.data["django-services.json"]);
    expect(dashboard.panels.map((p: any) => p.title)).toEqual([
      "Request rate",
      "5xx responses (share)",
      "Latency p95",
      "Pods available",
      "HPA replicas (current / max)",
      "Celery queue length",
      "Logs",
    ]);
  });

  test("the monitoring namespace is created, labelled, and privileged for node-exporter and Fluent Bit only", async () => {
    const { registrations: r } = await build();
    const ns = redact(r.get("kubernetes:core/v1:Namespace", "observability-namespace").inputs, true) as any;
    expect(ns.metadata.name).toBe("monitoring");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    expect(ns.metadata.labels["app.kubernetes.io/part-of"]).toBe("ferrum");
  });
});

describe("Observability: arguments", () => {
  test.each([
    [
      "same namespaces",
      { namespace: "ferrum" },
      'namespace must differ from platformNamespace (both "ferrum"): the monitoring stack needs privileged pods (node-exporter, Fluent Bit) the platform\'s restricted namespace refuses',
    ],
    ["bad namespace", { namespace: "Monitoring" }, 'namespace must be a DNS label (got "Monitoring")'],
    [
      "no metrics volume",
      { metricsStorageGiB: 0 },
      "metricsStorageGiB must be a whole number of at least 1 (got 0)",
    ],
    [
      "fractional log volume",
      { logs: { kind: "filesystem" as const, storageGiB: 1.5 } },
      "logs.storageGiB must be a whole number of at least 1 (got 1.5)",
    ],
    [
      "one service twice",
      { celery: [celery("auth"), celery("auth")] },
      'celery services must be unique DNS labels (got ["auth","auth"])',
    ],
  ])("%s is refused, the setting named, before anything registers", async (_case, extra, message) => {
    const { error, registered } = await refusal(
      () => new Observability("observability", args(extra as Partial<ObservabilityArgs>)),
    );
    expect(error).toBeInstanceOf(ProblemsError);
    expect((error as ProblemsError).subject).toBe("Invalid arguments of Observability observability");
    expect((error as ProblemsError).problems).toContain(message);
    expect(registered).toEqual([]);
  });
});

describe("Observability is opt-in", () => {
  test("the dev plan with observability off registers no monitoring stack", async () => {
    const plan = await sharedPlan("dev");
    const types = new Set(plan.resources.map((x) => x.type));
    for (const t of ["ferrum:index:Observability", RELEASE, CR_MONITOR, CR_RULE])
      expect(types.has(t)).toBe(false);
  });
});
