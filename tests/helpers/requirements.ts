/**
 * What a real-server suite needs on the machine, checked when its file loads. A missing tool fails the suite
 * with the command that installs it, everywhere: a real-server test that skips itself would report a pass
 * that proves nothing (`npm run test:unit` is the run that needs no servers). `.ci/run` installs them all.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** A command on PATH (or an absolute path), or a Python module under Debian's /usr/bin/python3. */
export type Requirement =
  | { readonly command: string; readonly install: string }
  | { readonly python: string; readonly install: string };

/** Debian's python3: the `python3` on PATH may be a pyenv build that cannot see Debian's python3-* packages. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

function present(r: Requirement): boolean {
  if ("command" in r) {
    if (r.command.startsWith("/")) return existsSync(r.command);
    return spawnSync("sh", ["-c", `command -v '${r.command}'`], { stdio: "ignore" }).status === 0;
  }
  return spawnSync(DEBIAN_PYTHON, ["-c", `import ${r.python}`], { stdio: "ignore" }).status === 0;
}

/** Throws, naming every missing tool and how to install it, unless all of `requirements` are present. */
export function requireTools(suite: string, requirements: readonly Requirement[]): void {
  const missing = requirements.filter((r) => !present(r));
  if (missing.length === 0) return;
  throw new Error(
    `${suite} needs what this machine lacks (bash .ci/run installs all of it; npm run test:unit needs none):\n${missing
      .map((r) => `  - ${"command" in r ? r.command : `python module ${r.python}`}: ${r.install}`)
      .join("\n")}`,
  );
}

export const TOOLS = {
  redisServer: { command: "redis-server", install: "apt-get install -y redis-server" },
  redisSentinel: { command: "redis-sentinel", install: "apt-get install -y redis-sentinel" },
  psql: { command: "psql", install: "apt-get install -y postgresql-client" },
  postgresUser: {
    command: "runuser",
    install: "apt-get install -y postgresql (it creates the postgres user)",
  },
  openssl: { command: "openssl", install: "apt-get install -y openssl" },
  promtool: { command: "promtool", install: "apt-get install -y --no-install-recommends prometheus" },
  dockerCompose: { command: "docker-compose", install: "apt-get install -y docker-compose" },
  dash: { command: "dash", install: "apt-get install -y dash" },
  bash: { command: "bash", install: "apt-get install -y bash" },
  python: { command: DEBIAN_PYTHON, install: "apt-get install -y python3" },
  psycopg2: { python: "psycopg2", install: "apt-get install -y python3-psycopg2" },
  django: { python: "django", install: "apt-get install -y python3-django" },
  celery: { python: "celery", install: "apt-get install -y python3-celery python3-kombu" },
  redisPy: { python: "redis", install: "apt-get install -y python3-redis" },
  djangoRedis: { python: "django_redis", install: "apt-get install -y python3-django-redis" },
  djDatabaseUrl: { python: "dj_database_url", install: "apt-get install -y python3-dj-database-url" },
  boto3: { python: "boto3", install: "apt-get install -y python3-boto3" },
} as const satisfies Record<string, Requirement>;

/** The reference Django service's Python stack under /usr/bin/python3 (tests/fixtures/django). */
export const DJANGO_SERVICE_TOOLS: readonly Requirement[] = [
  TOOLS.python,
  TOOLS.django,
  TOOLS.celery,
  TOOLS.redisPy,
  TOOLS.djangoRedis,
  TOOLS.djDatabaseUrl,
  TOOLS.psycopg2,
];
