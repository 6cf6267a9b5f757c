import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULT_SIZES, parseConfig, requiredSecretKeys, SCALAR_DEFAULTS, STRUCTURED_KEYS } from "../config";
import { CATALOG } from "../config/catalog";
import { DIGESTS, REQUIRED_CONFIG, requiredWith } from "./helpers/config";

const BASE = REQUIRED_CONFIG.k3s;
const parseWith = (raw: Record<string, string>, stack = "dev") => parseConfig({ ...BASE, ...raw }, stack);
const ok = (raw: Record<string, string>, stack = "dev") => {
  const r = parseWith(raw, stack);
  if (!r.config) throw new Error(r.problems.join("\n"));
  return r.config;
};
const svc = (json: unknown) => ({ "ferrum:services": JSON.stringify(json) });

describe("parseConfig: valid settings", () => {
  test("a config with only the required keys yields the defaults: four catalog services, HPA 1..5 at 70%", () => {
    const c = ok({});
    expect(c.cloud).toBe("k3s");
    expect(c.protect).toBe(false);
    expect(c.services.map((s) => s.name)).toEqual(["auth", "user", "content", "catalog"]);
    for (const s of c.services) {
      expect([s.minReplicas, s.maxReplicas, s.targetCpuPercent]).toEqual([1, 5, 70]);
      expect(s.image).toBe(`ghcr.io/ferrum/${s.imageRepository}:0.1.0`);
    }
    expect(c.services.filter((s) => s.celery).map((s) => s.name)).toEqual(["auth", "catalog"]);
    expect(c.services.map((s) => s.routePrefix)).toEqual(["/auth", "/user", "/content", "/catalog"]);
  });

  test("ferrum:objectsHost: objects. beside the API host unless set; none on AWS", () => {
    expect(ok({}).objectsHost).toBe("objects.ferrum.local");
    expect(ok({ "ferrum:apiHost": "api.shop.example.com" }).objectsHost).toBe("objects.shop.example.com");
    expect(ok({ "ferrum:objectsHost": "media.shop.example.com" }).objectsHost).toBe("media.shop.example.com");
    expect(
      ok({ ...REQUIRED_CONFIG.azure, "ferrum:apiHost": "api.x.example.com" }, "prod-azure").objectsHost,
    ).toBe("objects.x.example.com");
    expect(ok(REQUIRED_CONFIG.aws, "prod").objectsHost).toBe("");
  });

  test("structured keys override per service; cloud stacks are protected", () => {
    const c = ok({
      ...requiredWith("aws", "services", {
        catalog: {
          maxReplicas: 8,
          image: "reg.example.com/catalog@sha256:" + "e".repeat(64),
          digest: undefined,
          web: { cpuMillicores: 500 },
        },
      }),
      "ferrum:imageTag": "2.3.4",
    });
    expect(c.protect).toBe(true);
    const catalog = c.services.find((s) => s.name === "catalog")!;
    expect(catalog.maxReplicas).toBe(8);
    expect(catalog.image).toBe("reg.example.com/catalog@sha256:" + "e".repeat(64));
    expect(catalog.web.cpuMillicores).toBe(500);
    expect(c.services.find((s) => s.name === "auth")!.image).toBe(
      `ghcr.io/ferrum/auth-service:2.3.4@${DIGESTS.auth}`,
    );
  });

  test("integers and booleans set as text by `pulumi config set` are accepted", () => {
    const c = ok({
      "ferrum:emailHost": "smtp.example.com",
      "ferrum:emailPort": "2525",
      "ferrum:emailUseTls": "false",
      "ferrum:observability": '{"enabled":"true"}',
    });
    expect([c.email.port, c.email.useTls, c.observability.enabled]).toEqual([2525, false, true]);
  });

  test("keys of the providers a stack uses, and Pulumi's own, are accepted", () => {
    expect(ok({ "pulumi:tags": '{"team":"platform"}' }).cloud).toBe("k3s");
    expect(ok({ ...REQUIRED_CONFIG.aws, "aws:region": "eu-west-1", "aws:profile": "prod" }).cloud).toBe(
      "aws",
    );
    const azure = {
      ...REQUIRED_CONFIG.azure,
      "azure-native:subscriptionId": "00000000-0000-0000-0000-000000000000",
    };
    expect(ok(azure, "prod-azure").cloud).toBe("azure");
    expect(ok({ ...azure, "docker:host": "unix:///var/run/docker.sock" }, "prod-azure").cloud).toBe("azure");
  });

  test("secrets are required by the settings that use them: payments always (the catalog takes them), SMTP when a user is set", () => {
    expect(requiredSecretKeys(ok({}))).toEqual(["yookassaSecretKey"]);
    expect(requiredSecretKeys(ok({ "ferrum:emailHost": "smtp.x.org", "ferrum:emailUser": "u" }))).toEqual([
      "emailPassword",
      "yookassaSecretKey",
    ]);
  });
});

describe("parseConfig: every invalid setting is named with its value and its fix", () => {
  const cases: [string, Record<string, string>, string][] = [
    [
      "unknown cloud",
      { "ferrum:cloud": "gcp" },
      "ferrum:cloud must be one of k3s, aws, azure (got \"gcp\"); set it with: pulumi config set 'ferrum:cloud' k3s -s dev",
    ],
    [
      "namespace not a DNS label",
      { "ferrum:namespace": "Ferrum_NS" },
      "ferrum:namespace must be a DNS label (lowercase letters, digits, '-') (got \"Ferrum_NS\"); set it with: pulumi config set 'ferrum:namespace' ferrum -s dev",
    ],
    [
      "api host with a scheme",
      { "ferrum:apiHost": "https://api.ferrum.local" },
      "ferrum:apiHost must be a lowercase DNS name (got \"https://api.ferrum.local\"); set it with: pulumi config set 'ferrum:apiHost' api.ferrum.local -s dev",
    ],
    [
      "object store host with a scheme",
      { "ferrum:objectsHost": "https://objects.ferrum.local" },
      "ferrum:objectsHost must be a lowercase DNS name (got \"https://objects.ferrum.local\"); set it with: pulumi config set 'ferrum:objectsHost' objects.ferrum.local -s dev",
    ],
    [
      "object store host equal to the API host",
      { "ferrum:apiHost": "api.ferrum.local", "ferrum:objectsHost": "api.ferrum.local" },
      "ferrum:objectsHost must differ from ferrum:apiHost (api.ferrum.local), whose routes own that host (got \"api.ferrum.local\"); set it with: pulumi config set 'ferrum:objectsHost' objects.api.ferrum.local -s dev",
    ],
    [
      "an API host whose derived object store host is itself",
      { "ferrum:apiHost": "objects.example.com" },
      "ferrum:objectsHost must differ from ferrum:apiHost (objects.example.com), whose routes own that host (got nothing, so \"objects.example.com\" derived from ferrum:apiHost); set it with: pulumi config set 'ferrum:objectsHost' objects.objects.example.com",
    ],
    [
      "object store host on AWS",
      { ...REQUIRED_CONFIG.aws, "ferrum:objectsHost": "objects.ferrum.example.com" },
      "ferrum:objectsHost does nothing on this stack (got \"objects.ferrum.example.com\"): signed URLs name S3's regional endpoint and CloudFront serves the public prefix on AWS; remove it with: pulumi config rm 'ferrum:objectsHost' -s dev",
    ],
    [
      "image tag with a space",
      { "ferrum:imageTag": "1.0 beta" },
      "ferrum:imageTag must be an image tag (got \"1.0 beta\"); set it with: pulumi config set 'ferrum:imageTag' 1.0.0 -s dev",
    ],
    [
      "latest tag in a cloud stack",
      { ...REQUIRED_CONFIG.aws, "ferrum:imageTag": "latest" },
      "ferrum:imageTag must be a version in a cloud stack, not latest (got \"latest\"); set it with: pulumi config set 'ferrum:imageTag' 1.0.0 -s dev",
    ],
    [
      "email port out of range",
      { "ferrum:emailPort": "70000" },
      "ferrum:emailPort must be an integer between 1 and 65535 (got \"70000\"); set it with: pulumi config set 'ferrum:emailPort' 587 -s dev",
    ],
    [
      "email TLS not a boolean",
      { "ferrum:emailUseTls": "yes" },
      "ferrum:emailUseTls must be true or false (got \"yes\"); set it with: pulumi config set 'ferrum:emailUseTls' true -s dev",
    ],
    [
      "shop id not numeric",
      { "ferrum:yookassaShopId": "shop-1" },
      "ferrum:yookassaShopId must be a numeric YooKassa shop id (got \"shop-1\"); set it with: pulumi config set 'ferrum:yookassaShopId' 123456 -s dev",
    ],
    [
      "email user without host",
      { "ferrum:emailUser": "mailer" },
      "ferrum:emailHost must be set when emailUser is set (got \"\"); set it with: pulumi config set 'ferrum:emailHost' smtp.example.com -s dev",
    ],
    ["a misspelt top-level key", { "ferrum:clod": "aws" }, 'ferrum:clod is not a known setting (got "aws")'],
    [
      "services not an object",
      { "ferrum:services": "auth" },
      "ferrum:services must be an object (got \"auth\"); set its fields with: pulumi config set --path 'ferrum:services.<field>' <value> -s dev",
    ],
    [
      "a service the catalog lacks",
      svc({ billing: {} }),
      'ferrum:services.billing is not a service of the catalog (got "billing"); the services are auth, user, content, catalog',
    ],
    [
      "zero replicas",
      svc({ auth: { minReplicas: 0 } }),
      "ferrum:services.auth.minReplicas must be an integer between 1 and 50 (got 0); set it with: pulumi config set --path 'ferrum:services.auth.minReplicas' 1 -s dev",
    ],
    [
      "min above max",
      svc({ user: { minReplicas: 4, maxReplicas: 2 } }),
      "ferrum:services.user.maxReplicas must be at least minReplicas (got 2 < 4); set it with: pulumi config set --path 'ferrum:services.user.maxReplicas' 4 -s dev",
    ],
    [
      "fractional replicas",
      svc({ user: { maxReplicas: 2.5 } }),
      "ferrum:services.user.maxReplicas must be an integer between 1 and 50 (got 2.5); set it with: pulumi config set --path 'ferrum:services.user.maxReplicas' 5 -s dev",
    ],
    [
      "CPU target above 100%",
      svc({ content: { targetCpuPercent: 150 } }),
      "ferrum:services.content.targetCpuPercent must be an integer between 10 and 100 (got 150); set it with: pulumi config set --path 'ferrum:services.content.targetCpuPercent' 70 -s dev",
    ],
    [
      "untagged image",
      svc({ catalog: { image: "ghcr.io/ferrum/catalog-service" } }),
      "ferrum:services.catalog.image must be an image reference with a tag or digest (got \"ghcr.io/ferrum/catalog-service\"); set it with: pulumi config set --path 'ferrum:services.catalog.image' ghcr.io/ferrum/catalog-service:1.0.0 -s dev",
    ],
    [
      "latest image in a cloud stack",
      requiredWith("aws", "services", { auth: { image: "ghcr.io/ferrum/auth-service:latest" } }),
      "ferrum:services.auth.image must be pinned to a version or digest in a cloud stack, not :latest (got \"ghcr.io/ferrum/auth-service:latest\"); set it with: pulumi config set --path 'ferrum:services.auth.image' ghcr.io/ferrum/auth-service:1.0.0 -s dev",
    ],
    [
      "request above limit",
      svc({ auth: { web: { memoryMiB: 2048, memoryLimitMiB: 1024 } } }),
      "ferrum:services.auth.web.memoryLimitMiB must be at least memoryMiB (got 1024 < 2048); set it with: pulumi config set --path 'ferrum:services.auth.web.memoryLimitMiB' 2048 -s dev",
    ],
    [
      "misspelt service field",
      svc({ auth: { maxReplica: 3 } }),
      "ferrum:services.auth.maxReplica is not a known setting (got 3); did you mean ferrum:services.auth.maxReplicas? known keys here:",
    ],
    [
      "postgres 15 image",
      { "ferrum:postgres": JSON.stringify({ image: "postgres:15.8" }) },
      "ferrum:postgres.image must be a PostgreSQL 16 image pinned by a 16.x tag or digest (got \"postgres:15.8\"); set it with: pulumi config set --path 'ferrum:postgres.image' postgres:16.10-bookworm -s dev",
    ],
    [
      "postgres storage of zero",
      { "ferrum:postgres": JSON.stringify({ storageGiB: 0 }) },
      "ferrum:postgres.storageGiB must be an integer between 1 and 16384 (got 0); set it with: pulumi config set --path 'ferrum:postgres.storageGiB' 20 -s dev",
    ],
    [
      "observability flag not boolean",
      { "ferrum:observability": JSON.stringify({ enabled: "on" }) },
      "ferrum:observability.enabled must be true or false (got \"on\"); set it with: pulumi config set --path 'ferrum:observability.enabled' false -s dev",
    ],
  ];

  test.each(cases)("%s", (_label, raw, message) => {
    const r = parseWith(raw, "dev");
    expect(r.config).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].startsWith(message)).toBe(true);
  });

  test("all problems are reported at once", () => {
    const r = parseWith(
      { "ferrum:cloud": "gcp", "ferrum:emailPort": "0", ...svc({ auth: { minReplicas: 0 }, billing: {} }) },
      "dev",
    );
    expect(r.problems.map((p) => p.split(" ")[0])).toEqual([
      "ferrum:cloud",
      "ferrum:services.auth.minReplicas",
      "ferrum:services.billing",
      "ferrum:emailPort",
    ]);
  });
});

describe("Pulumi.yaml declares every scalar key, typed, with config.ts's default", () => {
  const project = parse(readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8"));
  const declared = project.config as Record<string, { type: string; default: unknown; description: string }>;

  test("same keys as config.ts's scalars; structured keys are not declared", () => {
    expect(Object.keys(declared).sort()).toEqual(["cloud", ...Object.keys(SCALAR_DEFAULTS)].sort());
    for (const k of STRUCTURED_KEYS) expect(declared[k]).toBeUndefined();
  });

  test("cloud is declared without a default, so the CLI refuses a stack file that does not set it", () => {
    expect(declared.cloud.type).toBe("string");
    expect("default" in declared.cloud).toBe(false);
  });

  test.each(Object.entries(SCALAR_DEFAULTS))("%s: type, default and description", (key, value) => {
    const d = declared[key];
    expect(d.type).toBe(typeof value === "number" ? "integer" : typeof value);
    expect(d.default).toEqual(value);
    expect(d.description.length).toBeGreaterThan(10);
  });

  test("every stack file parses to a valid config", () => {
    for (const stack of ["dev", "prod", "prod-azure"]) {
      const file = parse(readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8"));
      const raw = Object.fromEntries(
        Object.entries(file.config as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      );
      expect(parseConfig(raw, stack).problems).toEqual([]);
    }
  });

  test("the catalog is the spec's four services", () => {
    expect(CATALOG.map((s) => [s.name, s.routePrefix, s.celery])).toEqual([
      ["auth", "/auth", true],
      ["user", "/user", false],
      ["content", "/content", false],
      ["catalog", "/catalog", true],
    ]);
  });
});

describe("parseConfig: ferrum:objectStore", () => {
  test("defaults to MinIO's last community images, pinned, 20 GiB", () => {
    const os = ok({}).objectStore;
    expect(os.image).toMatch(/^quay\.io\/minio\/minio:RELEASE\.2025-/);
    expect(os.clientImage).toMatch(/^quay\.io\/minio\/mc:RELEASE\.2025-/);
    expect([os.storageGiB, os.region]).toEqual([20, "us-east-1"]);
  });

  test("the image can be swapped for another S3-compatible server, but never to latest", () => {
    expect(
      ok({ "ferrum:objectStore": JSON.stringify({ image: "registry.example.com/s3/server:2026.1" }) })
        .objectStore.image,
    ).toBe("registry.example.com/s3/server:2026.1");
    expect(
      parseWith({ "ferrum:objectStore": JSON.stringify({ image: "minio/minio:latest" }) }).problems,
    ).toEqual([
      expect.stringContaining(
        'ferrum:objectStore.image must be an image pinned by a tag (not latest) or digest (got "minio/minio:latest")',
      ),
    ]);
  });
});

describe("parseConfig: credential rotations (ferrum:postgres.rotation, ferrum:objectStore.rotation)", () => {
  test("both default to 0, and take the count set, on every stack that runs what they rotate", () => {
    expect([ok({}).postgres.rotation, ok({}).objectStore.rotation]).toEqual([0, 0]);
    const both = {
      "ferrum:postgres": JSON.stringify({ rotation: 3 }),
      "ferrum:objectStore": JSON.stringify({ rotation: "2" }),
    };
    const dev = ok(both);
    expect([dev.postgres.rotation, dev.objectStore.rotation]).toEqual([3, 2]);
    const azure = ok({ ...REQUIRED_CONFIG.azure, ...both }, "prod-azure");
    expect([azure.postgres.rotation, azure.objectStore.rotation]).toEqual([3, 2]);
    // RDS's logins rotate too: postgres.rotation is one of the postgres keys a cloud stack takes.
    expect(
      ok({ ...REQUIRED_CONFIG.aws, "ferrum:postgres": JSON.stringify({ rotation: 1 }) }, "prod").postgres
        .rotation,
    ).toBe(1);
  });

  test.each([
    [
      "a negative database rotation",
      { "ferrum:postgres": JSON.stringify({ rotation: -1 }) },
      "ferrum:postgres.rotation must be an integer between 0 and 1000000 (got -1); set it with: pulumi config set --path 'ferrum:postgres.rotation' 0 -s dev",
    ],
    [
      "a fractional object-store rotation",
      { "ferrum:objectStore": JSON.stringify({ rotation: 1.5 }) },
      "ferrum:objectStore.rotation must be an integer between 0 and 1000000 (got 1.5); set it with: pulumi config set --path 'ferrum:objectStore.rotation' 0 -s dev",
    ],
    [
      "an object-store rotation on AWS, whose services have no keys (IRSA)",
      { ...REQUIRED_CONFIG.aws, "ferrum:objectStore": JSON.stringify({ rotation: 1 }) },
      "ferrum:objectStore does nothing on this stack (got {\"rotation\":1}): the AWS stack keeps objects in S3, not in an in-cluster server; remove it with: pulumi config rm 'ferrum:objectStore' -s dev",
    ],
  ])("%s is refused, naming the key, the value and the fix", (_label, raw, message) => {
    const r = parseWith(raw);
    expect(r.config).toBeUndefined();
    expect(r.problems).toEqual([message]);
  });
});

describe("parseConfig: default sizes", () => {
  test("k3s takes the laptop-node sizes, the clouds production sizes; a setting overrides either", () => {
    const dev = ok({});
    expect([
      dev.services[0]!.web,
      dev.services[0]!.worker,
      dev.services[0]!.beat,
      dev.postgres.resources,
    ]).toMatchObject([
      { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 96, memoryLimitMiB: 512 },
      { cpuMillicores: 50, cpuLimitMillicores: 500, memoryMiB: 128, memoryLimitMiB: 512 },
      { cpuMillicores: 10, cpuLimitMillicores: 200, memoryMiB: 80, memoryLimitMiB: 256 },
      { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 208, memoryLimitMiB: 512 },
    ]);
    const aws = ok(REQUIRED_CONFIG.aws, "prod");
    expect([aws.services[0]!.web, aws.postgres.resources, aws.redis.maxmemoryMiB]).toEqual([
      DEFAULT_SIZES.cloud.web,
      DEFAULT_SIZES.cloud.postgres,
      256,
    ]);
    expect(DEFAULT_SIZES.cloud.web).toEqual({
      cpuMillicores: 250,
      cpuLimitMillicores: 1000,
      memoryMiB: 384,
      memoryLimitMiB: 768,
    });
    const set = ok({ "ferrum:services": JSON.stringify({ auth: { web: { memoryMiB: 200 } } }) });
    expect(set.services.find((x) => x.name === "auth")!.web.memoryMiB).toBe(200);
  });
});

describe("parseConfig: ferrum:redis", () => {
  test("defaults: the official Redis 7 image, 64 MiB maxmemory on k3s (256 in the clouds), 2 GiB volumes, a cache of 2 pods at 32 MiB on k3s (64 in the clouds), generation 1", () => {
    expect(ok({}).redis).toEqual({
      image: "redis:7.4.6-bookworm",
      maxmemoryMiB: 64,
      storageGiB: 2,
      storageClass: "",
      cache: { maxmemoryMiB: 32, replicas: 2 },
      rotation: { generation: 1, acceptPrevious: true },
    });
    expect(DEFAULT_SIZES.cloud.redisMaxmemoryMiB).toBe(256);
    expect(DEFAULT_SIZES.cloud.redisCache).toEqual({ maxmemoryMiB: 64, replicas: 2 });
  });

  test("the cache group and the password rotation are read from ferrum:redis.cache and ferrum:redis.rotation", () => {
    const redis = ok({
      "ferrum:redis": JSON.stringify({
        cache: { maxmemoryMiB: 128, replicas: 1 },
        rotation: { generation: 3, acceptPrevious: false },
      }),
    }).redis;
    expect([redis.cache, redis.rotation]).toEqual([
      { maxmemoryMiB: 128, replicas: 1 },
      { generation: 3, acceptPrevious: false },
    ]);
  });

  test.each([
    [
      { image: "redis:6.2" },
      'ferrum:redis.image must be a Redis 7 image pinned by a 7.x tag or digest (got "redis:6.2")',
    ],
    [
      { maxmemoryMiB: 4096, storageGiB: 4 },
      "ferrum:redis.storageGiB must hold at least twice maxmemoryMiB for the append-only file and its rewrite (got 4 GiB for 4096 MiB); set it with: pulumi config set --path 'ferrum:redis.storageGiB' 8 -s dev",
    ],
    [{ cache: { maxmemoryMiB: 16 } }, "ferrum:redis.cache.maxmemoryMiB"],
    [{ cache: { replicas: 0 } }, "ferrum:redis.cache.replicas"],
    [{ cache: { size: 1 } }, "ferrum:redis.cache.size"],
    [{ rotation: { generation: 0 } }, "ferrum:redis.rotation.generation"],
    [{ rotation: { acceptPrevious: "no" } }, "ferrum:redis.rotation.acceptPrevious"],
    [{ rotation: { retire: true } }, "ferrum:redis.rotation.retire"],
  ])("%j is refused", (redis, message) => {
    const r = parseWith({ "ferrum:redis": JSON.stringify(redis) });
    expect(r.problems).toEqual([expect.stringContaining(message)]);
  });
});

describe("parseConfig: ferrum:azure", () => {
  const DEPLOYER = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  /** An Azure stack's raw config: the region, and `ferrum:azure` with a deployer unless the case says otherwise. */
  const azure = (settings: Record<string, unknown> = {}) => requiredWith("azure", "azure", settings);

  test("defaults: names from the stack, a private API server, Flexible Server GeneralPurpose with 14 days of backups, in-cluster Redis, Premium ACR", () => {
    const a = ok(azure(), "prod-azure").azure;
    expect(a).toMatchObject({
      location: "westeurope",
      resourceGroupName: "ferrum-prod-azure",
      vnetCidr: "10.50.0.0/16",
      kubernetesVersion: "1.36",
      clusterTier: "Standard",
      upgradeChannel: "patch",
      systemPool: { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 6 },
      authorizedIpRanges: [],
      deployerPrincipalId: DEPLOYER,
      deployerPrincipalType: "ServicePrincipal",
      kubelogin: "azurecli",
      logAnalyticsWorkspaceId: "",
      postgres: {
        serverName: "ferrum-prod-azure",
        tier: "GeneralPurpose",
        storageGiB: 128,
        backupRetentionDays: 14,
        geoRedundantBackup: false,
      },
      cache: "inCluster",
      acrName: "ferrumprodazure",
      acrSku: "Premium",
      acrPublicNetworkAccess: "Enabled",
    });
  });

  test("an Azure stack needs a certificate source, where pulumi up runs, a region, somebody to administer the cluster and each service's digest, all named at once", () => {
    expect(parseWith({ "ferrum:cloud": "azure" }, "prod-azure").problems).toEqual([
      ...["auth", "user", "content", "catalog"].map(
        (s) =>
          `ferrum:services.${s}.digest must be set in a cloud stack: production runs every service image by digest, the bytes its tag named when it was released (got nothing for "ghcr.io/ferrum/${s}-service:0.1.0"; docker buildx imagetools inspect ghcr.io/ferrum/${s}-service:0.1.0 prints it); set it with: pulumi config set --path 'ferrum:services.${s}.digest' sha256:<digest> -s prod-azure`,
      ),
      "ferrum:tls.source must be set on a cloud stack: clients reject Traefik's self-signed default certificate (got nothing); use ACME (Let's Encrypt through cert-manager) with: pulumi config set --path 'ferrum:tls.source' acme -s prod-azure and pulumi config set --path 'ferrum:tls.acmeEmail' <your ops email> -s prod-azure",
      "ferrum:deployer.runner must say where pulumi up runs, so the cluster API this stack creates is open to it and nothing else (got nothing): one of staticEgress, privateNetwork, stackNetwork (README: \"Where pulumi up runs\"; standard GitHub-hosted runners have no stable egress ranges and cannot be used); set it with: pulumi config set --path 'ferrum:deployer.runner' staticEgress -s prod-azure and pulumi config set --path 'ferrum:deployer.cidrs' '[\"<runner egress CIDR>\"]' -s prod-azure",
      "azure-native:location must be an Azure region name such as westeurope (got nothing); set it with: pulumi config set 'azure-native:location' westeurope -s prod-azure",
      "ferrum:azure.deployerPrincipalId must be set, or azure.adminGroupObjectIds must list a group: local accounts are disabled, so nobody could administer the cluster otherwise (got \"\"); set it with: pulumi config set --path 'ferrum:azure.deployerPrincipalId' $(az ad signed-in-user show --query id -o tsv) -s prod-azure",
    ]);
    expect(parseWith(REQUIRED_CONFIG.aws, "prod").problems).toEqual([]);
    expect(parseWith(azure(), "prod-azure").problems).toEqual([]);
    const byGroup = {
      ...azure(),
      "ferrum:azure": JSON.stringify({ adminGroupObjectIds: ["3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"] }),
    };
    expect(parseWith(byGroup, "prod-azure").problems).toEqual([]);
  });

  const cases: [string, Record<string, string>, string][] = [
    [
      "the API server open to the internet",
      azure({ authorizedIpRanges: ["198.51.100.0/24", "0.0.0.0/0"] }),
      "ferrum:azure.authorizedIpRanges must not open the cluster API to the whole internet (got \"0.0.0.0/0\"); list your runners' and offices' CIDRs, or none for a private cluster",
    ],
    [
      "backups kept less than 7 days",
      azure({ postgres: { backupRetentionDays: 3 } }),
      "ferrum:azure.postgres.backupRetentionDays must be an integer between 7 and 35 (got 3); set it with: pulumi config set --path 'ferrum:azure.postgres.backupRetentionDays' 14 -s prod-azure",
    ],
    [
      "a Burstable server (no high availability)",
      azure({ postgres: { tier: "Burstable" } }),
      'ferrum:azure.postgres.tier must be one of GeneralPurpose, MemoryOptimized (got "Burstable")',
    ],
    [
      "a storage size Flexible Server does not offer",
      azure({ postgres: { storageGiB: 100 } }),
      "ferrum:azure.postgres.storageGiB must be one of the sizes Flexible Server offers, 32, 64, 128,",
    ],
    [
      "a VNet overlapping the cluster's service range",
      azure({ vnetCidr: "172.16.0.0/12" }),
      `ferrum:azure.vnetCidr must be clear of the cluster's pod and service ranges and of the ranges AKS reserves (overlaps 172.16.0.0/16, 172.30.0.0/16, 172.31.0.0/16) (got "172.16.0.0/12")`,
    ],
    [
      "a VNet too small for the subnets",
      azure({ vnetCidr: "10.50.0.0/24" }),
      'ferrum:azure.vnetCidr must be a /8 to /19 (nodes take a /20, the database and the private endpoints a /24 each) (got "10.50.0.0/24")',
    ],
    [
      "a VNet CIDR with host bits",
      azure({ vnetCidr: "10.50.3.0/16" }),
      'ferrum:azure.vnetCidr must be a network address, 10.50.0.0/16 (got "10.50.3.0/16")',
    ],
    [
      "a private registry without Premium",
      azure({ acrSku: "Standard", acrPublicNetworkAccess: "Disabled" }),
      'ferrum:azure.acrPublicNetworkAccess can be Disabled only with acrSku Premium, which serves private endpoints (got acrSku "Standard")',
    ],
    [
      "fewer nodes allowed than required",
      azure({ systemPool: { minCount: 4, maxCount: 2 } }),
      "ferrum:azure.systemPool.maxCount must be at least minCount (got 2 < 4); set it with: pulumi config set --path 'ferrum:azure.systemPool.maxCount' 4 -s prod-azure",
    ],
    [
      "an admin group by name instead of object id",
      azure({ adminGroupObjectIds: ["aks-admins"] }),
      'ferrum:azure.adminGroupObjectIds must be a list of Entra ID group object ids (GUIDs) (got ["aks-admins"])',
    ],
    [
      "an unknown kubelogin mode",
      azure({ kubelogin: "devicecode" }),
      'ferrum:azure.kubelogin must be one of azurecli, workloadidentity (got "devicecode")',
    ],
    [
      "a registry name with a hyphen",
      azure({ acrName: "ferrum-prod" }),
      'ferrum:azure.acrName must be 5 to 50 letters and digits (got "ferrum-prod")',
    ],
    [
      "a misspelt key",
      azure({ postgres: { backupRetention: 14 } }),
      "ferrum:azure.postgres.backupRetention is not a known setting (got 14); did you mean ferrum:azure.postgres.backupRetentionDays? known keys here:",
    ],
  ];

  test.each(cases)("%s", (_label, raw, message) => {
    const r = parseWith(raw, "prod-azure");
    expect(r.config).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain(message);
    expect(r.problems[0].startsWith(message.split(" ")[0])).toBe(true);
  });
});
