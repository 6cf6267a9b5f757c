/**
 * Proof on real servers that each service reaches Redis as its own ACL user, held to its own databases, keys
 * and channels: the dev plan's RedisHA (observability on, so the plan also holds redis_exporter's login) on
 * Debian's redis-server and redis-sentinel (tests/helpers/redis-pods.ts), the reference service as catalog and
 * as auth on the env the plan gives each (Django 3.2, Celery 5.2, django-redis 5.2 under /usr/bin/python3),
 * and Debian's prometheus-redis-exporter with the exporter's login.
 *
 * Each service's cache, Celery round trip and stream consumer work with its own user; with the same login,
 * the other service's DBs, keys, streams and channels, and every command that reaches past a DB or administers
 * the server, are refused. The internal users do their jobs (replication, Sentinel, probes, the exporter) and
 * nothing more.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { objectData, planObject, podContainer, type DjangoProcess, type K8sObject } from "../helpers/django";
import { commandAs, dbOf, onDbAs, RedisPlatform, urlLogin, type RedisLogin } from "../helpers/redis-platform";
import { freePort, LOOPBACK, pipeline, RespError, waitFor, type RespValue } from "../helpers/redis-servers";

const EXPORTER = "/usr/bin/prometheus-redis-exporter";
const SERVICES = ["catalog", "auth"] as const;
type Service = (typeof SERVICES)[number];

let platform: RedisPlatform;
const django = {} as Record<Service, DjangoProcess>;
const env = {} as Record<Service, Record<string, string>>;
/** Each service's login, as its URLs carry it. */
const login = (s: Service): RedisLogin => urlLogin(env[s].CELERY_BROKER_URL!);
const other = (s: Service): Service => (s === "catalog" ? "auth" : "catalog");

const noPermCommand = (command: string): string =>
  `NOPERM this user has no permissions to run the '${command}' command`;
const NO_PERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments";
const NO_PERM_CHANNEL = "NOPERM this user has no permissions to access one of the channels used as arguments";

/** The error message of a reply, or the reply itself. */
const said = (reply: RespValue | undefined): unknown => (reply instanceof RespError ? reply.message : reply);

let exporter: ChildProcess | undefined;

beforeAll(async () => {
  platform = await RedisPlatform.plan(["ferrum:observability.enabled=true"]);
  try {
    await platform.startRedis();
    for (const s of SERVICES) env[s] = platform.serviceEnv(s);
    const started = await Promise.all([
      ...SERVICES.map((s) => platform.django(s, env[s])),
      ...SERVICES.map((s) => platform.worker(s, `${s}-worker`, env[s])),
    ]);
    SERVICES.forEach((s, i) => (django[s] = started[i] as DjangoProcess));
  } catch (err) {
    await platform.close();
    throw err;
  }
}, 240_000);

afterAll(async () => {
  exporter?.kill("SIGKILL");
  await platform?.close();
});

describe("each service reaches Redis as its own ACL user, held to its own DBs, keys and channels", () => {
  test("every URL of a service names its own user, never the default one; the same user is in Sentinel's options", () => {
    for (const s of SERVICES) {
      const user = `ferrum-${s}`;
      for (const variable of [
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "EVENTS_REDIS_URL",
      ]) {
        for (const url of env[s][variable]!.split(";"))
          expect({ variable, user: urlLogin(url).username }).toEqual({ variable, user });
      }
      const options = JSON.parse(env[s].CELERY_BROKER_TRANSPORT_OPTIONS!);
      expect(options).toMatchObject({ sentinel_kwargs: { username: user }, global_keyprefix: `{${s}}:` });
    }
    expect(login("catalog").password).not.toBe(login("auth").password);
  });

  test.each(SERVICES)(
    "%s: its cache, a Celery round trip and its consumer group work with its own user",
    async (s) => {
      expect(await django[s].value("cache.set", { key: "mine", value: s })).toBe(true);
      expect(await django[s].value("cache.get", { key: "mine" })).toBe(s);
      expect((await django[s].value("task.add", { x: 40, y: 2, timeout: 15 })).sum).toBe(42);
      const id = await django[other(s)].value("events.publish", { type: "hello", data: { to: s } });
      const received = await django[s].value("events.consume", { producer: other(s), block_ms: 1000 });
      expect(received).toEqual([{ id, type: "hello", source: other(s), data: { to: s } }]);
    },
  );

  test.each(SERVICES)(
    "%s's user is refused the other service's Celery DB, keys, stream and channels on the data master",
    async (s) => {
      const data = await platform.master("ferrum");
      const mine = dbOf(env[s].CELERY_BROKER_URL!);
      const theirs = dbOf(env[other(s)].CELERY_BROKER_URL!);
      const as = (...args: string[]) => commandAs(data, login(s), ...args).then(said);
      expect(await as("SELECT", String(theirs))).toBe(noPermCommand("select"));
      expect(await as("SELECT", String(dbOf(env[s].REDIS_URL!)))).toBe(noPermCommand("select"));
      const [, selected, ownQueue, theirQueue, theirResult] = await onDbAs(
        data,
        login(s),
        mine,
        ["LLEN", `{${s}}:celery`],
        ["LPUSH", `{${other(s)}}:celery`, "forged"],
        ["PUBLISH", `{${other(s)}}:/{db}.celery.pidbox`, "forged"],
      );
      expect([selected, ownQueue]).toEqual(["OK", 0]);
      expect([said(theirQueue), said(theirResult)]).toEqual([NO_PERM_KEY, NO_PERM_CHANNEL]);
      // The shared events DB: read everyone's stream through a group, write only its own.
      for (const forged of [
        ["XADD", `events:${other(s)}`, "*", "type", "forged"],
        ["XTRIM", `events:${other(s)}`, "MAXLEN", "0"],
        ["DEL", `events:${other(s)}`],
        ["XGROUP", "DESTROY", `events:${other(s)}`, other(s)],
      ])
        expect({ forged, reply: await as(...forged) }).toEqual({ forged, reply: NO_PERM_KEY });
      expect(await as("XLEN", `events:${other(s)}`)).toBeGreaterThan(0);
      // Celery 5.2's result channels are named after the task: subscribing to one is allowed, to all is not.
      expect(await as("PSUBSCRIBE", "celery-task-meta-*")).toBe(NO_PERM_CHANNEL);
    },
  );

  test.each(SERVICES)(
    "%s's user is refused the other service's cache DB and keys on the cache master",
    async (s) => {
      const cache = await platform.master("ferrum-cache");
      const as = (...args: string[]) => commandAs(cache, login(s), ...args).then(said);
      expect(await as("SELECT", String(dbOf(env[other(s)].REDIS_URL!)))).toBe(noPermCommand("select"));
      expect(await as("SELECT", String(dbOf(env[s].CELERY_BROKER_URL!)))).toBe(noPermCommand("select"));
      const [, selected, own, theirs] = await onDbAs(
        cache,
        login(s),
        dbOf(env[s].REDIS_URL!),
        ["EXISTS", `${s}::1:mine`],
        ["GET", `${other(s)}::1:mine`],
      );
      expect([selected, own, said(theirs)]).toEqual(["OK", 1, NO_PERM_KEY]);
    },
  );

  test("commands that reach past a DB or administer a server are refused to a service on every server", async () => {
    const data = await platform.master("ferrum");
    const cache = await platform.master("ferrum-cache");
    const theirs = String(dbOf(env.auth.CELERY_BROKER_URL!));
    const denied: [number, string[], string][] = [
      [data, ["FLUSHALL"], "flushall"],
      [data, ["FLUSHDB"], "flushdb"],
      [data, ["SWAPDB", "0", theirs], "swapdb"],
      [data, ["MOVE", "{catalog}:celery", theirs], "move"],
      [data, ["COPY", "{catalog}:celery", "{catalog}:copy", "DB", theirs], "copy"],
      [data, ["KEYS", "*"], "keys"],
      [data, ["CONFIG", "GET", "masterauth"], "config|get"],
      [data, ["CONFIG", "SET", "maxmemory", "1"], "config|set"],
      [data, ["ACL", "LIST"], "acl|list"],
      [data, ["CLIENT", "LIST"], "client|list"],
      [data, ["BGREWRITEAOF"], "bgrewriteaof"],
      [data, ["MONITOR"], "monitor"],
      [data, ["PUBSUB", "CHANNELS"], "pubsub|channels"],
      [data, ["SCRIPT", "FLUSH"], "script|flush"],
      [data, ["FUNCTION", "FLUSH"], "function|flush"],
      [data, ["REPLICAOF", "NO", "ONE"], "replicaof"],
      [data, ["SHUTDOWN"], "shutdown"],
      [cache, ["FLUSHALL"], "flushall"],
      [cache, ["CONFIG", "SET", "maxmemory-policy", "noeviction"], "config|set"],
    ];
    for (const [port, args, name] of denied)
      expect({ args, reply: said(await commandAs(port, login("catalog"), ...args)) }).toEqual({
        args,
        reply: noPermCommand(name),
      });
    // Sentinels answer a service's questions and take no orders from it.
    const sentinel = platform.pods.of("redis-sentinel")[0]!.port;
    expect(
      await commandAs(sentinel, login("catalog"), "SENTINEL", "get-master-addr-by-name", "ferrum"),
    ).toEqual([LOOPBACK, String(data)]);
    for (const [args, name] of [
      [["SENTINEL", "FAILOVER", "ferrum"], "sentinel|failover"],
      [["SENTINEL", "REMOVE", "ferrum"], "sentinel|remove"],
      [["SENTINEL", "SET", "ferrum", "quorum", "1"], "sentinel|set"],
      [["SENTINEL", "CONFIG", "GET", "sentinel-pass"], "sentinel|config"],
    ] as const)
      expect(said(await commandAs(sentinel, login("catalog"), ...args))).toBe(noPermCommand(name));
  });

  test("no connection gets anywhere without a user: the default user is off on every server", async () => {
    for (const pod of platform.pods.pods) {
      expect(said((await pipeline(pod.port, [["PING"]]))[0])).toBe("NOAUTH Authentication required.");
      expect(said(await commandAs(pod.port, { password: login("catalog").password }, "PING"))).toBe(
        "WRONGPASS invalid username-password pair or user is disabled.",
      );
    }
  });

  test("the internal users: replicas sync and Sentinels monitor as their own users; the probes pass as theirs", async () => {
    for (const group of ["ferrum", "ferrum-cache"]) {
      const master = await platform.master(group);
      const replicas = await commandAs(master, platform.admin, "ROLE");
      expect(Array.isArray(replicas) && (replicas[2] as unknown[]).length).toBe(
        platform.pods.of(group === "ferrum" ? "redis" : "redis-cache").length - 1,
      );
      const clients = String(await commandAs(master, platform.admin, "CLIENT", "LIST"));
      expect(clients).toMatch(/ user=redis-replication /);
      expect(clients).toMatch(/ user=redis-sentinel /);
      expect(clients).not.toMatch(/ user=default .*cmd=(?!auth)/);
    }
    for (const pod of platform.pods.pods) {
      for (const probe of ["livenessProbe", "readinessProbe"] as const)
        expect({ pod: pod.name, probe, code: await platform.pods.probe(pod.name, probe) }).toEqual({
          pod: pod.name,
          probe,
          code: 0,
        });
    }
    // No internal user was refused anything it needed while all this ran (the refusals in the ACL log are
    // this file's own attempts as services and without a user).
    for (const pod of platform.pods.pods) {
      const log = (await commandAs(pod.port, platform.admin, "ACL", "LOG")) as RespValue[][];
      const users = log.map((entry) => String(entry[entry.indexOf("username") + 1]));
      expect({ pod: pod.name, refused: users.filter((u) => u.startsWith("redis-")) }).toEqual({
        pod: pod.name,
        refused: [],
      });
    }
    const probeLogin = { username: "redis-probe", password: "" };
    const probe = platform.pods.of("redis")[0]!;
    probeLogin.password = platform.pods.read(probe.name, "users", "redis-probe").split("\n")[0]!;
    expect(said(await commandAs(probe.port, probeLogin, "GET", "x"))).toBe(noPermCommand("get"));
  });

  test("redis_exporter, with the login the plan gives it, scrapes every server and Sentinel, and reads no key", async () => {
    if (!existsSync(EXPORTER)) {
      if (process.env.CI === "true")
        throw new Error(`${EXPORTER} is missing: apt-get install prometheus-redis-exporter`);
      console.warn(`skipped: ${EXPORTER} is missing (apt-get install prometheus-redis-exporter)`);
      return;
    }
    const deployment = planObject(platform.objects as K8sObject[], "Deployment", "redis-exporter");
    const container = podContainer(deployment, "exporter");
    const user = (container.env as { name: string; value?: string }[]).find(
      (e) => e.name === "REDIS_USER",
    )!.value!;
    const ref = container.env.find((e: { name: string }) => e.name === "REDIS_PASSWORD").valueFrom
      .secretKeyRef;
    const password = objectData(planObject(platform.objects as K8sObject[], "Secret", ref.name))[ref.key]!;
    expect(user).toBe("redis-exporter");
    const port = await freePort();
    exporter = spawn(EXPORTER, ["-web.listen-address", `${LOOPBACK}:${port}`], {
      env: { REDIS_USER: user, REDIS_PASSWORD: password },
      stdio: "ignore",
    });
    const scrape = async (target: number): Promise<string> => {
      const res = await fetch(`http://${LOOPBACK}:${port}/scrape?target=redis://${LOOPBACK}:${target}`);
      return res.text();
    };
    await waitFor(
      "the exporter to listen",
      async () => (await scrape(platform.pods.pods[0]!.port)).length > 0,
      10_000,
    );
    for (const pod of platform.pods.pods) {
      const metrics = await scrape(pod.port);
      expect({ pod: pod.name, up: /^redis_up 1$/m.test(metrics) }).toEqual({ pod: pod.name, up: true });
      if (pod.owner.endsWith("sentinel")) expect(metrics).toMatch(/^redis_sentinel_masters 2$/m);
      else expect(metrics).toMatch(/^redis_memory_max_bytes [1-9]/m);
    }
    const data = await platform.master("ferrum");
    expect(said(await commandAs(data, { username: user, password }, "GET", "{catalog}:celery"))).toBe(
      noPermCommand("get"),
    );
    expect(said(await commandAs(data, { username: user, password }, "CONFIG", "GET", "masterauth"))).toBe(
      noPermCommand("config|get"),
    );
  });
});
