/**
 * Proof on real servers (Debian's redis-server and redis-sentinel, no mocks) that the files RedisHA renders
 * make a working Sentinel-managed Redis: replication, AUTH everywhere, failover on a SIGKILLed master without
 * losing an acknowledged write, and an old master that rejoins as a replica.
 *
 * The files are the component's own: renderRedisConf, renderSentinelConf and the two init scripts, called with
 * the parameters the component uses. The only differences, checked by the first test, are
 * - addresses: every host is 127.0.0.1 (pod DNS names do not resolve here), every port a free one, and the
 *   servers bind 127.0.0.1 instead of every interface;
 * - Sentinel timings: down-after-milliseconds and failover-timeout are shorter, so the file runs in seconds.
 * The init scripts run as the init containers would (`sh init.sh TEMPLATE CONFIG` with POD_NAME and the
 * password in the env), so the password is injected exactly as in the cluster.
 *
 * The tests run in order against one set of servers and follow a failover's life.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { renderRedisConf, renderSentinelConf } from "../../components/redis-ha/config-files";
import { MASTER_NAME, REDIS_PORT, SENTINEL_PORT, topology } from "../../components/redis-ha/naming";
import {
  probeCommands,
  renderRedisInitScript,
  renderSentinelInitScript,
  type ScriptTopology,
} from "../../components/redis-ha/scripts";
import {
  command,
  freePorts,
  info,
  LOOPBACK,
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

/** Like the component's RandomPassword (32 characters, special: false): letters and digits. */
const PASSWORD = randomBytes(48)
  .toString("base64")
  .replace(/[^A-Za-z0-9]/g, "")
  .slice(0, 32);
const MAXMEMORY_MIB = 64;
const DATABASES = 16;
const QUORUM = 2;
/** The test's Sentinel timings (the cluster's: 10 s and 60 s). */
const TIMINGS = { downAfterMilliseconds: 1_000, failoverTimeoutMilliseconds: 4_000 };

const group = new ProcessGroup();
let workDir: string;
let redisPorts: number[];
let sentinelPorts: number[];
let loopback: ScriptTopology;
const redis: ServerProcess[] = [];
const sentinels: ServerProcess[] = [];

// ---------------------------------------------------------------------------------------------------------
// The component's files, for the cluster and for loopback

/** The parameters the component renders redis.conf with (in-cluster.ts), on `port`, binding `bind`. */
const redisConf = (port: number, bind?: string): string =>
  renderRedisConf({
    port,
    maxmemoryMiB: MAXMEMORY_MIB,
    databases: DATABASES,
    minReplicasToWrite: 1,
    ...(bind ? { bind } : {}),
  });

/** The cluster's topology with every host replaced by 127.0.0.1 and every port by a free one. */
function loopbackTopology(): ScriptTopology {
  const cluster = topology("redis", "ferrum", 3, 3);
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
    masterName: loopback.masterName,
    master: loopback.redis[0]!,
    quorum: QUORUM,
    ...TIMINGS,
  });

// ---------------------------------------------------------------------------------------------------------
// Running pods

const podDir = (pod: string): string => path.join(workDir, pod);

/**
 * Runs the init script of a pod as its init container would (`sh init.sh TEMPLATE CONFIG`, POD_NAME and the
 * password in the env) and returns the config path it wrote. In the cluster every pod of a role mounts the
 * same template; here each pod's template carries its own port, so it is written next to the pod.
 */
async function runInit(kind: "redis" | "sentinel", ordinal: number): Promise<string> {
  const pod = kind === "redis" ? `redis-${ordinal}` : `redis-sentinel-${ordinal}`;
  const dir = podDir(pod);
  const file = kind === "redis" ? "redis.conf" : "sentinel.conf";
  const template = path.join(dir, "template", file);
  writeFileSync(
    template,
    kind === "redis" ? redisConf(redisPorts[ordinal]!, LOOPBACK) : sentinelConf(sentinelPorts[ordinal]!),
  );
  const config = path.join(dir, "config", file);
  const env = { POD_NAME: pod, REDIS_PASSWORD: PASSWORD, REDISCLI_AUTH: PASSWORD };
  const result = await runShell(path.join(workDir, `${kind}-init.sh`), [template, config], env);
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

const call = (port: number, ...args: string[]): Promise<RespValue> => command(port, args, PASSWORD);

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

  writeFileSync(path.join(workDir, "redis-init.sh"), renderRedisInitScript(loopback));
  writeFileSync(path.join(workDir, "sentinel-init.sh"), renderSentinelInitScript(loopback));
  for (let i = 0; i < 3; i++) {
    for (const pod of [`redis-${i}`, `redis-sentinel-${i}`]) {
      mkdirSync(path.join(podDir(pod), "template"), { recursive: true });
      mkdirSync(path.join(podDir(pod), "config"), { recursive: true });
    }
  }
  try {
    for (let i = 0; i < 3; i++) await startRedis(i);
    for (let i = 0; i < 3; i++) await startSentinel(i);
  } catch (err) {
    await group.stopAll();
    throw err;
  }
}, 30_000);

afterAll(async () => {
  await group.stopAll();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("RedisHA's rendered files on real redis-server and redis-sentinel processes", () => {
  test("the files under test differ from the cluster's only in addresses and Sentinel timings", () => {
    const cluster = topology("redis", "ferrum", 3, 3);
    const differing = (a: string, b: string): string[] =>
      a.split("\n").filter((line, i) => line !== b.split("\n")[i]);

    expect(differing(redisConf(REDIS_PORT), redisConf(redisPorts[0]!, LOOPBACK))).toEqual([
      `port ${REDIS_PORT}`,
      "bind * -::*",
    ]);
    const clusterSentinel = renderSentinelConf({
      port: SENTINEL_PORT,
      masterName: MASTER_NAME,
      master: cluster.redis[0]!,
      quorum: QUORUM,
    });
    expect(differing(clusterSentinel, sentinelConf(sentinelPorts[0]!))).toEqual([
      `port ${SENTINEL_PORT}`,
      "bind * -::*",
      `sentinel monitor ${MASTER_NAME} ${cluster.redis[0]!.host} ${REDIS_PORT} ${QUORUM}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 10000`,
      `sentinel failover-timeout ${MASTER_NAME} 60000`,
    ]);
    // The init scripts: with every host and port replaced by a placeholder, the cluster's and the test's are one text.
    const hosts = /'?(?:[a-z0-9-]+\.)+svc\.cluster\.local'?|'?127\.0\.0\.1'?/g;
    const ports = new RegExp(
      `\\b(?:${[REDIS_PORT, SENTINEL_PORT, ...redisPorts, ...sentinelPorts].join("|")})\\b`,
      "g",
    );
    const placeholders = (script: string): string => script.replace(hosts, "<host>").replace(ports, "<port>");
    expect(placeholders(renderRedisInitScript(loopback))).toBe(placeholders(renderRedisInitScript(cluster)));
    expect(placeholders(renderSentinelInitScript(loopback))).toBe(
      placeholders(renderSentinelInitScript(cluster)),
    );
    expect(renderRedisInitScript(loopback)).not.toBe(renderRedisInitScript(cluster));
  });

  test("the templates hold no password; the init scripts write it only into each pod's config", () => {
    const templates = ["redis-init.sh", "sentinel-init.sh"].map((f) => path.join(workDir, f));
    templates.push(
      path.join(podDir("redis-1"), "template", "redis.conf"),
      path.join(podDir("redis-sentinel-1"), "template", "sentinel.conf"),
    );
    for (const file of templates) expect(readFileSync(file, "utf8")).not.toContain(PASSWORD);
    const redisConfig = readFileSync(path.join(podDir("redis-1"), "config", "redis.conf"), "utf8");
    expect(redisConfig).toContain(`\nrequirepass "${PASSWORD}"\nmasterauth "${PASSWORD}"\n`);
    const sentinelConfig = readFileSync(
      path.join(podDir("redis-sentinel-1"), "config", "sentinel.conf"),
      "utf8",
    );
    // Sentinel has rewritten its file since: the lines stay, the order and quoting are its own.
    expect(sentinelConfig).toMatch(new RegExp(`^requirepass "?${PASSWORD}"?$`, "m"));
    expect(sentinelConfig).toMatch(new RegExp(`^sentinel auth-pass ${MASTER_NAME} "?${PASSWORD}"?$`, "m"));
  });

  test("the init scripts refuse a password with anything but letters and digits, which Sentinel would write back unquoted", async () => {
    for (const kind of ["redis", "sentinel"]) {
      const dir = podDir(kind === "redis" ? "redis-1" : "redis-sentinel-1");
      const file = `${kind}.conf`;
      const env = { POD_NAME: `pod-1`, REDIS_PASSWORD: 'p"w d', REDISCLI_AUTH: 'p"w d' };
      const result = await runShell(
        path.join(workDir, `${kind}-init.sh`),
        [path.join(dir, "template", file), path.join(dir, "refused.conf")],
        env,
      );
      expect(result).toEqual({
        code: 1,
        stdout: "",
        stderr: `${kind}-init: REDIS_PASSWORD must hold only letters and digits\n`,
      });
    }
  });

  test("with no Sentinel to ask, pod 0 starts as the master and pods 1 and 2 as its replicas", async () => {
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
          const r = await info(redisPorts[0]!, "replication", PASSWORD);
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

  test("Redis and Sentinel refuse every command without the password", async () => {
    for (const port of [redisPorts[0]!, redisPorts[1]!, sentinelPorts[0]!]) {
      const anonymous = await command(port, ["INFO", "replication"]);
      expect(anonymous).toBeInstanceOf(RespError);
      expect((anonymous as RespError).message).toBe("NOAUTH Authentication required.");
      const wrong = await command(port, ["PING"], "not-the-password");
      expect(wrong).toBeInstanceOf(RespError);
      expect((wrong as RespError).code).toBe("WRONGPASS");
    }
    expect(
      await command(sentinelPorts[0]!, ["SENTINEL", "get-master-addr-by-name", MASTER_NAME]),
    ).toBeInstanceOf(RespError);
    expect(await call(sentinelPorts[0]!, "PING")).toBe("PONG");
  });

  test("the probes pass with the password in REDISCLI_AUTH and fail without it", async () => {
    const auth = { REDISCLI_AUTH: PASSWORD };
    expect(await runProbe(probeCommands.redisReadiness(redisPorts[0]!), auth)).toBe(0);
    expect(await runProbe(probeCommands.redisReadiness(redisPorts[2]!), auth)).toBe(0);
    expect(await runProbe(probeCommands.redisLiveness(redisPorts[1]!), auth)).toBe(0);
    expect(await runProbe(probeCommands.ping(sentinelPorts[1]!), auth)).toBe(0);
    expect(await runProbe(probeCommands.redisReadiness(redisPorts[0]!), {})).toBe(1);
    expect(await runProbe(probeCommands.ping(sentinelPorts[1]!), { REDISCLI_AUTH: "wrong" })).toBe(1);
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
          const r = await info(redisPorts[0]!, "replication", PASSWORD);
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
      async () => (await info(newMasterPort, "replication", PASSWORD)).connected_slaves === "2",
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

  test("a Sentinel restarted through its init script monitors the current master, not pod 0", async () => {
    await sentinels[0]!.kill("SIGKILL");
    const config = await runInit("sentinel", 0);
    expect(readFileSync(config, "utf8")).toContain(
      `\nsentinel monitor ${MASTER_NAME} ${LOOPBACK} ${newMasterPort} ${QUORUM}\n`,
    );
    const restarted = await startSentinel(0);
    expect(await masterSeenBy(restarted)).toBe(`${LOOPBACK}:${newMasterPort}`);
    expect(await agreedMasterPort(5_000)).toBe(newMasterPort);
  });
});
