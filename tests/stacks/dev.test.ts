/**
 * The dev stack's offline plan, through the same code path as `npm run plan -- dev`.
 */
import { manifests, outputEntries, resourceEntries } from "../../harness/planner";
import { isSecretEnvelope, redact, secretValues, refusal, underMocks, PlanResult } from "../helpers/pulumi";
import { REQUIRED_CONFIG } from "../helpers/config";
import { scanPlan } from "../../harness/guardrails/leaks";
import { sharedPlan } from "../helpers/shared-plans";

let plan: PlanResult;
let objects: any[];
beforeAll(async () => {
  plan = await sharedPlan("dev");
  objects = manifests(plan);
});

const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string) => ofKind(kind).find((o) => o.metadata.name === name);
const SERVICES = ["auth", "user", "content", "catalog"];

describe("dev stack plan: resources.json", () => {
  test("one ManagedPostgres and four DjangoService components, each with children", () => {
    const entries = resourceEntries(plan) as any[];
    const pg = entries.filter((e) => e.type === "ferrum:index:ManagedPostgres");
    const ds = entries.filter((e) => e.type === "ferrum:index:DjangoService");
    expect(pg).toHaveLength(1);
    expect(ds.map((d) => d.name)).toEqual(SERVICES);
    for (const c of [...pg, ...ds])
      expect(entries.filter((e) => e.parent === c.urn).length).toBeGreaterThan(3);
    for (const e of entries) expect(e).toHaveProperty("options");
  });

  test("every DjangoService waits for the database bootstrap Job", () => {
    const job = plan.resources.find((r) => r.type === "kubernetes:batch/v1:Job")!;
    for (const d of plan.resources.filter((r) => r.type === "ferrum:index:DjangoService")) {
      expect(d.options.dependsOn).toContain(job.urn);
    }
  });

  test("dev is not protected (k3s is disposable); the secret key placeholder is listed", () => {
    expect(plan.resources.filter((r) => r.options.protect)).toEqual([]);
    expect(plan.placeholders).toEqual(["ferrum:yookassaSecretKey"]);
  });
});

describe("dev stack plan: manifests.yaml", () => {
  test("4 web Deployments and 4 HPAs with the spec's settings, 2 beat Deployments", () => {
    const webs = SERVICES.map((s) => named("Deployment", `${s}-web`));
    for (const d of webs) {
      expect(d.spec.replicas).toBeUndefined();
      expect(d.spec.minReadySeconds).toBe(10);
      expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(d.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(["migrate"]);
    }
    const hpas = ofKind("HorizontalPodAutoscaler");
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(SERVICES.map((s) => `${s}-web`).sort());
    for (const h of hpas) {
      expect(h.apiVersion).toBe("autoscaling/v2");
      expect(h.spec.minReplicas).toBe(1);
      expect(h.spec.metrics[0].containerResource.target.averageUtilization).toBe(70);
    }
    expect(
      ofKind("Deployment")
        .filter((d) => d.metadata.name.endsWith("-beat"))
        .map((d) => d.metadata.name),
    ).toEqual(["auth-beat", "catalog-beat"]);
  });

  test("worker sidecars only in auth and catalog", () => {
    const withWorker = SERVICES.filter((s) =>
      named("Deployment", `${s}-web`).spec.template.spec.containers.some((c: any) => c.name === "worker"),
    );
    expect(withWorker).toEqual(["auth", "catalog"]);
  });

  test("per-service Secrets carry DATABASE_URL and DJANGO_SECRET_KEY; ConfigMaps carry DJANGO_ALLOWED_HOSTS and no credential", () => {
    for (const s of SERVICES) {
      const web = named("Deployment", `${s}-web`).spec.template.spec.containers[0];
      const cmName = web.envFrom[0].configMapRef.name;
      const secretName = web.envFrom[1].secretRef.name;
      const secret = named("Secret", secretName);
      expect(secret.stringData.DATABASE_URL).toBe("[secret]");
      expect(secret.stringData.DJANGO_SECRET_KEY).toBe("[secret]");
      const cm = named("ConfigMap", cmName);
      expect(cm.data.DJANGO_ALLOWED_HOSTS.split(",")).toContain("api.ferrum.local");
      expect(JSON.stringify(cm.data)).not.toMatch(/postgres:\/\/|PASSWORD|SECRET/);
    }
    expect(
      Object.keys(
        named(
          "Secret",
          named("Deployment", "catalog-web").spec.template.spec.containers[0].envFrom[1].secretRef.name,
        ).stringData,
      ),
    ).toContain("YOOKASSA_SECRET_KEY");
  });

  test("a route per prefix on api.ferrum.local (without the metrics path), and the object store's own host, served on websecure with TLS", () => {
    const routes = ofKind("IngressRoute").filter((r) => r.spec.entryPoints.includes("websecure"));
    expect(routes.map((r) => r.spec.routes[0].match).sort()).toEqual(
      [
        ...SERVICES.map(
          (s) =>
            `Host(\`api.ferrum.local\`) && (Path(\`/${s}\`) || PathPrefix(\`/${s}/\`)) && !PathPrefix(\`/${s}/metrics\`)`,
        ),
        "Host(`objects.ferrum.local`)",
      ].sort(),
    );
    for (const r of routes) expect(r.spec.tls).toEqual({});
    // Both on websecure with the same TLS: one setting serves the API and the object store.
    const api = named("IngressRoute", "catalog");
    const objectsRoute = named("IngressRoute", "object-store");
    expect([objectsRoute.spec.entryPoints, objectsRoute.spec.tls]).toEqual([
      api.spec.entryPoints,
      api.spec.tls,
    ]);
    expect(objectsRoute.spec.routes[0].services).toEqual([
      { kind: "Service", name: "minio", port: 9000, passHostHeader: true },
    ]);
  });

  test("plain HTTP to either host is redirected to HTTPS by a route on web (k3s's Traefik answered it with 404), at the lowest priority", () => {
    const web = ofKind("IngressRoute").filter((r) => r.spec.entryPoints.includes("web"));
    expect(web).toHaveLength(1);
    expect(web[0].spec.entryPoints).toEqual(["web"]);
    expect(web[0].spec.routes).toEqual([
      {
        kind: "Rule",
        match: "Host(`api.ferrum.local`) || Host(`objects.ferrum.local`)",
        priority: 1,
        middlewares: [{ name: "redirect-to-https" }],
        services: [{ kind: "TraefikService", name: "noop@internal" }],
      },
    ]);
    expect(named("Middleware", "redirect-to-https").spec).toEqual({
      redirectScheme: { scheme: "https", permanent: true },
    });
  });

  test("every object carries the four standard labels and a namespace (except the Namespace)", () => {
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({
        "app.kubernetes.io/part-of": "ferrum",
        "app.kubernetes.io/managed-by": "pulumi",
      });
      expect(o.metadata.labels["app.kubernetes.io/name"]).toBeTruthy();
      expect(o.metadata.labels["app.kubernetes.io/component"]).toBeTruthy();
      expect(o.metadata.name).toBeTruthy();
      if (o.kind !== "Namespace") expect(o.metadata.namespace).toBe("ferrum");
    }
  });

  test("NetworkPolicies: default deny, same namespace, ingress controller and monitoring to the web pods, ingress controller to the object store", () => {
    const names = ofKind("NetworkPolicy").map((p) => p.metadata.name);
    expect(names.sort()).toEqual(
      [
        "default-deny-ingress",
        "allow-same-namespace",
        "allow-ingress-to-web",
        "allow-monitoring-to-web",
        "allow-ingress-to-object-store",
      ].sort(),
    );
    const toObjects = named("NetworkPolicy", "allow-ingress-to-object-store");
    expect(toObjects.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
        ports: [{ protocol: "TCP", port: 9000 }],
      },
    ]);
    expect(toObjects.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("object-store");
    const fromIngress = named("NetworkPolicy", "allow-ingress-to-web");
    expect(
      fromIngress.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
    ).toBe("kube-system");
    // ClusterIP only (headless ones leave the type at its ClusterIP default): nothing leaves the cluster.
    for (const s of ofKind("Service")) expect(s.spec.type ?? "ClusterIP").toBe("ClusterIP");
  });
});

describe("dev stack: secrets stay secret", () => {
  test("password, key and connection outputs are secret stack outputs", () => {
    const secretOutputs = plan.outputs.filter((o) => o.secret).map((o) => o.name);
    expect(secretOutputs.sort()).toEqual(["databaseUrls", "postgresAdminPassword", "redisPassword"]);
    expect(outputEntries(plan).databaseUrls).toBe("[secret]");
  });

  test("no secret value appears in any non-secret input, output or manifest", () => {
    const secrets = new Set<string>();
    for (const r of plan.resources) {
      secretValues(r.inputs, false, secrets);
      secretValues(r.state, false, secrets);
    }
    expect(secrets.size).toBeGreaterThanOrEqual(10);
    const visible = JSON.stringify([resourceEntries(plan), objects, outputEntries(plan)]);
    const leaks = [...secrets].filter(
      (s) => s.length >= 8 && (visible.includes(s) || visible.includes(Buffer.from(s).toString("base64"))),
    );
    expect(leaks).toEqual([]);
  });

  test("--show-secrets reveals them, as pulumi preview --show-secrets does", () => {
    const shown = manifests(plan, true);
    const secret = shown.find(
      (o: any) => o.kind === "Secret" && o.metadata.name.startsWith("auth-secret"),
    ) as any;
    expect(secret.stringData.DATABASE_URL).toMatch(
      /^postgres:\/\/ferrum_auth_a:[A-Za-z0-9]{32}@postgres\.ferrum\.svc\.cluster\.local:5432\/ferrum_auth\?sslmode=prefer&options=-c%20role%3Dferrum_auth$/,
    );
    expect(redact(secret.stringData)).toEqual(secret.stringData);
  });
});

describe("required secrets: index.ts under the mock runtime, with config as pulumi up passes it", () => {
  test("a missing secret stops the program with the exact pulumi config set command, before any resource", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as () => Promise<unknown>;
    const { error, registered } = await refusal(program, {
      stack: "dev",
      config: {
        ...REQUIRED_CONFIG.k3s,
        "ferrum:emailHost": "smtp.example.com",
        "ferrum:emailUser": "mailer",
      },
    });
    expect(error?.message).toContain(
      "ferrum:emailPassword is required by this stack's settings but not set; set it with: pulumi config set --secret 'ferrum:emailPassword' <value> -s dev",
    );
    expect(error?.message).toContain("pulumi config set --secret 'ferrum:yookassaSecretKey' <value> -s dev");
    expect(registered).toEqual([]);
  });

  test("set as a secret, it reaches the catalog's Secret as a secret", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as () => Promise<unknown>;
    const { registrations } = await underMocks(() => program(), {
      stack: "dev",
      config: { ...REQUIRED_CONFIG.k3s, "ferrum:yookassaSecretKey": "live_sk_from_config" },
      secretKeys: ["ferrum:yookassaSecretKey"],
    });
    const secret = registrations.get("kubernetes:core/v1:Secret", "catalog-secret").inputs as any;
    expect(isSecretEnvelope(secret.stringData)).toBe(true);
    expect(secret.stringData.value.YOOKASSA_SECRET_KEY).toBe("live_sk_from_config");
  });
});

describe("dev stack: pull secrets for private registries, referenced by every service pod", () => {
  const SECRET_TYPE = "kubernetes:core/v1:Secret";
  const pods = (r: Awaited<ReturnType<typeof underMocks>>["registrations"]) =>
    r
      .ofType("kubernetes:apps/v1:Deployment")
      .filter((d) => SERVICES.includes((d.inputs as any).metadata.labels["app.kubernetes.io/name"]))
      .map((d) => [(d.inputs as any).metadata.name, (d.inputs as any).spec.template.spec.imagePullSecrets]);

  test("without a login or ferrum:imagePullSecret: no Secret, no imagePullSecrets", () => {
    expect(plan.resources.filter((r) => r.name.startsWith("image-pull"))).toEqual([]);
    for (const d of ofKind("Deployment")) expect(d.spec.template.spec.imagePullSecrets).toBeUndefined();
  });

  test("ferrum:imageRegistryUsername and its password become a dockerconfigjson Secret for ghcr.io; ferrum:imagePullSecret another, as given; both secret, both on every service pod", async () => {
    const TOKEN = "ghp_0123456789abcdefABCDEF0123456789wxyz";
    const given = JSON.stringify({
      auths: { "registry.example.com": { auth: "Ym90OnMzY3IzdC1wYXNzd29yZA==" } },
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as () => Promise<unknown>;
    const { registrations } = await underMocks(() => program(), {
      stack: "dev",
      config: {
        ...REQUIRED_CONFIG.k3s,
        "ferrum:yookassaSecretKey": "sk",
        "ferrum:imageRegistryUsername": "ferrum-ci",
        "ferrum:imageRegistryPassword": TOKEN,
        "ferrum:imagePullSecret": given,
      },
      secretKeys: ["ferrum:yookassaSecretKey", "ferrum:imageRegistryPassword", "ferrum:imagePullSecret"],
    });
    const login = registrations.get(SECRET_TYPE, "image-pull-registry").inputs as any;
    expect(login.metadata).toMatchObject({ name: "image-pull-registry", namespace: "ferrum" });
    expect(login.type).toBe("kubernetes.io/dockerconfigjson");
    expect(isSecretEnvelope(login.stringData)).toBe(true);
    expect(JSON.parse(login.stringData.value[".dockerconfigjson"])).toEqual({
      auths: {
        "ghcr.io": {
          username: "ferrum-ci",
          password: TOKEN,
          auth: Buffer.from(`ferrum-ci:${TOKEN}`).toString("base64"),
        },
      },
    });
    const asGiven = registrations.get(SECRET_TYPE, "image-pull-given").inputs as any;
    expect(asGiven.metadata.name).toBe("image-pull");
    expect(asGiven.type).toBe("kubernetes.io/dockerconfigjson");
    expect(isSecretEnvelope(asGiven.stringData)).toBe(true);
    expect(asGiven.stringData.value[".dockerconfigjson"]).toBe(given);
    const expected = [{ name: "image-pull-registry" }, { name: "image-pull" }];
    const listed = pods(registrations);
    expect(listed.map(([name]) => name).sort()).toEqual(
      ["auth-beat", "auth-web", "catalog-beat", "catalog-web", "content-web", "user-web"].sort(),
    );
    for (const [, secrets] of listed) expect(secrets).toEqual(expected);
    // Neither the token nor the given document shows anywhere outside a secret, in any encoding.
    expect(
      scanPlan(
        "dev",
        { resources: registrations.resources, outputs: [] },
        { "ferrum:imageRegistryPassword": TOKEN, "ferrum:imagePullSecret": given },
      ),
    ).toEqual([]);
    // The pods start once the Secrets exist.
    for (const s of SERVICES)
      expect(registrations.get("ferrum:index:DjangoService", s).waitsFor).toEqual(
        expect.arrayContaining([
          registrations.get(SECRET_TYPE, "image-pull-registry").urn,
          registrations.get(SECRET_TYPE, "image-pull-given").urn,
        ]),
      );
  });
});

describe("dev stack: object storage (ObjectStore, in-cluster)", () => {
  test("one ObjectStore; every service gets its own bucket in the ConfigMap and bucket-scoped keys in the Secret", () => {
    expect(plan.resources.filter((r) => r.type === "ferrum:index:ObjectStore")).toHaveLength(1);
    const buckets = SERVICES.map((s) => {
      const web = named("Deployment", `${s}-web`).spec.template.spec.containers[0];
      const cm = named("ConfigMap", web.envFrom[0].configMapRef.name);
      const secret = named("Secret", web.envFrom[1].secretRef.name);
      expect(cm.data.AWS_S3_ENDPOINT_URL).toBe("http://minio.ferrum.svc.cluster.local:9000");
      expect(cm.data.AWS_S3_REGION_NAME).toBe("us-east-1");
      // What browsers get: URLs signed for the public host, path-style, and public/ served unsigned under it.
      expect(cm.data).toMatchObject({
        AWS_S3_PUBLIC_ENDPOINT_URL: "https://objects.ferrum.local",
        AWS_S3_PUBLIC_BASE_URL: `https://objects.ferrum.local/ferrum-dev-${s}`,
        AWS_S3_PUBLIC_PREFIX: "public/",
        AWS_S3_ADDRESSING_STYLE: "path",
      });
      expect(secret.stringData.AWS_ACCESS_KEY_ID).toBe("[secret]");
      expect(secret.stringData.AWS_SECRET_ACCESS_KEY).toBe("[secret]");
      return cm.data.AWS_STORAGE_BUCKET_NAME;
    });
    expect(buckets).toEqual(SERVICES.map((s) => `ferrum-dev-${s}`));
  });

  test("the bootstrap Job creates four service buckets and the backups bucket, each with its two users and policy, and opens each service's public prefix", () => {
    const script = ofKind("ConfigMap").find((c) =>
      c.metadata.name.startsWith("object-store-bootstrap-script"),
    );
    const text = Object.values(script.data).join("\n") as string;
    for (const s of SERVICES) {
      expect(text).toContain(`mc mb --ignore-existing 'ferrum/ferrum-dev-${s}'`);
      expect(text).toContain(`mc version enable 'ferrum/ferrum-dev-${s}'`);
      expect(text).toContain(`mc admin policy create ferrum 'ferrum-dev-${s}-rw'`);
      for (const slot of ["A", "B"])
        expect(text).toContain(`mc admin user add ferrum "$FERRUM_${s.toUpperCase()}_${slot}_ACCESS_KEY_ID"`);
      expect(text).toContain(`mc anonymous set-json '/policies/${s}.public.json' 'ferrum/ferrum-dev-${s}'`);
    }
    expect(text).toContain("mc mb --ignore-existing 'ferrum/ferrum-dev-backups'");
    expect(text).toContain('mc admin user add ferrum "$FERRUM_BACKUPS_A_ACCESS_KEY_ID"');
    expect(text).toContain('mc admin user add ferrum "$FERRUM_BACKUPS_B_ACCESS_KEY_ID"');
    const policies = ofKind("ConfigMap").find((c) => c.metadata.name.startsWith("object-store-policies"));
    expect(Object.keys(policies.data).sort()).toEqual(
      [...SERVICES.flatMap((s) => [`${s}.json`, `${s}.public.json`]), "backups.json"].sort(),
    );
    expect(JSON.parse(policies.data["catalog.public.json"]).Statement[0].Resource).toEqual([
      "arn:aws:s3:::ferrum-dev-catalog/public/*",
    ]);
  });
});

describe("dev stack: Redis with Sentinel (RedisHA, in-cluster)", () => {
  test("one RedisHA with StatefulSets of 3 redis and 3 sentinels", () => {
    expect(plan.resources.filter((r) => r.type === "ferrum:index:RedisHA")).toHaveLength(1);
    const sets = ofKind("StatefulSet").filter((s) => s.metadata.labels["app.kubernetes.io/name"] === "redis");
    expect(
      sets.map((s) => [s.metadata.labels["app.kubernetes.io/component"], s.spec.replicas]).sort(),
    ).toEqual([
      ["cache", 3],
      ["sentinel", 3],
    ]);
  });

  test("every web, worker and beat pod receives the Redis rows of the env contract", () => {
    const prefixes = new Set<string>();
    for (const d of ofKind("Deployment")) {
      for (const c of d.spec.template.spec.containers) {
        const cm = named("ConfigMap", c.envFrom[0].configMapRef.name);
        const secret = named("Secret", c.envFrom[1].secretRef.name);
        for (const k of [
          "REDIS_URL",
          "CELERY_BROKER_URL",
          "CELERY_RESULT_BACKEND",
          "CELERY_BROKER_TRANSPORT_OPTIONS",
          "EVENTS_REDIS_URL",
        ]) {
          expect(secret.stringData[k]).toBe("[secret]");
        }
        expect(cm.data.REDIS_SENTINELS.split(",")).toHaveLength(3);
        expect(cm.data.REDIS_SENTINEL_MASTER).toBe("ferrum");
        prefixes.add(cm.data.REDIS_KEY_PREFIX);
      }
    }
    expect([...prefixes].sort()).toEqual(SERVICES.map((s) => `${s}:`).sort());
  });

  test("each service has its own cache and broker DBs; all share one events DB", () => {
    const shown = manifests(plan, true) as any[];
    const env = SERVICES.map((s) => {
      const web = shown.find((o) => o.kind === "Deployment" && o.metadata.name === `${s}-web`).spec.template
        .spec.containers[0];
      return shown.find((o) => o.kind === "Secret" && o.metadata.name === web.envFrom[1].secretRef.name)
        .stringData;
    });
    const dbOf = (url: string) => url.split("/").pop();
    const cacheDbs = env.map((e) => dbOf(e.REDIS_URL));
    const brokerDbs = env.map((e) => dbOf(e.CELERY_BROKER_URL));
    expect(new Set([...cacheDbs, ...brokerDbs]).size).toBe(8);
    // Every service logs in as its own user, so the URLs differ; the DB and the host are the same for all.
    const events = env.map((e) => new URL(e.EVENTS_REDIS_URL));
    expect(new Set(events.map((u) => `${u.host}${u.pathname}`))).toEqual(new Set(["ferrum/0"]));
    expect(events.map((u) => u.username)).toEqual(SERVICES.map((s) => `ferrum-${s}`));
    expect(new Set(env.map((e) => new URL(e.REDIS_URL).host))).toEqual(new Set(["ferrum-cache"]));
    expect(cacheDbs).not.toContain(dbOf(env[0].EVENTS_REDIS_URL));
  });
});
