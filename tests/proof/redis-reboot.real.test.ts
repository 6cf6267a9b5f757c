/**
 * Proof on real servers that Redis and Sentinel start right after a reboot of the single dev node: the dev
 * plan's RedisHA, every pod from the plan with the cluster's own timings (tests/helpers/redis-pods.ts), on
 * Debian's redis-server and redis-sentinel.
 *
 * The data group fails over (its master is SIGKILLed), a write is acknowledged by WAIT on the new master, then
 * everything stops. A reboot empties every in-memory volume and keeps the volume claims, as the kubelet would.
 * The old master starts alone, with every Sentinel down; then the rest start, all at once. The write survives on
 * every data pod, every Sentinel names the same master for each group, and the old master is a replica.
 */
import { randomBytes } from "node:crypto";
import { commandAs, RedisPlatform } from "../helpers/redis-platform";
import { waitFor } from "../helpers/redis-servers";

let platform: RedisPlatform;
const WRITE = { key: "ferrum:reboot", value: `acked-${randomBytes(4).toString("hex")}` };

/** The data group's pods and the rest (cache pods, Sentinels), by name. */
const dataPods = (): string[] => platform.pods.of("redis").map((p) => p.name);
const sentinels = (): string[] =>
  platform.pods.pods.filter((p) => p.owner.endsWith("sentinel")).map((p) => p.name);
const portOf = (name: string): number => platform.pods.pod(name).port;

let oldMaster: string;
let newMaster: string;
let sentinelIds: Record<string, string>;

beforeAll(async () => {
  platform = await RedisPlatform.plan();
  try {
    await platform.startRedis();
  } catch (err) {
    await platform.close();
    throw err;
  }
}, 120_000);

afterAll(async () => platform?.close());

/** `sentinel myid` of each Sentinel, from the config file its pod keeps (wherever its volume is). */
function myIds(): Record<string, string> {
  return Object.fromEntries(
    sentinels().map((name) => {
      const pod = platform.pods.pod(name);
      const file = [...pod.volumes.entries()].find(([, v]) => v.kind === "claim" || v.kind === "memory")!;
      const conf = platform.pods.read(name, file[0], "sentinel.conf");
      return [name, /^sentinel myid (\S+)$/m.exec(conf)?.[1] ?? ""];
    }),
  );
}

describe("after a failover and a node reboot, the acknowledged write survives and the Sentinels agree", () => {
  test("the data group's master is SIGKILLed; the Sentinels promote a replica; a write is acknowledged by WAIT", async () => {
    const masterPort = await platform.master("ferrum");
    oldMaster = platform.pods.pods.find((p) => p.port === masterPort)!.name;
    await platform.pods.stop(oldMaster, "SIGKILL");
    const promoted = await platform.master("ferrum", 60_000, masterPort);
    newMaster = platform.pods.pods.find((p) => p.port === promoted)!.name;
    expect(dataPods()).toContain(newMaster);

    const write = await waitFor(
      "a write on the new master (it needs an in-sync replica)",
      async () => (await commandAs(promoted, platform.admin, "SET", WRITE.key, WRITE.value)) === "OK",
      30_000,
      200,
    );
    expect(write).toBe(true);
    expect(await commandAs(promoted, platform.admin, "WAIT", "1", "5000")).toBeGreaterThanOrEqual(1);
    sentinelIds = myIds();
  }, 120_000);

  test("everything stops and the node reboots; the old master starts alone, with every Sentinel down, then the rest", async () => {
    await platform.pods.stopAll("SIGTERM");
    platform.pods.reboot();

    // The old master's pod starts first, alone. Its init runs while no Sentinel and no peer is up.
    const alone = platform.pods.init(oldMaster);
    await new Promise((r) => setTimeout(r, 5_000));
    const rest = platform.pods.pods.map((p) => p.name).filter((n) => n !== oldMaster);
    const [init] = await Promise.all([alone, ...rest.map((n) => platform.pods.start(n))]);
    await platform.pods.serve(oldMaster);
    // It waited for the Sentinels rather than take over as master.
    expect(init.stdout).toMatch(/starts as a replica\n$/);
  }, 240_000);

  test("every Sentinel names the same master for each group: the promoted one for the data group", async () => {
    expect(await platform.master("ferrum", 60_000)).toBe(portOf(newMaster));
    expect(await platform.master("ferrum-cache", 60_000)).toBeGreaterThan(0);
    // The same Sentinels, their state carried over the reboot.
    expect(myIds()).toEqual(sentinelIds);
  });

  test("the acknowledged write survives on every data pod, and the old master follows the promoted one", async () => {
    // Once every group is whole again (the replicas in sync with whichever master the Sentinels name) ...
    await platform.settled(90_000);
    // ... every data pod holds the write that WAIT acknowledged before the reboot.
    const values = await Promise.all(
      dataPods().map(async (name) => [name, await commandAs(portOf(name), platform.admin, "GET", WRITE.key)]),
    );
    expect(values).toEqual(dataPods().map((name) => [name, WRITE.value]));
    const role = await commandAs(portOf(oldMaster), platform.admin, "ROLE");
    expect(Array.isArray(role) && [role[0], role[2], role[3]]).toEqual([
      "slave",
      portOf(newMaster),
      "connected",
    ]);
  }, 180_000);
});
