/**
 * Celery workers and pod lifecycle of DjangoService: the delivery settings decided in one place (the env
 * contract's time limits and visibility timeout, the pods' grace periods), the web pods' preStop delay, the
 * tracing variables, and workers as their own Deployment scaled by KEDA on queue length (`worker.kind`), from
 * config to the plan's objects.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseConfig, ServiceSettings } from "../../config";
import { REQUIRED_CONFIG } from "../helpers/config";
import type { DatabaseConnection } from "../../components/connections";
import { DjangoService, DjangoServiceArgs } from "../../components/django-service";
import {
  celeryDelivery,
  VISIBILITY_MARGIN_SECONDS,
  WEB_GRACE_PERIOD_SECONDS,
  WEB_PRESTOP_SECONDS,
  WORKER_SHUTDOWN_MARGIN_SECONDS,
} from "../../components/django-service/delivery";
import { scaledObjectSpec, type CeleryQueue } from "../../components/django-service/scaling";
import { KEDA_CHART, kedaValues } from "../../components/keda";
import { scanPlan } from "../../harness/guardrails/leaks";
import { guardedFromPlan } from "../../harness/guardrails/plan-adapter";
import { validateManifests } from "../../policy/schema/catalog";
import { manifests, placeholderFor } from "../../harness/planner";
import { runPolicies } from "../guardrails/fixtures";
import { isSecretEnvelope, refusal, runPlan, underMocks } from "../helpers/pulumi";
import { ProblemsError } from "../../lib/problems";
import { sharedPlan } from "../helpers/shared-plans";

const parsed = (services: unknown) =>
  parseConfig(
    {
      ...REQUIRED_CONFIG.k3s,
      // An empty structured value is refused as dropping settings: the defaults are its absence.
      ...(services && Object.keys(services).length ? { "ferrum:services": JSON.stringify(services) } : {}),
    },
    "test",
  );
const settings = (services: unknown = {}) => parsed(services).config!.services;
const byName = (name: string, services: unknown = {}): ServiceSettings =>
  settings(services).find((s) => s.name === name)!;

const database: DatabaseConnection = {
  host: "postgres.ferrum.svc.cluster.local",
  port: 5432,
  database: "ferrum_catalog",
  username: "ferrum_catalog",
  password: pulumi.secret("db-pass-123"),
  sslMode: "prefer",
  url: pulumi.secret("postgres://ferrum_catalog:db-pass-123@postgres:5432/ferrum_catalog"),
};
const cache = {
  url: pulumi.secret("redis://:redis-pass-456@ferrum/7"),
  sentinels: "s-0:26379,s-1:26379",
  sentinelMaster: "ferrum",
  keyPrefix: "catalog:",
  celeryBrokerUrl: pulumi.secret("sentinel://:redis-pass-456@s-0:26379/8"),
  celeryResultBackend: pulumi.secret("sentinel://:redis-pass-456@s-0:26379/8"),
  celeryTransportOptions: pulumi.secret('{"master_name":"ferrum"}'),
  eventsUrl: pulumi.secret("redis://:redis-pass-456@ferrum/0"),
};
const sentinelQueue: CeleryQueue = {
  kind: "sentinel",
  sentinels: "s-0:26379,s-1:26379",
  masterName: "ferrum",
  database: 8,
  password: pulumi.secret("redis-pass-456"),
};

function args(service: ServiceSettings, extra: Partial<DjangoServiceArgs> = {}): DjangoServiceArgs {
  return {
    service,
    namespace: "ferrum",
    apiHost: "api.ferrum.local",
    database,
    cache,
    routing: { kind: "traefik", entryPoints: ["websecure"], tls: {} },
    ...(service.payments ? { payments: { shopId: "1", secretKey: pulumi.secret("yk") } } : {}),
    ...extra,
  };
}

const podOf = (r: any, name: string) => r.inputs("kubernetes:apps/v1:Deployment", name).spec.template.spec;

describe("config: ferrum:services.<name>.worker", () => {
  test("defaults: a sidecar, 1..5 workers, 5 tasks per worker, 300 s time limit, ETAs up to an hour", () => {
    expect(byName("catalog").worker).toEqual({
      kind: "sidecar",
      minReplicas: 1,
      maxReplicas: 5,
      tasksPerReplica: 5,
      taskTimeLimitSeconds: 300,
      maxEtaSeconds: 3600,
      // k3s's laptop-node sizes ("Sizing the dev node").
      cpuMillicores: 50,
      cpuLimitMillicores: 500,
      memoryMiB: 128,
      memoryLimitMiB: 512,
    });
  });

  test("a deployment worker with its bounds, next to its resources", () => {
    const w = byName("auth", {
      auth: { worker: { kind: "deployment", minReplicas: 0, maxReplicas: 20, memoryMiB: 300 } },
    }).worker;
    expect([w.kind, w.minReplicas, w.maxReplicas, w.memoryMiB]).toEqual(["deployment", 0, 20, 300]);
  });

  test.each([
    [
      { catalog: { worker: { kind: "queue" } } },
      "ferrum:services.catalog.worker.kind must be one of sidecar, deployment (got \"queue\"); set it with: pulumi config set --path 'ferrum:services.catalog.worker.kind' sidecar -s test",
    ],
    [
      { catalog: { worker: { minReplicas: 6 } } },
      "ferrum:services.catalog.worker.maxReplicas must be at least minReplicas (got 5 < 6); set it with: pulumi config set --path 'ferrum:services.catalog.worker.maxReplicas' 6 -s test",
    ],
    [
      { catalog: { worker: { taskTimeLimitSeconds: 7200 } } },
      "ferrum:services.catalog.worker.taskTimeLimitSeconds must be an integer between 10 and 3600 (got 7200); set it with: pulumi config set --path 'ferrum:services.catalog.worker.taskTimeLimitSeconds' 300 -s test",
    ],
    [
      { catalog: { worker: { maxEtaSeconds: -1 } } },
      "ferrum:services.catalog.worker.maxEtaSeconds must be an integer between 0 and 604800 (got -1); set it with: pulumi config set --path 'ferrum:services.catalog.worker.maxEtaSeconds' 3600 -s test",
    ],
    [
      { user: { worker: { kind: "deployment" } } },
      "ferrum:services.user.worker.kind does nothing on this stack (got \"deployment\"): user runs no Celery worker, only auth, catalog do (catalog.ts); remove it with: pulumi config rm --path 'ferrum:services.user.worker.kind' -s test",
    ],
    [
      { catalog: { worker: { replicas: 3 } } },
      "ferrum:services.catalog.worker.replicas is not a known setting (got 3); known keys here: cpuLimitMillicores, cpuMillicores, kind, maxEtaSeconds, maxReplicas, memoryLimitMiB, memoryMiB, minReplicas, taskTimeLimitSeconds, tasksPerReplica; remove it with: pulumi config rm --path 'ferrum:services.catalog.worker.replicas' -s test",
    ],
  ])("%j is refused, naming the key, the value and the fix", (services, message) => {
    expect(parsed(services).problems).toEqual([message]);
  });
});

describe("delivery settings, decided in one place", () => {
  test("time limits, visibility timeout and grace period follow from the time limit and the longest ETA", () => {
    expect(celeryDelivery({ taskTimeLimitSeconds: 300, maxEtaSeconds: 3600 })).toEqual({
      taskTimeLimitSeconds: 300,
      taskSoftTimeLimitSeconds: 270,
      visibilityTimeoutSeconds: 3600 + 300 + VISIBILITY_MARGIN_SECONDS,
      workerGracePeriodSeconds: 300 + WORKER_SHUTDOWN_MARGIN_SECONDS,
    });
    expect(celeryDelivery({ taskTimeLimitSeconds: 10, maxEtaSeconds: 0 }).taskSoftTimeLimitSeconds).toBe(9);
  });

  test("the env contract carries the delivery values; the sidecar's web pod and the worker pod get the grace period", async () => {
    const service = byName("catalog", {
      catalog: { worker: { taskTimeLimitSeconds: 600, maxEtaSeconds: 60 } },
    });
    const { registrations: r } = await underMocks(() => new DjangoService("catalog", args(service)));
    const config = (r.inputs("kubernetes:core/v1:ConfigMap", "catalog-config") as any).data;
    expect([
      config.CELERY_TASK_TIME_LIMIT,
      config.CELERY_TASK_SOFT_TIME_LIMIT,
      config.CELERY_VISIBILITY_TIMEOUT,
    ]).toEqual(["600", "570", String(60 + 600 + VISIBILITY_MARGIN_SECONDS)]);
    const web = podOf(r, "catalog-web");
    expect(web.containers.map((c: any) => c.name)).toEqual(["web", "worker"]);
    expect(web.terminationGracePeriodSeconds).toBe(600 + WORKER_SHUTDOWN_MARGIN_SECONDS);
  });

  test("web pods: a preStop sleep on the web container only, counted in their grace period", async () => {
    const { registrations: r } = await underMocks(() => new DjangoService("user", args(byName("user"))));
    const pod = podOf(r, "user-web");
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: WEB_PRESTOP_SECONDS } } });
    expect(pod.terminationGracePeriodSeconds).toBe(WEB_GRACE_PERIOD_SECONDS);
    expect(WEB_GRACE_PERIOD_SECONDS).toBeGreaterThan(WEB_PRESTOP_SECONDS);
    const { registrations: c } = await underMocks(
      () => new DjangoService("catalog", args(byName("catalog"))),
    );
    const catalogPod = podOf(c, "catalog-web");
    expect(catalogPod.containers.find((x: any) => x.name === "worker").lifecycle).toBeUndefined();
  });
});

describe("tracing", () => {
  test("with Tempo's endpoint, the ConfigMap tells the OpenTelemetry SDK where to send what, as whom", async () => {
    const tracing = { otlpHttpEndpoint: "http://tempo.monitoring.svc.cluster.local:4318" };
    const { registrations: r } = await underMocks(
      () => new DjangoService("auth", args(byName("auth"), { tracing })),
    );
    expect((r.inputs("kubernetes:core/v1:ConfigMap", "auth-config") as any).data).toMatchObject({
      OTEL_SERVICE_NAME: "auth",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://tempo.monitoring.svc.cluster.local:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    });
    const { registrations: off } = await underMocks(() => new DjangoService("auth", args(byName("auth"))));
    expect(
      Object.keys((off.inputs("kubernetes:core/v1:ConfigMap", "auth-config") as any).data),
    ).not.toContain("OTEL_EXPORTER_OTLP_ENDPOINT");
  });

  test("the plan with tracing on gives every service Tempo's OTLP/HTTP endpoint; with it off, none", async () => {
    const on = manifests(
      await sharedPlan("dev", ["ferrum:observability.enabled=true", "ferrum:observability.tracing=true"]),
    ) as any[];
    const maps = on.filter((o) => o.kind === "ConfigMap" && o.data?.DJANGO_SETTINGS_MODULE);
    expect(maps.map((m) => [m.data.OTEL_SERVICE_NAME, m.data.OTEL_EXPORTER_OTLP_ENDPOINT]).sort()).toEqual(
      ["auth", "catalog", "content", "user"].map((s) => [
        s,
        "http://tempo.monitoring.svc.cluster.local:4318",
      ]),
    );
    const off = manifests(await sharedPlan("dev", ["ferrum:observability.enabled=true"])) as any[];
    expect(off.filter((o) => o.kind === "ConfigMap" && o.data?.OTEL_EXPORTER_OTLP_ENDPOINT)).toEqual([]);
  }, 60_000);
});

describe("worker.kind: deployment — a worker Deployment scaled by KEDA on the queue's length", () => {
  const deploymentWorker = () =>
    byName("catalog", { catalog: { worker: { kind: "deployment", maxReplicas: 8 } } });
  const keda = () => new pulumi.ComponentResource("test:index:Keda", "keda-release");

  test("the web pod loses its sidecar; the worker Deployment runs it alone, with the worker's grace period", async () => {
    const { registrations: r } = await underMocks(() => {
      const release = keda();
      return new DjangoService(
        "catalog",
        args(deploymentWorker(), { queueScaling: { keda: release, queue: sentinelQueue } }),
      );
    });
    const web = podOf(r, "catalog-web");
    expect(web.containers.map((c: any) => c.name)).toEqual(["web"]);
    expect(web.terminationGracePeriodSeconds).toBe(WEB_GRACE_PERIOD_SECONDS);
    const worker = r.inputs("kubernetes:apps/v1:Deployment", "catalog-worker") as any;
    expect(worker.spec.replicas).toBeUndefined();
    expect(worker.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["worker"]);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBe(
      300 + WORKER_SHUTDOWN_MARGIN_SECONDS,
    );
    expect(worker.spec.template.spec.containers[0].command.slice(0, 4)).toEqual([
      "celery",
      "--app",
      "catalog_service",
      "worker",
    ]);
  });

  test("a ScaledObject on the redis-sentinel trigger, with the passwords through a TriggerAuthentication and a Secret", async () => {
    const { registrations: r } = await underMocks(() => {
      const release = keda();
      return new DjangoService(
        "catalog",
        args(deploymentWorker(), { queueScaling: { keda: release, queue: sentinelQueue } }),
      );
    });
    const so = r.inputs("kubernetes:keda.sh/v1alpha1:ScaledObject", "catalog-worker-scaler") as any;
    expect(so.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "catalog-worker" },
      minReplicaCount: 1,
      maxReplicaCount: 8,
      pollingInterval: 15,
      cooldownPeriod: 300,
      triggers: [
        {
          type: "redis-sentinel",
          metadata: {
            addresses: "s-0:26379,s-1:26379",
            sentinelMaster: "ferrum",
            databaseIndex: "8",
            listName: "celery",
            listLength: "5",
            activationListLength: "0",
          },
          authenticationRef: { name: "catalog-queue" },
        },
      ],
    });
    const auth = r.inputs("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "catalog-queue-auth") as any;
    const secret = r.get("kubernetes:core/v1:Secret", "catalog-queue-secret").inputs as any;
    expect(isSecretEnvelope(secret.stringData)).toBe(true);
    expect(secret.stringData.value).toEqual({
      password: "redis-pass-456",
      sentinelPassword: "redis-pass-456",
    });
    expect(auth.spec.secretTargetRef).toEqual(
      ["password", "sentinelPassword"].map((p) => ({
        parameter: p,
        name: expect.stringMatching(/^catalog-queue-secret/),
        key: p,
      })),
    );
    expect(JSON.stringify(so)).not.toContain("redis-pass-456");
  });

  test("a managed cache: the redis trigger on its TLS endpoint, reading the prefixed queue key", async () => {
    const queue: CeleryQueue = {
      kind: "direct",
      host: "cache.example.net",
      port: 6380,
      keyPrefix: "{catalog}:",
      password: pulumi.secret("token"),
    };
    const spec = scaledObjectSpec(
      queue,
      { minReplicas: 0, maxReplicas: 3, tasksPerReplica: 10 },
      "catalog-worker",
      "q",
    );
    const metadata = await new Promise((resolve) => pulumi.output(spec.triggers[0]!.metadata).apply(resolve));
    expect([spec.triggers[0]!.type, metadata]).toEqual([
      "redis",
      {
        address: "cache.example.net:6380",
        databaseIndex: "0",
        enableTLS: "true",
        listName: "{catalog}:celery",
        listLength: "10",
        activationListLength: "0",
      },
    ]);
  });

  test.each([
    ["deployment without queue scaling", () => new DjangoService("catalog", args(deploymentWorker()))],
    [
      "queue scaling for a sidecar worker",
      () =>
        new DjangoService(
          "catalog",
          args(byName("catalog"), { queueScaling: { keda: keda(), queue: sentinelQueue } }),
        ),
    ],
  ])("refused: %s, before anything is registered", async (_label, build) => {
    const { error, registered } = await refusal(build);
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error?.message).toMatch(
      /^Invalid arguments of DjangoService catalog \(1 problem\):\n {2}- worker\.kind is (deployment|sidecar), but queue scaling was (not )?given$/,
    );
    expect(registered.filter((x) => x.type !== "test:index:Keda")).toEqual([]);
  });
});

describe("the dev plan with ferrum:services.catalog.worker.kind=deployment", () => {
  let plan: Awaited<ReturnType<typeof runPlan>>;
  beforeAll(async () => {
    plan = await runPlan("dev", ["ferrum:services.catalog.worker.kind=deployment"]);
  }, 60_000);

  test("KEDA is installed by its pinned chart, watching the platform's namespace", () => {
    const release = plan.resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "keda-release",
    )!;
    expect(release.inputs).toMatchObject({
      chart: "keda",
      version: KEDA_CHART.version,
      namespace: "keda",
      values: kedaValues({ watchNamespace: "ferrum" }),
    });
    expect(KEDA_CHART.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("only KEDA's own objects depend on the KEDA release", () => {
    const release = plan.resources.find((r) => r.name === "keda-release")!;
    const dependents = plan.resources
      .filter((r) => (r.options.dependsOn ?? []).includes(release.urn))
      .map((r) => `${r.type}::${r.name}`)
      .sort();
    expect(dependents).toEqual([
      "kubernetes:keda.sh/v1alpha1:ScaledObject::catalog-worker-scaler",
      "kubernetes:keda.sh/v1alpha1:TriggerAuthentication::catalog-queue-auth",
    ]);
    // Nor does anything depend on the KEDA component as a whole (that would hold back all of its children).
    const component = plan.resources.find((r) => r.type === "ferrum:index:Keda")!;
    expect(plan.resources.filter((r) => (r.options.dependsOn ?? []).includes(component.urn))).toEqual([]);
  });

  test("the operator may reach Redis and Sentinel; the KEDA objects pass the strict schemas of the pinned CRDs", () => {
    const objects = manifests(plan, true) as any[];
    const policy = objects.find(
      (o) => o.kind === "NetworkPolicy" && o.metadata.name === "allow-keda-to-redis",
    );
    expect(policy.spec.ingress[0].ports.map((p: any) => p.port)).toEqual([6379, 26379]);
    const keda = objects.filter((o) => o.apiVersion === "keda.sh/v1alpha1");
    expect(keda.map((o) => o.kind).sort()).toEqual(["ScaledObject", "TriggerAuthentication"]);
    // Every object of the plan (the worker Deployment included), the KEDA kinds against the pinned CRDs.
    expect(validateManifests(objects)).toEqual([]);
    const scaledObject = keda.find((o) => o.kind === "ScaledObject");
    const typo = { ...scaledObject, spec: { ...scaledObject.spec, maxReplicaCont: 3 } };
    expect(validateManifests([typo])).toEqual([
      'keda.sh/v1alpha1 ScaledObject "catalog-worker": spec.maxReplicaCont: unknown field (did you mean maxReplicaCount?)',
    ]);
  });

  test("the plan keeps every guardrail: the policy pack passes and no secret leaks", async () => {
    expect(await runPolicies(guardedFromPlan(plan.resources))).toEqual([]);
    const configSecrets = Object.fromEntries(plan.placeholders.map((key) => [key, placeholderFor(key)]));
    expect(scanPlan("dev", plan, configSecrets)).toEqual([]);
  });

  test("without a deployment worker, the plan has no KEDA at all", async () => {
    const dev = await sharedPlan("dev");
    expect(dev.resources.filter((r) => /keda/i.test(r.type) || /keda/.test(r.name))).toEqual([]);
  }, 60_000);
});
