/**
 * docker-compose.yml, the local stack without Kubernetes: generated (never stale), and at parity with the k3s
 * dev stack's plan (env keys and values, commands, routes), with no credential in any generated file.
 * docker-compose's own validation of the file runs in compose.real.test.ts (it needs the Debian package).
 */
import { spawnSync } from "child_process";
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse } from "yaml";
import { expectedComposeServices } from "../helpers/compose";
import { CATALOG, WEB_PORT } from "../../config/catalog";
import { DEFAULT_POSTGRES_IMAGE, FerrumConfig } from "../../config";
import { migrateCommand } from "../../components/django-service/migrate";
import { routeRule } from "../../components/django-service/routing";
import { BOOTSTRAP_SHELL } from "../../components/managed-postgres/bootstrap-job";
import { renderAdminInitScript, renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import { ADMIN_ROLE } from "../../components/managed-postgres/naming";
import { renderBootstrapScript } from "../../components/object-store/bootstrap-script";
import { bucketPrefix, serviceBuckets } from "../../components/object-store/naming";
import { renderPolicy } from "../../components/object-store/policy";
import { renderPublicReadPolicy } from "../../components/object-store/public-access";
import { credentialProblems } from "../../local/generator/audit";
import { staleFiles, staleMessage, writeGenerated } from "../../local/generator/files";
import { interpolate, MissingVariablesError, referencedNames } from "../../local/generator/interpolate";
import {
  COMPOSE_FILE,
  djangoServiceNames,
  GENERATED_DIR,
  GeneratedFile,
  REGENERATE_COMMAND,
  renderCompose,
  RenderedCompose,
  STACK_FILE,
} from "../../local/generator/render";
import { loadComposeConfig } from "../../local/generator/source";
import { ALPHABETS, MISSING_MESSAGE } from "../../local/generator/variables";
import {
  appendix,
  assignedNames,
  cryptoRandom,
  ensureEnvFile,
  renderEnvFile,
  valueWarnings,
} from "../../local/make-env";
import { manifests } from "../../harness/planner";
import { renderGenerated } from "../../local/generate";
import { sharedPlan } from "../helpers/shared-plans";

const ROOT = path.resolve(__dirname, "../..");
/** Where `npm run compose` writes (local/). */
const LOCAL = path.join(ROOT, "local");
const RUN = path.join(ROOT, "build/run.js");

let config: FerrumConfig;
let rendered: RenderedCompose;
/** Everything `npm run compose` writes: docker-compose.yml, docker-stack.yml and compose/. */
let generated: GeneratedFile[];
/** The fresh render's docker-compose.yml, parsed (aliases resolved) and not interpolated. */
let compose: any;
/** A `.env` as make-env writes it, parsed. */
let env: Record<string, string>;
/** The compose file as compose reads it with that `.env`. */
let resolved: any;
/** The k3s dev plan's objects, secrets in the clear (the plan's placeholders and mock values). */
let objects: any[];

const dotenv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split("\n")
      .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

beforeAll(async () => {
  config = loadComposeConfig();
  rendered = await renderCompose(config);
  generated = await renderGenerated(config);
  compose = parse(rendered.files[0]!.content);
  env = dotenv(renderEnvFile(rendered.variables));
  resolved = interpolate(compose, env);
  objects = manifests(await sharedPlan("dev"), true);
});

/** Every string value of a parsed YAML tree. */
const allStrings = (v: unknown): string[] =>
  typeof v === "string"
    ? [v]
    : Array.isArray(v)
      ? v.flatMap(allStrings)
      : v && typeof v === "object"
        ? Object.values(v).flatMap(allStrings)
        : [];

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "ferrum-compose-"));
  tempDirs.push(d);
  return d;
}
/** A copy of the committed docker-compose.yml, docker-stack.yml and compose/ in a temporary root. */
function committedCopy(): string {
  const root = tempDir();
  for (const file of [COMPOSE_FILE, STACK_FILE])
    cpSync(path.join(LOCAL, file), path.join(root, file), { preserveTimestamps: true });
  cpSync(path.join(LOCAL, GENERATED_DIR), path.join(root, GENERATED_DIR), { recursive: true });
  return root;
}

const k3sNamed = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) ?? fail(`no ${kind} ${name} in the plan`);
const k3sWebContainers = (s: string): any[] =>
  k3sNamed("Deployment", `${s}-web`).spec.template.spec.containers;
/** The k3s ConfigMap and Secret a service's containers read (envFrom). */
function k3sEnv(s: string): { config: Record<string, string>; secret: Record<string, string> } {
  const [cm, sec] = k3sWebContainers(s)[0].envFrom;
  return {
    config: k3sNamed("ConfigMap", cm.configMapRef.name).data,
    secret: k3sNamed("Secret", sec.secretRef.name).stringData,
  };
}
const celeryServices = CATALOG.filter((s) => s.celery).map((s) => s.name);

describe("docker-compose.yml is generated, never edited", () => {
  test("the committed docker-compose.yml, docker-stack.yml and compose/ equal a fresh render", () => {
    const problems = staleFiles(LOCAL, generated);
    if (problems.length) throw new Error(staleMessage(problems));
  });

  test("its header says it is generated and names the command that regenerates it", () => {
    const head = rendered.files[0]!.content.split("\n").slice(0, 2).join("\n");
    expect(head).toContain("GENERATED FILE: do not edit");
    expect(head).toContain(`Regenerate with: ${REGENERATE_COMMAND}`);
    expect(REGENERATE_COMMAND).toBe("npm run compose");
  });

  test("a hand-edited, incomplete or cluttered copy is stale: every file is named with the command; a rewrite fixes it", () => {
    const root = committedCopy();
    const file = path.join(root, COMPOSE_FILE);
    writeFileSync(file, readFileSync(file, "utf8").replace("traefik:v3", "traefik:v2"));
    unlinkSync(path.join(root, GENERATED_DIR, "minio/policies/user.json"));
    writeFileSync(path.join(root, GENERATED_DIR, "redis/old.conf"), "port 6380\n");
    chmodSync(path.join(root, GENERATED_DIR, "postgres/initdb/10-ferrum-admin.sh"), 0o644);

    const problems = staleFiles(root, generated);
    expect(problems).toEqual([
      "docker-compose.yml differs from a fresh render",
      "compose/minio/policies/user.json is missing",
      "compose/postgres/initdb/10-ferrum-admin.sh is not executable (mode 0755)",
      "compose/redis/old.conf is not generated any more",
    ]);
    expect(staleMessage(problems)).toMatch(
      /stale \(4 problems\)[\s\S]*regenerate them with `npm run compose`/,
    );

    const r = writeGenerated(root, generated);
    expect(r.written.sort()).toEqual(
      [COMPOSE_FILE, "compose/minio/policies/user.json", "compose/postgres/initdb/10-ferrum-admin.sh"].sort(),
    );
    expect(r.removed).toEqual(["compose/redis/old.conf"]);
    expect(staleFiles(root, generated)).toEqual([]);
  });

  test("`npm run compose -- --check` exits 1 on a stale copy, naming the file and the command, and writes nothing", () => {
    const root = committedCopy();
    const file = path.join(root, GENERATED_DIR, "postgres/bootstrap/bootstrap.sql");
    const edited = `${readFileSync(file, "utf8")}-- a hand edit\n`;
    writeFileSync(file, edited);
    const r = spawnSync(process.execPath, [RUN, "local/generate.ts", "--check", "--root", root], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("compose/postgres/bootstrap/bootstrap.sql differs from a fresh render");
    expect(r.stderr).toContain("regenerate them with `npm run compose`");
    expect(readFileSync(file, "utf8")).toBe(edited);
  });
});

describe("services", () => {
  test("postgres, redis and redis-cache, three sentinels, minio, traefik, the one-shots, four web services, two workers, two beats", () => {
    const expected = expectedComposeServices();
    expect(Object.keys(compose.services)).toEqual(expected);
    const ofComponent = (c: string) =>
      Object.keys(compose.services).filter(
        (n) => compose.services[n].labels["app.kubernetes.io/component"] === c,
      );
    expect(ofComponent("web")).toEqual(["auth", "user", "content", "catalog"]);
    expect(ofComponent("worker")).toEqual(["auth-worker", "catalog-worker"]);
    expect(ofComponent("beat")).toEqual(["auth-beat", "catalog-beat"]);
    expect(celeryServices).toEqual(["auth", "catalog"]);
  });

  test("images: the config's pinned ones (postgres:16 as DEFAULT_POSTGRES_IMAGE), Traefik v3 pinned, services overridable", () => {
    const s = compose.services;
    expect(s.postgres.image).toBe(DEFAULT_POSTGRES_IMAGE);
    expect(s["postgres-bootstrap"].image).toBe(config.postgres.image);
    expect(s.redis.image).toBe(config.redis.image);
    expect(s.minio.image).toBe(config.objectStore.image);
    expect(s["minio-bootstrap"].image).toBe(config.objectStore.clientImage);
    expect(s.traefik.image).toMatch(/^traefik:v3\.\d+\.\d+$/);
    for (const svc of config.services)
      expect(s[svc.name].image).toBe(`\${FERRUM_${svc.name.toUpperCase()}_IMAGE:-${svc.image}}`);
  });

  test("depends_on: every target exists, one-shots are awaited to completion, the Sentinels started, the rest healthy; no cycle", () => {
    const services: Record<string, any> = compose.services;
    const oneShot = (n: string) => services[n].restart === "no";
    expect(Object.keys(services).filter(oneShot)).toEqual([
      "postgres-bootstrap",
      "minio-bootstrap",
      ...CATALOG.map((s) => `${s.name}-migrate`),
    ]);
    for (const [name, svc] of Object.entries(services)) {
      for (const [target, dep] of Object.entries<any>(svc.depends_on ?? {})) {
        expect(services[target]).toBeDefined();
        if (oneShot(target))
          expect([name, target, dep.condition]).toEqual([name, target, "service_completed_successfully"]);
        else if (/^redis/.test(name) && /^sentinel-/.test(target))
          // A Redis server's init asks the Sentinels who the master is: they must be up, not yet healthy.
          expect([name, target, dep.condition]).toEqual([name, target, "service_started"]);
        else {
          expect([name, target, dep.condition]).toEqual([name, target, "service_healthy"]);
          expect(services[target].healthcheck).toBeDefined();
        }
      }
    }
    // Kahn's algorithm: everything starts.
    const pending = new Map(
      Object.entries(services).map(([n, s]) => [n, new Set(Object.keys(s.depends_on ?? {}))]),
    );
    while (pending.size) {
      const ready = [...pending].filter(([, deps]) => deps.size === 0).map(([n]) => n);
      expect(ready.length).toBeGreaterThan(0);
      for (const n of ready) pending.delete(n);
      for (const deps of pending.values()) ready.forEach((n) => deps.delete(n));
    }
    // As on k3s: each Django container waits for the databases, Redis and the buckets; web for its migration.
    for (const s of CATALOG) {
      const n = djangoServiceNames(s.name);
      expect(Object.keys(services[n.web].depends_on)).toEqual(
        expect.arrayContaining(["postgres-bootstrap", "sentinel-0", "minio-bootstrap", n.migrate]),
      );
    }
  });

  test("long-running data services and web services have healthchecks; Django containers run as the k3s pods do", () => {
    for (const n of [
      "traefik",
      "postgres",
      "redis",
      "sentinel-0",
      "sentinel-1",
      "sentinel-2",
      "minio",
      ...CATALOG.map((s) => s.name),
    ])
      expect([n, compose.services[n].healthcheck?.test?.[0]]).toEqual([n, "CMD"]);
    for (const s of config.services) {
      const web = compose.services[s.name];
      expect(web).toMatchObject({ user: "10001:10001", read_only: true, tmpfs: ["/tmp"], cap_drop: ["ALL"] });
      expect(web.mem_limit).toBe(`${s.web.memoryLimitMiB}m`);
      expect(web.healthcheck.test.join(" ")).toContain(`http://127.0.0.1:${WEB_PORT}/healthz/ready`);
      expect(web.healthcheck.test.join(" ")).toContain(`"Host": "${s.name}"`);
    }
  });
});

describe("the env contract: each service's env has its k3s ConfigMap + Secret keys", () => {
  test.each(CATALOG.map((s) => s.name))(
    "%s: web, migrate, worker and beat get exactly the keys of the k3s ConfigMap + Secret",
    (s) => {
      const k3s = k3sEnv(s);
      const keys = [...Object.keys(k3s.config), ...Object.keys(k3s.secret)].sort();
      const names = djangoServiceNames(s);
      const containers = [
        names.migrate,
        names.web,
        ...(celeryServices.includes(s) ? [names.worker, names.beat] : []),
      ];
      for (const c of containers)
        expect([c, Object.keys(compose.services[c].environment).sort()]).toEqual([c, keys]);
      // The one variable k3s sets from the downward API, and compose does not have.
      expect(k3sWebContainers(s)[0].env.map((e: any) => e.name)).toEqual(["POD_IP"]);
      expect(compose.services[names.web].environment.POD_IP).toBeUndefined();
    },
  );

  /** k3s host names as the compose network calls them. */
  const composeHosts = (v: string) =>
    v
      .replace(/redis-sentinel-(\d+)\.redis-sentinel-headless\.ferrum\.svc\.cluster\.local/g, "sentinel-$1")
      .replace(/([a-z0-9-]+)\.ferrum\.svc\.cluster\.local/g, "$1");
  const maskPasswords = (v: string) =>
    v
      .replace(/(:\/\/[^:@/\s;]*:)[^@\s;]*@/g, "$1<password>@")
      .replace(/("password":")[^"]*"/g, '$1<password>"');
  const WHOLLY_SECRET = [
    "DJANGO_SECRET_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "YOOKASSA_SECRET_KEY",
  ];

  test.each(CATALOG.map((s) => s.name))(
    "%s: every value equals k3s's once hosts are mapped and passwords masked",
    (s) => {
      const k3s = k3sEnv(s);
      const mine: Record<string, string> = resolved.services[s].environment;
      for (const [key, value] of Object.entries({ ...k3s.config, ...k3s.secret })) {
        if (WHOLLY_SECRET.includes(key)) continue;
        if (key === "DJANGO_ALLOWED_HOSTS") {
          // The API host, and the service's name on the compose network (the healthcheck's Host header).
          expect(mine[key]!.split(",")).toEqual([config.apiHost, s]);
          expect(composeHosts(value).split(",")).toEqual(expect.arrayContaining(mine[key]!.split(",")));
          continue;
        }
        if (key.startsWith("AWS_S3_PUBLIC_") && key !== "AWS_S3_PUBLIC_PREFIX") {
          // The public host through the local Traefik, on its websecure host port, always written out: the
          // file names the variable, which defaults to 443.
          expect(compose.services[s].environment[key]).toBe(
            value.replace(/^(https:\/\/[^/]+)/, "$1:${FERRUM_HTTPS_PORT:-443}"),
          );
          expect(mine[key]).toBe(value.replace(/^(https:\/\/[^/]+)/, "$1:443"));
          continue;
        }
        expect([key, maskPasswords(mine[key]!)]).toEqual([key, maskPasswords(composeHosts(value))]);
      }
    },
  );

  test("every host a service connects to is a compose service (the Sentinel master name aside)", () => {
    for (const s of CATALOG) {
      const e: Record<string, string> = resolved.services[s.name].environment;
      const hosts = [
        ...e.REDIS_SENTINELS!.split(",").map((h) => h.split(":")[0]),
        ...[e.DATABASE_URL!, e.AWS_S3_ENDPOINT_URL!, ...e.CELERY_BROKER_URL!.split(";")].map(
          (u) => new URL(u).hostname,
        ),
      ];
      for (const h of hosts)
        expect([s.name, h, compose.services[h!] !== undefined]).toEqual([s.name, h, true]);
      // The master group names: the cache group for Django's cache, the data group for the events.
      expect(new URL(e.REDIS_URL!).hostname).toBe("ferrum-cache");
      expect(new URL(e.EVENTS_REDIS_URL!).hostname).toBe(e.REDIS_SENTINEL_MASTER);
    }
  });
});

describe("no credential in any generated file", () => {
  const secretNames = () => new Set(rendered.variables.filter((v) => v.kind === "secret").map((v) => v.name));

  test("every credential is a required ${VAR} reference: the audit finds nothing", () => {
    expect(credentialProblems(compose, secretNames())).toEqual([]);
  });

  test("every value k3s keeps in a Secret references a variable; the credentials a secret one", () => {
    for (const s of CATALOG) {
      const mine: Record<string, string> = compose.services[s.name].environment;
      for (const key of Object.keys(k3sEnv(s.name).secret)) {
        const names = referencedNames(mine[key]!);
        expect([s.name, key, names.length > 0]).toEqual([s.name, key, true]);
        if (key !== "YOOKASSA_SHOP_ID")
          for (const n of names) expect([key, n, secretNames().has(n)]).toEqual([key, n, true]);
      }
    }
  });

  test("bad cases: a literal password, key or URL password, and a default on a secret are each caught", () => {
    const broken = (edit: (c: any) => void) => {
      const c = JSON.parse(JSON.stringify(compose)); // unshares the env the containers of a service share
      edit(c);
      return credentialProblems(c, secretNames());
    };
    expect(broken((c) => (c.services.postgres.environment.POSTGRES_PASSWORD = "hunter2hunter2"))).toEqual([
      expect.stringContaining("services.postgres.environment.POSTGRES_PASSWORD holds"),
    ]);
    expect(
      broken(
        (c) =>
          (c.services.auth.environment.DATABASE_URL =
            "postgres://ferrum_auth:s3cret@postgres:5432/ferrum_auth"),
      ),
    ).toEqual([expect.stringContaining('the URL\'s password "s3cret"')]);
    expect(
      broken(
        (c) =>
          (c.services.auth.environment.CELERY_BROKER_TRANSPORT_OPTIONS =
            '{"master_name":"ferrum","sentinel_kwargs":{"password":"abc"}}'),
      ),
    ).toEqual([expect.stringContaining('the JSON password "abc"')]);
    expect(
      broken(
        (c) =>
          (c.services.redis.environment.FERRUM_REDIS_ADMIN_PASSWORD =
            "${FERRUM_REDIS_ADMIN_PASSWORD:-changeme}"),
      ),
    ).toEqual([
      expect.stringContaining("services.redis.environment.FERRUM_REDIS_ADMIN_PASSWORD holds"),
      expect.stringContaining("gives the secret FERRUM_REDIS_ADMIN_PASSWORD a default"),
    ]);
    expect(broken((c) => (c.services.minio.environment = ["MINIO_ROOT_PASSWORD=x"]))).toEqual([
      "services.minio.environment must be a map (KEY: value), so each value can be checked",
    ]);
  });

  test("no value of a generated .env appears in docker-compose.yml or compose/", () => {
    const fresh = dotenv(renderEnvFile(rendered.variables, cryptoRandom));
    const text = rendered.files.map((f) => f.content).join("\n");
    const secrets = rendered.variables.filter((v) => v.kind === "secret").map((v) => fresh[v.name]!);
    expect(secrets.length).toBeGreaterThanOrEqual(20);
    expect(secrets.filter((v) => text.includes(v))).toEqual([]);
  });
});

describe("routes: the k3s IngressRoutes as Traefik labels", () => {
  test.each(CATALOG.map((s) => s.name))(
    "%s: same rule, strip prefix, entry points and TLS as the k3s IngressRoute",
    (s) => {
      const def = CATALOG.find((d) => d.name === s)!;
      const labels: Record<string, string> = compose.services[s].labels;
      const route = k3sNamed("IngressRoute", s).spec;
      const middleware = k3sNamed("Middleware", `${s}-strip-prefix`).spec;
      expect(labels["traefik.enable"]).toBe("true");
      expect(labels[`traefik.http.routers.${s}.rule`]).toBe(routeRule(config.apiHost, def.routePrefix));
      expect(labels[`traefik.http.routers.${s}.rule`]).toBe(route.routes[0].match);
      expect(labels[`traefik.http.routers.${s}.middlewares`]).toBe(`${s}-strip-prefix`);
      expect(labels[`traefik.http.middlewares.${s}-strip-prefix.stripprefix.prefixes`]).toBe(
        middleware.stripPrefix.prefixes.join(","),
      );
      expect(labels[`traefik.http.routers.${s}.entrypoints`]).toBe(route.entryPoints.join(","));
      expect(labels[`traefik.http.routers.${s}.tls`]).toBe(route.tls ? "true" : undefined);
      expect(labels[`traefik.http.services.${s}.loadbalancer.server.port`]).toBe(String(WEB_PORT));
      expect(def.routePrefix).toBe(`/${s}`);
    },
  );

  test("only web services and the object store are routed; Traefik serves websecure and redirects web to it", () => {
    const routed = Object.keys(compose.services).filter(
      (n) => compose.services[n].labels?.["traefik.enable"] === "true",
    );
    expect(routed).toEqual(["minio", ...CATALOG.map((s) => s.name)]);
    // The object store: the k3s IngressRoute's host, the S3 port, the Host header kept.
    const k3sRoute = k3sNamed("IngressRoute", "object-store").spec;
    expect(compose.services.minio.labels).toMatchObject({
      "traefik.http.routers.object-store.rule": k3sRoute.routes[0].match,
      "traefik.http.routers.object-store.entrypoints": k3sRoute.entryPoints.join(","),
      "traefik.http.routers.object-store.tls": "true",
      "traefik.http.routers.object-store.service": "object-store",
      "traefik.http.services.object-store.loadbalancer.server.port": "9000",
      "traefik.http.services.object-store.loadbalancer.passhostheader": "true",
    });
    expect(k3sRoute.routes[0].services[0]).toMatchObject({ port: 9000, passHostHeader: true });
    expect(compose.services.traefik.command).toEqual(
      expect.arrayContaining([
        "--providers.docker.exposedByDefault=false",
        "--entryPoints.websecure.address=:443",
      ]),
    );
    expect(resolved.services.traefik.ports).toEqual(["127.0.0.1:80:80", "127.0.0.1:443:443"]);
  });
});

describe("the components' renderers and the k3s pod specs, reused", () => {
  const content = (p: string) => rendered.files.find((f: GeneratedFile) => f.path === p)?.content;

  test("compose/ holds the components' rendered files, and the containers mount them", () => {
    const buckets = serviceBuckets(bucketPrefix(config.project, config.stack), config.services);
    expect(content("compose/postgres/initdb/10-ferrum-admin.sh")).toBe(renderAdminInitScript(ADMIN_ROLE));
    // One login and one object-store user per service: the local stack's credentials never rotate.
    expect(content("compose/postgres/bootstrap/bootstrap.sql")).toBe(
      renderBootstrapSql(
        config.services.map((s) => s.name),
        { logins: ["a"] },
      ),
    );
    expect(content("compose/minio/bootstrap/bootstrap.sh")).toBe(
      renderBootstrapScript(buckets, { noncurrentVersionDays: config.objectStore.noncurrentVersionDays }, [
        "a",
      ]),
    );
    for (const b of buckets) {
      expect(content(`compose/minio/policies/${b.service}.json`)).toBe(renderPolicy(b.bucket));
      expect(content(`compose/minio/policies/${b.service}.public.json`)).toBe(
        renderPublicReadPolicy(b.bucket),
      );
    }
    expect(content("compose/redis/sentinel.conf")).toContain("sentinel monitor ferrum redis 6379 2\n");
    expect(content("compose/redis/redis.conf")).toContain("min-replicas-to-write 0\n");
    expect(content("compose/redis/redis.conf")).toContain("maxmemory-policy noeviction\n");
    expect(rendered.files.filter((f) => f.executable).map((f) => f.path)).toEqual([
      "compose/postgres/initdb/10-ferrum-admin.sh",
    ]);
    expect(
      statSync(path.join(LOCAL, "compose/postgres/initdb/10-ferrum-admin.sh")).mode & 0o100,
    ).toBeTruthy();
    expect(compose.services.postgres.volumes).toContain(
      "./compose/postgres/initdb:/docker-entrypoint-initdb.d:ro",
    );
    expect(compose.services["postgres-bootstrap"].volumes).toEqual([
      "./compose/postgres/bootstrap:/bootstrap:ro",
    ]);
    expect(compose.services["minio-bootstrap"].volumes).toEqual([
      "./compose/minio/bootstrap:/bootstrap:ro",
      "./compose/minio/policies:/policies:ro",
    ]);
  });

  test("the bootstrap runs as the non-superuser admin with each login's password from .env", () => {
    const e = resolved.services["postgres-bootstrap"].environment;
    expect(e.PGUSER).toBe(ADMIN_ROLE);
    expect(e.PGPASSWORD).toBe(env.FERRUM_POSTGRES_ADMIN_PASSWORD);
    expect(resolved.services.postgres.environment.FERRUM_ADMIN_PASSWORD).toBe(
      env.FERRUM_POSTGRES_ADMIN_PASSWORD,
    );
    for (const s of CATALOG) {
      const pw = e[`FERRUM_${s.name.toUpperCase()}_A_PASSWORD`];
      expect(pw).toBe(env[`FERRUM_${s.name.toUpperCase()}_DB_PASSWORD`]);
      expect(resolved.services[s.name].environment.DATABASE_URL).toBe(
        `postgres://ferrum_${s.name}_a:${pw}@postgres:5432/ferrum_${s.name}?sslmode=prefer&options=-c%20role%3Dferrum_${s.name}`,
      );
    }
  });

  test("`$` survives compose: the commands read back are the components' and the k3s containers'", () => {
    expect(resolved.services["postgres-bootstrap"].command).toEqual(["sh", "-c", BOOTSTRAP_SHELL]);
    for (const s of CATALOG) {
      const n = djangoServiceNames(s.name);
      expect(resolved.services[n.migrate].command).toEqual(migrateCommand());
      expect(resolved.services[n.migrate].command).toEqual(
        k3sNamed("Deployment", `${s.name}-web`).spec.template.spec.initContainers[0].command,
      );
      if (!s.celery) continue;
      const worker = k3sWebContainers(s.name).find((c) => c.name === "worker");
      expect(resolved.services[n.worker].command).toEqual(worker.command);
      expect(resolved.services[n.worker].healthcheck.test).toEqual([
        "CMD",
        ...worker.livenessProbe.exec.command,
      ]);
      expect(resolved.services[n.beat].command).toEqual(
        k3sNamed("Deployment", `${s.name}-beat`).spec.template.spec.containers[0].command,
      );
    }
  });
});

describe(".env: make-env writes what the compose file references", () => {
  test("the file references exactly the registry's variables, secrets required and settings defaulted", () => {
    const text = rendered.files[0]!.content;
    const used = new Set(allStrings(compose).flatMap(referencedNames));
    expect([...used].sort()).toEqual(rendered.variables.map((v) => v.name).sort());
    for (const v of rendered.variables) {
      if (v.kind === "secret") expect(text).toContain(`\${${v.name}:?${MISSING_MESSAGE}}`);
      else expect(text).toContain(`\${${v.name}:-${v.default}}`);
    }
  });

  test("a new .env sets every secret with letters and digits of its length, and names the compose project", () => {
    expect(env.COMPOSE_PROJECT_NAME).toBe("ferrum");
    for (const v of rendered.variables) {
      if (v.kind === "setting") {
        expect(env[v.name]).toBeUndefined();
        continue;
      }
      expect(env[v.name]).toMatch(new RegExp(`^[${ALPHABETS[v.alphabet]}]{${v.length}}$`));
    }
    for (const user of ["REDIS_ADMIN", "REDIS_SENTINEL", "CATALOG_REDIS"])
      expect(env[`FERRUM_${user}_PASSWORD`]).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  test("bad case: without a credential compose refuses to start, naming it and the fix", () => {
    const partial = { ...env };
    delete partial.FERRUM_CATALOG_REDIS_PASSWORD;
    expect(() => interpolate(compose, partial)).toThrow(MissingVariablesError);
    expect(() => interpolate(compose, { ...partial, FERRUM_CATALOG_REDIS_PASSWORD: "" })).toThrow(
      `required variable FERRUM_CATALOG_REDIS_PASSWORD is missing a value: ${MISSING_MESSAGE}`,
    );
  });

  test("ensureEnvFile: creates once (0600), never rewrites, appends what an old file lacks, warns on bad values", () => {
    const file = path.join(tempDir(), ".env");
    expect(ensureEnvFile(file, rendered.variables)).toEqual({ created: true, appended: [], warnings: [] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = readFileSync(file, "utf8");
    expect(ensureEnvFile(file, rendered.variables)).toEqual({ created: false, appended: [], warnings: [] });
    expect(readFileSync(file, "utf8")).toBe(first);

    const old = first
      .split("\n")
      .filter(
        (l) => !l.startsWith("FERRUM_CATALOG_DB_PASSWORD=") && !l.startsWith("FERRUM_YOOKASSA_SECRET_KEY="),
      )
      .join("\n")
      .replace(/^FERRUM_USER_SECRET_KEY=.*$/m, 'FERRUM_USER_SECRET_KEY="with spaces"');
    writeFileSync(file, old);
    const r = ensureEnvFile(file, rendered.variables);
    expect(r.appended).toEqual(["FERRUM_CATALOG_DB_PASSWORD", "FERRUM_YOOKASSA_SECRET_KEY"]);
    expect(r.warnings).toEqual([
      expect.stringContaining("FERRUM_USER_SECRET_KEY must be letters and digits only"),
    ]);
    const now = readFileSync(file, "utf8");
    expect(now.startsWith(old)).toBe(true);
    expect(assignedNames(now).has("FERRUM_CATALOG_DB_PASSWORD")).toBe(true);
    expect(appendix(now, rendered.variables)).toBe("");
    expect(valueWarnings(first, rendered.variables)).toEqual([]);
  });
});
