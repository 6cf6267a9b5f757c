/**
 * Proof on a real server that the env values RedisHA renders for a managed cache work: Debian's redis-server
 * listening with TLS only (`port 0`, `tls-port`), a certificate from a throwaway CA made with openssl, a
 * password with the characters an Azure access key holds (`+`, `/`, `=`).
 *
 * The values are the component's own (`cacheValues` with a direct target, as RedisHA builds it), for host
 * `localhost` and the server's port. Each URL is taken apart as Python's clients do (urllib: scheme, host,
 * port, DB in the path, percent-decoded password, `ssl_cert_reqs` in the query) and handed to redis-cli:
 * `rediss` means `--tls`, verified against the test CA (`--cacert`), as redis-py does by default and kombu
 * does with `ssl_cert_reqs=required`. redis-cli's own `-u` is not used: 7.0 fails AUTH on
 * `rediss://:<password>@...` (it keeps the empty user name), where redis-py and kombu send `AUTH <password>`.
 *
 * Then the clients themselves, Debian's (python3-redis, -django-redis, -kombu, -celery, as the Django proof
 * uses): django-redis on `REDIS_URL` with `REDIS_KEY_PREFIX`, a Celery app publishing a task and storing a
 * result with the Celery URLs and transport options exactly as the reference settings read them. The test CA
 * reaches them as the system's trust store does in a pod (`SSL_CERT_FILE`); without it kombu must refuse the
 * server, which proves `ssl_cert_reqs=required` took effect (kombu's fallback for a bare `rediss://` is no
 * verification at all).
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { serviceDatabases } from "../../components/redis-ha/databases";
import { cacheValues, type CacheValues, type DirectTarget } from "../../components/redis-ha/urls";
import { freePort, ProcessGroup } from "../helpers/redis-servers";

const run = promisify(execFile);

/** Debian's python3, which sees python3-celery and friends (the pyenv `python3` does not). */
const PYTHON = "/usr/bin/python3";

/**
 * One service's clients on its env (argv[1], JSON): django-redis sets a key, Celery publishes a task and
 * stores a result, then every key in DB 0 is listed. Prints one JSON line. With argv[2] = "broker", only
 * kombu publishes (no other client connects first).
 */
const CLIENTS_PY = `
import json, sys
env = json.loads(sys.argv[1])
if sys.argv[2] == "broker":
    from celery import Celery
    app = Celery("probe", broker=env["CELERY_BROKER_URL"])
    # The service's options, plus one connection attempt instead of kombu's retries (seconds each).
    app.conf.broker_transport_options = {
        **json.loads(env["CELERY_BROKER_TRANSPORT_OPTIONS"]),
        "max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1,
    }
    app.conf.task_publish_retry = False
    app.send_task("probe.add", args=(1, 2))
    print(json.dumps({"published": True}))
    sys.exit(0)
from django.conf import settings
settings.configure(CACHES={"default": {
    "BACKEND": "django_redis.cache.RedisCache",
    "LOCATION": env["REDIS_URL"],
    "KEY_PREFIX": env["REDIS_KEY_PREFIX"],
}})
from django.core.cache import cache
cache.set("probe", "from django", timeout=60)
from celery import Celery
options = json.loads(env["CELERY_BROKER_TRANSPORT_OPTIONS"])
app = Celery("probe", broker=env["CELERY_BROKER_URL"], backend=env["CELERY_RESULT_BACKEND"])
app.conf.broker_transport_options = options
app.conf.result_backend_transport_options = options
app.send_task("probe.add", args=(1, 2), task_id="probe-task")
app.backend.store_result("probe-task", 3, "SUCCESS")
result = app.AsyncResult("probe-task").get(timeout=5)
import redis
keys = sorted(k.decode() for k in redis.Redis.from_url(env["REDIS_URL"]).scan_iter())
print(json.dumps({"cache": cache.get("probe"), "result": result, "keys": keys}))
`;
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/components/redis-ha-managed.real.test.ts", [
  TOOLS.redisServer,
  TOOLS.openssl,
  TOOLS.python,
  TOOLS.redisPy,
  TOOLS.djangoRedis,
  TOOLS.celery,
]);

/** Shaped like an Azure access key: base64 of 32 bytes, so `+`, `/` and `=` must survive the URL. */
const PASSWORD = "k+Zq3/8vXw1PnL0s9Tb4Yc7Rm2Ha6Fd5Je/Gu+Vi0Ko=";
const SERVICES = ["auth", "user"];

const group = new ProcessGroup();
let dir: string;
let port: number;
const values: Record<string, CacheValues> = {};

/** A URL's parts as redis-py and kombu read them. */
interface UrlParts {
  readonly tls: boolean;
  /** Verify the server's certificate: redis-py's default on `rediss://`, unless `ssl_cert_reqs=none`. */
  readonly verify: boolean;
  /** The `ssl_cert_reqs` query parameter: Celery's result backend requires it, kombu honours it. */
  readonly certReqs: string | null;
  readonly host: string;
  readonly port: string;
  readonly db: string;
  readonly password: string;
}

function parts(url: string): UrlParts {
  const u = new URL(url);
  const certReqs = u.searchParams.get("ssl_cert_reqs");
  return {
    tls: u.protocol === "rediss:",
    verify: certReqs !== "none" && certReqs !== "CERT_NONE",
    certReqs,
    host: u.hostname,
    port: u.port,
    db: u.pathname.replace(/^\//, "") || "0",
    password: decodeURIComponent(u.password),
  };
}

/** What a test changes about a client: the URL's parts, and whether the test CA is among its trusted roots. */
type ClientOverrides = Partial<UrlParts> & { readonly trustTestCa?: boolean };

/**
 * redis-cli as a client of `p` (TLS when the scheme says so, verifying the server unless told not to), the
 * password from REDISCLI_AUTH (never on the command line); stdout and stderr.
 */
async function cli(p: UrlParts, args: readonly string[], overrides: ClientOverrides = {}): Promise<string> {
  const q = { ...p, ...overrides };
  const trust = overrides.trustTestCa ?? true;
  const verification = q.verify ? (trust ? ["--cacert", path.join(dir, "ca.crt")] : []) : ["--insecure"];
  const tls = q.tls ? ["--tls", ...verification] : [];
  try {
    const { stdout, stderr } = await run(
      "redis-cli",
      ["-h", q.host, "-p", q.port, "-n", q.db, ...tls, ...args],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", REDISCLI_AUTH: q.password }, timeout: 5_000 },
    );
    return `${stdout}${stderr}`.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || e.message;
  }
}

/** A CA, and a server certificate it signed for localhost (127.0.0.1 and ::1 too). */
function makeCertificates(): void {
  const openssl = (command: string) =>
    execFileSync("openssl", command.split(" "), { cwd: dir, stdio: "pipe" });
  openssl("req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ferrum-test-ca -keyout ca.key -out ca.crt");
  openssl("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr");
  writeFileSync(path.join(dir, "san.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n");
  openssl(
    "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile san.cnf -out server.crt",
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ferrum-redis-tls-"));
  makeCertificates();
  port = await freePort();
  const config = path.join(dir, "redis.conf");
  writeFileSync(
    config,
    [
      "port 0",
      `tls-port ${port}`,
      "bind 127.0.0.1 -::1",
      `tls-cert-file ${path.join(dir, "server.crt")}`,
      `tls-key-file ${path.join(dir, "server.key")}`,
      `tls-ca-cert-file ${path.join(dir, "ca.crt")}`,
      "tls-auth-clients no",
      'tls-protocols "TLSv1.2 TLSv1.3"',
      `requirepass ${PASSWORD}`,
      "maxmemory-policy noeviction",
      'save ""',
      "appendonly no",
      "",
    ].join("\n"),
  );
  // One TLS-only server stands in for both managed caches (Celery's and the caches').
  const endpoint = { host: "localhost", port, password: PASSWORD };
  const target: DirectTarget = { kind: "direct", ...endpoint, tls: true, cache: endpoint };
  SERVICES.forEach((s, i) => (values[s] = cacheValues(target, s, serviceDatabases(i + 1))));
  const probe = parts(values.auth!.url);
  await group.start("redis-tls", "redis-server", config, port, dir, async () =>
    (await cli(probe, ["PING"])).includes("PONG"),
  );
}, 15_000);

/** The env variables of `service`, as DjangoService renders them from the connection. */
function serviceEnv(service: string): Record<string, string> {
  const v = values[service]!;
  return {
    REDIS_URL: v.url,
    REDIS_SENTINELS: v.sentinels,
    REDIS_SENTINEL_MASTER: v.sentinelMaster,
    REDIS_KEY_PREFIX: v.keyPrefix,
    CELERY_BROKER_URL: v.celeryBrokerUrl,
    CELERY_RESULT_BACKEND: v.celeryResultBackend,
    CELERY_BROKER_TRANSPORT_OPTIONS: v.celeryTransportOptions,
    EVENTS_REDIS_URL: v.eventsUrl,
  };
}

/**
 * CLIENTS_PY for `env`: every client, or the broker alone. `trustTestCa` puts the test CA where OpenSSL
 * looks for trusted roots; otherwise nothing is trusted.
 */
async function pythonClients(
  env: Record<string, string>,
  mode: "all" | "broker",
  trustTestCa: boolean,
): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run(PYTHON, ["-c", CLIENTS_PY, JSON.stringify(env), mode], {
      env: {
        PATH: "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        PYTHONDONTWRITEBYTECODE: "1",
        SSL_CERT_FILE: trustTestCa ? path.join(dir, "ca.crt") : path.join(dir, "no-such-ca.crt"),
      },
      timeout: 20_000,
    });
    return { ok: true, out: stdout.trim() };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` || e.message };
  }
}

afterAll(async () => {
  await group.stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a managed cache's env values against a TLS-only redis-server", () => {
  test("REDIS_URL and CELERY_BROKER_URL ask for TLS with a verified certificate, on DB 0", () => {
    for (const s of SERVICES) {
      const v = values[s]!;
      for (const url of [v.url, v.celeryBrokerUrl, v.celeryResultBackend, v.eventsUrl]) {
        expect(parts(url)).toMatchObject({
          tls: true,
          host: "localhost",
          port: String(port),
          db: "0",
          password: PASSWORD,
        });
      }
      expect(parts(v.celeryBrokerUrl).certReqs).toBe("required");
      expect(parts(v.celeryResultBackend).certReqs).toBe("required");
    }
  });

  test("each service authenticates, writes under its own prefix, and reads it back through its Celery URL", async () => {
    for (const s of SERVICES) {
      const v = values[s]!;
      expect(await cli(parts(v.url), ["SET", `${v.keyPrefix}probe`, `written by ${s}`])).toBe("OK");
      expect(await cli(parts(v.celeryBrokerUrl), ["GET", `${v.keyPrefix}probe`])).toBe(`written by ${s}`);
    }
    const keys = (await cli(parts(values.auth!.eventsUrl), ["--scan"])).split("\n").sort();
    expect(keys).toEqual(["auth:probe", "user:probe"]);
    expect(new Set(keys.map((k) => k.split(":")[0] + ":"))).toEqual(
      new Set(SERVICES.map((s) => values[s]!.keyPrefix)),
    );
  });

  test("Django's cache and Celery, on their own URLs: TLS verified, every broker key under the service's prefix", async () => {
    const { ok, out } = await pythonClients(serviceEnv("auth"), "all", true);
    if (!ok) throw new Error(`the Python clients failed:\n${out}`);
    const report = JSON.parse(out.split("\n").pop()!) as { cache: string; result: number; keys: string[] };
    expect(report.cache).toBe("from django");
    expect(report.result).toBe(3);
    // django-redis: <KEY_PREFIX>:<version>:<key>; kombu: the queue and its binding set, under global_keyprefix
    // (a cluster hash tag, so one service's queue keys share a slot on a sharded cache).
    expect(report.keys).toEqual(
      expect.arrayContaining(["auth::1:probe", "{auth}:celery", "{auth}:_kombu.binding.celery"]),
    );
    // Celery >= 5.3 prefixes its result keys too; Debian 12's 5.2 does not (they are keyed by task UUIDs).
    const results = report.keys.filter((k) => k.includes("celery-task-meta-"));
    expect(results).toHaveLength(1);
    expect(results[0]).toMatch(/^(\{auth\}:)?celery-task-meta-probe-task$/);
    const others = report.keys.filter(
      (k) => !k.startsWith("auth:") && !k.startsWith("{auth}:") && !k.startsWith("user:") && k !== results[0],
    );
    expect(others).toEqual([]);
  }, 30_000);

  test("kombu verifies the server because of ssl_cert_reqs and ssl_check_hostname: without them, it would trust anyone", async () => {
    const env = serviceEnv("user");
    const refused = await pythonClients(env, "broker", false);
    expect(refused.ok).toBe(false);
    expect(refused.out).toMatch(/CERTIFICATE_VERIFY_FAILED/);
    // The control: without both parameters kombu falls back to no certificate check and trusts the server.
    const bare = {
      ...env,
      CELERY_BROKER_URL: env.CELERY_BROKER_URL!.replace(/\?.*$/, ""),
    };
    expect(bare.CELERY_BROKER_URL).not.toContain("ssl_");
    const unverified = await pythonClients(bare, "broker", false);
    expect(unverified).toEqual({ ok: true, out: '{"published": true}' });
    // Dropping only ssl_cert_reqs does not reopen that hole: with ssl_check_hostname on, the client refuses.
    const hostnameOnly = {
      ...env,
      CELERY_BROKER_URL: env.CELERY_BROKER_URL!.replace(/&ssl_cert_reqs=required$/, ""),
    };
    expect(hostnameOnly.CELERY_BROKER_URL).toMatch(/\?ssl_check_hostname=true$/);
    expect((await pythonClients(hostnameOnly, "broker", false)).ok).toBe(false);
  }, 30_000);

  test("the server refuses plaintext, a client that cannot verify its certificate, and a wrong password", async () => {
    const p = parts(values.auth!.celeryBrokerUrl);
    expect(await cli(p, ["PING"], { tls: false })).not.toContain("PONG");
    expect(await cli(p, ["PING"], { trustTestCa: false })).toMatch(/certificate verify failed/);
    expect(await cli(p, ["PING"], { password: `${PASSWORD}x` })).toMatch(/WRONGPASS|NOAUTH/);
    expect(await cli(p, ["PING"])).toBe("PONG");
  });
});
