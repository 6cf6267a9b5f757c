import type * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_REDIS_IMAGE,
  RedisHA,
  type InClusterRedis,
  type RedisHAArgs,
} from "../../components/redis-ha";
import { renderRedisConf, renderSentinelConf } from "../../components/redis-ha/config-files";
import { DEFAULT_DATABASE_SLOTS, serviceDatabases, slotProblems } from "../../components/redis-ha/databases";
import { renderRedisInitScript, renderSentinelInitScript } from "../../components/redis-ha/scripts";
import { redisMemoryLimitMiB, redisMemoryRequestMiB } from "../../components/redis-ha/sizing";
import {
  celerySentinelTransportOptions,
  celerySentinelUrl,
  sentinelRedisUrl,
  type SentinelTarget,
} from "../../components/redis-ha/urls";
import { topology } from "../../components/redis-ha/naming";
import { redact, secretness, secretValues, refusal, underMocks, type PlanResource } from "../helpers/pulumi";

const SERVICES = ["auth", "user", "content", "catalog"];
const STS = "kubernetes:apps/v1:StatefulSet";
const SVC = "kubernetes:core/v1:Service";
const CM = "kubernetes:core/v1:ConfigMap";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const SENTINEL_HOSTS = [0, 1, 2].map(
  (i) => `redis-sentinel-${i}.redis-sentinel-headless.ferrum.svc.cluster.local`,
);

const backend = (overrides: Partial<InClusterRedis> = {}): InClusterRedis => ({
  kind: "inCluster",
  image: DEFAULT_REDIS_IMAGE,
  maxmemoryMiB: 256,
  storageGiB: 2,
  protect: false,
  ...overrides,
});

const args = (overrides: Partial<InClusterRedis> = {}, rest: Partial<RedisHAArgs> = {}): RedisHAArgs => ({
  backend: backend(overrides),
  namespace: "ferrum",
  services: SERVICES,
  ...rest,
});

function build(overrides: Partial<InClusterRedis> = {}, rest: Partial<RedisHAArgs> = {}) {
  return underMocks(() => new RedisHA("redis", args(overrides, rest)));
}

type Json = any;

describe("RedisHA, in-cluster backend: what it registers", () => {
  test("3 Redis pods and 3 Sentinel pods, each a Parallel StatefulSet governed by its headless Service", async () => {
    const { registrations: r } = await build();
    expect(r.ofType("ferrum:index:RedisHA")).toHaveLength(1);
    const redis = r.inputs(STS, "redis-server") as Json;
    const sentinel = r.inputs(STS, "redis-sentinel") as Json;
    expect(redis.metadata).toMatchObject({ name: "redis", namespace: "ferrum" });
    expect(redis.spec).toMatchObject({
      replicas: 3,
      podManagementPolicy: "Parallel",
      serviceName: "redis-headless",
    });
    expect(redis.spec.template.spec.containers[0].image).toBe("redis:7.4.6-bookworm");
    expect(sentinel.metadata).toMatchObject({ name: "redis-sentinel", namespace: "ferrum" });
    expect(sentinel.spec).toMatchObject({
      replicas: 3,
      podManagementPolicy: "Parallel",
      serviceName: "redis-sentinel-headless",
    });
    expect(sentinel.spec.template.spec.containers[0].command).toEqual([
      "redis-server",
      "/etc/sentinel/sentinel.conf",
      "--sentinel",
    ]);
  });

  test("the headless Services publish not-ready addresses and select their StatefulSet's pods; there is no other Service", async () => {
    const { registrations: r } = await build();
    const cases = [
      ["redis-server-headless", "redis-headless", "redis-server", 6379],
      ["redis-sentinel-headless", "redis-sentinel-headless", "redis-sentinel", 26379],
    ] as const;
    for (const [resource, serviceName, statefulSet, port] of cases) {
      const svc = r.inputs(SVC, resource) as Json;
      const sts = r.inputs(STS, statefulSet) as Json;
      expect(svc.metadata.name).toBe(serviceName);
      expect(svc.spec).toMatchObject({
        clusterIP: "None",
        publishNotReadyAddresses: true,
        ports: [{ port }],
      });
      expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
      expect(sts.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    }
    expect(r.ofType(SVC)).toHaveLength(2);
  });

  test("redis.conf and sentinel.conf in the ConfigMaps are the rendered files: noeviction, AOF everysec, quorum 2 on pod 0", async () => {
    const { registrations: r } = await build();
    const redisConf = (r.inputs(CM, "redis-server-config") as Json).data["redis.conf"] as string;
    const sentinelConf = (r.inputs(CM, "redis-sentinel-config") as Json).data["sentinel.conf"] as string;
    expect(redisConf).toBe(
      renderRedisConf({ port: 6379, maxmemoryMiB: 256, databases: 16, minReplicasToWrite: 1 }),
    );
    for (const line of [
      "maxmemory 256mb",
      "maxmemory-policy noeviction",
      "appendonly yes",
      "appendfsync everysec",
      "databases 16",
      "min-replicas-to-write 1",
    ]) {
      expect(redisConf.split("\n")).toContain(line);
    }
    const master = topology("redis", "ferrum", 3, 3).redis[0]!;
    expect(sentinelConf).toBe(renderSentinelConf({ port: 26379, masterName: "ferrum", master, quorum: 2 }));
    expect(sentinelConf).toContain(
      "\nsentinel monitor ferrum redis-0.redis-headless.ferrum.svc.cluster.local 6379 2\n",
    );
    expect(sentinelConf).toContain("\nsentinel resolve-hostnames yes\nsentinel announce-hostnames yes\n");
    const t = topology("redis", "ferrum", 3, 3);
    expect((r.inputs(CM, "redis-server-config") as Json).data["init.sh"]).toBe(renderRedisInitScript(t));
    expect((r.inputs(CM, "redis-sentinel-config") as Json).data["init.sh"]).toBe(renderSentinelInitScript(t));
  });

  test("quorum, replicas and sentinels follow the arguments", async () => {
    const { registrations: r } = await build({ replicas: 5, sentinels: 5, quorum: 3 });
    expect((r.inputs(STS, "redis-server") as Json).spec.replicas).toBe(5);
    expect((r.inputs(STS, "redis-sentinel") as Json).spec.replicas).toBe(5);
    expect((r.inputs(CM, "redis-sentinel-config") as Json).data["sentinel.conf"]).toContain(" 6379 3\n");
    expect((r.inputs(CM, "redis-server-config") as Json).data["init.sh"]).toContain(
      "  4) self_host='redis-4.redis-headless.ferrum.svc.cluster.local'",
    );
  });

  test("the Redis container's memory limit is 2 × maxmemory + 128 MiB and its request maxmemory + 64 MiB", async () => {
    const { registrations: r } = await build({ maxmemoryMiB: 512, storageGiB: 1 });
    const redis = (r.inputs(STS, "redis-server") as Json).spec.template.spec.containers[0];
    expect(redis.resources.limits.memory).toBe("1152Mi");
    expect(redis.resources.requests.memory).toBe("576Mi");
    expect(redisMemoryLimitMiB(512)).toBe(1152);
    expect(redisMemoryRequestMiB(512)).toBe(576);
    expect((r.inputs(CM, "redis-server-config") as Json).data["redis.conf"]).toContain("\nmaxmemory 512mb\n");
  });

  test("the Redis pods keep /data on a volume claim of the configured size and class", async () => {
    const { registrations: r } = await build({ storageGiB: 4, storageClass: "local-path" });
    const sts = r.inputs(STS, "redis-server") as Json;
    expect(sts.spec.volumeClaimTemplates).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: "data" }),
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "local-path",
          resources: { requests: { storage: "4Gi" } },
        },
      }),
    ]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({
      name: "data",
      mountPath: "/data",
    });
    expect(sts.spec.template.spec.containers[0].workingDir).toBe("/data");
  });

  test("every pod runs restricted: uid 999, non-root, no escalation, ALL dropped, RuntimeDefault, read-only root", async () => {
    const { registrations: r } = await build();
    for (const name of ["redis-server", "redis-sentinel"]) {
      const pod = (r.inputs(STS, name) as Json).spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 999,
        runAsGroup: 999,
        fsGroup: 999,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      const containers = [...pod.initContainers, ...pod.containers];
      expect(containers).toHaveLength(2);
      for (const c of containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(c.resources.limits).toHaveProperty("memory");
      }
      // The one writable volume besides /data: the in-memory config the init container renders.
      expect(pod.volumes).toContainEqual({
        name: "config",
        emptyDir: { medium: "Memory", sizeLimit: "1Mi" },
      });
    }
  });

  test("pod anti-affinity is preferred, not required, so every pod still schedules on a single-node k3s", async () => {
    const { registrations: r } = await build();
    for (const name of ["redis-server", "redis-sentinel"]) {
      const sts = r.inputs(STS, name) as Json;
      const anti = sts.spec.template.spec.affinity.podAntiAffinity;
      expect(anti.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
      expect(anti.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: sts.spec.selector.matchLabels },
          },
        },
      ]);
    }
  });

  test("a PodDisruptionBudget per role lets at most one pod be evicted", async () => {
    const { registrations: r } = await build();
    for (const [pdb, sts] of [
      ["redis-server-pdb", "redis-server"],
      ["redis-sentinel-pdb", "redis-sentinel"],
    ]) {
      const budget = r.inputs(PDB, pdb!) as Json;
      expect(budget.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: (r.inputs(STS, sts!) as Json).spec.selector.matchLabels },
      });
    }
  });

  test("labels: component cache on the Redis pods, sentinel on the Sentinel pods, with the shared labels", async () => {
    const { registrations: r } = await build();
    const expected = {
      "app.kubernetes.io/name": "redis",
      "app.kubernetes.io/instance": "redis",
      "app.kubernetes.io/part-of": "ferrum",
      "app.kubernetes.io/managed-by": "pulumi",
    };
    expect((r.inputs(STS, "redis-server") as Json).spec.template.metadata.labels).toEqual({
      ...expected,
      "app.kubernetes.io/component": "cache",
    });
    expect((r.inputs(STS, "redis-sentinel") as Json).spec.template.metadata.labels).toEqual({
      ...expected,
      "app.kubernetes.io/component": "sentinel",
    });
  });

  test("the password is generated with letters and digits only, which Sentinel can write back into its config", async () => {
    const { registrations: r } = await build();
    expect(r.inputs("random:index/randomPassword:RandomPassword", "redis-password")).toMatchObject({
      length: 32,
      special: false,
    });
  });

  test("the password reaches the containers from the Secret only, and the probes read it from REDISCLI_AUTH", async () => {
    const { registrations: r } = await build();
    const secretName = (
      (r.get("kubernetes:core/v1:Secret", "redis-credentials").state as Json).metadata as Json
    ).name;
    for (const name of ["redis-server", "redis-sentinel"]) {
      const pod = (r.inputs(STS, name) as Json).spec.template.spec;
      const [init, main] = [pod.initContainers[0], pod.containers[0]];
      const fromSecret = { valueFrom: { secretKeyRef: { name: secretName, key: "password" } } };
      expect(init.env).toEqual([
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "REDIS_PASSWORD", ...fromSecret },
        { name: "REDISCLI_AUTH", ...fromSecret },
      ]);
      expect(main.env).toEqual([{ name: "REDISCLI_AUTH", ...fromSecret }]);
      const commands = [
        main.command,
        ...["startupProbe", "livenessProbe", "readinessProbe"]
          .filter((p) => main[p])
          .map((p) => main[p].exec.command),
      ];
      expect(commands.length).toBeGreaterThanOrEqual(3);
      for (const c of commands) expect(c.join(" ")).not.toMatch(/ -a |--pass|requirepass/);
    }
  });

  test("no password in any ConfigMap, nor anywhere outside a secret, in any registered input", async () => {
    const { result, registrations: r } = await build();
    const password = (await secretness(result.password)).value;
    const secrets = new Set<string>();
    for (const res of r.resources) secretValues(res.inputs, false, secrets);
    expect(secrets).toContain(password);
    const leaks = (res: PlanResource): string[] => {
      const visible = JSON.stringify(redact(res.inputs));
      return [...secrets]
        .filter((s) => visible.includes(s))
        .map((s) => `${res.type} ${res.name} shows ${s.slice(0, 4)}...`);
    };
    expect(r.resources.flatMap(leaks)).toEqual([]);
    for (const cm of r.ofType(CM)) expect(JSON.stringify(cm.inputs)).not.toContain(password);
    expect(r.ofType("kubernetes:core/v1:Secret")).toHaveLength(1);
  });

  test("children are named <name>-<role> and parented to the component", async () => {
    const { registrations: r } = await build();
    const component = r.get("ferrum:index:RedisHA", "redis");
    const children = r.resources
      .filter((x) => x.parent === component.urn)
      .map((x) => `${x.type} ${x.name}`)
      .sort();
    expect(children).toEqual(
      [
        `${CM} redis-sentinel-config`,
        `${CM} redis-server-config`,
        `${PDB} redis-sentinel-pdb`,
        `${PDB} redis-server-pdb`,
        `${STS} redis-sentinel`,
        `${STS} redis-server`,
        `kubernetes:core/v1:Secret redis-credentials`,
        `${SVC} redis-sentinel-headless`,
        `${SVC} redis-server-headless`,
        "random:index/randomPassword:RandomPassword redis-password",
      ].sort(),
    );
  });

  test("protect marks the Redis StatefulSet protected and retained, and only when asked", async () => {
    const { registrations: protectedRun } = await build({ protect: true });
    expect(protectedRun.get(STS, "redis-server").options).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
    expect(protectedRun.get(STS, "redis-sentinel").options.protect).toBeUndefined();
    const { registrations: plain } = await build({ protect: false });
    expect(plain.get(STS, "redis-server").options.protect).toBeUndefined();
  });
});

describe("RedisHA connections", () => {
  test("every field of a service's connection that carries the password is secret; the others are plain", async () => {
    const { result } = await build();
    const c = result.forService("auth");
    for (const field of [
      "url",
      "celeryBrokerUrl",
      "celeryResultBackend",
      "celeryTransportOptions",
      "eventsUrl",
    ] as const) {
      expect({ field, secret: (await secretness(c[field])).secret }).toEqual({ field, secret: true });
    }
    expect((await secretness(result.password)).secret).toBe(true);
    expect(c.sentinels).toBe(SENTINEL_HOSTS.map((h) => `${h}:26379`).join(","));
    expect(c.sentinelMaster).toBe("ferrum");
    expect(c.keyPrefix).toBe("auth:");
  });

  test("a service's env values: its cache DB through the master name, its Celery DB through every Sentinel", async () => {
    const { result } = await build();
    const pw = (await secretness(result.password)).value;
    const c = result.forService("content");
    const sentinelUrls = (db: number): string =>
      SENTINEL_HOSTS.map((h) => `sentinel://:${pw}@${h}:26379/${db}`).join(";");
    expect((await secretness(c.url)).value).toBe(`redis://:${pw}@ferrum/5`);
    expect((await secretness(c.celeryBrokerUrl)).value).toBe(sentinelUrls(6));
    expect((await secretness(c.celeryResultBackend)).value).toBe(sentinelUrls(6));
    expect(JSON.parse((await secretness(c.celeryTransportOptions)).value)).toEqual({
      master_name: "ferrum",
      sentinel_kwargs: { password: pw },
    });
    expect((await secretness(c.eventsUrl)).value).toBe(`redis://:${pw}@ferrum/0`);
  });

  test("each service has its own cache DB and Celery DB; every service shares events DB 0", async () => {
    const { result } = await build();
    const dbOf = async (o: pulumi.Output<string>): Promise<number> =>
      Number(/\/(\d+)$/.exec((await secretness<string>(o)).value)![1]);
    const used: number[] = [];
    for (const s of SERVICES) {
      const c = result.forService(s);
      used.push(await dbOf(c.url), await dbOf(c.celeryBrokerUrl));
      expect(await dbOf(c.celeryResultBackend)).toBe(await dbOf(c.celeryBrokerUrl));
      expect(await dbOf(c.eventsUrl)).toBe(0);
    }
    expect(new Set(used).size).toBe(2 * SERVICES.length);
    expect(used).not.toContain(0);
    expect(result.databases).toEqual({
      auth: { cache: 1, celery: 2 },
      user: { cache: 3, celery: 4 },
      content: { cache: 5, celery: 6 },
      catalog: { cache: 7, celery: 8 },
    });
  });

  test("adding a service, anywhere in the list, never moves another service's DBs", async () => {
    const { result } = await build(
      {},
      { services: ["billing", ...SERVICES], databaseSlots: { ...DEFAULT_DATABASE_SLOTS, billing: 5 } },
    );
    expect(result.databases).toMatchObject({
      auth: { cache: 1, celery: 2 },
      catalog: { cache: 7, celery: 8 },
      billing: { cache: 9, celery: 10 },
    });
  });

  test("asking for a service it was not given names the ones it has", async () => {
    const { result } = await build({}, { services: ["auth", "user"] });
    expect(() => result.forService("catalog")).toThrow(
      "RedisHA has no databases for catalog; it has auth, user",
    );
  });
});

describe("RedisHA argument validation", () => {
  const header = "RedisHA redis: invalid arguments:\n";
  test.each<[string, Partial<InClusterRedis>, Partial<RedisHAArgs>, string[]]>([
    [
      "2 sentinels",
      { sentinels: 2, quorum: 2 },
      {},
      [
        "backend.sentinels must be an integer of at least 3 for high availability, so a majority survives the loss of one (got 2)",
      ],
    ],
    [
      "a quorum above the sentinels",
      { quorum: 4 },
      {},
      ["backend.quorum must be an integer between 1 and backend.sentinels (3) (got 4)"],
    ],
    [
      "a zero quorum",
      { quorum: 0 },
      {},
      ["backend.quorum must be an integer between 1 and backend.sentinels (3) (got 0)"],
    ],
    [
      "one Redis pod",
      { replicas: 1 },
      {},
      ["backend.replicas must be an integer of at least 2, a master and a replica to promote (got 1)"],
    ],
    [
      "too little maxmemory",
      { maxmemoryMiB: 16 },
      {},
      ["backend.maxmemoryMiB must be an integer of at least 32 (got 16)"],
    ],
    [
      "a volume smaller than twice maxmemory",
      { maxmemoryMiB: 2048, storageGiB: 3 },
      {},
      [
        "backend.storageGiB must be an integer of at least 4, twice backend.maxmemoryMiB, to hold the append-only file and its rewrite (got 3)",
      ],
    ],
    [
      "an empty image",
      { image: " " },
      {},
      ['backend.image must name a Redis 7 image, for example DEFAULT_REDIS_IMAGE (got " ")'],
    ],
    [
      "DBs beyond databases",
      { databases: 8 },
      {},
      ["service catalog (slot 4) needs DB 8 but backend.databases is 8; set backend.databases to at least 9"],
    ],
    [
      "a service without a slot",
      {},
      { services: [...SERVICES, "billing"] },
      ["service billing has no database slot; add billing: 5 to databaseSlots (never reuse a number)"],
    ],
    [
      "two services on one slot",
      {},
      { databaseSlots: { ...DEFAULT_DATABASE_SLOTS, user: 1 } },
      ["databaseSlots.user repeats slot 1 of auth; every service needs its own slot"],
    ],
    ["a repeated service", {}, { services: ["auth", "auth"] }, ['services must be unique ("auth" repeated)']],
    [
      "a bad namespace",
      {},
      { namespace: "Ferrum" },
      ['namespace must be a lowercase DNS label (got "Ferrum")'],
    ],
    [
      "several problems at once",
      { sentinels: 1, quorum: 2, replicas: 0 },
      { namespace: "" },
      [
        'namespace must be a lowercase DNS label (got "")',
        "backend.replicas must be an integer of at least 2, a master and a replica to promote (got 0)",
        "backend.sentinels must be an integer of at least 3 for high availability, so a majority survives the loss of one (got 1)",
        "backend.quorum must be an integer between 1 and backend.sentinels (1) (got 2)",
      ],
    ],
  ])(
    "%s is refused with every problem named, and nothing is registered",
    async (_case, overrides, rest, problems) => {
      const { error, registered } = await refusal(() => new RedisHA("redis", args(overrides, rest)));
      expect(error?.message).toBe(header + problems.map((p) => `  - ${p}`).join("\n"));
      expect(registered).toEqual([]);
    },
  );

  test("a name that cannot make DNS labels is refused", () => {
    expect(() => new RedisHA("Redis_HA", args())).toThrow(
      'the name must be a lowercase DNS label of at most 40 characters (got "Redis_HA")',
    );
  });
});

describe("RedisHA pure pieces", () => {
  const target: SentinelTarget = {
    kind: "sentinel",
    masterName: "ferrum",
    sentinels: [
      { host: "s0", port: 26379 },
      { host: "s1", port: 26380 },
    ],
    password: "p@ss/w:rd %",
  };

  test("URLs percent-encode the password; the transport options JSON carries it verbatim", () => {
    expect(sentinelRedisUrl(target, 3)).toBe("redis://:p%40ss%2Fw%3Ard%20%25@ferrum/3");
    expect(celerySentinelUrl(target, 4)).toBe(
      "sentinel://:p%40ss%2Fw%3Ard%20%25@s0:26379/4;sentinel://:p%40ss%2Fw%3Ard%20%25@s1:26380/4",
    );
    expect(JSON.parse(celerySentinelTransportOptions(target))).toEqual({
      master_name: "ferrum",
      sentinel_kwargs: { password: "p@ss/w:rd %" },
    });
  });

  test("slot n owns cache DB 2n-1 and Celery DB 2n", () => {
    expect([1, 2, 7].map(serviceDatabases)).toEqual([
      { cache: 1, celery: 2 },
      { cache: 3, celery: 4 },
      { cache: 13, celery: 14 },
    ]);
    expect(slotProblems(SERVICES, DEFAULT_DATABASE_SLOTS, 16)).toEqual([]);
    expect(slotProblems(["auth"], { auth: 1.5 }, 16)).toEqual([
      "databaseSlots.auth must be a positive integer (got 1.5)",
    ]);
  });
});
