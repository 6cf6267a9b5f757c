/**
 * Each guardrail rule on a fixture that breaks it (with the exact message) and on one that complies; then the
 * policy pack's own functions (validateResource/validateStack, through the SDK's unknown-checking proxy)
 * report exactly what the rules find.
 */
import { policies } from "../../policy/policies";
import { evaluate } from "../../harness/guardrails/evaluate";
import { UNKNOWN } from "../../policy/resource";
import {
  bucketEncryptionRule,
  cdnHttpsPrivateOrigins,
  containerProbes,
  containerResources,
  containerSecurityContext,
  deletionProtectionAndBackups,
  encryptionAtRest,
  explicitClusterAccess,
  lockedDownControlPlane,
  networkPolicyPerDataNamespace,
  nodeGroupPerZone,
  nodeMetadataV2,
  noPlainSecrets,
  noPublicDataStores,
  onlyIngressLoadBalancer,
  imagesThroughStackRegistry,
  pinnedImages,
  privateResourcePolicies,
  protectStateful,
  pullThroughCacheLogin,
  RULES,
  trustedCertificate,
} from "../../policy/rules";
import { isSecretName } from "../../policy/rules/plain-secrets";
import { goodContainer, resource, runPolicies, workload } from "./fixtures";

const messages = (findings: { message: string }[]) => findings.map((f) => f.message);
/** Any AWS resource: makes a fixture set a cloud (production) stack. */
const cloudMarker = resource("aws:ec2/vpc:Vpc", "vpc", {});

describe("no-public-data-stores", () => {
  test("an RDS instance publicly accessible", () => {
    expect(
      noPublicDataStores.check(resource("aws:rds/instance:Instance", "db", { publiclyAccessible: true })),
    ).toEqual([
      'aws:rds/instance:Instance "db": publiclyAccessible is true; set publiclyAccessible: false (private subnets only)',
    ]);
    expect(
      noPublicDataStores.check(resource("aws:rds/instance:Instance", "db", { publiclyAccessible: false })),
    ).toEqual([]);
  });

  test.each([
    [{ publicNetworkAccess: "Enabled" }, '"Enabled"'],
    [{}, "not set (Azure enables it)"],
  ])("a Flexible Server with network %j", (network, shown) => {
    expect(
      noPublicDataStores.check(resource("azure-native:dbforpostgresql:Server", "pg", { network })),
    ).toEqual([
      `azure-native:dbforpostgresql:Server "pg": network.publicNetworkAccess is ${shown}; set network.publicNetworkAccess: "Disabled" and a delegatedSubnetResourceId`,
    ]);
  });

  test("a Flexible Server with public access disabled, or VNet-integrated, is private", () => {
    for (const network of [
      { publicNetworkAccess: "Disabled" },
      { delegatedSubnetResourceId: "/subscriptions/x/subnets/pg" },
    ])
      expect(
        noPublicDataStores.check(resource("azure-native:dbforpostgresql:Server", "pg", { network })),
      ).toEqual([]);
  });

  test("a Flexible Server firewall rule open to the internet", () => {
    const rule = resource("azure-native:dbforpostgresql:FirewallRule", "all", {
      startIpAddress: "0.0.0.0",
      endIpAddress: "255.255.255.255",
    });
    expect(noPublicDataStores.check(rule)).toEqual([
      'azure-native:dbforpostgresql:FirewallRule "all": the firewall rule 0.0.0.0-255.255.255.255 opens the server to the internet; reach the server through its VNet instead',
    ]);
  });

  test("an Azure Managed Redis with public network access", () => {
    const redis = resource("azure-native:redisenterprise:RedisEnterprise", "cache", {
      publicNetworkAccess: "Enabled",
    });
    expect(noPublicDataStores.check(redis)).toEqual([
      'azure-native:redisenterprise:RedisEnterprise "cache": publicNetworkAccess is "Enabled"; set publicNetworkAccess: "Disabled" and reach it through a private endpoint',
    ]);
  });

  test("a security group opening Redis (the ElastiCache port) to the internet", () => {
    const sg = resource("aws:ec2/securityGroup:SecurityGroup", "cache-sg", {
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-cluster"] },
      ],
    });
    expect(noPublicDataStores.check(sg)).toEqual([
      'aws:ec2/securityGroup:SecurityGroup "cache-sg": ingress[1] opens 6379 (Redis) to 0.0.0.0/0; admit the cluster\'s security group only (securityGroups: [<cluster security group id>])',
    ]);
  });

  test("a data Service of type LoadBalancer", () => {
    const svc = resource("kubernetes:core/v1:Service", "postgres-service", {
      metadata: { name: "postgres", labels: { "app.kubernetes.io/component": "database" } },
      spec: { type: "LoadBalancer", selector: { app: "postgres" } },
    });
    expect(noPublicDataStores.check(svc)).toEqual([
      'kubernetes:core/v1:Service "postgres-service": a data service (component database) exposed outside the cluster by type LoadBalancer; use type ClusterIP (NetworkPolicies admit this namespace only)',
    ]);
  });
});

describe("encryption-at-rest and bucket-encryption", () => {
  test("RDS without storage encryption, ElastiCache without at-rest encryption", () => {
    expect(
      encryptionAtRest.check(resource("aws:rds/instance:Instance", "db", { storageEncrypted: false })),
    ).toEqual(['aws:rds/instance:Instance "db": storageEncrypted is false; set storageEncrypted: true']);
    expect(
      encryptionAtRest.check(resource("aws:elasticache/replicationGroup:ReplicationGroup", "cache", {})),
    ).toEqual([
      'aws:elasticache/replicationGroup:ReplicationGroup "cache": atRestEncryptionEnabled is not set; set atRestEncryptionEnabled: true',
    ]);
  });

  test("a KMS key that does not rotate; one that does passes", () => {
    expect(encryptionAtRest.check(resource("aws:kms/key:Key", "bucket-key", {}))).toEqual([
      'aws:kms/key:Key "bucket-key": enableKeyRotation is not set; set enableKeyRotation: true',
    ]);
    expect(
      encryptionAtRest.check(resource("aws:kms/key:Key", "bucket-key", { enableKeyRotation: true })),
    ).toEqual([]);
  });

  test("an EBS StorageClass that does not ask for encryption; other provisioners are not EBS", () => {
    const sc = (parameters: Record<string, string>, provisioner = "ebs.csi.aws.com") =>
      resource("kubernetes:storage.k8s.io/v1:StorageClass", "gp3", { provisioner, parameters });
    expect(encryptionAtRest.check(sc({ type: "gp3" }))).toEqual([
      'kubernetes:storage.k8s.io/v1:StorageClass "gp3": EBS volumes of this class are not encrypted (parameters.encrypted is not set); set parameters.encrypted: "true"',
    ]);
    expect(encryptionAtRest.check(sc({ type: "gp3", encrypted: "true" }))).toEqual([]);
    expect(encryptionAtRest.check(sc({ skuName: "Premium_ZRS" }, "disk.csi.azure.com"))).toEqual([]);
  });

  test("a bucket without a server-side encryption configuration", () => {
    const bucket = resource("aws:s3/bucket:Bucket", "media", { bucket: "ferrum-prod-media" });
    expect(messages(bucketEncryptionRule.check([bucket]))).toEqual([
      'aws:s3/bucket:Bucket "media": no default server-side encryption; add an aws.s3.BucketServerSideEncryptionConfiguration for it with applyServerSideEncryptionByDefault (sseAlgorithm aws:kms)',
    ]);
  });

  test("a bucket configured by its child, through a property dependency, or by name, is encrypted", () => {
    const bucket = resource("aws:s3/bucket:Bucket", "media", { bucket: "ferrum-prod-media" });
    const rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }];
    const sse = (extra: object, props: object = {}) =>
      resource(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "media-sse",
        { rules, bucket: UNKNOWN, ...props },
        extra,
      );
    expect(bucketEncryptionRule.check([bucket, sse({ parent: bucket.urn })])).toEqual([]);
    expect(
      bucketEncryptionRule.check([bucket, sse({ propertyDependencies: { bucket: [bucket.urn] } })]),
    ).toEqual([]);
    expect(bucketEncryptionRule.check([bucket, sse({}, { bucket: "ferrum-prod-media" })])).toEqual([]);
    // A configuration for another bucket does not count.
    expect(bucketEncryptionRule.check([bucket, sse({}, { bucket: "ferrum-prod-other" })])).toHaveLength(1);
  });
});

describe("deletion-protection-and-backups and protect-stateful", () => {
  test("RDS without deletion protection and with one day of backups", () => {
    const db = resource("aws:rds/instance:Instance", "db", {
      deletionProtection: false,
      backupRetentionPeriod: 1,
    });
    expect(deletionProtectionAndBackups.check(db)).toEqual([
      'aws:rds/instance:Instance "db": deletionProtection is false; set deletionProtection: true',
      'aws:rds/instance:Instance "db": backupRetentionPeriod is 1; keep at least 7 days of backups',
    ]);
  });

  test("a Flexible Server without backup retention, an EKS cluster without deletion protection", () => {
    expect(
      deletionProtectionAndBackups.check(resource("azure-native:dbforpostgresql:Server", "pg", {})),
    ).toEqual([
      'azure-native:dbforpostgresql:Server "pg": backup.backupRetentionDays is not set; keep at least 7 days of backups',
    ]);
    expect(deletionProtectionAndBackups.check(resource("eks:index:Cluster", "eks", {}))).toEqual([
      'eks:index:Cluster "eks": deletionProtection is not set; set deletionProtection: true',
    ]);
    expect(
      deletionProtectionAndBackups.check(
        resource("azure-native:dbforpostgresql:Server", "pg", { backup: { backupRetentionDays: 7 } }),
      ),
    ).toEqual([]);
  });

  test("in a cloud stack an unprotected bucket and volume-backed StatefulSet fail; a stateless Deployment does not", () => {
    const bucket = resource("aws:s3/bucket:Bucket", "media", {});
    const redis = workload("redis-server", [goodContainer("redis")], {
      type: "kubernetes:apps/v1:StatefulSet",
      volumeClaimTemplates: [{ metadata: { name: "data" } }],
    });
    const web = workload("auth-web", [goodContainer("web")]);
    expect(messages(protectStateful.check([cloudMarker, bucket, redis, web]))).toEqual([
      'aws:s3/bucket:Bucket "media": holds state but is not protected; pass the resource option { protect: true } (production stacks protect every stateful resource, so that no destroy or replacement can delete it)',
      'kubernetes:apps/v1:StatefulSet "redis-server": holds state but is not protected; pass the resource option { protect: true } (production stacks protect every stateful resource, so that no destroy or replacement can delete it)',
    ]);
    expect(
      protectStateful.check([cloudMarker, { ...bucket, protect: true }, { ...redis, protect: true }, web]),
    ).toEqual([]);
  });

  test("the k3s stack (no cloud resource) need not protect anything", () => {
    const redis = workload("redis-server", [goodContainer("redis")], {
      type: "kubernetes:apps/v1:StatefulSet",
      volumeClaimTemplates: [{ metadata: { name: "data" } }],
    });
    expect(protectStateful.check([redis])).toEqual([]);
  });
});

describe("container-resources, container-probes, container-security-context", () => {
  test("a compliant workload passes all three", () => {
    const w = workload("auth-web", [goodContainer("web")], { initContainers: [goodContainer("migrate")] });
    for (const rule of [containerResources, containerProbes, containerSecurityContext])
      expect(rule.check(w)).toEqual([]);
  });

  test("missing requests and limits, init containers included", () => {
    const w = workload(
      "auth-web",
      [
        goodContainer("web", {
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1" } },
        }),
      ],
      {
        initContainers: [goodContainer("migrate", { resources: undefined })],
      },
    );
    expect(containerResources.check(w)).toEqual([
      'kubernetes:apps/v1:Deployment "auth-web": init container "migrate" has no cpu request, no memory request, no cpu limit, no memory limit; set resources.requests and resources.limits for cpu and memory',
      'kubernetes:apps/v1:Deployment "auth-web": container "web" has no memory limit; set resources.requests and resources.limits for cpu and memory',
    ]);
  });

  test("a long-running container without probes; Jobs and plain init containers need none, sidecars do", () => {
    const noProbe = { readinessProbe: undefined };
    const beat = workload("auth-beat", [goodContainer("beat", noProbe)], {
      initContainers: [goodContainer("migrate", noProbe)],
    });
    expect(containerProbes.check(beat)).toEqual([
      'kubernetes:apps/v1:Deployment "auth-beat": container "beat" runs for the pod\'s lifetime but has no readinessProbe or livenessProbe; add a livenessProbe (one that never depends on the database) or a readinessProbe',
    ]);
    const job = workload("bootstrap", [goodContainer("bootstrap", noProbe)], {
      type: "kubernetes:batch/v1:Job",
    });
    expect(containerProbes.check(job)).toEqual([]);
    const sidecar = workload("auth-web", [goodContainer("web")], {
      initContainers: [goodContainer("proxy", { ...noProbe, restartPolicy: "Always" })],
    });
    expect(containerProbes.check(sidecar)).toEqual([
      'kubernetes:apps/v1:Deployment "auth-web": init container "proxy" runs for the pod\'s lifetime but has no readinessProbe or livenessProbe; add a livenessProbe (one that never depends on the database) or a readinessProbe',
    ]);
  });

  test("a container that is not restricted, and a pod on the host network", () => {
    const w = workload(
      "redis-server",
      [goodContainer("redis", { securityContext: { runAsUser: 0, capabilities: { drop: ["NET_RAW"] } } })],
      { type: "kubernetes:apps/v1:StatefulSet", pod: { securityContext: {}, hostNetwork: true } },
    );
    expect(containerSecurityContext.check(w)).toEqual([
      'kubernetes:apps/v1:StatefulSet "redis-server": the pod uses hostNetwork; remove it (restricted pods share nothing with the node)',
      'kubernetes:apps/v1:StatefulSet "redis-server": container "redis" is not restricted: runAsNonRoot is not true, runAsUser is 0 (root), allowPrivilegeEscalation is not false, capabilities.drop does not include ALL, no seccompProfile RuntimeDefault (pod or container); use lib/security.ts (podSecurityContext and containerSecurityContext)',
    ]);
  });

  test("a container whose resources are unknown during preview is not reported", () => {
    expect(
      containerResources.check(workload("auth-web", [goodContainer("web", { resources: UNKNOWN })])),
    ).toEqual([]);
  });

  test("runAsNonRoot and seccomp may come from the pod", () => {
    const c = goodContainer("web", {
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    expect(containerSecurityContext.check(workload("auth-web", [c]))).toEqual([]);
  });
});

describe("pinned-images", () => {
  const web = (image: string) => workload("auth-web", [goodContainer("web", { image })]);

  test("latest and untagged images fail in a cloud stack", () => {
    expect(
      messages(pinnedImages.check([cloudMarker, web("ghcr.io/ferrum/auth-service:latest"), web("redis")])),
    ).toEqual([
      'kubernetes:apps/v1:Deployment "auth-web": container "web" image "ghcr.io/ferrum/auth-service:latest" uses the tag latest; pin a version tag or a digest (image@sha256:...) in production',
      'kubernetes:apps/v1:Deployment "auth-web": container "web" image "redis" has no tag (which means latest); pin a version tag or a digest (image@sha256:...) in production',
    ]);
  });

  test("tags, digests and registry ports pass; an image unknown until the push is skipped; k3s may run latest", () => {
    const ok = [
      "ghcr.io/ferrum/auth-service:1.0.0",
      "localhost:5000/auth-service:1.0.0",
      `123456789012.dkr.ecr.eu-central-1.amazonaws.com/ferrum/auth@sha256:${"a".repeat(64)}`,
    ];
    expect(pinnedImages.check([cloudMarker, ...ok.map(web)])).toEqual([]);
    expect(
      pinnedImages.check([cloudMarker, workload("auth-web", [goodContainer("web", { image: UNKNOWN })])]),
    ).toEqual([]);
    expect(pinnedImages.check([web("ghcr.io/ferrum/auth-service:latest")])).toEqual([]);
  });
});

describe("images-through-stack-registry", () => {
  const ecrRule = resource("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "ecr-ghcr", {
    ecrRepositoryPrefix: "ghcr",
    upstreamRegistryUrl: "ghcr.io",
  });
  const acrRule = resource("azure-native:containerregistry:CacheRule", "acr-ghcr", {
    sourceRepository: "ghcr.io/ferrum/*",
    targetRepository: "ghcr/ferrum/*",
  });
  const web = (image: unknown, pod: Record<string, unknown> = {}) =>
    workload("auth-web", [goodContainer("web", { image })], { pod });
  const cached = `123456789012.dkr.ecr.eu-central-1.amazonaws.com/ghcr/ferrum/auth-service:1.0.0@sha256:${"a".repeat(64)}`;

  test("a pod pulling a cached registry's image straight from it, with no pull secret (the original prod)", () => {
    expect(
      messages(imagesThroughStackRegistry.check([ecrRule, web("ghcr.io/ferrum/auth-service:1.0.0")])),
    ).toEqual([
      'kubernetes:apps/v1:Deployment "auth-web": container "web" pulls "ghcr.io/ferrum/auth-service:1.0.0" straight from ghcr.io, which the nodes have no login to; pull it through the stack\'s cache (aws:ecr/pullThroughCacheRule:PullThroughCacheRule "ecr-ghcr")',
    ]);
    expect(
      messages(imagesThroughStackRegistry.check([acrRule, web("ghcr.io/ferrum/auth-service:1.0.0")])),
    ).toEqual([
      'kubernetes:apps/v1:Deployment "auth-web": container "web" pulls "ghcr.io/ferrum/auth-service:1.0.0" straight from ghcr.io, which the nodes have no login to; pull it through the stack\'s cache (azure-native:containerregistry:CacheRule "acr-ghcr")',
    ]);
    // Docker Hub's ECR upstream URL is registry-1.docker.io; images name it docker.io, or nothing.
    const hub = resource("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "ecr-hub", {
      upstreamRegistryUrl: "registry-1.docker.io",
    });
    expect(imagesThroughStackRegistry.check([hub, web("redis:7.4")])).toHaveLength(1);
  });

  test("through the cache, with a pull secret, from a registry not cached, unknown, or with no cache at all: passes", () => {
    expect(imagesThroughStackRegistry.check([ecrRule, web(cached)])).toEqual([]);
    expect(
      imagesThroughStackRegistry.check([
        ecrRule,
        web("ghcr.io/ferrum/auth-service:1.0.0", { imagePullSecrets: [{ name: "image-pull" }] }),
      ]),
    ).toEqual([]);
    expect(imagesThroughStackRegistry.check([ecrRule, web("postgres:16.10-bookworm")])).toEqual([]);
    expect(imagesThroughStackRegistry.check([ecrRule, web(UNKNOWN)])).toEqual([]);
    expect(imagesThroughStackRegistry.check([cloudMarker, web("ghcr.io/ferrum/auth-service:1.0.0")])).toEqual(
      [],
    );
  });
});

describe("pull-through-cache-login", () => {
  const rule = (props: Record<string, unknown>) =>
    resource("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "ecr-ghcr", {
      ecrRepositoryPrefix: "ghcr",
      upstreamRegistryUrl: "ghcr.io",
      ...props,
    });

  test("ghcr.io without a login, or with a secret ECR does not read", () => {
    expect(pullThroughCacheLogin.check(rule({}))).toEqual([
      'aws:ecr/pullThroughCacheRule:PullThroughCacheRule "ecr-ghcr": ghcr.io takes a login, and the rule has no credentialArn; ECR refuses it: give it a Secrets Manager secret named ecr-pullthroughcache/... holding username and accessToken',
    ]);
    const other = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ghcr-login-AbCdEf";
    expect(pullThroughCacheLogin.check(rule({ credentialArn: other }))).toEqual([
      `aws:ecr/pullThroughCacheRule:PullThroughCacheRule "ecr-ghcr": credentialArn "${other}" is not a Secrets Manager secret named ecr-pullthroughcache/...; ECR reads only those`,
    ]);
  });

  test("an ecr-pullthroughcache/ secret, an unknown one, or an upstream without a login: passes", () => {
    const arn =
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ecr-pullthroughcache/ferrum-prod/ghcr-AbCdEf";
    expect(pullThroughCacheLogin.check(rule({ credentialArn: arn }))).toEqual([]);
    expect(pullThroughCacheLogin.check(rule({ credentialArn: UNKNOWN }))).toEqual([]);
    expect(pullThroughCacheLogin.check(rule({ upstreamRegistryUrl: "public.ecr.aws" }))).toEqual([]);
  });
});

describe("only-ingress-load-balancer", () => {
  test("a LoadBalancer or NodePort Service fails; ClusterIP and headless pass", () => {
    const svc = (spec: Record<string, unknown>) =>
      resource("kubernetes:core/v1:Service", "auth-service", { spec });
    expect(onlyIngressLoadBalancer.check(svc({ type: "NodePort" }))).toEqual([
      'kubernetes:core/v1:Service "auth-service": type NodePort; every Service is ClusterIP (or headless), the ingress controller is the only way in: route to it with an IngressRoute',
    ]);
    expect(onlyIngressLoadBalancer.check(svc({ type: "ClusterIP" }))).toEqual([]);
    expect(onlyIngressLoadBalancer.check(svc({ clusterIP: "None" }))).toEqual([]);
  });

  test("a Helm release other than Traefik with a LoadBalancer Service fails; Traefik's passes", () => {
    const release = (chart: string) =>
      resource("kubernetes:helm.sh/v3:Release", chart, {
        chart,
        values: { controller: { service: { type: "LoadBalancer" } } },
      });
    expect(onlyIngressLoadBalancer.check(release("ingress-nginx"))).toEqual([
      'kubernetes:helm.sh/v3:Release "ingress-nginx": values.controller.service.type is LoadBalancer; only the ingress controller\'s chart (traefik) may expose a LoadBalancer: set it to ClusterIP',
    ]);
    expect(onlyIngressLoadBalancer.check(release("traefik"))).toEqual([]);
  });
});

describe("network-policy-for-data", () => {
  const postgres = workload("postgres-server", [goodContainer("postgres")], {
    type: "kubernetes:apps/v1:StatefulSet",
    labels: { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "database" },
  });
  const policy = (name: string, podSelector: object, namespace = "ferrum") =>
    resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", name, {
      metadata: { name, namespace },
      spec: { podSelector, policyTypes: ["Ingress"] },
    });

  test("a namespace with a database and no NetworkPolicy", () => {
    expect(messages(networkPolicyPerDataNamespace.check([postgres, policy("deny", {}, "other")]))).toEqual([
      'namespace "ferrum" runs data services (kubernetes:apps/v1:StatefulSet "postgres-server") but has no NetworkPolicy for ingress; add a default-deny one (podSelector: {}, policyTypes: [Ingress]) and admit only this namespace (components/cluster/namespace.ts)',
    ]);
  });

  test("NetworkPolicies that select only the web pods leave the database open", () => {
    const webOnly = policy("allow-web", { matchLabels: { "app.kubernetes.io/component": "web" } });
    expect(messages(networkPolicyPerDataNamespace.check([postgres, webOnly]))).toEqual([
      'kubernetes:apps/v1:StatefulSet "postgres-server": no NetworkPolicy in namespace "ferrum" selects its pods for ingress; select them (podSelector: {} selects every pod of the namespace)',
    ]);
  });

  test("a default-deny policy (podSelector {}) or one matching the database's labels covers it", () => {
    expect(networkPolicyPerDataNamespace.check([postgres, policy("deny", {})])).toEqual([]);
    const byExpression = policy("db", {
      matchExpressions: [
        { key: "app.kubernetes.io/component", operator: "In", values: ["database", "cache"] },
      ],
    });
    expect(networkPolicyPerDataNamespace.check([postgres, byExpression])).toEqual([]);
  });
});

describe("no-plain-secrets", () => {
  test.each([
    ["DJANGO_SECRET_KEY", true],
    ["EMAIL_HOST_PASSWORD", true],
    ["dbPassword", true],
    ["API_KEY", true],
    ["AWS_ACCESS_KEY_ID", true],
    ["GITHUB_TOKEN", true],
    ["REDIS_KEY_PREFIX", false],
    ["DB_PASSWORD_FILE", false],
    ["SECRET_NAME", false],
    ["JWT_PUBLIC_KEY", false],
    ["DJANGO_ALLOWED_HOSTS", false],
  ])("%s looks like a secret: %s", (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });

  test("a ConfigMap with a literal password and a URL with credentials", () => {
    const cm = resource("kubernetes:core/v1:ConfigMap", "auth-config", {
      data: {
        DB_PASSWORD: "hunter2hunter2",
        DATABASE_URL: "postgres://ferrum_auth:hunter2hunter2@postgres:5432/ferrum_auth",
        REDIS_KEY_PREFIX: "auth:",
        "init.sh": 'redis-cli -u "redis://:$REDIS_PASSWORD@localhost:6379" ping',
      },
    });
    expect(noPlainSecrets.check(cm)).toEqual([
      'kubernetes:core/v1:ConfigMap "auth-config": data.DB_PASSWORD looks like a secret and holds a literal value; move it to a Secret',
      'kubernetes:core/v1:ConfigMap "auth-config": data.DATABASE_URL holds a URL with a password (postgres://ferrum_auth:***@...); move it to a Secret',
    ]);
  });

  test("a plain env var with a secret value; secretKeyRef and $(VAR) references pass", () => {
    const w = workload("auth-web", [
      goodContainer("web", {
        env: [
          { name: "DJANGO_SECRET_KEY", value: "[secret]" },
          { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis", key: "password" } } },
          { name: "REDISCLI_AUTH", value: "$(REDIS_PASSWORD)" },
          { name: "CELERY_BROKER_URL", value: "redis://:s3cr3tpass@redis:6379/1" },
        ],
      }),
    ]);
    expect(noPlainSecrets.check(w)).toEqual([
      'kubernetes:apps/v1:Deployment "auth-web": container "web" env DJANGO_SECRET_KEY looks like a secret and has a literal value; use valueFrom.secretKeyRef',
      'kubernetes:apps/v1:Deployment "auth-web": container "web" env CELERY_BROKER_URL holds a URL with a password (redis://:***@...); use valueFrom.secretKeyRef',
    ]);
  });
});

describe("locked-down-control-plane", () => {
  const eks = (props: Record<string, unknown>) =>
    resource("aws:eks/cluster:Cluster", "ferrum-prod", {
      vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false },
      accessConfig: { authenticationMode: "API" },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-central-1:1:key/k" } },
      ...props,
    });
  const aks = (props: Record<string, unknown>) =>
    resource("azure-native:containerservice:ManagedCluster", "aks", {
      apiServerAccessProfile: { enablePrivateCluster: true },
      disableLocalAccounts: true,
      ...props,
    });

  test("an EKS public endpoint with no CIDRs (AWS opens it to everyone) or with 0.0.0.0/0", () => {
    expect(lockedDownControlPlane.check(eks({ vpcConfig: { endpointPublicAccess: true } }))).toEqual([
      `aws:eks/cluster:Cluster "ferrum-prod": the public API endpoint is open to 0.0.0.0/0 (no publicAccessCidrs); set vpcConfig.endpointPublicAccess: false, or list your runners' and offices' CIDRs in vpcConfig.publicAccessCidrs`,
    ]);
    expect(
      lockedDownControlPlane.check(
        eks({
          vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24", "0.0.0.0/0"] },
        }),
      ),
    ).toEqual([
      `aws:eks/cluster:Cluster "ferrum-prod": the public API endpoint is open to 0.0.0.0/0; set vpcConfig.endpointPublicAccess: false, or list your runners' and offices' CIDRs in vpcConfig.publicAccessCidrs`,
    ]);
    // Left unset, the endpoint is public: the same finding.
    expect(lockedDownControlPlane.check(eks({ vpcConfig: {} }))).toHaveLength(1);
  });

  test("EKS signing in through the aws-auth ConfigMap, and Secrets not envelope-encrypted", () => {
    expect(
      lockedDownControlPlane.check(eks({ accessConfig: undefined, encryptionConfig: undefined })),
    ).toEqual([
      'aws:eks/cluster:Cluster "ferrum-prod": accessConfig.authenticationMode is not set (CONFIG_MAP); set "API" so only access entries grant access, not the aws-auth ConfigMap',
      `aws:eks/cluster:Cluster "ferrum-prod": Kubernetes Secrets are not envelope-encrypted; set encryptionConfig: { resources: ["secrets"], provider: { keyArn: <a KMS key of the cluster's own> } }`,
    ]);
    expect(
      lockedDownControlPlane.check(eks({ accessConfig: { authenticationMode: "API_AND_CONFIG_MAP" } })),
    ).toEqual([
      'aws:eks/cluster:Cluster "ferrum-prod": accessConfig.authenticationMode is "API_AND_CONFIG_MAP"; set "API" so only access entries grant access, not the aws-auth ConfigMap',
    ]);
  });

  test("a private EKS endpoint, or a public one limited to listed CIDRs, passes; unknown values are skipped", () => {
    expect(lockedDownControlPlane.check(eks({}))).toEqual([]);
    expect(
      lockedDownControlPlane.check(
        eks({ vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] } }),
      ),
    ).toEqual([]);
    expect(lockedDownControlPlane.check(eks({ vpcConfig: { endpointPublicAccess: UNKNOWN } }))).toEqual([]);
  });

  test("an AKS API server public to everyone, and local accounts left on", () => {
    expect(
      lockedDownControlPlane.check(
        aks({ apiServerAccessProfile: { enablePrivateCluster: false }, disableLocalAccounts: false }),
      ),
    ).toEqual([
      `azure-native:containerservice:ManagedCluster "aks": the API server is reachable from the internet (no authorizedIPRanges); set apiServerAccessProfile.enablePrivateCluster: true, or list your runners' and offices' CIDRs in apiServerAccessProfile.authorizedIPRanges`,
      'azure-native:containerservice:ManagedCluster "aks": local accounts are enabled (a static admin kubeconfig exists); set disableLocalAccounts: true with aadProfile.managed and Azure RBAC',
    ]);
    expect(
      lockedDownControlPlane.check(
        aks({ apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] } }),
      ),
    ).toEqual([]);
    expect(lockedDownControlPlane.check(aks({}))).toEqual([]);
  });
});

describe("private-resource-policies", () => {
  const DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL";
  const bucketPolicy = (...Statement: object[]) =>
    resource("aws:s3/bucketPolicy:BucketPolicy", "media-policy", {
      bucket: "ferrum-prod-media",
      policy: JSON.stringify({ Version: "2012-10-17", Statement }),
    });
  const tlsOnly = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::ferrum-prod-media", "arn:aws:s3:::ferrum-prod-media/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  const cdnRead = {
    Sid: "CdnReadsPublicPrefix",
    Effect: "Allow",
    Principal: { Service: "cloudfront.amazonaws.com" },
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::ferrum-prod-media/public/*",
    Condition: { StringEquals: { "AWS:SourceArn": DISTRIBUTION } },
  };

  test("a bucket readable by everyone: Principal * or AWS *", () => {
    const anyone = {
      Sid: "PublicRead",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:GetObject"],
      Resource: "*",
    };
    expect(privateResourcePolicies.check(bucketPolicy(tlsOnly, anyone))).toEqual([
      'aws:s3/bucketPolicy:BucketPolicy "media-policy": statement "PublicRead" allows s3:GetObject to everyone (Principal "*"); grant a role, or a service principal for one source ARN (CloudFront through Origin Access Control for public objects)',
    ]);
    expect(
      privateResourcePolicies.check(bucketPolicy({ ...anyone, Sid: undefined, Principal: { AWS: ["*"] } })),
    ).toEqual([
      'aws:s3/bucketPolicy:BucketPolicy "media-policy": statement 0 allows s3:GetObject to everyone (Principal "*"); grant a role, or a service principal for one source ARN (CloudFront through Origin Access Control for public objects)',
    ]);
  });

  test("a grant to CloudFront (or any service) that names no source: the confused deputy", () => {
    const unpinned = { ...cdnRead, Condition: undefined }; // JSON.stringify leaves it out
    expect(privateResourcePolicies.check(bucketPolicy(tlsOnly, unpinned))).toEqual([
      'aws:s3/bucketPolicy:BucketPolicy "media-policy": statement "CdnReadsPublicPrefix" allows s3:GetObject to cloudfront.amazonaws.com without naming the source; add a Condition on aws:SourceArn (e.g. {"StringEquals": {"AWS:SourceArn": <distribution ARN>}})',
    ]);
    const keyPolicy = resource("aws:kms/keyPolicy:KeyPolicy", "media-key-policy", {
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: ["cloudfront.amazonaws.com"] },
            Action: "kms:Decrypt",
            Resource: "*",
          },
        ],
      }),
    });
    expect(privateResourcePolicies.check(keyPolicy)).toEqual([
      'aws:kms/keyPolicy:KeyPolicy "media-key-policy": statement 0 allows kms:Decrypt to cloudfront.amazonaws.com without naming the source; add a Condition on aws:SourceArn (e.g. {"StringEquals": {"AWS:SourceArn": <distribution ARN>}})',
    ]);
  });

  test("a policy that is not JSON is named; one unknown during a preview is skipped", () => {
    expect(
      privateResourcePolicies.check(
        resource("aws:s3/bucketPolicy:BucketPolicy", "p", { policy: "{not json" }),
      ),
    ).toEqual([
      'aws:s3/bucketPolicy:BucketPolicy "p": policy is not JSON; write it with JSON.stringify of a policy document',
    ]);
    expect(
      privateResourcePolicies.check(resource("aws:s3/bucketPolicy:BucketPolicy", "p", { policy: UNKNOWN })),
    ).toEqual([]);
  });

  test("the TLS-only denial and a CloudFront grant pinned to its distribution (either key, any operator) pass", () => {
    expect(privateResourcePolicies.check(bucketPolicy(tlsOnly, cdnRead))).toEqual([]);
    const byAccount = { ...cdnRead, Condition: { StringLike: { "aws:SourceAccount": "123456789012" } } };
    expect(privateResourcePolicies.check(bucketPolicy(byAccount))).toEqual([]);
    const root = {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "kms:*",
      Resource: "*",
    };
    expect(
      privateResourcePolicies.check(
        resource("aws:kms/key:Key", "k", { policy: JSON.stringify({ Statement: [root] }) }),
      ),
    ).toEqual([]);
  });
});

describe("cdn-https-private-origins", () => {
  const ORIGIN = "ferrum-prod-media.s3.eu-central-1.amazonaws.com";
  const distribution = (props: Record<string, unknown>) =>
    resource("aws:cloudfront/distribution:Distribution", "media-cdn", {
      origins: [{ originId: "bucket", domainName: ORIGIN, originAccessControlId: "E2OAC" }],
      defaultCacheBehavior: { targetOriginId: "bucket", viewerProtocolPolicy: "redirect-to-https" },
      viewerCertificate: { cloudfrontDefaultCertificate: true },
      ...props,
    });

  test("plain HTTP for viewers, in the default or an ordered behaviour", () => {
    expect(
      cdnHttpsPrivateOrigins.check(
        distribution({
          defaultCacheBehavior: { targetOriginId: "bucket", viewerProtocolPolicy: "allow-all" },
          orderedCacheBehaviors: [{ pathPattern: "public/*", targetOriginId: "bucket" }],
        }),
      ),
    ).toEqual([
      'aws:cloudfront/distribution:Distribution "media-cdn": defaultCacheBehavior.viewerProtocolPolicy is "allow-all"; set "redirect-to-https" (or "https-only")',
      'aws:cloudfront/distribution:Distribution "media-cdn": orderedCacheBehaviors[0] (public/*).viewerProtocolPolicy is not set; set "redirect-to-https" (or "https-only")',
    ]);
  });

  test("an S3 origin without Origin Access Control, through a legacy identity, or a website endpoint", () => {
    expect(
      cdnHttpsPrivateOrigins.check(
        distribution({
          origins: [
            { originId: "a", domainName: ORIGIN },
            {
              originId: "b",
              domainName: "ferrum-prod-media.s3.amazonaws.com",
              s3OriginConfig: { originAccessIdentity: "origin-access-identity/cloudfront/E1" },
            },
            { originId: "c", domainName: "ferrum-prod-media.s3-website.eu-central-1.amazonaws.com" },
          ],
        }),
      ),
    ).toEqual([
      `aws:cloudfront/distribution:Distribution "media-cdn": origins[0] (${ORIGIN}) reads S3 without an Origin Access Control; set originAccessControlId to an aws.cloudfront.OriginAccessControl (signingBehavior always, sigv4)`,
      'aws:cloudfront/distribution:Distribution "media-cdn": origins[1] (ferrum-prod-media.s3.amazonaws.com) reads S3 without an Origin Access Control (a legacy origin access identity); set originAccessControlId to an aws.cloudfront.OriginAccessControl (signingBehavior always, sigv4)',
      'aws:cloudfront/distribution:Distribution "media-cdn": origins[2] (ferrum-prod-media.s3-website.eu-central-1.amazonaws.com) is an S3 website endpoint, which serves a public bucket; use the bucket\'s regional domain name with an Origin Access Control',
    ]);
  });

  test("a certificate of its own allowing TLS below 1.2", () => {
    expect(
      cdnHttpsPrivateOrigins.check(
        distribution({
          viewerCertificate: {
            acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0000",
            minimumProtocolVersion: "TLSv1",
          },
        }),
      ),
    ).toEqual([
      'aws:cloudfront/distribution:Distribution "media-cdn": viewerCertificate.minimumProtocolVersion is "TLSv1"; set "TLSv1.2_2021"',
    ]);
  });

  test("HTTPS only, Origin Access Control, a non-S3 origin and values unknown during a preview pass", () => {
    expect(cdnHttpsPrivateOrigins.check(distribution({}))).toEqual([]);
    expect(
      cdnHttpsPrivateOrigins.check(
        distribution({
          origins: [
            { originId: "api", domainName: "api.ferrum.example.com" },
            { originId: "b", domainName: UNKNOWN },
          ],
          defaultCacheBehavior: { viewerProtocolPolicy: UNKNOWN },
        }),
      ),
    ).toEqual([]);
  });
});

describe("node-metadata-imdsv2", () => {
  const lt = (metadataOptions: unknown) =>
    resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", { metadataOptions });

  test("IMDSv1 allowed, or a hop limit that lets pods through", () => {
    expect(nodeMetadataV2.check(lt(undefined))).toEqual([
      'aws:ec2/launchTemplate:LaunchTemplate "nodes": metadataOptions.httpTokens is not set (IMDSv1 allowed); set httpTokens: "required" (IMDSv2 only)',
    ]);
    expect(nodeMetadataV2.check(lt({ httpTokens: "required", httpPutResponseHopLimit: 2 }))).toEqual([
      `aws:ec2/launchTemplate:LaunchTemplate "nodes": metadataOptions.httpPutResponseHopLimit is 2, so pods reach the node role's credentials; set 1 and give pods their own roles (IRSA)`,
    ]);
  });

  test("IMDSv2 at hop limit 1, or the metadata service off, passes", () => {
    expect(nodeMetadataV2.check(lt({ httpTokens: "required", httpPutResponseHopLimit: 1 }))).toEqual([]);
    expect(nodeMetadataV2.check(lt({ httpEndpoint: "disabled" }))).toEqual([]);
    expect(nodeMetadataV2.check(resource("aws:ec2/vpc:Vpc", "vpc", {}))).toEqual([]);
  });
});

describe("the policy pack runs these rules", () => {
  test("one mandatory policy per rule, named and described alike", () => {
    expect(policies.map((p) => [p.name, p.description, p.enforcementLevel])).toEqual(
      RULES.map((r) => [r.name, r.description, "mandatory"]),
    );
  });

  test("validateResource and validateStack report exactly what the rules find", async () => {
    const fixtures = [
      cloudMarker,
      resource("aws:rds/instance:Instance", "db", { publiclyAccessible: true, storageEncrypted: true }),
      resource("aws:s3/bucket:Bucket", "media", {}),
      workload("auth-beat", [goodContainer("beat", { readinessProbe: undefined, image: "redis" })]),
    ];
    const expected = evaluate(fixtures);
    expect(expected.map((v) => v.rule)).toEqual([
      "no-public-data-stores",
      "bucket-encryption",
      "deletion-protection-and-backups",
      "deletion-protection-and-backups",
      "protect-stateful",
      "protect-stateful",
      "container-probes",
      "pinned-images",
    ]);
    expect(await runPolicies(fixtures)).toEqual(expected);
  });

  test("values unknown during a preview (the SDK's proxy throws on them) skip a check, not the policy", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const proxy = require("@pulumi/policy/proxy") as {
      unknownCheckingProxy<T>(v: T): T;
      unknownStringValue: string;
    };
    const resources = { requests: { cpu: proxy.unknownStringValue, memory: "128Mi" }, limits: { cpu: "1" } };
    const deployment = workload("auth-web", [
      goodContainer("web", { image: proxy.unknownStringValue, resources }),
    ]);
    const validate = policies.find((p) => p.name === "container-resources") as {
      validateResource: (...a: unknown[]) => void;
    };
    const reported: string[] = [];
    validate.validateResource(
      {
        type: deployment.type,
        name: deployment.name,
        urn: deployment.urn,
        props: proxy.unknownCheckingProxy(deployment.props),
        opts: { protect: false },
      },
      (m: string) => reported.push(m),
    );
    expect(reported).toEqual([
      // The CPU request is unknown: not reported. The missing memory limit is.
      'kubernetes:apps/v1:Deployment "auth-web": container "web" has no memory limit; set resources.requests and resources.limits for cpu and memory',
    ]);
  });
});

describe("explicit-cluster-access, node-group-per-zone, trusted-certificate (what breaks a first up)", () => {
  const eksCluster = (accessConfig: Record<string, unknown>) =>
    resource("aws:eks/cluster:Cluster", "ferrum-prod", { accessConfig });

  test("EKS giving its creator an implicit admin entry: refused; explicit entries only passes", () => {
    expect(
      explicitClusterAccess.check(
        eksCluster({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true }),
      ),
    ).toEqual([
      "aws:eks/cluster:Cluster \"ferrum-prod\": accessConfig.bootstrapClusterCreatorAdminPermissions is true; the creator's implicit entry makes EKS refuse the deploying role's explicit one (409 ResourceInUseException): set it to false (only possible at creation) and grant the deployer an access entry",
    ]);
    expect(explicitClusterAccess.check(eksCluster({ authenticationMode: "API" }))).toEqual([
      "aws:eks/cluster:Cluster \"ferrum-prod\": accessConfig.bootstrapClusterCreatorAdminPermissions is not set (true); the creator's implicit entry makes EKS refuse the deploying role's explicit one (409 ResourceInUseException): set it to false (only possible at creation) and grant the deployer an access entry",
    ]);
    expect(
      explicitClusterAccess.check(
        eksCluster({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false }),
      ),
    ).toEqual([]);
  });

  test("a node group over three zones: refused; one subnet each passes", () => {
    const group = (subnetIds: unknown) => resource("aws:eks/nodeGroup:NodeGroup", "nodes", { subnetIds });
    expect(nodeGroupPerZone.check(group(["subnet-a", "subnet-b", "subnet-c"]))).toEqual([
      'aws:eks/nodeGroup:NodeGroup "nodes": spans 3 subnets (zones); the autoscaler cannot choose the zone a pending pod\'s volume needs: make one node group per zone',
    ]);
    expect(nodeGroupPerZone.check(group(["subnet-a"]))).toEqual([]);
    expect(nodeGroupPerZone.check(group(UNKNOWN))).toEqual([]);
  });

  test("a cloud stack's Traefik with neither a cert-manager Certificate nor an ACM certificate: refused", () => {
    const traefik = (annotations: Record<string, string> = {}) =>
      resource("kubernetes:helm.sh/v3:Release", "traefik", {
        chart: "traefik",
        values: { service: { type: "LoadBalancer", annotations } },
      });
    const certificate = resource("kubernetes:cert-manager.io/v1:Certificate", "cert", {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
    });
    expect(messages(trustedCertificate.check([cloudMarker, traefik()]))).toEqual([
      'kubernetes:helm.sh/v3:Release "traefik": serves Traefik\'s self-signed default certificate, which clients reject: issue one with cert-manager (ferrum:tls.source acme) or end TLS at the NLB with an ACM certificate (ferrum:tls.source acm)',
    ]);
    expect(trustedCertificate.check([cloudMarker, traefik(), certificate])).toEqual([]);
    expect(
      trustedCertificate.check([
        cloudMarker,
        traefik({
          "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:aws:acm:eu-central-1:1:certificate/x",
        }),
      ]),
    ).toEqual([]);
    // k3s: no cloud resource, Traefik's own certificate is the development default.
    expect(trustedCertificate.check([traefik()])).toEqual([]);
  });
});
