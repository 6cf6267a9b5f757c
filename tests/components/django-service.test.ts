import { readFileSync } from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig, ServiceSettings } from "../../config";
import { REQUIRED_CONFIG } from "../helpers/config";
import type { CacheConnection, DatabaseConnection, StorageConnection } from "../../components/connections";
import { DjangoService, DjangoServiceArgs } from "../../components/django-service";
import { MIGRATE_LOCK_SCRIPT } from "../../components/django-service/migrate";
import { isSecretEnvelope, secretValues, underMocks } from "../helpers/pulumi";
import { ProblemsError } from "../../lib/problems";
import { CONTRACT_VARIABLES, POD_IP_ENV } from "../../components/django-service/env";
import { expectArgumentsRefused } from "../helpers/refusals";

const services = parseConfig(REQUIRED_CONFIG.k3s, "test").config!.services;
const byName = (n: string): ServiceSettings => services.find((s) => s.name === n)!;

/** Connections as a backing component would hand them over: credentials secret. */
const database: DatabaseConnection = {
  host: "postgres.ferrum.svc.cluster.local",
  port: 5432,
  database: "ferrum_auth",
  username: "ferrum_auth",
  password: pulumi.secret("db-pass-123"),
  sslMode: "prefer",
  url: pulumi.secret(
    "postgres://ferrum_auth:db-pass-123@postgres.ferrum.svc.cluster.local:5432/ferrum_auth?sslmode=prefer",
  ),
};
const cache: CacheConnection = {
  url: pulumi.secret("redis://:redis-pass-456@ferrum/1"),
  sentinels: "redis-0.redis:26379,redis-1.redis:26379",
  sentinelMaster: "ferrum",
  keyPrefix: "auth:",
  celeryBrokerUrl: pulumi.secret("sentinel://:redis-pass-456@redis-0.redis:26379/2"),
  celeryResultBackend: pulumi.secret("sentinel://:redis-pass-456@redis-0.redis:26379/2"),
  celeryTransportOptions: pulumi.secret(
    '{"master_name":"ferrum","sentinel_kwargs":{"password":"redis-pass-456"}}',
  ),
  eventsUrl: pulumi.secret("redis://:redis-pass-456@ferrum/0"),
};
const storage: StorageConnection = {
  bucket: "ferrum-test-auth",
  endpointUrl: "http://minio.ferrum.svc.cluster.local:9000",
  region: "us-east-1",
  publicEndpointUrl: "https://objects.ferrum.local",
  publicBaseUrl: "https://objects.ferrum.local/ferrum-test-auth",
  publicPrefix: "public/",
  addressingStyle: "path",
  credentials: { accessKeyId: pulumi.secret("ferrum-auth"), secretAccessKey: pulumi.secret("s3-secret-789") },
};

function args(name: string, extra: Partial<DjangoServiceArgs> = {}): DjangoServiceArgs {
  return {
    service: byName(name),
    namespace: "ferrum",
    apiHost: "api.ferrum.local",
    database,
    routing: { kind: "traefik", entryPoints: ["websecure"], tls: {} },
    ...(byName(name).payments
      ? { payments: { shopId: "100500", secretKey: pulumi.secret("yk-secret-000") } }
      : {}),
    ...extra,
  };
}

const build = (name: string, extra: Partial<DjangoServiceArgs> = {}) =>
  underMocks(() => new DjangoService(name, args(name, extra)));

describe("DjangoService", () => {
  test("web Deployment: RollingUpdate maxUnavailable 0, minReadySeconds 10, no replicas field", async () => {
    const { registrations: r } = await build("user");
    const d = r.inputs("kubernetes:apps/v1:Deployment", "user-web") as any;
    expect(d.spec.replicas).toBeUndefined();
    expect(d.spec.minReadySeconds).toBe(10);
    expect(d.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  test("HPA autoscaling/v2: min 1, max 5, 70% CPU of the web container only", async () => {
    const { registrations: r } = await build("auth");
    const hpa = r.inputs("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "auth-web") as any;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "auth-web" });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([1, 5]);
    expect(hpa.spec.metrics).toEqual([
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "web",
          target: { type: "Utilization", averageUtilization: 70 },
        },
      },
    ]);
  });

  test("migrate initContainer runs manage.py migrate under the advisory lock with the service's env", async () => {
    const { registrations: r } = await build("content");
    const pod = (r.inputs("kubernetes:apps/v1:Deployment", "content-web") as any).spec.template.spec;
    expect(pod.initContainers).toHaveLength(1);
    const migrate = pod.initContainers[0];
    expect(migrate.command).toEqual([
      "python",
      "-c",
      MIGRATE_LOCK_SCRIPT,
      "python",
      "manage.py",
      "migrate",
      "--noinput",
    ]);
    expect(migrate.envFrom.map((e: any) => Object.keys(e)[0])).toEqual(["configMapRef", "secretRef"]);
  });

  test.each([
    ["auth", ["web", "worker"], true],
    ["user", ["web"], false],
    ["content", ["web"], false],
    ["catalog", ["web", "worker"], true],
  ])("%s: containers %j, beat Deployment %s", async (name, containers, beat) => {
    const { registrations: r } = await build(name as string);
    const pod = (r.inputs("kubernetes:apps/v1:Deployment", `${name}-web`) as any).spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(containers);
    const beats = r.ofType("kubernetes:apps/v1:Deployment").filter((d) => d.name.endsWith("-beat"));
    expect(beats.length).toBe(beat ? 1 : 0);
    if (beat) {
      const b = r.inputs("kubernetes:apps/v1:Deployment", `${name}-beat`) as any;
      expect(b.spec.replicas).toBe(1);
      expect(b.spec.strategy).toEqual({ type: "Recreate" });
      expect(b.spec.template.spec.containers[0].command.slice(0, 4)).toEqual([
        "celery",
        "--app",
        `${name}_service`,
        "beat",
      ]);
    }
  });

  test("probes: liveness and startup never reach the database; every probe sends an allowed Host", async () => {
    const { registrations: r } = await build("auth");
    const web = (r.inputs("kubernetes:apps/v1:Deployment", "auth-web") as any).spec.template.spec
      .containers[0];
    const config = r.inputs("kubernetes:core/v1:ConfigMap", "auth-config") as any;
    const allowed = config.data.DJANGO_ALLOWED_HOSTS.split(",");
    expect(web.livenessProbe.httpGet.path).toBe("/healthz/live");
    expect(web.startupProbe.httpGet.path).toBe("/healthz/live");
    expect(web.readinessProbe.httpGet.path).toBe("/healthz/ready");
    for (const p of [web.livenessProbe, web.readinessProbe, web.startupProbe]) {
      expect(allowed).toContain(p.httpGet.httpHeaders.find((h: any) => h.name === "Host").value);
    }
    expect(allowed).toContain("api.ferrum.local");
  });

  test("every container: requests and limits, restricted securityContext; pod runs as non-root with RuntimeDefault seccomp", async () => {
    const { registrations: r } = await build("catalog");
    for (const d of r.kind("Deployment") as any[]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(Object.keys(c.resources.requests).sort()).toEqual(["cpu", "memory"]);
        expect(Object.keys(c.resources.limits).sort()).toEqual(["cpu", "memory"]);
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
      }
    }
  });

  test("PDB maxUnavailable 1 and a ClusterIP Service selecting the web pods", async () => {
    const { registrations: r } = await build("user");
    const pdb = r.inputs("kubernetes:policy/v1:PodDisruptionBudget", "user-web") as any;
    expect(pdb.spec.maxUnavailable).toBe(1);
    const svc = r.inputs("kubernetes:core/v1:Service", "user-service") as any;
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.selector).toEqual(pdb.spec.selector.matchLabels);
    expect(svc.spec.selector["app.kubernetes.io/component"]).toBe("web");
  });

  test("Traefik routes the prefix on the API host and strips it; Django builds URLs under it", async () => {
    const { registrations: r } = await build("catalog");
    const route = r.inputs("kubernetes:traefik.io/v1alpha1:IngressRoute", "catalog-route") as any;
    expect(route.spec.routes[0].match).toBe(
      "Host(`api.ferrum.local`) && (Path(`/catalog`) || PathPrefix(`/catalog/`)) && !PathPrefix(`/catalog/metrics`)",
    );
    expect(route.spec.routes[0].middlewares).toEqual([{ name: "catalog-strip-prefix" }]);
    expect(route.spec.routes[0].services).toEqual([{ kind: "Service", name: "catalog", port: 80 }]);
    expect(route.spec.tls).toEqual({});
    const mw = r.inputs("kubernetes:traefik.io/v1alpha1:Middleware", "catalog-strip-prefix") as any;
    expect(mw.spec.stripPrefix.prefixes).toEqual(["/catalog"]);
    expect(
      (r.inputs("kubernetes:core/v1:ConfigMap", "catalog-config") as any).data.DJANGO_FORCE_SCRIPT_NAME,
    ).toBe("/catalog");
  });

  test("env contract: ConfigMap holds no credential; every Secret value is a secret", async () => {
    const { registrations: r } = await build("auth", { cache, storage });
    const config = r.inputs("kubernetes:core/v1:ConfigMap", "auth-config") as any;
    expect(Object.keys(config.data).sort()).toEqual([
      "AWS_S3_ADDRESSING_STYLE",
      "AWS_S3_ENDPOINT_URL",
      "AWS_S3_PUBLIC_BASE_URL",
      "AWS_S3_PUBLIC_ENDPOINT_URL",
      "AWS_S3_PUBLIC_PREFIX",
      "AWS_S3_REGION_NAME",
      "AWS_STORAGE_BUCKET_NAME",
      "CELERY_TASK_SOFT_TIME_LIMIT",
      "CELERY_TASK_TIME_LIMIT",
      "CELERY_VISIBILITY_TIMEOUT",
      "DJANGO_ALLOWED_HOSTS",
      "DJANGO_FORCE_SCRIPT_NAME",
      "DJANGO_SETTINGS_MODULE",
      "REDIS_KEY_PREFIX",
      "REDIS_SENTINELS",
      "REDIS_SENTINEL_MASTER",
    ]);
    const secret = r.get("kubernetes:core/v1:Secret", "auth-secret").inputs as any;
    expect(isSecretEnvelope(secret.stringData)).toBe(true);
    expect(Object.keys(secret.stringData.value).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "CELERY_BROKER_TRANSPORT_OPTIONS",
      "CELERY_BROKER_URL",
      "CELERY_RESULT_BACKEND",
      "DATABASE_URL",
      "DJANGO_SECRET_KEY",
      "EVENTS_REDIS_URL",
      "REDIS_URL",
    ]);
    const configText = JSON.stringify(config);
    for (const s of ["db-pass-123", "redis-pass-456", "s3-secret-789"]) expect(configText).not.toContain(s);
    // The object store twice: the internal endpoint the service talks to, the public one it signs URLs for.
    expect(config.data).toMatchObject({
      AWS_S3_ENDPOINT_URL: "http://minio.ferrum.svc.cluster.local:9000",
      AWS_S3_PUBLIC_ENDPOINT_URL: "https://objects.ferrum.local",
      AWS_S3_PUBLIC_BASE_URL: "https://objects.ferrum.local/ferrum-test-auth",
      AWS_S3_PUBLIC_PREFIX: "public/",
      AWS_S3_ADDRESSING_STYLE: "path",
    });
  });

  test("no secret value appears in any non-secret input of any resource", async () => {
    const { registrations: r } = await build("catalog", { cache, storage });
    const secrets = new Set<string>();
    for (const res of r.resources) for (const v of secretValues(res.inputs)) secrets.add(v);
    for (const v of secretValues(
      r.get("random:index/randomPassword:RandomPassword", "catalog-secret-key").state,
    ))
      secrets.add(v);
    expect(secrets.size).toBeGreaterThan(3);
    for (const res of r.resources) {
      const plain = JSON.stringify(stripSecrets(res.inputs));
      for (const s of secrets) expect(plain).not.toContain(s);
    }
  });

  test("payments credentials go to the services the catalog names, and only there", async () => {
    const { registrations: r } = await build("catalog");
    expect(
      Object.keys((r.get("kubernetes:core/v1:Secret", "catalog-secret").inputs as any).stringData.value),
    ).toContain("YOOKASSA_SECRET_KEY");
    expect(
      () =>
        new DjangoService("user", {
          ...args("user"),
          payments: { shopId: "1", secretKey: pulumi.secret("x") },
        }),
    ).toThrow(
      new ProblemsError(
        ["the catalog says payments=false, but payments credentials were given"],
        "Invalid arguments of DjangoService user",
      ),
    );
  });

  test("a further backing service's binding: its plain variables in the ConfigMap, its credentials in the Secret as secrets", async () => {
    const search = {
      config: { SEARCH_URL: "https://search.ferrum.svc:9200" },
      secret: { SEARCH_USER: pulumi.output("auth"), SEARCH_PASSWORD: pulumi.output("search-pass-321") },
    };
    const { registrations: r } = await build("auth", { cache, bindings: { search } });
    const config = r.inputs("kubernetes:core/v1:ConfigMap", "auth-config") as any;
    expect(config.data.SEARCH_URL).toBe("https://search.ferrum.svc:9200");
    const secret = r.get("kubernetes:core/v1:Secret", "auth-secret").inputs as any;
    expect(isSecretEnvelope(secret.stringData)).toBe(true);
    expect(secret.stringData.value).toMatchObject({
      SEARCH_USER: "auth",
      SEARCH_PASSWORD: "search-pass-321",
    });
    expect(JSON.stringify(config)).not.toContain("search-pass-321");
  });

  test("a binding that sets a contract variable, one another binding sets, or a malformed name is refused before anything registers", async () => {
    await expectArgumentsRefused(
      () =>
        new DjangoService(
          "auth",
          args("auth", {
            bindings: {
              search: { config: { DATABASE_URL: "x", SEARCH_URL: "y" }, secret: {} },
              graph: { config: { "graph-url": "z" }, secret: { SEARCH_URL: pulumi.secret("w") } },
            },
          }),
        ),
      "DjangoService auth",
      [
        "bindings.search sets DATABASE_URL, which the env contract already sets: give the backing service's variable a name of its own",
        "bindings.graph sets \"graph-url\", which is not a variable name (upper-case letters, digits and '_', starting with a letter)",
        "bindings.graph sets SEARCH_URL, which bindings.search already sets: give the backing service's variable a name of its own",
      ],
    );
  });

  test("every variable the contract renders is in CONTRACT_VARIABLES, which bindings may not set", async () => {
    const { registrations: r } = await build("catalog", {
      cache,
      storage,
      email: { host: "smtp.example.com", port: 587, useTls: true, user: "u", password: pulumi.secret("p") },
      tracing: { otlpHttpEndpoint: "http://tempo:4318" },
    });
    const config = Object.keys((r.inputs("kubernetes:core/v1:ConfigMap", "catalog-config") as any).data);
    const secret = Object.keys(
      (r.get("kubernetes:core/v1:Secret", "catalog-secret").inputs as any).stringData.value,
    );
    expect([...config, ...secret].sort()).toEqual([...CONTRACT_VARIABLES].sort());
  });

  test("a ServiceMonitor only when observability is on", async () => {
    expect(
      (await build("auth")).registrations.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor"),
    ).toHaveLength(0);
    const { registrations: r } = await build("auth", { serviceMonitor: true });
    const sm = r.inputs("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "auth-service-monitor") as any;
    expect(sm.spec.endpoints[0]).toMatchObject({ port: "http", path: "/metrics" });
  });
});

/** Inputs with every secret envelope removed: what a reader of the plan sees. */
function stripSecrets(v: unknown): unknown {
  if (isSecretEnvelope(v)) return null;
  if (Array.isArray(v)) return v.map(stripSecrets);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripSecrets(x)]));
  return v;
}

describe("docs/reference/env-contract.md", () => {
  test("lists exactly the contract's variables, the downward API's POD_IP and the EventBus binding's", () => {
    const text = readFileSync(path.join(__dirname, "../../docs/reference/env-contract.md"), "utf8");
    const listed = new Set<string>();
    for (const line of text.split("\n").filter((l) => l.startsWith("| `"))) {
      const first = line.split("|")[1]!;
      for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) listed.add(m[1]!);
    }
    const expected = [...CONTRACT_VARIABLES, POD_IP_ENV, "NATS_URL", "NATS_USER", "NATS_PASSWORD"];
    expect([...listed].sort()).toEqual([...expected].sort());
  });
});
