/**
 * The dev plan's data services on loopback, for real-server tests whose services need their whole env: RedisHA
 * as tests/helpers/redis-platform.ts runs it (every pod of both Redis groups and the Sentinels, from the plan,
 * each service logging in as its own ACL user) and PostgreSQL 16 with the plan's admin init script and the
 * bootstrap Job's command and SQL. Each service's env is its web container's ConfigMap and Secret with every
 * in-cluster `host:port` (Redis pods, Sentinels, PostgreSQL) moved to 127.0.0.1 and its free port.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import {
  containerEnvFrom,
  objectData,
  planObject,
  toLoopback,
  type K8sObject,
  type Processes,
} from "./django";
import { envWithoutLibpq, startPostgres, type PostgresServer } from "./postgres-server";
import { RedisPlatform } from "./redis-platform";
import { LOOPBACK } from "./redis-servers";

export class DevPlatform {
  private constructor(
    /** RedisHA and the services' processes (Django, Celery); its `processes` hold every process started here. */
    readonly redis: RedisPlatform,
    private readonly postgres: PostgresServer,
    /** PostgreSQL's in-cluster `host:port` -> its loopback port. */
    private readonly databaseEndpoints: ReadonlyMap<string, number>,
  ) {}

  /**
   * Plans `dev` and starts its data services: every RedisHA pod (each group's replicas in sync, the Sentinels
   * agreed on both masters) and PostgreSQL, bootstrapped as the plan's Job leaves it.
   */
  static async start(): Promise<DevPlatform> {
    const redis = await RedisPlatform.plan();
    const [database, redisUp] = await Promise.allSettled([
      startPlannedDatabase(redis.objects, redis.workDir, redis.processes),
      redis.startRedis(),
    ]);
    if (database.status === "rejected" || redisUp.status === "rejected") {
      await Promise.all([
        redis.close(),
        database.status === "fulfilled" ? database.value.server.stop() : undefined,
      ]);
      throw database.status === "rejected" ? database.reason : (redisUp as PromiseRejectedResult).reason;
    }
    return new DevPlatform(redis, database.value.server, database.value.endpoints);
  }

  /** A service's env as its web container gets it, every endpoint on loopback, POD_IP from the "downward API". */
  serviceEnv(service: string): Record<string, string> {
    const env = this.redis.serviceEnv(service);
    return Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, toLoopback(v, this.databaseEndpoints)]),
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.redis.close(), this.postgres.stop()]);
  }
}

/**
 * PostgreSQL 16 as the StatefulSet's init script and the bootstrap Job leave it: the image's first start runs
 * the admin init script as the superuser, then the Job's own command and env run the bootstrap SQL as that
 * admin, which is not a superuser. The Job must reach the server the services reach.
 */
export async function startPlannedDatabase(
  objects: readonly K8sObject[],
  workDir: string,
  processes: Processes,
): Promise<{ server: PostgresServer; endpoints: Map<string, number> }> {
  const server = await startPostgres();
  try {
    const anyService = containerEnvFrom(objects, planObject(objects, "Deployment", "catalog-web"), "web");
    const clusterUrl = new URL(anyService.DATABASE_URL!);
    const endpoints = new Map([[`${clusterUrl.hostname}:${clusterUrl.port}`, server.port]]);
    const initScript = objectData(planObject(objects, "ConfigMap", "postgres-initdb"))["10-ferrum-admin.sh"]!;
    const credentials = objectData(planObject(objects, "Secret", "postgres-credentials"));
    const initEnv = {
      ...envWithoutLibpq(),
      POSTGRES_USER: server.superuser,
      FERRUM_ADMIN_PASSWORD: credentials.FERRUM_ADMIN_PASSWORD,
      PGHOST: server.host,
      PGPORT: String(server.port),
      PGPASSWORD: server.superuserPassword,
    };
    const init = await processes.run("admin init", "sh", ["-c", initScript], initEnv, workDir, 15_000);
    if (init.code !== 0) throw new Error(`admin init script exited ${init.code}:\n${init.stderr}`);

    const job = planObject(objects, "Job", "postgres-bootstrap");
    const container = job.spec.template.spec.containers[0];
    const sqlFile = path.join(workDir, "bootstrap.sql");
    writeFileSync(
      sqlFile,
      objectData(planObject(objects, "ConfigMap", "postgres-bootstrap-sql"))["bootstrap.sql"]!,
    );
    const jobEnv: Record<string, string> = Object.fromEntries(
      (container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    if (`${jobEnv.PGHOST}:${jobEnv.PGPORT}` !== `${clusterUrl.hostname}:${clusterUrl.port}`)
      throw new Error(
        `the bootstrap Job reaches ${jobEnv.PGHOST}:${jobEnv.PGPORT}, the services ${clusterUrl.host}`,
      );
    const [shell, flag, script] = container.command as string[];
    const runEnv = {
      ...envWithoutLibpq(),
      ...jobEnv,
      PGHOST: LOOPBACK,
      PGPORT: String(server.port),
      HOME: workDir,
      ...objectData(planObject(objects, "Secret", "postgres-bootstrap")),
    };
    const runArgs = [flag!, script!.replace("/bootstrap/bootstrap.sql", sqlFile)];
    const run = await processes.run("bootstrap Job", shell!, runArgs, runEnv, workDir, 30_000);
    if (run.code !== 0)
      throw new Error(`bootstrap Job command exited ${run.code}:\n${run.stdout}${run.stderr}`);
    return { server, endpoints };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** A connection as a service's own role: the one its DATABASE_URL names. */
export async function connectAs(env: Readonly<Record<string, string>>): Promise<Client> {
  const url = new URL(env.DATABASE_URL!);
  const client = new Client({
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
  });
  await client.connect();
  return client;
}
