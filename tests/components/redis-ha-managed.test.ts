/**
 * RedisHA's managed backends (ElastiCache, Azure Managed Redis) under mocks: the security-critical inputs,
 * the env contract every service gets (TLS, DB 0, its own key prefix, no Sentinel), secrecy, validation.
 * Endpoint host names come from the mock runtime's fixtures (harness/fixtures.ts), read back from the state.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  RedisHA,
  type AzureManagedRedis,
  type ElastiCacheRedis,
  type RedisBackend,
  type RedisHAArgs,
} from "../../components/redis-ha";
import { finalSnapshotName } from "../../components/redis-ha/managed-settings";
import {
  cacheValues,
  celeryDirectTransportOptions,
  celeryDirectUrl,
  directRedisUrl,
  type DirectTarget,
} from "../../components/redis-ha/urls";
import { serviceDatabases } from "../../components/redis-ha/databases";
import {
  isSecretEnvelope,
  redact,
  secretness,
  secretValues,
  underMocks,
  type PlanResource,
  type Registrations,
} from "../helpers/pulumi";
import { answerCall } from "../../harness/fixtures";
import { expectArgumentsRefused } from "../helpers/refusals";

type Json = any;

const SERVICES = ["auth", "user", "content", "catalog"];
const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
const SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup";
const PARAMS = "aws:elasticache/parameterGroup:ParameterGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const AMR = "azure-native:redisenterprise:RedisEnterprise";
const AMR_DB = "azure-native:redisenterprise:Database";
const PE = "azure-native:network:PrivateEndpoint";
const DNS = "azure-native:network:PrivateDnsZoneGroup";
const LIST_KEYS = "azure-native:redisenterprise:listDatabaseKeys";
const PE_SUBNET =
  "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/ferrum/providers/Microsoft.Network/virtualNetworks/ferrum/subnets/private-endpoints";
const DNS_ZONE =
  "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/ferrum/providers/Microsoft.Network/privateDnsZones/privatelink.redis.azure.net";

/**
 * Whether the mock runtime answers `listDatabaseKeys`. Without that fixture the invoke's rejection would end
 * the test process, so the Azure tests are skipped and one test fails, naming what is missing.
 */
const azureFixtures = ((): boolean => {
  try {
    answerCall(LIST_KEYS, { resourceGroupName: "ferrum", clusterName: "redis", databaseName: "default" });
    return true;
  } catch {
    return false;
  }
})();
const describeAzure = azureFixtures ? describe : describe.skip;

test("the mock runtime has the Azure Managed Redis fixtures (harness/fixtures.ts)", () => {
  expect({ [LIST_KEYS]: azureFixtures ? "answered" : "no fixture" }).toEqual({ [LIST_KEYS]: "answered" });
});

const elasticache = (o: Partial<ElastiCacheRedis> = {}): ElastiCacheRedis => ({
  kind: "elasticache",
  vpcId: "vpc-0abc1234",
  subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
  clientSecurityGroupId: "sg-0ddd4444",
  nodeType: "cache.m7g.large",
  protect: false,
  tags: { project: "ferrum" },
  ...o,
});

const azure = (o: Partial<AzureManagedRedis> = {}): AzureManagedRedis => ({
  kind: "azureManagedRedis",
  resourceGroupName: "ferrum",
  location: "westeurope",
  skuName: "Balanced_B5",
  privateEndpointSubnetId: PE_SUBNET,
  privateDnsZoneId: DNS_ZONE,
  protect: false,
  tags: { project: "ferrum" },
  ...o,
});

const args = (backend: RedisBackend, rest: Partial<RedisHAArgs> = {}): RedisHAArgs => ({
  backend,
  namespace: "ferrum",
  services: SERVICES,
  ...rest,
});

const build = (backend: RedisBackend, rest: Partial<RedisHAArgs> = {}) =>
  underMocks(() => new RedisHA("redis", args(backend, rest)));

const value = async (o: pulumi.Input<string>): Promise<string> => (await secretness(o)).value;

/** Every registered child of the component, as `type name`. */
function children(r: Registrations): string[] {
  const component = r.get("ferrum:index:RedisHA", "redis");
  return r.resources
    .filter((x) => x.parent === component.urn)
    .map((x) => `${x.type} ${x.name}`)
    .sort();
}

/** Secret values found in plain sight: in a non-secret input of any resource. */
function leaks(resources: readonly PlanResource[], secrets: ReadonlySet<string>): string[] {
  return resources.flatMap((res) => {
    const visible = JSON.stringify(redact(res.inputs));
    return [...secrets]
      .filter((s) => visible.includes(s))
      .map((s) => `${res.type} ${res.name} shows ${s.slice(0, 4)}...`);
  });
}

/** The env contract of a managed cache, for one service. */
/** The caches' endpoint (allkeys-lru): its host and its own token. */
interface LruCache {
  readonly host: string;
  readonly password: string;
}

async function expectDirectContract(
  result: RedisHA,
  service: string,
  host: string,
  port: number,
  lru: LruCache,
) {
  const pw = encodeURIComponent(await value(result.password));
  const c = result.forService(service);
  const base = `rediss://:${pw}@${host}:${port}/0?ssl_check_hostname=true`;
  const cache = `rediss://:${encodeURIComponent(lru.password)}@${lru.host}:${port}/0?ssl_check_hostname=true`;
  expect(lru.password).not.toBe(await value(result.password));
  expect(lru.host).not.toBe(host);
  expect({
    url: await value(c.url),
    sentinels: c.sentinels,
    sentinelMaster: c.sentinelMaster,
    keyPrefix: c.keyPrefix,
    celeryBrokerUrl: await value(c.celeryBrokerUrl),
    celeryResultBackend: await value(c.celeryResultBackend),
    celeryTransportOptions: JSON.parse(await value(c.celeryTransportOptions)),
    eventsUrl: await value(c.eventsUrl),
  }).toEqual({
    url: cache,
    sentinels: "",
    sentinelMaster: "",
    keyPrefix: `${service}:`,
    celeryBrokerUrl: `${base}&ssl_cert_reqs=required`,
    celeryResultBackend: `${base}&ssl_cert_reqs=required`,
    celeryTransportOptions: { global_keyprefix: `{${service}}:` },
    eventsUrl: base,
  });
  for (const field of [
    "url",
    "celeryBrokerUrl",
    "celeryResultBackend",
    "celeryTransportOptions",
    "eventsUrl",
  ] as const)
    expect({ field, secret: (await secretness(c[field])).secret }).toEqual({ field, secret: true });
}

describe("RedisHA, ElastiCache backend: what it registers", () => {
  test("two replication groups, each with its parameter group and AUTH token, in one subnet and security group; nothing in Kubernetes", async () => {
    const { registrations: r } = await build(elasticache());
    expect(children(r)).toEqual(
      [
        `${RG} redis-cache`,
        `${RG} redis-lru`,
        `${SUBNETS} redis-subnets`,
        `${SG} redis-sg`,
        `aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule redis-sg-from-cluster`,
        `${PARAMS} redis-params`,
        `${PARAMS} redis-lru-params`,
        `${PASSWORD} redis-auth-token`,
        `${PASSWORD} redis-lru-auth-token`,
      ].sort(),
    );
    expect(r.resources.filter((x) => x.type.startsWith("kubernetes:"))).toEqual([]);
  });

  test("the caches' replication group: allkeys-lru, smaller nodes, Multi-AZ, TLS and a token of its own, no snapshots", async () => {
    const { registrations: r } = await build(elasticache({ cacheNodeType: "cache.t4g.medium" }));
    expect(r.inputs(PARAMS, "redis-lru-params")).toMatchObject({
      family: "redis7",
      parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }],
    });
    const lru = r.inputs(RG, "redis-lru") as Json;
    expect(lru).toMatchObject({
      engine: "redis",
      engineVersion: "7.1",
      clusterMode: "disabled",
      nodeType: "cache.t4g.medium",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      snapshotRetentionLimit: 0,
    });
    expect(lru.finalSnapshotIdentifier).toBeUndefined();
    expect(lru.securityGroupIds).toEqual((r.inputs(RG, "redis-cache") as Json).securityGroupIds);
    expect(lru.authToken).not.toBe((r.inputs(RG, "redis-cache") as Json).authToken);
    expect((r.inputs(RG, "redis-cache") as Json).nodeType).toBe("cache.m7g.large");
  });

  test("Redis OSS 7.1, cluster mode disabled, Multi-AZ with automatic failover, encrypted in transit and at rest", async () => {
    const { registrations: r } = await build(elasticache());
    expect(r.inputs(RG, "redis-cache")).toMatchObject({
      engine: "redis",
      engineVersion: "7.1",
      clusterMode: "disabled",
      nodeType: "cache.m7g.large",
      numCacheClusters: 2,
      port: 6379,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      snapshotRetentionLimit: 7,
      finalSnapshotIdentifier: "ferrum-test-redis-final",
      tags: { project: "ferrum" },
    });
  });

  test("the AUTH token is a generated, secret password of letters and digits, 32 to 128 long", async () => {
    const { registrations: r, result } = await build(elasticache());
    const token = r.inputs(PASSWORD, "redis-auth-token") as Json;
    expect(token.special).toBe(false);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(token.length).toBeLessThanOrEqual(128);
    const raw = r.get(RG, "redis-cache").inputs.authToken;
    expect(isSecretEnvelope(raw)).toBe(true);
    const password = await secretness(result.password);
    expect(password.secret).toBe(true);
    expect((raw as { value: unknown }).value).toBe(password.value);
    expect(password.value).toMatch(/^[A-Za-z0-9]{32,128}$/);
  });

  test("the security group admits 6379 from the client security group only, and nothing else", async () => {
    const { registrations: r } = await build(elasticache());
    const sg = r.inputs(SG, "redis-sg") as Json;
    expect(sg.vpcId).toBe("vpc-0abc1234");
    // Its one rule is a resource of its own: the group is created before the cluster's exists.
    expect(sg.ingress).toBeUndefined();
    const rule = r.inputs(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "redis-sg-from-cluster",
    ) as Json;
    expect(rule).toMatchObject({
      ipProtocol: "tcp",
      fromPort: 6379,
      toPort: 6379,
      referencedSecurityGroupId: "sg-0ddd4444",
    });
    expect(rule.cidrIpv4).toBeUndefined();
    expect(rule.cidrIpv6).toBeUndefined();
    expect(sg.egress).toEqual([]);
  });

  test("the replication group sits in the private subnets, behind that security group, with noeviction", async () => {
    const { registrations: r } = await build(elasticache());
    const rg = r.inputs(RG, "redis-cache") as Json;
    expect(r.inputs(SUBNETS, "redis-subnets")).toMatchObject({
      subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
    });
    expect(rg.subnetGroupName).toBe(r.get(SUBNETS, "redis-subnets").state.name);
    expect(rg.securityGroupIds).toEqual([r.get("aws:ec2/securityGroup:SecurityGroup", "redis-sg").state.id]);
    expect(r.inputs(PARAMS, "redis-params")).toMatchObject({
      family: "redis7",
      parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
    });
    expect(rg.parameterGroupName).toBe(r.get(PARAMS, "redis-params").state.name);
    expect(rg.subnetGroupName).toEqual(expect.any(String));
    expect(rg.parameterGroupName).toEqual(expect.any(String));
  });

  test("nodes and snapshot retention follow the arguments", async () => {
    const { registrations: r } = await build(elasticache({ numCacheClusters: 3, snapshotRetentionDays: 14 }));
    expect(r.inputs(RG, "redis-cache")).toMatchObject({ numCacheClusters: 3, snapshotRetentionLimit: 14 });
  });

  test("protect marks the replication group protected, and only when asked", async () => {
    const { registrations: on } = await build(elasticache({ protect: true }));
    expect(on.get(RG, "redis-cache").options.protect).toBe(true);
    expect(on.get(SG, "redis-sg").options.protect).toBeUndefined();
    const { registrations: off } = await build(elasticache({ protect: false }));
    expect(off.get(RG, "redis-cache").options.protect).toBeUndefined();
  });
});

describe("RedisHA, ElastiCache backend: connections", () => {
  test("every service: rediss:// to the primary endpoint, DB 0, its own prefix, no Sentinel; secrets secret", async () => {
    const { result, registrations: r } = await build(elasticache());
    const host = r.get(RG, "redis-cache").state.primaryEndpointAddress as string;
    expect(host).toEqual(expect.stringMatching(/\S/));
    const lru = {
      host: r.get(RG, "redis-lru").state.primaryEndpointAddress as string,
      password: (redact(r.get(PASSWORD, "redis-lru-auth-token").state, true) as Json).result as string,
    };
    for (const service of SERVICES) await expectDirectContract(result, service, host, 6379, lru);
    expect(await value(result.endpoint!.host)).toBe(host);
    expect(result.endpoint!.port).toBe(6379);
  });

  test("the component's own outputs: no master name, no Sentinels, every service on DB 0", async () => {
    const { result } = await build(elasticache());
    expect(result.masterName).toBe("");
    expect(result.sentinels).toBe("");
    expect(result.redisHosts).toEqual([]);
    expect(result.eventsDatabase).toBe(0);
    expect(result.databases).toEqual(Object.fromEntries(SERVICES.map((s) => [s, { cache: 0, celery: 0 }])));
    expect(result.redisStatefulSet).toBeUndefined();
    expect(result.managedCache).toBeDefined();
  });

  test("the token shows in no input outside a secret, nor in any plain connection field", async () => {
    const { result, registrations: r } = await build(elasticache());
    const password = await value(result.password);
    const secrets = new Set<string>([password]);
    for (const res of r.resources) secretValues(res.inputs, false, secrets);
    expect(leaks(r.resources, secrets)).toEqual([]);
    for (const s of SERVICES) {
      const c = result.forService(s);
      expect(JSON.stringify([c.keyPrefix, c.sentinels, c.sentinelMaster])).not.toContain(password);
    }
  });
});

describeAzure("RedisHA, Azure Managed Redis backend: what it registers", () => {
  test("a cluster, its database, a private endpoint and its DNS zone group; nothing in Kubernetes", async () => {
    const { registrations: r, runtime } = await build(azure());
    expect(children(r)).toEqual(
      [
        `${AMR} redis-cluster`,
        `${AMR_DB} redis-database`,
        `${PE} redis-endpoint`,
        `${DNS} redis-dns`,
        `${AMR} redis-lru-cluster`,
        `${AMR_DB} redis-lru-database`,
        `${PE} redis-lru-endpoint`,
        `${DNS} redis-lru-dns`,
      ].sort(),
    );
    expect(r.resources.filter((x) => x.type.startsWith("kubernetes:"))).toEqual([]);
    expect(runtime.calls.map((c) => c.token)).toEqual([LIST_KEYS, LIST_KEYS]);
  });

  test("the caches' cluster: its own SKU, one shard, AllKeysLRU, nothing persisted, private as the other", async () => {
    const { registrations: r } = await build(azure({ cacheSkuName: "Balanced_B1" }));
    expect(r.inputs(AMR, "redis-lru-cluster")).toMatchObject({
      sku: { name: "Balanced_B1" },
      highAvailability: "Enabled",
      minimumTlsVersion: "1.2",
      publicNetworkAccess: "Disabled",
    });
    expect(r.inputs(AMR_DB, "redis-lru-database")).toMatchObject({
      clientProtocol: "Encrypted",
      clusteringPolicy: "NoCluster",
      port: 10000,
      evictionPolicy: "AllKeysLRU",
      persistence: { aofEnabled: false, rdbEnabled: false },
    });
    expect(r.inputs(AMR_DB, "redis-database")).toMatchObject({ evictionPolicy: "NoEviction" });
    expect((r.inputs(PE, "redis-lru-endpoint") as Json).subnet).toMatchObject({ id: PE_SUBNET });
  });

  test("the cluster: highly available across three zones, TLS 1.2 at least, no public network access", async () => {
    const { registrations: r } = await build(azure());
    expect(r.inputs(AMR, "redis-cluster")).toMatchObject({
      resourceGroupName: "ferrum",
      location: "westeurope",
      sku: { name: "Balanced_B5" },
      highAvailability: "Enabled",
      minimumTlsVersion: "1.2",
      publicNetworkAccess: "Disabled",
      zones: ["1", "2", "3"],
      tags: { project: "ferrum" },
    });
  });

  test("a region without zones gets no zones, high availability still on", async () => {
    const { registrations: r } = await build(azure({ zones: [] }));
    const cluster = r.inputs(AMR, "redis-cluster") as Json;
    expect(cluster.zones).toBeUndefined();
    expect(cluster.highAvailability).toBe("Enabled");
  });

  test("the database: TLS only, Enterprise clustering (no cluster-aware client), 10000, noeviction, AOF, access keys", async () => {
    const { registrations: r } = await build(azure());
    const db = r.inputs(AMR_DB, "redis-database") as Json;
    expect(db).toMatchObject({
      resourceGroupName: "ferrum",
      databaseName: "default",
      clientProtocol: "Encrypted",
      clusteringPolicy: "EnterpriseCluster",
      port: 10000,
      evictionPolicy: "NoEviction",
      persistence: { aofEnabled: true, aofFrequency: "1s", rdbEnabled: false },
      accessKeysAuthentication: "Enabled",
    });
    expect(db.clusterName).toBe(r.get(AMR, "redis-cluster").state.name);
    expect(db.clusterName).toEqual(expect.stringMatching(/\S/));
    const { registrations: single } = await build(azure({ clusteringPolicy: "NoCluster" }));
    expect((single.inputs(AMR_DB, "redis-database") as Json).clusteringPolicy).toBe("NoCluster");
  });

  test("the private endpoint joins the given subnet and registers in privatelink.redis.azure.net", async () => {
    const { registrations: r } = await build(azure());
    const pe = r.inputs(PE, "redis-endpoint") as Json;
    expect(pe).toMatchObject({
      resourceGroupName: "ferrum",
      location: "westeurope",
      subnet: { id: PE_SUBNET },
    });
    expect(pe.privateLinkServiceConnections).toEqual([
      {
        name: "redis-redis",
        privateLinkServiceId: r.get("azure-native:redisenterprise:RedisEnterprise", "redis-cluster").state.id,
        groupIds: ["redisEnterprise"],
      },
    ]);
    const dns = r.inputs(DNS, "redis-dns") as Json;
    expect(dns.privateEndpointName).toBe(r.get(PE, "redis-endpoint").state.name);
    expect(dns.privateEndpointName).toEqual(expect.stringMatching(/\S/));
    expect(dns.privateDnsZoneConfigs).toEqual([
      { name: "privatelink-redis-azure-net", privateDnsZoneId: DNS_ZONE },
    ]);
  });

  test("protect marks the cluster and the database protected, and only when asked", async () => {
    const { registrations: on } = await build(azure({ protect: true }));
    expect(on.get(AMR, "redis-cluster").options.protect).toBe(true);
    expect(on.get(AMR_DB, "redis-database").options.protect).toBe(true);
    expect(on.get(PE, "redis-endpoint").options.protect).toBeUndefined();
    const { registrations: off } = await build(azure({ protect: false }));
    expect(off.get(AMR, "redis-cluster").options.protect).toBeUndefined();
    expect(off.get(AMR_DB, "redis-database").options.protect).toBeUndefined();
  });
});

describeAzure("RedisHA, Azure Managed Redis backend: connections", () => {
  test("every service: rediss:// to the cluster's host on 10000, DB 0, its own prefix, no Sentinel", async () => {
    const { result, registrations: r, runtime } = await build(azure());
    const host = r.get(AMR, "redis-cluster").state.hostName as string;
    expect(host).toEqual(expect.stringMatching(/\S/));
    const lruCall = runtime.calls.find(
      (c) =>
        c.token === LIST_KEYS &&
        (c.inputs as Json).clusterName === r.get(AMR, "redis-lru-cluster").state.name,
    )!;
    const lru = {
      host: r.get(AMR, "redis-lru-cluster").state.hostName as string,
      password: (redact(answerCall(LIST_KEYS, lruCall.inputs as Record<string, unknown>), true) as Json)
        .primaryKey as string,
    };
    for (const service of SERVICES) await expectDirectContract(result, service, host, 10000, lru);
    const call = runtime.calls.find(
      (c) =>
        c.token === LIST_KEYS && (c.inputs as Json).clusterName === r.get(AMR, "redis-cluster").state.name,
    )!;
    expect(call.inputs).toMatchObject({
      resourceGroupName: "ferrum",
      clusterName: r.get(AMR, "redis-cluster").state.name,
      databaseName: "default",
    });
  });

  test("the access key is secret and shows in no input nor in any plain connection field", async () => {
    const { result, registrations: r } = await build(azure());
    const key = await secretness(result.password);
    expect(key.secret).toBe(true);
    expect(key.value).toEqual(expect.stringMatching(/\S/));
    const secrets = new Set<string>([key.value, encodeURIComponent(key.value)]);
    for (const res of r.resources) secretValues(res.inputs, false, secrets);
    expect(leaks(r.resources, secrets)).toEqual([]);
    for (const s of SERVICES) {
      const c = result.forService(s);
      expect(JSON.stringify([c.keyPrefix, c.sentinels, c.sentinelMaster])).not.toContain(key.value);
    }
  });
});

describe("RedisHA managed backends: argument validation", () => {
  test.each<[string, RedisBackend, Partial<RedisHAArgs>, string[]]>([
    [
      "one ElastiCache node",
      elasticache({ numCacheClusters: 1 }),
      {},
      [
        "backend.numCacheClusters must be an integer between 2 and 6, a primary and at least one replica to fail over to (got 1)",
      ],
    ],
    [
      "seven ElastiCache nodes",
      elasticache({ numCacheClusters: 7 }),
      {},
      [
        "backend.numCacheClusters must be an integer between 2 and 6, a primary and at least one replica to fail over to (got 7)",
      ],
    ],
    [
      "no snapshots",
      elasticache({ snapshotRetentionDays: 0 }),
      {},
      ["backend.snapshotRetentionDays must be an integer between 1 and 35 (got 0)"],
    ],
    [
      "snapshots kept too long",
      elasticache({ snapshotRetentionDays: 36 }),
      {},
      ["backend.snapshotRetentionDays must be an integer between 1 and 35 (got 36)"],
    ],
    [
      "no subnets",
      elasticache({ subnetIds: [] }),
      {},
      [
        "backend.subnetIds must list at least 2 private subnets in different availability zones, for Multi-AZ (got 0)",
      ],
    ],
    [
      "one subnet",
      elasticache({ subnetIds: ["subnet-0aaa1111"] }),
      {},
      [
        "backend.subnetIds must list at least 2 private subnets in different availability zones, for Multi-AZ (got 1)",
      ],
    ],
    [
      "a node type without its cache. prefix",
      elasticache({ nodeType: "m7g.large" }),
      {},
      ['backend.nodeType must be an ElastiCache node type such as cache.m7g.large (got "m7g.large")'],
    ],
    [
      "ids that are not AWS ids",
      elasticache({ vpcId: "", subnetIds: ["subnet-0aaa1111", "private-b"], clientSecurityGroupId: "eks" }),
      {},
      [
        'backend.vpcId must be a VPC id such as vpc-0abc12 (got "")',
        'backend.subnetIds must be subnet ids such as subnet-0abc12 (got "private-b")',
        'backend.clientSecurityGroupId must be a security group id such as sg-0abc12 (got "eks")',
      ],
    ],
    [
      "an Azure Cache for Redis Enterprise SKU",
      azure({ skuName: "Enterprise_E10" }),
      {},
      [
        'backend.skuName must be an Azure Managed Redis SKU (Balanced_B<n>, MemoryOptimized_M<n> or ComputeOptimized_X<n>) such as Balanced_B5 (got "Enterprise_E10")',
      ],
    ],
    [
      "one zone",
      azure({ zones: ["1"] }),
      {},
      [
        'backend.zones must list 2 or 3 distinct zones among "1", "2" and "3", or none where the region has no zones (got "1")',
      ],
    ],
    [
      "a repeated zone",
      azure({ zones: ["1", "1", "4"] }),
      {},
      [
        'backend.zones must list 2 or 3 distinct zones among "1", "2" and "3", or none where the region has no zones (got "1", "1", "4")',
      ],
    ],
    [
      "a display name for a region",
      azure({ location: "West Europe" }),
      {},
      ['backend.location must be an Azure region name such as westeurope (got "West Europe")'],
    ],
    [
      "the OSS clustering policy",
      azure({ clusteringPolicy: "OSSCluster" as never }),
      {},
      [
        'backend.clusteringPolicy must be EnterpriseCluster or NoCluster; OSSCluster would need cluster-aware clients (got "OSSCluster")',
      ],
    ],
    [
      "another private DNS zone and a subnet that is not one",
      azure({
        privateDnsZoneId: DNS_ZONE.replace(
          "privatelink.redis.azure.net",
          "privatelink.redis.cache.windows.net",
        ),
        privateEndpointSubnetId: "private-endpoints",
        resourceGroupName: "",
      }),
      {},
      [
        'backend.resourceGroupName must be a resource group name (got "")',
        'backend.privateEndpointSubnetId must be a subnet id (/subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>) (got "private-endpoints")',
        `backend.privateDnsZoneId must be the id of the private DNS zone privatelink.redis.azure.net (got ${JSON.stringify(DNS_ZONE.replace("privatelink.redis.azure.net", "privatelink.redis.cache.windows.net"))})`,
      ],
    ],
    [
      "several problems at once, the shared ones included",
      elasticache({ numCacheClusters: 1, snapshotRetentionDays: 0, subnetIds: [] }),
      { namespace: "Ferrum", services: ["auth", "auth"] },
      [
        'namespace must be a lowercase DNS label (got "Ferrum")',
        "backend.numCacheClusters must be an integer between 2 and 6, a primary and at least one replica to fail over to (got 1)",
        "backend.snapshotRetentionDays must be an integer between 1 and 35 (got 0)",
        "backend.subnetIds must list at least 2 private subnets in different availability zones, for Multi-AZ (got 0)",
        'services must be unique ("auth" repeated)',
      ],
    ],
  ])("%s is refused with every problem named, and nothing is registered", (_case, backend, rest, problems) =>
    expectArgumentsRefused(() => new RedisHA("redis", args(backend, rest)), "RedisHA redis", problems),
  );

  test("with ElastiCache the name must leave room for the replication group id", () => {
    expect(() => new RedisHA("a-rather-long-cache-name-abc", args(elasticache()))).toThrow(
      'with the elasticache backend the name must be at most 26 characters without "--", so the replication group id <name>-cache-<7 characters> stays valid (got "a-rather-long-cache-name-abc")',
    );
  });

  test("ids given as Outputs are left to the cloud, and a managed cache needs no database slots", async () => {
    const { registrations: r } = await underMocks(() => {
      return new RedisHA(
        "redis",
        args(
          elasticache({
            subnetIds: pulumi.output(["subnet-0aaa1111", "subnet-0bbb2222"]),
            vpcId: pulumi.output("vpc-1"),
          }),
          { services: [...SERVICES, "billing"] },
        ),
      );
    });
    expect(r.inputs(SUBNETS, "redis-subnets")).toMatchObject({
      subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
    });
  });
});

describe("RedisHA managed backends: pure pieces", () => {
  const target: DirectTarget = {
    kind: "direct",
    host: "cache.example",
    port: 6380,
    tls: true,
    password: "a+b/c=",
    cache: { host: "lru.example", port: 6381, password: "d+e/f=" },
  };

  test("direct URLs percent-encode the password and always name DB 0 for Celery's check", () => {
    expect(directRedisUrl(target, 0)).toBe(
      "rediss://:a%2Bb%2Fc%3D@cache.example:6380/0?ssl_check_hostname=true",
    );
    expect(celeryDirectUrl(target, 0)).toBe(
      "rediss://:a%2Bb%2Fc%3D@cache.example:6380/0?ssl_check_hostname=true&ssl_cert_reqs=required",
    );
    expect(JSON.parse(celeryDirectTransportOptions("content"))).toEqual({ global_keyprefix: "{content}:" });
  });

  test("a direct target ignores the cluster DBs a service would have: DB 0 only; REDIS_URL on the caches' endpoint", () => {
    const v = cacheValues(target, "catalog", serviceDatabases(4));
    expect([v.url, v.eventsUrl, v.celeryBrokerUrl].map((u) => /:638\d\/(\d+)/.exec(u)![1])).toEqual([
      "0",
      "0",
      "0",
    ]);
    expect(v.url).toBe("rediss://:d%2Be%2Ff%3D@lru.example:6381/0?ssl_check_hostname=true");
    expect([v.sentinels, v.sentinelMaster, v.keyPrefix]).toEqual(["", "", "catalog:"]);
  });

  test("final snapshot names are lowercase, hyphenated and start with a letter", () => {
    expect(finalSnapshotName("ferrum", "prod", "redis")).toBe("ferrum-prod-redis-final");
    expect(finalSnapshotName("ferrum", "Org_Prod.eu", "redis")).toBe("ferrum-org-prod-eu-redis-final");
    expect(finalSnapshotName("1st", "prod", "redis")).toBe("s-1st-prod-redis-final");
  });
});
