/**
 * Proof on real servers (Debian's redis-server and redis-sentinel, no mocks) that the files RedisHA renders
 * make a working Sentinel-managed Redis: replication, ACL users everywhere (replicas, Sentinels and probes each
 * as their own), failover on a SIGKILLed master without losing an acknowledged write, and an old master that
 * rejoins as a replica.
 *
 * The files are the component's own: renderRedisConf, renderSentinelConf, the ACL rules and the two init
 * scripts, called with the parameters the component uses, for the data group. The only differences, checked by
 * the first test, are
 * - addresses: every host is 127.0.0.1 (pod DNS names do not resolve here), every port a free one, and the
 *   servers bind 127.0.0.1 instead of every interface;
 * - timings: down-after-milliseconds and failover-timeout are shorter, and so is the wait of a Sentinel without
 *   state for the others (nobody answers on a first start), so the file runs in seconds.
 * The init scripts run as the init containers would (`sh init.sh TEMPLATE RULES CONFIG` with POD_NAME and
 * REDIS_USERS_DIR, a password file per user, in the env), so the users are set up exactly as in the cluster.
 *
 * The tests run in order against one set of servers and follow a failover's life.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { aclRules, INTERNAL_USERS, renderAclRules, serviceUser } from "../../components/redis-ha/acl";
import { renderRedisConf, renderSentinelConf } from "../../components/redis-ha/config-files";
import { serviceDatabases } from "../../components/redis-ha/databases";
import { MASTER_NAME, REDIS_PORT, SENTINEL_PORT, topology } from "../../components/redis-ha/naming";
import {
  probeCommands,
  renderRedisInitScript,
  renderSentinelInitScript,
  usersFromEnvScript,
  type InitWaits,
  type RedisScriptTopology,
} from "../../components/redis-ha/scripts";
import {
  command,
  freePorts,
  LOOPBACK,
  pipeline,
  ProcessGroup,
  RespError,
  runProbe,
  runShell,
  waitFor,
  type RespValue,
  type ServerProcess,
} from "../helpers/redis-servers";
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/components/redis-ha.real.test.ts", [TOOLS.redisServer, TOOLS.redisSentinel]);

/** Like the component's RandomPasswords (32 characters, special: false): letters and digits. */
const generated = (): string =>
  randomBytes(48)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 32);
/** Every user's password, as the users Secret holds them (one file per user). */
const SERVICE = "catalog";
const PASSWORDS: Record<string, string> = Object.fromEntries(
  [...Object.values(INTERNAL_USERS), serviceUser(SERVICE)].map((u) => [u, generated()]),
);
const ADMIN = { user: INTERNAL_USERS.admin, password: PASSWORDS[INTERNAL_USERS.admin]! };
/** The data group's ACL rules and the Sentinels', for the one service. */
const acl = { services: [{ name: SERVICE, dbs: serviceDatabases(4), keyPrefix: `${SERVICE}:` }] };
const RULES = {
  redis: renderAclRules(aclRules("data", acl)),
  sentinel: renderAclRules(aclRules("sentinel", acl)),
};
const MAXMEMORY_MIB = 64;
const DATABASES = 16;
const QUORUM = 2;
/**
 * The test's Sentinel timings (the cluster's: 10 s and 60 s): short, yet long enough that a master busy syncing a
 * replica on a loaded machine is not taken for dead.
 */
const TIMINGS = { downAfterMilliseconds: 2_000, failoverTimeoutMilliseconds: 6_000 };
/** The test's waits of the init scripts (the cluster's: 60 s for a Redis pod, 10 s for a Sentinel without state). */
const WAITS: InitWaits = { sentinelWaitSeconds: 10, peerWaitSeconds: 1 };

const group = new ProcessGroup();
let workDir: string;
let redisPorts: number[];
let sentinelPorts: number[];
let loopback: RedisScriptTopology;
const redis: ServerProcess[] = [];
const sentinels: ServerProcess[] = [];

// ---------------------------------------------------------------------------------------------------------
// The component's files, for the cluster and for loopback

/** The parameters the component renders the data group's redis.conf with (in-cluster.ts), on `port`, binding `bind`. */
const redisConf = (port: number, bind?: string): string =>
  renderRedisConf({
    kind: "data",
    port,
    maxmemoryMiB: MAXMEMORY_MIB,
    databases: DATABASES,
    minReplicasToWrite: 1,
    ...(bind ? { bind } : {}),
  });

/** The cluster's data group with every host replaced by 127.0.0.1 and every port by a free one. */
const clusterTopology = () => topology("redis", "ferrum", { replicas: 3, cacheReplicas: 2, sentinels: 3 });
function loopbackTopology(): RedisScriptTopology {
  const cluster = clusterTopology();
  return {
    masterName: cluster.masterName,
    redis: cluster.redis.map((_, i) => ({ host: LOOPBACK, port: redisPorts[i]! })),
    sentinels: cluster.sentinels.map((_, i) => ({ host: LOOPBACK, port: sentinelPorts[i]! })),
  };
}

const sentinelConf = (port: number): string =>
  renderSentinelConf({
    port,
    bind: LOOPBACK,
    groups: [{ masterName: loopback.masterName, master: loopback.redis[0]!, quorum: QUORUM }],
    ...TIMINGS,
  });

const sentinelScript = (t: RedisScriptTopology, waits: InitWaits = WAITS): string =>
  renderSentinelInitScript({ groups: [t], sentinels: t.sentinels }, waits);

// ---------------------------------------------------------------------------------------------------------
// Running pods

const podDir = (pod: string): string => path.join(workDir, pod);

/** The users Secret as every pod mounts it: a file per user holding its password. */
const usersDir = (): string => path.join(workDir, "users");

/**
 * Runs the init script of a pod as its init container would (`sh init.sh TEMPLATE RULES CONFIG`, POD_NAME and
 * REDIS_USERS_DIR in the env) and returns the config path it wrote. In the cluster every pod of a role mounts
 * the same template; here each pod's template carries its own port, so it is written next to the pod.
 */
async function runInit(kind: "redis" | "sentinel", ordinal: number, users = usersDir()): Promise<string> {
  const pod = kind === "redis" ? `redis-${ordinal}` : `redis-sentinel-${ordinal}`;
  const dir = podDir(pod);
  const file = kind === "redis" ? "redis.conf" : "sentinel.conf";
  const template = path.join(dir, "template", file);
  writeFileSync(
    template,
    kind === "redis" ? redisConf(redisPorts[ordinal]!, LOOPBACK) : sentinelConf(sentinelPorts[ordinal]!),
  );
  const rules = path.join(dir, "template", "users.acl");
  writeFileSync(rules, RULES[kind]);
  const config = path.join(dir, "config", file);
  const env = { POD_NAME: pod, REDIS_USERS_DIR: users };
  const result = await runShell(
    path.join(workDir, `${kind}-init.sh`),
    [template, rules, config],
    env,
    60_000,
  );
  if (result.code !== 0)
    throw new Error(`${kind} init for ${pod} exited ${result.code}:\n${result.stdout}${result.stderr}`);
  return config;
}

async function startRedis(ordinal: number): Promise<ServerProcess> {
  const config = await runInit("redis", ordinal);
  const server = await group.start(
    `redis-${ordinal}`,
    "redis-server",
    config,
    redisPorts[ordinal]!,
    podDir(`redis-${ordinal}`),
  );
  redis[ordinal] = server;
  return server;
}

async function startSentinel(ordinal: number): Promise<ServerProcess> {
  const config = await runInit("sentinel", ordinal);
  const server = await group.start(
    `sentinel-${ordinal}`,
    "redis-sentinel",
    config,
    sentinelPorts[ordinal]!,
    podDir(`redis-sentinel-${ordinal}`),
  );
  sentinels[ordinal] = server;
  return server;
}

/** `INFO <section>` as the admin user, as a map of its `key:value` lines. */
async function infoOf(port: number, section: string): Promise<Record<string, string>> {
  const reply = await call(port, "INFO", section);
  if (typeof reply !== "string")
    throw new Error(`INFO ${section} on port ${port} answered ${JSON.stringify(reply)}`);
  const entries = reply.split("\r\n").filter((l) => l.includes(":") && !l.startsWith("#"));
  return Object.fromEntries(entries.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
}

/** One command as the admin user. */
async function call(port: number, ...args: string[]): Promise<RespValue> {
  const [auth, reply] = await pipeline(port, [["AUTH", ADMIN.user, ADMIN.password], args]);
  return auth instanceof RespError ? auth : reply!;
}

/** The master `sentinel` names, as "host:port". */
async function masterSeenBy(sentinel: ServerProcess): Promise<string | undefined> {
  const reply = await call(sentinel.port, "SENTINEL", "get-master-addr-by-name", MASTER_NAME);
  return Array.isArray(reply) && reply.length === 2 ? `${String(reply[0])}:${String(reply[1])}` : undefined;
}

/** Polls until every running Sentinel names the same master; resolves with its port. */
function agreedMasterPort(timeoutMs: number, except?: number): Promise<number> {
  return waitFor(
    `every Sentinel to name one master${except ? ` other than port ${except}` : ""}`,
    async () => {
      const seen = await Promise.all(sentinels.filter((s) => s.running).map(masterSeenBy));
      const first = seen[0];
      if (!first || seen.some((m) => m !== first)) return undefined;
      const port = Number(first.split(":")[1]);
      return port !== except && first.startsWith(`${LOOPBACK}:`) ? port : undefined;
    },
    timeoutMs,
  );
}

/** SET through the master, retried while it has no connected replica yet (min-replicas-to-write 1). */
function setOnMaster(port: number, key: string, value: string): Promise<true> {
  return waitFor(
    `SET ${key} on port ${port}`,
    async () => {
      const reply = await call(port, "SET", key, value);
      if (reply === "OK") return true;
      if (reply instanceof RespError && reply.code === "NOREPLICAS") return undefined;
      throw new Error(`SET answered ${JSON.stringify(reply)}`);
    },
    10_000,
  );
}

function logsOfAll(): string {
  return [...redis, ...sentinels]
    .filter(Boolean)
    .map((s) => `--- ${s.name} ---\n${s.log()}`)
    .join("\n");
}

/** `promise`, or its error with every server's log appended (a timeout alone rarely says why). */
async function withServerLogs<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logsOfAll()}`);
  }
}

// ---------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-redis-"));
  [redisPorts, sentinelPorts] = [await freePorts(3), await freePorts(3)];
  while (sentinelPorts.some((p) => redisPorts.includes(p))) sentinelPorts = await freePorts(3);
  loopback = loopbackTopology();

  writeFileSync(path.join(workDir, "redis-init.sh"), renderRedisInitScript(loopback, WAITS));
  writeFileSync(path.join(workDir, "sentinel-init.sh"), sentinelScript(loopback));
  mkdirSync(usersDir());
  for (const [user, password] of Object.entries(PASSWORDS))
    writeFileSync(path.join(usersDir(), user), password);
  for (let i = 0; i < 3; i++) {
    for (const pod of [`redis-${i}`, `redis-sentinel-${i}`]) {
      mkdirSync(path.join(podDir(pod), "template"), { recursive: true });
      mkdirSync(path.join(podDir(pod), "config"), { recursive: true });
    }
  }
  try {
    // Every pod at once, as `podManagementPolicy: Parallel` starts them.
    await Promise.all([0, 1, 2].flatMap((i) => [startRedis(i), startSentinel(i)]));
  } catch (err) {
    await group.stopAll();
    throw err;
  }
}, 60_000);

afterAll(async () => {
  await group.stopAll();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("RedisHA's rendered files on real redis-server and redis-sentinel processes", () => {
  test("the files under test differ from the cluster's only in addresses and timings", () => {
    const cluster = clusterTopology();
    const differing = (a: string, b: string): string[] =>
      a.split("\n").filter((line, i) => line !== b.split("\n")[i]);

    expect(differing(redisConf(REDIS_PORT), redisConf(redisPorts[0]!, LOOPBACK))).toEqual([
      `port ${REDIS_PORT}`,
      "bind * -::*",
    ]);
    const clusterSentinel = renderSentinelConf({
      port: SENTINEL_PORT,
      groups: [{ masterName: MASTER_NAME, master: cluster.redis[0]!, quorum: QUORUM }],
    });
    expect(differing(clusterSentinel, sentinelConf(sentinelPorts[0]!))).toEqual([
      `port ${SENTINEL_PORT}`,
      "bind * -::*",
      `sentinel monitor ${MASTER_NAME} ${cluster.redis[0]!.host} ${REDIS_PORT} ${QUORUM}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 10000`,
      `sentinel failover-timeout ${MASTER_NAME} 60000`,
    ]);
    // The init scripts: with every host and port replaced by a placeholder, the cluster's and the test's are one
    // text; and the cluster's own differ from those only in the waits.
    const hosts = /'?(?:[a-z0-9-]+\.)+svc\.cluster\.local'?|'?127\.0\.0\.1'?/g;
    const ports = new RegExp(
      `\\b(?:${[REDIS_PORT, SENTINEL_PORT, ...redisPorts, ...sentinelPorts].join("|")})\\b`,
      "g",
    );
    const placeholders = (script: string): string => script.replace(hosts, "<host>").replace(ports, "<port>");
    const clusterGroup = { ...cluster, sentinels: cluster.sentinels };
    expect(placeholders(renderRedisInitScript(loopback, WAITS))).toBe(
      placeholders(renderRedisInitScript(clusterGroup, WAITS)),
    );
    expect(placeholders(sentinelScript(loopback))).toBe(placeholders(sentinelScript(clusterGroup)));
    expect(renderRedisInitScript(loopback, WAITS)).not.toBe(renderRedisInitScript(clusterGroup, WAITS));
    const waitsOnly = (a: string, b: string): string[] =>
      differing(a, b).filter((line) => !/ 10 s|\+ 10\)\)|60 s|\+ 60\)\)| 1 s|\+ 1\)\)/.test(line));
    expect(
      waitsOnly(renderRedisInitScript(clusterGroup), renderRedisInitScript(clusterGroup, WAITS)),
    ).toEqual([]);
    expect(waitsOnly(sentinelScript(clusterGroup, {}), sentinelScript(clusterGroup))).toEqual([]);
  });

  test("the templates hold no password; the init scripts write hashes, and only what a server sends in the clear", () => {
    const templates = ["redis-init.sh", "sentinel-init.sh"].map((f) => path.join(workDir, f));
    templates.push(
      path.join(podDir("redis-1"), "template", "redis.conf"),
      path.join(podDir("redis-1"), "template", "users.acl"),
      path.join(podDir("redis-sentinel-1"), "template", "sentinel.conf"),
      path.join(podDir("redis-sentinel-1"), "template", "users.acl"),
    );
    for (const file of templates)
      for (const password of Object.values(PASSWORDS))
        expect(readFileSync(file, "utf8")).not.toContain(password);
    const sha = (pw: string): string => createHash("sha256").update(pw).digest("hex");
    const redisConfig = readFileSync(path.join(podDir("redis-1"), "config", "redis.conf"), "utf8");
    for (const [user, password] of Object.entries(PASSWORDS))
      expect(redisConfig).toMatch(new RegExp(`^user ${user} on #${sha(password)} `, "m"));
    const replication = PASSWORDS[INTERNAL_USERS.replication]!;
    expect(redisConfig).toContain(`\nmasterauth "${replication}"\n`);
    const inTheClear = Object.values(PASSWORDS).filter((pw) => redisConfig.includes(pw));
    expect(inTheClear).toEqual([replication]);
    const sentinelConfig = readFileSync(
      path.join(podDir("redis-sentinel-1"), "config", "sentinel.conf"),
      "utf8",
    );
    // Sentinel has rewritten its file since: the lines stay, the order and quoting are its own.
    const sentinelPassword = PASSWORDS[INTERNAL_USERS.sentinel]!;
    expect(sentinelConfig).toMatch(
      new RegExp(`^sentinel auth-pass ${MASTER_NAME} "?${sentinelPassword}"?$`, "m"),
    );
    expect(sentinelConfig).toMatch(new RegExp(`^sentinel sentinel-pass "?${sentinelPassword}"?$`, "m"));
    expect(sentinelConfig).toMatch(
      new RegExp(`^user ${serviceUser(SERVICE)} on #${sha(PASSWORDS[serviceUser(SERVICE)]!)} `, "m"),
    );
  });

  test("the init scripts refuse a password with anything but letters and digits, which Sentinel would write back unquoted", async () => {
    const bad = path.join(workDir, "bad-users");
    mkdirSync(bad);
    for (const [user, password] of Object.entries(PASSWORDS)) writeFileSync(path.join(bad, user), password);
    writeFileSync(path.join(bad, INTERNAL_USERS.replication), 'p"w d');
    writeFileSync(path.join(bad, INTERNAL_USERS.sentinel), 'p"w d');
    for (const kind of ["redis", "sentinel"] as const) {
      const dir = podDir(kind === "redis" ? "redis-1" : "redis-sentinel-1");
      const result = await runShell(
        path.join(workDir, `${kind}-init.sh`),
        [
          path.join(dir, "template", `${kind}.conf`),
          path.join(dir, "template", "users.acl"),
          path.join(dir, "refused.conf"),
        ],
        { POD_NAME: "pod-1", REDIS_USERS_DIR: bad },
      );
      const user = kind === "redis" ? INTERNAL_USERS.replication : INTERNAL_USERS.sentinel;
      expect(result).toEqual({
        code: 1,
        stdout: "",
        stderr: `${kind}-init: ${bad}/${user} holds a password with other characters than letters and digits\n`,
      });
    }
  });

  test("Docker Compose's users directory, written from the environment, is what the init scripts read", async () => {
    const dir = path.join(workDir, "compose-users");
    const users = Object.keys(PASSWORDS).map((user) => ({
      user,
      env: `PW_${user.replace(/-/g, "_").toUpperCase()}`,
    }));
    const env = Object.fromEntries(users.map((u) => [u.env, PASSWORDS[u.user]!]));
    const script = path.join(workDir, "compose-users.sh");
    writeFileSync(script, `${usersFromEnvScript(dir, users)}\n`);
    expect((await runShell(script, [], env)).code).toBe(0);
    for (const [user, password] of Object.entries(PASSWORDS))
      expect(readFileSync(path.join(dir, user), "utf8")).toBe(`${password}\n`);
    const pod = podDir("redis-2");
    const result = await runShell(
      path.join(workDir, "redis-init.sh"),
      [
        path.join(pod, "template", "redis.conf"),
        path.join(pod, "template", "users.acl"),
        path.join(workDir, "compose.conf"),
      ],
      { POD_NAME: "redis-2", REDIS_USERS_DIR: dir },
    );
    expect(result.code).toBe(0);
    const sha = (pw: string): string => createHash("sha256").update(pw).digest("hex");
    const config = readFileSync(path.join(workDir, "compose.conf"), "utf8");
    for (const [user, password] of Object.entries(PASSWORDS))
      expect(config).toMatch(new RegExp(`^user ${user} on #${sha(password)} `, "m"));
  });

  test("a user without a password stops the init script, naming the user", async () => {
    const missing = path.join(workDir, "missing-users");
    mkdirSync(missing);
    for (const [user, password] of Object.entries(PASSWORDS))
      if (user !== serviceUser(SERVICE)) writeFileSync(path.join(missing, user), password);
    const dir = podDir("redis-1");
    const result = await runShell(
      path.join(workDir, "redis-init.sh"),
      [
        path.join(dir, "template", "redis.conf"),
        path.join(dir, "template", "users.acl"),
        path.join(dir, "refused.conf"),
      ],
      { POD_NAME: "pod-1", REDIS_USERS_DIR: missing },
    );
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `redis-init: no password for ACL user ${serviceUser(SERVICE)} in ${missing}\n`,
    });
  });

  test("on a first start, with nobody to know better, pod 0 starts as the master and pods 1 and 2 as its replicas", async () => {
    const config = (pod: string): string =>
      readFileSync(path.join(podDir(pod), "config", "redis.conf"), "utf8");
    expect(config("redis-0")).not.toMatch(/^replicaof /m);
    expect(config("redis-1")).toContain(`\nreplicaof ${LOOPBACK} ${redisPorts[0]}\n`);
    expect(config("redis-2")).toContain(`\nreplicaof ${LOOPBACK} ${redisPorts[0]}\n`);
    expect(config("redis-2")).toContain(`\nreplica-announce-ip ${LOOPBACK}\n`);
  });

  test("replication comes up: the master has 2 connected replicas, both online", async () => {
    const replication = await withServerLogs(
      waitFor(
        "2 online replicas on pod 0",
        async () => {
          const r = await infoOf(redisPorts[0]!, "replication");
          const online = ["slave0", "slave1"].filter((k) => r[k]?.includes("state=online"));
          return online.length === 2 ? r : undefined;
        },
        10_000,
      ),
    );
    expect(replication).toMatchObject({ role: "master", connected_slaves: "2" });
    const replicaPorts = [replication.slave0!, replication.slave1!]
      .map((s) => Number(/port=(\d+)/.exec(s)![1]))
      .sort();
    expect(replicaPorts).toEqual([redisPorts[1]!, redisPorts[2]!].sort());
  });

  test("Redis and Sentinel refuse every command without a user, and a user with the wrong password", async () => {
    for (const port of [redisPorts[0]!, redisPorts[1]!, sentinelPorts[0]!]) {
      const anonymous = await command(port, ["INFO", "replication"]);
      expect(anonymous).toBeInstanceOf(RespError);
      expect((anonymous as RespError).message).toBe("NOAUTH Authentication required.");
      const [wrong] = await pipeline(port, [["AUTH", ADMIN.user, "not-the-password"]]);
      expect((wrong as RespError).code).toBe("WRONGPASS");
      // The old single password scheme (AUTH <password>) logs in as the default user, which is off.
      const [legacy] = await pipeline(port, [["AUTH", ADMIN.password]]);
      expect((legacy as RespError).code).toBe("WRONGPASS");
    }
    expect(
      await command(sentinelPorts[0]!, ["SENTINEL", "get-master-addr-by-name", MASTER_NAME]),
    ).toBeInstanceOf(RespError);
    expect(await call(sentinelPorts[0]!, "PING")).toBe("PONG");
  });

  test("the probes pass as the probe user, its password read from its file, and fail with another", async () => {
    const file = path.join(usersDir(), INTERNAL_USERS.probe);
    expect(await runProbe(probeCommands.redisReadiness(redisPorts[0]!, file), {})).toBe(0);
    expect(await runProbe(probeCommands.redisReadiness(redisPorts[2]!, file), {})).toBe(0);
    expect(await runProbe(probeCommands.redisLiveness(redisPorts[1]!, file), {})).toBe(0);
    expect(await runProbe(probeCommands.ping(sentinelPorts[1]!, file), {})).toBe(0);
    const wrong = path.join(usersDir(), INTERNAL_USERS.admin); // a password, not the probe user's
    expect(await runProbe(probeCommands.redisReadiness(redisPorts[0]!, wrong), {})).toBe(1);
    expect(await runProbe(probeCommands.ping(sentinelPorts[1]!, wrong), {})).toBe(1);
  });

  test("every Sentinel monitors pod 0 and knows both replicas and the two other Sentinels", async () => {
    for (const sentinel of sentinels) {
      await withServerLogs(
        waitFor(
          `${sentinel.name} to see 2 replicas and 2 Sentinels`,
          async () => {
            const master = await call(sentinel.port, "SENTINEL", "master", MASTER_NAME);
            if (!Array.isArray(master)) return undefined;
            const fields = Object.fromEntries(
              master.flatMap((v, i) => (i % 2 === 0 ? [[String(v), String(master[i + 1])]] : [])),
            );
            return (
              fields["num-slaves"] === "2" &&
              fields["num-other-sentinels"] === "2" &&
              fields.flags === "master"
            );
          },
          15_000,
        ),
      );
      expect(await masterSeenBy(sentinel)).toBe(`${LOOPBACK}:${redisPorts[0]}`);
      expect(await call(sentinel.port, "SENTINEL", "ckquorum", MASTER_NAME)).toMatch(
        /^OK 3 usable Sentinels/,
      );
    }
  });

  const ACKED = { key: "ferrum:acked", value: `before-kill-${randomBytes(4).toString("hex")}` };
  const AFTER = { key: "ferrum:after-failover", value: `after-${randomBytes(4).toString("hex")}` };
  let newMasterPort: number;

  test("after the master is SIGKILLed, the Sentinels promote a replica within 30 s, and the write WAIT 1 acknowledged survives", async () => {
    await setOnMaster(redisPorts[0]!, ACKED.key, ACKED.value);
    expect(await call(redisPorts[0]!, "WAIT", "1", "5000")).toBeGreaterThanOrEqual(1);

    const killedAt = Date.now();
    await redis[0]!.kill("SIGKILL");
    newMasterPort = await withServerLogs(agreedMasterPort(30_000, redisPorts[0]));
    const failoverMs = Date.now() - killedAt;

    expect(failoverMs).toBeLessThan(30_000);
    expect([redisPorts[1], redisPorts[2]]).toContain(newMasterPort);
    const role = await call(newMasterPort, "ROLE");
    expect(Array.isArray(role) && role[0]).toBe("master");
    expect(await call(newMasterPort, "GET", ACKED.key)).toBe(ACKED.value);
  });

  test("writes through the Sentinel-discovered master succeed and reach the other replica", async () => {
    const discovered = Number((await masterSeenBy(sentinels[1]!))!.split(":")[1]);
    expect(discovered).toBe(newMasterPort);
    await setOnMaster(discovered, AFTER.key, AFTER.value);
    expect(await call(discovered, "WAIT", "1", "5000")).toBeGreaterThanOrEqual(1);
    const otherReplica = [redisPorts[1]!, redisPorts[2]!].find((p) => p !== newMasterPort)!;
    expect(
      await waitFor(
        "the other replica to follow the new master",
        async () => (await call(otherReplica, "GET", AFTER.key)) === AFTER.value,
        10_000,
      ),
    ).toBe(true);
  });

  test("the old master, restarted through its init script, asks the Sentinels and rejoins as a replica", async () => {
    const config = await runInit("redis", 0);
    expect(readFileSync(config, "utf8")).toContain(`\nreplicaof ${LOOPBACK} ${newMasterPort}\n`);
    await startRedis(0);

    const replication = await withServerLogs(
      waitFor(
        "pod 0 to sync from the new master",
        async () => {
          const r = await infoOf(redisPorts[0]!, "replication");
          return r.master_link_status === "up" ? r : undefined;
        },
        15_000,
      ),
    );
    expect(replication).toMatchObject({
      role: "slave",
      master_host: LOOPBACK,
      master_port: String(newMasterPort),
    });
    expect(await call(redisPorts[0]!, "GET", AFTER.key)).toBe(AFTER.value);
    expect(await call(redisPorts[0]!, "GET", ACKED.key)).toBe(ACKED.value);
    await waitFor(
      "the new master to count 2 replicas again",
      async () => (await infoOf(newMasterPort, "replication")).connected_slaves === "2",
      10_000,
    );
  });

  test("a Sentinel restarted in place reads back the config it rewrote and names the current master", async () => {
    const config = path.join(podDir("redis-sentinel-1"), "config", "sentinel.conf");
    expect(readFileSync(config, "utf8")).toMatch(/^sentinel current-epoch [1-9]/m);
    await sentinels[1]!.kill("SIGKILL");
    const restarted = await group.start(
      "sentinel-1",
      "redis-sentinel",
      config,
      sentinelPorts[1]!,
      podDir("redis-sentinel-1"),
    );
    sentinels[1] = restarted;
    expect(await masterSeenBy(restarted)).toBe(`${LOOPBACK}:${newMasterPort}`);
  });

  test("a Sentinel restarted through its init script keeps its state: the current master, its own id", async () => {
    const file = path.join(podDir("redis-sentinel-0"), "config", "sentinel.conf");
    const id = /^sentinel myid (\S+)$/m.exec(readFileSync(file, "utf8"))![1];
    await sentinels[0]!.kill("SIGKILL");
    const config = await runInit("sentinel", 0);
    const rendered = readFileSync(config, "utf8");
    expect(rendered).toContain(`\nsentinel monitor ${MASTER_NAME} ${LOOPBACK} ${newMasterPort} ${QUORUM}\n`);
    expect(rendered).toContain(`\nsentinel myid ${id}\n`);
    const restarted = await startSentinel(0);
    expect(await masterSeenBy(restarted)).toBe(`${LOOPBACK}:${newMasterPort}`);
    expect(await agreedMasterPort(5_000)).toBe(newMasterPort);
  });

  test("a Sentinel that lost its state asks the other Sentinels and monitors the current master, not pod 0", async () => {
    await sentinels[2]!.kill("SIGKILL");
    rmSync(path.join(podDir("redis-sentinel-2"), "config", "sentinel.conf"));
    const config = await runInit("sentinel", 2);
    expect(readFileSync(config, "utf8")).toContain(
      `\nsentinel monitor ${MASTER_NAME} ${LOOPBACK} ${newMasterPort} ${QUORUM}\n`,
    );
    const restarted = await startSentinel(2);
    expect(await masterSeenBy(restarted)).toBe(`${LOOPBACK}:${newMasterPort}`);
    expect(await agreedMasterPort(5_000)).toBe(newMasterPort);
  });
});
