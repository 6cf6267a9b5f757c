/**
 * Proof on real servers that cache pressure never stops Celery or the event streams: the dev plan's RedisHA
 * (every pod from the plan, on Debian's redis-server and redis-sentinel; tests/helpers/redis-pods.ts) and the
 * reference service's catalog and auth on the env the plan gives them (Django 3.2, Celery 5.2, django-redis 5.2
 * under /usr/bin/python3). The catalog fills its cache to twice the `maxmemory` of the server its REDIS_URL
 * reaches; meanwhile and afterwards every cache write succeeds, Celery round-trips tasks and reads their results
 * back, and auth's consumer group reads every event the catalog published, none lost.
 *
 * The tests run in order against one set of servers and processes.
 */
import type { DjangoProcess } from "../helpers/django";
import { commandAs, dbOf, infoAs, onDbAs, RedisPlatform } from "../helpers/redis-platform";

/** Bytes of each cache entry written to fill the cache. */
const ENTRY_BYTES = 64 * 1024;

let platform: RedisPlatform;
let catalog: DjangoProcess;
let auth: DjangoProcess;
let catalogEnv: Record<string, string>;

/** Port of the server the catalog's cache lands on: the master holding a key it just wrote. */
let cachePort: number;
let cacheMaxmemory: number;
const published: string[] = [];

async function publish(count: number, round: string): Promise<void> {
  for (let i = 0; i < count; i++)
    published.push(await catalog.value("events.publish", { type: "pressure", data: { round, i } }));
}

beforeAll(async () => {
  platform = await RedisPlatform.plan();
  try {
    await platform.startRedis();
    catalogEnv = platform.serviceEnv("catalog");
    [catalog, auth] = await Promise.all([
      platform.django("catalog", catalogEnv),
      platform.django("auth", platform.serviceEnv("auth")),
      platform.worker("catalog", "catalog-worker", catalogEnv),
    ]);
  } catch (err) {
    await platform.close();
    throw err;
  }
}, 180_000);

afterAll(async () => platform?.close());

describe("cache pressure on the dev plan's Redis never stops Celery or the event streams", () => {
  test("the settings refuse a cache entry without expiry", async () => {
    const forever = await catalog.request("cache.set_forever", { key: "forever", value: 1 });
    expect(forever).toEqual({
      ok: false,
      error:
        "builtins.ValueError: cache.set('forever', timeout=None) refused: every cache entry must expire; pass a timeout in seconds",
    });
    expect(await catalog.value("cache.set", { key: "expiring", value: "kept" })).toBe(true);
    expect(await catalog.value("cache.get", { key: "expiring" })).toBe("kept");
  });

  test("before the pressure: a task round-trips and 100 events are published", async () => {
    expect((await catalog.value("task.add", { x: 1, y: 2, timeout: 15 })).sum).toBe(3);
    await publish(100, "before");
    // Where the cache lives: the master that holds the key the catalog just wrote, in REDIS_URL's DB.
    expect(await catalog.value("cache.set", { key: "where", value: "here" })).toBe(true);
    const key = `${catalogEnv.REDIS_KEY_PREFIX}:1:where`;
    for (const pod of platform.pods.pods.filter((p) => !p.owner.endsWith("sentinel"))) {
      const role = await commandAs(pod.port, platform.admin, "ROLE");
      if (!Array.isArray(role) || role[0] !== "master") continue;
      const [, , exists] = await onDbAs(pod.port, platform.admin, dbOf(catalogEnv.REDIS_URL!), [
        "EXISTS",
        key,
      ]);
      if (exists === 1) cachePort = pod.port;
    }
    expect(cachePort).toBeGreaterThan(0);
    cacheMaxmemory = Number((await infoAs(cachePort, platform.admin, "memory")).maxmemory);
    expect(cacheMaxmemory).toBeGreaterThan(0);
  });

  test("the cache is filled to twice its server's maxmemory: no write fails, the oldest entries are evicted", async () => {
    const rounds = 4;
    const perRound = Math.ceil((2 * cacheMaxmemory) / ENTRY_BYTES / rounds);
    const startedAt = Date.now();
    const fills: { written: number; failed: number; first_error: string | null }[] = [];
    for (let round = 0; round < rounds; round++) {
      fills.push(
        await catalog.value(
          "cache.fill",
          { prefix: `fill-${round}`, count: perRound, size: ENTRY_BYTES },
          120_000,
        ),
      );
      // Under pressure, between two rounds: Celery and the streams still take writes.
      expect((await catalog.value("task.add", { x: round, y: 10, timeout: 15 })).sum).toBe(round + 10);
      await publish(25, `during-${round}`);
    }
    const written = fills.reduce((n, f) => n + f.written, 0);
    console.info(
      `filled ${written} entries of ${ENTRY_BYTES} B (${((written * ENTRY_BYTES) / 2 ** 20).toFixed(0)} MiB) ` +
        `into a cache of maxmemory ${(cacheMaxmemory / 2 ** 20).toFixed(0)} MiB in ${Date.now() - startedAt} ms`,
    );
    expect(fills.map((f) => f.first_error)).toEqual([null, null, null, null]);
    expect(written * ENTRY_BYTES).toBeGreaterThanOrEqual(2 * cacheMaxmemory);

    const stats = await infoAs(cachePort, platform.admin, "stats");
    const memory = await infoAs(cachePort, platform.admin, "memory");
    expect(Number(stats.evicted_keys)).toBeGreaterThan(0);
    expect(Number(memory.used_memory)).toBeLessThanOrEqual(cacheMaxmemory * 1.05);
    // The pod's memory request covers what the full cache server holds resident.
    const pod = platform.pods.pods.find((p) => p.port === cachePort)!;
    const request = String(pod.template.spec.containers[0].resources.requests.memory);
    const requestBytes = Number(/^(\d+)Mi$/.exec(request)![1]) * 2 ** 20;
    console.info(
      `full cache server: used_memory_rss ${(Number(memory.used_memory_rss) / 2 ** 20).toFixed(1)} MiB, ` +
        `${stats.evicted_keys} keys evicted; its pod requests ${request}`,
    );
    expect(Number(memory.used_memory_rss)).toBeLessThanOrEqual(requestBytes);
    // Older entries made room (LRU is sampled, so which ones is Redis's choice); the newest is there.
    const [, , remaining] = await onDbAs(cachePort, platform.admin, dbOf(catalogEnv.REDIS_URL!), ["DBSIZE"]);
    expect(remaining).toBeLessThan(written);
    const newest = await catalog.value("cache.get", { key: `fill-${rounds - 1}:${perRound - 1}` });
    expect(String(newest).length).toBe(ENTRY_BYTES);
  }, 300_000);

  test("after the pressure: a task round-trips and its result is read back", async () => {
    const result = await catalog.value("task.add", { x: 20, y: 22, timeout: 15 });
    expect(result.sum).toBe(42);
  });

  test("no event within retention is lost: auth's consumer group reads every one the catalog published, in order", async () => {
    await publish(10, "after");
    const received: string[] = [];
    for (let i = 0; i < 50 && received.length < published.length; i++) {
      const batch = await auth.value("events.consume", { producer: "catalog", block_ms: 200 });
      received.push(...batch.map((e: { id: string }) => e.id));
    }
    expect(received).toEqual(published);
    expect(published).toHaveLength(100 + 4 * 25 + 10);
    const events = await platform.master("ferrum");
    const [, , length] = await onDbAs(events, platform.admin, dbOf(catalogEnv.EVENTS_REDIS_URL!), [
      "XLEN",
      "events:catalog",
    ]);
    expect(length).toBe(published.length);
  });

  test("streams are trimmed by length: 12 000 more events leave the catalog's stream between 10 000 and 10 100 entries", async () => {
    await catalog.value("events.publish_many", { type: "bulk", count: 12_000 }, 120_000);
    const events = await platform.master("ferrum");
    const [, , length] = await onDbAs(events, platform.admin, dbOf(catalogEnv.EVENTS_REDIS_URL!), [
      "XLEN",
      "events:catalog",
    ]);
    expect(length).toBeGreaterThanOrEqual(10_000);
    expect(length).toBeLessThan(10_100);
  }, 180_000);

  test("Celery's and the streams' server was never near its maxmemory: the cache's pressure stayed on the cache", async () => {
    const data = await platform.master("ferrum");
    expect(data).not.toBe(cachePort);
    const memory = await infoAs(data, platform.admin, "memory");
    expect(memory.maxmemory_policy).toBe("noeviction");
    expect(Number(memory.used_memory)).toBeLessThan(Number(memory.maxmemory) / 4);
    expect(Number((await infoAs(data, platform.admin, "stats")).evicted_keys)).toBe(0);
  });
});
