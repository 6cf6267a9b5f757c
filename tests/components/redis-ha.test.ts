import type * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_REDIS_IMAGE,
  RedisHA,
  type InClusterRedis,
  type RedisHAArgs,
} from "../../components/redis-ha";
import {
  aclRules,
  cacheServiceRules,
  dataServiceRules,
  INTERNAL_USERS,
  renderAclRules,
} from "../../components/redis-ha/acl";
import { renderRedisConf, renderSentinelConf } from "../../components/redis-ha/config-files";
import { aclHash, passwordSlots } from "../../components/redis-ha/credentials";
import { DEFAULT_DATABASE_SLOTS, serviceDatabases, slotProblems } from "../../components/redis-ha/databases";
import {
  renderRedisInitScript,
  renderSentinelInitScript,
  renderUsersJobScript,
} from "../../components/redis-ha/scripts";
import { redisMemoryLimitMiB, redisMemoryRequestMiB } from "../../components/redis-ha/sizing";
import {
  celerySentinelTransportOptions,
  celerySentinelUrl,
  sentinelRedisUrl,
  type SentinelTarget,
} from "../../components/redis-ha/urls";
import { topology } from "../../components/redis-ha/naming";
import { redact, secretness, secretValues, underMocks, type PlanResource } from "../helpers/pulumi";
import { expectArgumentsRefused } from "../helpers/refusals";

const SERVICES = ["auth", "user", "content", "catalog"];
const STS = "kubernetes:apps/v1:StatefulSet";
const SECRET = "kubernetes:core/v1:Secret";
const JOB = "kubernetes:batch/v1:Job";
const RANDOM = "random:index/randomPassword:RandomPassword";
const TOPOLOGY = () => topology("redis", "ferrum", { replicas: 3, cacheReplicas: 2, sentinels: 3 });
const USERS = [...Object.values(INTERNAL_USERS), ...SERVICES.map((s) => `ferrum-${s}`)];
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
  test("3 data pods, 2 cache pods and 3 Sentinel pods, each a Parallel StatefulSet governed by its headless Service", async () => {
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
    const cache = r.inputs(STS, "redis-cache") as Json;
    expect(cache.metadata).toMatchObject({ name: "redis-cache", namespace: "ferrum" });
    expect(cache.spec).toMatchObject({
      replicas: 2,
      podManagementPolicy: "Parallel",
      serviceName: "redis-cache-headless",
    });
    expect(r.ofType(STS)).toHaveLength(3);
  });

  test("the headless Services publish not-ready addresses and select their StatefulSet's pods; there is no other Service", async () => {
    const { registrations: r } = await build();
    const cases = [
      ["redis-server-headless", "redis-headless", "redis-server", 6379],
      ["redis-cache-headless", "redis-cache-headless", "redis-cache", 6379],
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
    expect(r.ofType(SVC)).toHaveLength(3);
    // The two Redis groups select disjoint pods.
    const selector = (name: string) => (r.inputs(STS, name) as Json).spec.selector.matchLabels;
    expect(selector("redis-cache")).not.toEqual(selector("redis-server"));
  });

  test("the data group's redis.conf: noeviction, AOF everysec, min-replicas-to-write 1; the cache group's: allkeys-lru, nothing persisted", async () => {
    const { registrations: r } = await build();
    const data = (r.inputs(CM, "redis-server-config") as Json).data["redis.conf"] as string;
    const cache = (r.inputs(CM, "redis-cache-config") as Json).data["redis.conf"] as string;
    expect(data).toBe(
      renderRedisConf({ kind: "data", port: 6379, maxmemoryMiB: 256, databases: 16, minReplicasToWrite: 1 }),
    );
    expect(cache).toBe(
      renderRedisConf({ kind: "cache", port: 6379, maxmemoryMiB: 64, databases: 16, minReplicasToWrite: 0 }),
    );
    const lines = (conf: string): string[] => conf.split("\n");
    for (const line of [
      "maxmemory 256mb",
      "maxmemory-policy noeviction",
      "appendonly yes",
      "appendfsync everysec",
      "databases 16",
      "min-replicas-to-write 1",
      "masteruser redis-replication",
      "user default off resetpass resetkeys resetchannels -@all",
    ])
      expect(lines(data)).toContain(line);
    for (const line of [
      "maxmemory 64mb",
      "maxmemory-policy allkeys-lru",
      "appendonly no",
      'save ""',
      "min-replicas-to-write 0",
      "user default off resetpass resetkeys resetchannels -@all",
    ])
      expect(lines(cache)).toContain(line);
    expect(lines(cache)).not.toContain("appendonly yes");
  });

  test("sentinel.conf monitors both groups from their pod 0, logs in as redis-sentinel, and the init scripts are the rendered ones", async () => {
    const { registrations: r } = await build();
    const sentinelConf = (r.inputs(CM, "redis-sentinel-config") as Json).data["sentinel.conf"] as string;
    const t = TOPOLOGY();
    expect(sentinelConf).toBe(
      renderSentinelConf({
        port: 26379,
        groups: [
          { masterName: "ferrum", master: t.redis[0]!, quorum: 2 },
          { masterName: "ferrum-cache", master: t.cache.redis[0]!, quorum: 2 },
        ],
      }),
    );
    expect(sentinelConf).toContain(
      "\nsentinel monitor ferrum redis-0.redis-headless.ferrum.svc.cluster.local 6379 2\n",
    );
    expect(sentinelConf).toContain(
      "\nsentinel monitor ferrum-cache redis-cache-0.redis-cache-headless.ferrum.svc.cluster.local 6379 2\n",
    );
    for (const group of ["ferrum", "ferrum-cache"])
      expect(sentinelConf).toContain(`\nsentinel auth-user ${group} redis-sentinel\n`);
    expect(sentinelConf).toContain("\nsentinel sentinel-user redis-sentinel\n");
    expect(sentinelConf).toContain("\nsentinel resolve-hostnames yes\nsentinel announce-hostnames yes\n");
    const data = (name: string) => (r.inputs(CM, name) as Json).data;
    expect(data("redis-server-config")["init.sh"]).toBe(
      renderRedisInitScript({ ...t, sentinels: t.sentinels }),
    );
    expect(data("redis-cache-config")["init.sh"]).toBe(
      renderRedisInitScript({ ...t.cache, sentinels: t.sentinels }),
    );
    expect(data("redis-sentinel-config")["init.sh"]).toBe(
      renderSentinelInitScript({ groups: [t, t.cache], sentinels: t.sentinels }),
    );
  });

  test("each ConfigMap carries the ACL rules of its kind of server, one line per user", async () => {
    const { registrations: r } = await build();
    const acl = {
      services: SERVICES.map((name) => ({
        name,
        dbs: serviceDatabases(DEFAULT_DATABASE_SLOTS[name]!),
        keyPrefix: `${name}:`,
      })),
    };
    for (const [cm, kind] of [
      ["redis-server-config", "data"],
      ["redis-cache-config", "cache"],
      ["redis-sentinel-config", "sentinel"],
    ] as const) {
      const rules = (r.inputs(CM, cm) as Json).data["users.acl"] as string;
      expect(rules).toBe(renderAclRules(aclRules(kind, acl)));
      const users = rules
        .trimEnd()
        .split("\n")
        .map((l) => l.split(" ")[0]);
      expect(users).toEqual(kind === "sentinel" ? USERS.filter((u) => u !== "redis-replication") : USERS);
    }
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

  test("the Redis container's memory limit is 2 × maxmemory + 128 MiB and its request maxmemory + 32 MiB", async () => {
    const { registrations: r } = await build({ maxmemoryMiB: 512, storageGiB: 1 });
    const redis = (r.inputs(STS, "redis-server") as Json).spec.template.spec.containers[0];
    expect(redis.resources.limits.memory).toBe("1152Mi");
    expect(redis.resources.requests.memory).toBe("544Mi");
    expect(redisMemoryLimitMiB(512)).toBe(1152);
    expect(redisMemoryRequestMiB(512)).toBe(544);
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
    for (const name of ["redis-server", "redis-cache", "redis-sentinel"]) {
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
      // The users Secret, read-only for the redis group alone.
      expect(pod.volumes).toContainEqual({
        name: "users",
        secret: { secretName: "redis-users", defaultMode: 0o440 },
      });
      // A Redis pod's config is rendered in memory; a Sentinel's lives on its volume claim.
      if (name !== "redis-sentinel")
        expect(pod.volumes).toContainEqual({
          name: "config",
          emptyDir: { medium: "Memory", sizeLimit: "1Mi" },
        });
      else expect(pod.volumes.map((v: Json) => v.name).sort()).toEqual(["template", "users"]);
    }
  });

  test("the cache pods keep their dataset in an emptyDir, with memory sized from the cache's maxmemory", async () => {
    const { registrations: r } = await build({ cache: { maxmemoryMiB: 128, replicas: 3 } });
    const sts = r.inputs(STS, "redis-cache") as Json;
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    const pod = sts.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: "data", emptyDir: { sizeLimit: "256Mi" } });
    expect(pod.containers[0].resources).toEqual({
      requests: { cpu: "50m", memory: "160Mi" },
      limits: { cpu: "500m", memory: "384Mi" },
    });
    expect((r.inputs(CM, "redis-cache-config") as Json).data["redis.conf"]).toContain("\nmaxmemory 128mb\n");
    expect((r.inputs(CM, "redis-sentinel-config") as Json).data["init.sh"]).toContain(
      "redis-cache-2.redis-cache-headless.ferrum.svc.cluster.local 6379",
    );
  });

  test("each Sentinel keeps its config, and the state Sentinel writes into it, on a 1 GiB volume claim of the data's class", async () => {
    const { registrations: r } = await build({ storageClass: "local-path" });
    const sts = r.inputs(STS, "redis-sentinel") as Json;
    expect(sts.spec.volumeClaimTemplates).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: "state" }),
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "local-path",
          resources: { requests: { storage: "1Gi" } },
        },
      }),
    ]);
    const [init, main] = [sts.spec.template.spec.initContainers[0], sts.spec.template.spec.containers[0]];
    expect(init.volumeMounts).toContainEqual({ name: "state", mountPath: "/etc/sentinel" });
    expect(main.volumeMounts).toContainEqual({ name: "state", mountPath: "/etc/sentinel" });
    expect(init.command).toEqual([
      "sh",
      "/opt/ferrum/init.sh",
      "/opt/ferrum/sentinel.conf",
      "/opt/ferrum/users.acl",
      "/etc/sentinel/sentinel.conf",
    ]);
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

  test("every user's two passwords are generated with letters and digits only, each slot kept by its generation", async () => {
    const { registrations: r } = await build();
    for (const user of USERS)
      for (const [slot, generation] of [
        ["a", "1"],
        ["b", "0"],
      ])
        expect(r.inputs(RANDOM, `redis-user-${user}-${slot}`)).toMatchObject({
          length: 32,
          special: false,
          keepers: { generation },
        });
    expect(r.ofType(RANDOM)).toHaveLength(2 * USERS.length);
  });

  test("the users Secret has a fixed name, a file per user: hashes, and in the clear only what servers send or probe with", async () => {
    const { registrations: r } = await build();
    const secret = r.inputs(SECRET, "redis-users") as Json;
    expect(secret.metadata.name).toBe("redis-users");
    const files = redact(secret.stringData, true) as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual([...USERS].sort());
    const plain = ["redis-replication", "redis-sentinel", "redis-probe"];
    for (const user of USERS) {
      const file = files[user]!;
      expect({ user, lines: file.split("\n").length }).toEqual({ user, lines: 1 });
      if (plain.includes(user)) expect(file).toMatch(/^[A-Za-z0-9]{32}$/);
      else expect(file).toMatch(/^#[0-9a-f]{64}$/);
    }
    const { result } = await build();
    expect(files["redis-admin"]).toBe(aclHash((await secretness(result.password)).value));
  });

  test("passwords reach the pods only through the users Secret, mounted; no env carries one and no command names one", async () => {
    const { registrations: r } = await build();
    for (const name of ["redis-server", "redis-cache", "redis-sentinel"]) {
      const pod = (r.inputs(STS, name) as Json).spec.template.spec;
      const [init, main] = [pod.initContainers[0], pod.containers[0]];
      expect(init.env).toEqual([
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "REDIS_USERS_DIR", value: "/run/ferrum/users" },
      ]);
      expect(main.env).toBeUndefined();
      for (const c of [init, main])
        expect(c.volumeMounts).toContainEqual({
          name: "users",
          mountPath: "/run/ferrum/users",
          readOnly: true,
        });
      const commands = [
        main.command,
        ...["startupProbe", "livenessProbe", "readinessProbe"]
          .filter((p) => main[p])
          .map((p) => main[p].exec.command),
      ];
      expect(commands.length).toBeGreaterThanOrEqual(3);
      for (const c of commands.slice(1)) {
        expect(c.join(" ")).toContain("--user redis-probe");
        expect(c.join(" ")).toContain("$(sed -n 1p '/run/ferrum/users/redis-probe')");
      }
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
    expect(
      r
        .ofType(SECRET)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["redis-users", "redis-users-job"]);
  });

  test("the users Job applies the users to every server: redis-admin in the clear in its own Secret, the rules and its script in its own ConfigMap", async () => {
    const { registrations: r } = await build();
    const job = r.inputs(JOB, "redis-users-bootstrap") as Json;
    const container = job.spec.template.spec.containers[0];
    expect(container.command).toEqual(["sh", "/opt/ferrum/users.sh", "/opt/ferrum"]);
    expect(container.image).toBe(DEFAULT_REDIS_IMAGE);
    expect(container.env).toContainEqual({ name: "REDIS_USERS_DIR", value: "/run/ferrum/users" });
    const config = (r.inputs(CM, "redis-users-job") as Json).data;
    const t = TOPOLOGY();
    expect(config["users.sh"]).toBe(
      renderUsersJobScript(
        [
          ...t.redis.map((endpoint) => ({ kind: "data" as const, endpoint })),
          ...t.cache.redis.map((endpoint) => ({ kind: "cache" as const, endpoint })),
          ...t.sentinels.map((endpoint) => ({ kind: "sentinel" as const, endpoint })),
        ],
        ["ferrum", "ferrum-cache"],
      ),
    );
    for (const kind of ["data", "cache", "sentinel"])
      expect(config[`${kind}.acl`]).toBe(
        (r.inputs(CM, `redis-${kind === "data" ? "server" : kind}-config`) as Json).data["users.acl"],
      );
    const files = redact((r.inputs(SECRET, "redis-users-job") as Json).stringData, true) as Record<
      string,
      string
    >;
    const { result } = await build();
    expect(files["redis-admin"]).toBe((await secretness(result.password)).value);
    const servers = redact((r.inputs(SECRET, "redis-users") as Json).stringData, true) as Record<
      string,
      string
    >;
    for (const user of USERS.filter((u) => u !== "redis-admin")) expect(files[user]).toBe(servers[user]);
    expect(r.get(JOB, "redis-users-bootstrap").parent).toBe(r.get("ferrum:index:RedisHA", "redis").urn);
  });

  test("children are named <name>-<role> and parented to the component", async () => {
    const { registrations: r } = await build({}, { services: ["auth"] });
    const component = r.get("ferrum:index:RedisHA", "redis");
    const children = r.resources
      .filter((x) => x.parent === component.urn)
      .map((x) => `${x.type} ${x.name}`)
      .sort();
    const users = [...Object.values(INTERNAL_USERS), "ferrum-auth"];
    expect(children).toEqual(
      [
        `${CM} redis-cache-config`,
        `${CM} redis-sentinel-config`,
        `${CM} redis-server-config`,
        `${CM} redis-users-job`,
        `${PDB} redis-cache-pdb`,
        `${PDB} redis-sentinel-pdb`,
        `${PDB} redis-server-pdb`,
        `${STS} redis-cache`,
        `${STS} redis-sentinel`,
        `${STS} redis-server`,
        `${SECRET} redis-users`,
        `${SECRET} redis-users-job`,
        `${SVC} redis-cache-headless`,
        `${SVC} redis-sentinel-headless`,
        `${SVC} redis-server-headless`,
        `${JOB} redis-users-bootstrap`,
        ...users.flatMap((u) => [`${RANDOM} redis-user-${u}-a`, `${RANDOM} redis-user-${u}-b`]),
      ].sort(),
    );
  });

  test("protect marks the data and Sentinel StatefulSets (volume claims) protected and retained, and only when asked", async () => {
    const { registrations: protectedRun } = await build({ protect: true });
    for (const sts of ["redis-server", "redis-sentinel"])
      expect(protectedRun.get(STS, sts).options).toMatchObject({ protect: true, retainOnDelete: true });
    expect(protectedRun.get(STS, "redis-cache").options.protect).toBeUndefined();
    const { registrations: plain } = await build({ protect: false });
    expect(plain.get(STS, "redis-server").options.protect).toBeUndefined();
    expect(plain.get(STS, "redis-sentinel").options.protect).toBeUndefined();
  });
});

describe("RedisHA password rotation", () => {
  test("generation 2: slot b is regenerated and current; the servers accept both passwords until acceptPrevious is false", async () => {
    const first = await build();
    const rotated = await build({ rotation: { generation: 2 } });
    const retired = await build({ rotation: { generation: 2, acceptPrevious: false } });
    expect(rotated.registrations.inputs(RANDOM, "redis-user-ferrum-catalog-a")).toMatchObject({
      keepers: { generation: "1" },
    });
    expect(rotated.registrations.inputs(RANDOM, "redis-user-ferrum-catalog-b")).toMatchObject({
      keepers: { generation: "2" },
    });
    const url = async (b: typeof first) =>
      (await secretness(b.result.forService("catalog").celeryBrokerUrl)).value;
    const password = (u: string) =>
      decodeURIComponent(new URL(u.split(";")[0]!.replace("sentinel:", "redis:")).password);
    const [before, after] = [password(await url(first)), password(await url(rotated))];
    expect(after).not.toBe(before);
    const files = (b: typeof first) =>
      redact((b.registrations.inputs(SECRET, "redis-users") as Json).stringData, true) as Record<
        string,
        string
      >;
    expect(files(rotated)["ferrum-catalog"]).toBe(`${aclHash(after)}\n${aclHash(before)}`);
    expect(files(retired)["ferrum-catalog"]).toBe(aclHash(after));
    expect(password(await url(retired))).toBe(after);
    // The servers' own credentials: current first, the previous one after it while it is accepted.
    expect(files(rotated)["redis-replication"]!.split("\n")).toEqual([
      files(retired)["redis-replication"],
      files(first)["redis-replication"],
    ]);
  });

  test("the slots alternate: each generation regenerates one slot and makes it current", () => {
    expect([1, 2, 3, 4, 5].map(passwordSlots)).toEqual([
      { a: 1, b: 0, current: "a" },
      { a: 1, b: 2, current: "b" },
      { a: 3, b: 2, current: "a" },
      { a: 3, b: 4, current: "b" },
      { a: 5, b: 4, current: "a" },
    ]);
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

  test("a service's env values: its own user everywhere, its cache DB through the cache group, its Celery DB through every Sentinel", async () => {
    const { registrations: r, result } = await build();
    const c = result.forService("content");
    const pw = encodeURIComponent(new URL((await secretness(c.url)).value).password);
    // content's password is its own user's current one, and it is no other user's.
    expect(decodeURIComponent(pw)).toHaveLength(32);
    const files = r.inputs(SECRET, "redis-users") as Json;
    expect(files.stringData["ferrum-content"]).toBe(aclHash(decodeURIComponent(pw)));
    const sentinelUrls = (db: number): string =>
      SENTINEL_HOSTS.map((h) => `sentinel://ferrum-content:${pw}@${h}:26379/${db}`).join(";");
    expect((await secretness(c.url)).value).toBe(`redis://ferrum-content:${pw}@ferrum-cache/5`);
    expect((await secretness(c.celeryBrokerUrl)).value).toBe(sentinelUrls(6));
    expect((await secretness(c.celeryResultBackend)).value).toBe(sentinelUrls(6));
    expect(JSON.parse((await secretness(c.celeryTransportOptions)).value)).toEqual({
      master_name: "ferrum",
      sentinel_kwargs: { username: "ferrum-content", password: decodeURIComponent(pw) },
      global_keyprefix: "{content}:",
    });
    expect((await secretness(c.eventsUrl)).value).toBe(`redis://ferrum-content:${pw}@ferrum/0`);
    expect(c.sentinelMaster).toBe("ferrum");
    expect(result.cacheMasterName).toBe("ferrum-cache");
    expect(result.adminUsername).toBe("redis-admin");
    expect(result.exporter.username).toBe("redis-exporter");
    expect(result.cacheHosts).toEqual(
      [0, 1].map((i) => `redis-cache-${i}.redis-cache-headless.ferrum.svc.cluster.local`),
    );
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
      "a cache too small, without pods",
      { cache: { maxmemoryMiB: 8, replicas: 0 } },
      {},
      [
        "backend.cache.maxmemoryMiB must be an integer of at least 32 (got 8)",
        "backend.cache.replicas must be an integer of at least 1 (got 0)",
      ],
    ],
    [
      "a rotation generation of 0",
      { rotation: { generation: 0 } },
      {},
      [
        "backend.rotation.generation must be an integer of at least 1; raise it by one to rotate every password (got 0)",
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
    (_case, overrides, rest, problems) =>
      expectArgumentsRefused(() => new RedisHA("redis", args(overrides, rest)), "RedisHA redis", problems),
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
    cacheMasterName: "ferrum-cache",
    sentinels: [
      { host: "s0", port: 26379 },
      { host: "s1", port: 26380 },
    ],
    username: "ferrum-a b",
    password: "p@ss/w:rd %",
  };

  test("URLs percent-encode the user and password; the transport options JSON carries them verbatim", () => {
    expect(sentinelRedisUrl(target, "ferrum-cache", 3)).toBe(
      "redis://ferrum-a%20b:p%40ss%2Fw%3Ard%20%25@ferrum-cache/3",
    );
    expect(celerySentinelUrl(target, 4)).toBe(
      "sentinel://ferrum-a%20b:p%40ss%2Fw%3Ard%20%25@s0:26379/4;sentinel://ferrum-a%20b:p%40ss%2Fw%3Ard%20%25@s1:26380/4",
    );
    expect(JSON.parse(celerySentinelTransportOptions(target, "catalog"))).toEqual({
      master_name: "ferrum",
      sentinel_kwargs: { username: "ferrum-a b", password: "p@ss/w:rd %" },
      global_keyprefix: "{catalog}:",
    });
  });

  test("a service's data rules: its Celery DB and DB 0 only, its prefix, its own stream; every command past a DB denied", () => {
    const rules = dataServiceRules("catalog", serviceDatabases(4));
    expect(rules).toBe(
      [
        "resetkeys ~{catalog}:* ~celery-task-meta-* ~celery-taskset-meta-* ~events:catalog %R~unacked",
        "resetchannels &{catalog}:* &{catalog}:/{db}.celery.pidbox &{catalog}:/{db}.celeryev/* &{catalog}:/{db}.celeryev/worker.*",
        "-@all +@all -@admin -@dangerous -move -copy -select -pubsub -script|flush -script|kill -function -fcall -fcall_ro",
        "+select|8 +select|0",
        "(~events:* +xreadgroup +xread +xack +xgroup|create +xgroup|createconsumer +xpending +xclaim +xautoclaim +xinfo +xrange +xrevrange +xlen)",
        "(&celery-task-meta-* &celery-taskset-meta-* +subscribe +publish)",
      ].join(" "),
    );
    expect(cacheServiceRules("catalog:", serviceDatabases(4))).toBe(
      "resetkeys ~catalog:* resetchannels -@all +@all -@admin -@dangerous -move -copy -select -pubsub -script|flush -script|kill -function -fcall -fcall_ro +flushdb +keys +select|7",
    );
  });

  test("the internal users: the default user off everywhere, replication only on the Redis servers", () => {
    const acl = { services: [{ name: "auth", dbs: serviceDatabases(1), keyPrefix: "auth:" }] };
    const byUser = (kind: "data" | "cache" | "sentinel") =>
      Object.fromEntries(aclRules(kind, acl).map((r) => [r.user, r.rules]));
    expect(byUser("data")["redis-replication"]).toBe("-@all +psync +replconf +ping");
    expect(byUser("sentinel")["redis-replication"]).toBeUndefined();
    expect(byUser("data")["redis-exporter"]).not.toContain("config");
    expect(byUser("sentinel")["ferrum-auth"]).toBe(
      "-@all +ping +sentinel|masters +sentinel|master +sentinel|get-master-addr-by-name +sentinel|sentinels +sentinel|slaves +sentinel|replicas",
    );
    expect(renderAclRules(aclRules("cache", acl))).toMatch(/^redis-admin ~\* &\* \+@all\n/);
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
