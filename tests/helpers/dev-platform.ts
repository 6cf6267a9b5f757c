/**
 * The dev stack's data services on loopback, from its plan: PostgreSQL 16 with the admin init script and the
 * bootstrap Job's command and SQL, and RedisHA's three Redis and three Sentinel pods from its ConfigMaps
 * (each pod's init script run as its init container does). In-cluster `host:port`s become 127.0.0.1 and a
 * free port; each service's env (its web container's ConfigMap and Secret) is moved the same way.
 * The same steps as tests/proof/django.real.test.ts, packaged for other real-server tests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  containerEnvFrom,
  objectData,
  planObject,
  toLoopback,
  type K8sObject,
  type Processes,
} from "./django";
import { envWithoutLibpq, startPostgres, type PostgresServer } from "./postgres-server";
import {
  freePorts,
  info,
  LOOPBACK,
  runShell,
  waitFor,
  type ProcessGroup,
  type ServerProcess,
} from "./redis-servers";

const REDIS_PODS = 3;
const SENTINEL_PODS = 3;

export class DevPlatform {
  /** In-cluster `host:port` -> loopback port. */
  readonly endpoints = new Map<string, number>();
  readonly redis: ServerProcess[] = [];
  readonly sentinels: ServerProcess[] = [];
  postgres!: PostgresServer;
  redisPassword!: string;
  private redisPorts: number[] = [];
  private sentinelPorts: number[] = [];

  private constructor(
    private readonly objects: readonly K8sObject[],
    private readonly workDir: string,
    private readonly processes: Processes,
    private readonly group: ProcessGroup,
  ) {}

  /** Starts PostgreSQL (bootstrapped) and RedisHA (both replicas in sync, three Sentinels). */
  static async start(
    objects: readonly K8sObject[],
    workDir: string,
    processes: Processes,
    group: ProcessGroup,
  ): Promise<DevPlatform> {
    const p = new DevPlatform(objects, workDir, processes, group);
    await p.placeRedisPods();
    await Promise.all([p.startDatabase(), p.startRedisHa()]);
    return p;
  }

  /** A service's env as its web container gets it, endpoints on loopback, POD_IP from the "downward API". */
  serviceEnv(service: string): Record<string, string> {
    const env = containerEnvFrom(
      this.objects,
      planObject(this.objects, "Deployment", `${service}-web`),
      "web",
    );
    const moved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, toLoopback(v, this.endpoints)]));
    return { ...moved, POD_IP: LOOPBACK };
  }

  get masterPort(): number {
    return this.redisPorts[0]!;
  }

  async stop(): Promise<void> {
    await Promise.all([this.group.stopAll(), this.postgres?.stop()]);
  }

  private async startDatabase(): Promise<void> {
    this.postgres = await startPostgres();
    const anyService = containerEnvFrom(
      this.objects,
      planObject(this.objects, "Deployment", "catalog-web"),
      "web",
    );
    const clusterUrl = new URL(anyService.DATABASE_URL!);
    this.endpoints.set(`${clusterUrl.hostname}:${clusterUrl.port}`, this.postgres.port);
    // The image runs /docker-entrypoint-initdb.d as the superuser on first start.
    const initScript = objectData(planObject(this.objects, "ConfigMap", "postgres-initdb"))[
      "10-ferrum-admin.sh"
    ]!;
    const credentials = objectData(planObject(this.objects, "Secret", "postgres-credentials"));
    const initEnv = {
      ...envWithoutLibpq(),
      POSTGRES_USER: this.postgres.superuser,
      FERRUM_ADMIN_PASSWORD: credentials.FERRUM_ADMIN_PASSWORD,
      PGHOST: this.postgres.host,
      PGPORT: String(this.postgres.port),
      PGPASSWORD: this.postgres.superuserPassword,
    };
    const init = await this.processes.run(
      "admin init",
      "sh",
      ["-c", initScript],
      initEnv,
      this.workDir,
      15_000,
    );
    if (init.code !== 0) throw new Error(`admin init script exited ${init.code}:\n${init.stderr}`);
    // The bootstrap Job's command and env, as the admin that is not a superuser.
    const job = planObject(this.objects, "Job", "postgres-bootstrap");
    const container = job.spec.template.spec.containers[0];
    const sqlFile = path.join(this.workDir, "bootstrap.sql");
    writeFileSync(
      sqlFile,
      objectData(planObject(this.objects, "ConfigMap", "postgres-bootstrap-sql"))["bootstrap.sql"]!,
    );
    const jobEnv: Record<string, string> = Object.fromEntries(
      (container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    const [shell, flag, script] = container.command as string[];
    const runEnv = {
      ...envWithoutLibpq(),
      ...jobEnv,
      PGHOST: LOOPBACK,
      PGPORT: String(this.postgres.port),
      HOME: this.workDir,
      ...objectData(planObject(this.objects, "Secret", "postgres-bootstrap")),
    };
    const runArgs = [flag!, script!.replace("/bootstrap/bootstrap.sql", sqlFile)];
    const run = await this.processes.run("bootstrap Job", shell!, runArgs, runEnv, this.workDir, 30_000);
    if (run.code !== 0)
      throw new Error(`bootstrap Job command exited ${run.code}:\n${run.stdout}${run.stderr}`);
  }

  private redisFiles(): { redis: { conf: string; init: string }; sentinel: { conf: string; init: string } } {
    const server = objectData(planObject(this.objects, "ConfigMap", "redis-server-config"));
    const sentinel = objectData(planObject(this.objects, "ConfigMap", "redis-sentinel-config"));
    return {
      redis: { conf: server["redis.conf"]!, init: server["init.sh"]! },
      sentinel: { conf: sentinel["sentinel.conf"]!, init: sentinel["init.sh"]! },
    };
  }

  private async placeRedisPods(): Promise<void> {
    const ports = await freePorts(REDIS_PODS + SENTINEL_PODS);
    [this.redisPorts, this.sentinelPorts] = [ports.slice(0, REDIS_PODS), ports.slice(REDIS_PODS)];
    const redisHosts = [
      ...this.redisFiles().redis.init.matchAll(/\d+\) self_host='([^']+)'; self_port=(\d+)/g),
    ];
    redisHosts.forEach(([, host, port], i) => this.endpoints.set(`${host}:${port}`, this.redisPorts[i]!));
    const env = containerEnvFrom(this.objects, planObject(this.objects, "Deployment", "catalog-web"), "web");
    env.REDIS_SENTINELS!.split(",").forEach((s, i) => this.endpoints.set(s, this.sentinelPorts[i]!));
  }

  private async startRedisPod(kind: "redis" | "sentinel", ordinal: number): Promise<ServerProcess> {
    const pod = kind === "redis" ? `redis-${ordinal}` : `redis-sentinel-${ordinal}`;
    const port = (kind === "redis" ? this.redisPorts : this.sentinelPorts)[ordinal]!;
    const dir = path.join(this.workDir, pod);
    mkdirSync(dir, { recursive: true });
    const files = this.redisFiles()[kind];
    const file = kind === "redis" ? "redis.conf" : "sentinel.conf";
    const template = path.join(dir, `template-${file}`);
    const config = path.join(dir, file);
    writeFileSync(
      template,
      toLoopback(files.conf, this.endpoints)
        .replace(/^port \d+$/m, `port ${port}`)
        .replace(/^bind .*$/m, `bind ${LOOPBACK}`),
    );
    writeFileSync(path.join(dir, "init.sh"), toLoopback(files.init, this.endpoints));
    const env = { POD_NAME: pod, REDIS_PASSWORD: this.redisPassword, REDISCLI_AUTH: this.redisPassword };
    const init = await runShell(path.join(dir, "init.sh"), [template, config], env);
    if (init.code !== 0) throw new Error(`${pod} init exited ${init.code}:\n${init.stdout}${init.stderr}`);
    return this.group.start(pod, kind === "redis" ? "redis-server" : "redis-sentinel", config, port, dir);
  }

  private async startRedisHa(): Promise<void> {
    this.redisPassword = objectData(planObject(this.objects, "Secret", "redis-credentials")).password!;
    const replication = () => info(this.redisPorts[0]!, "replication", this.redisPassword);
    for (let i = 0; i < REDIS_PODS; i++) this.redis[i] = await this.startRedisPod("redis", i);
    await waitFor(
      "two connected replicas",
      async () => (await replication()).connected_slaves === "2",
      10_000,
    );
    for (let i = 0; i < SENTINEL_PODS; i++) this.sentinels[i] = await this.startRedisPod("sentinel", i);
    // The master takes writes only with a replica in sync (min-replicas-to-write).
    await waitFor(
      "two replicas in sync",
      async () => (await replication()).min_slaves_good_slaves === "2",
      15_000,
    );
  }
}
