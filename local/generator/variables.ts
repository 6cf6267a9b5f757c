/**
 * The variables docker-compose.yml reads from the git-ignored `.env`: every credential of the local stack and a
 * few optional settings. One registry serves both sides, so the generator (which writes `${NAME...}` references)
 * and local/make-env.ts (which writes the values) never disagree about a name. Pure.
 *
 * While the compose model is built, a reference is a token (`~~NAME~~`) that survives URL encoding and
 * JSON.stringify unchanged, so the components' own URL and JSON builders (databaseUrl, cacheValues, ...) can be
 * handed a token as a password. `resolveTokens` turns each token into compose's reference syntax at the end:
 * `${NAME:?...}` for a credential (compose refuses to start without it), `${NAME:-default}` for a setting.
 */
import type { FerrumConfig } from "../../config";
import { INTERNAL_USERS, serviceUser } from "../../components/redis-ha/acl";

/** Characters a generated value is drawn from. Letters and digits only: Sentinel 7 cannot read quoted passwords back. */
export const ALPHABETS = {
  alnum: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  /** AWS-shaped access key ids, as ObjectStore's keys.ts generates them. */
  upperDigits: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  /** MinIO's root user, as the in-cluster server's is generated. */
  lowerDigits: "abcdefghijklmnopqrstuvwxyz0123456789",
} as const;
export type Alphabet = keyof typeof ALPHABETS;

/** A credential: make-env generates it; the compose file requires it (`${NAME:?...}`) and never defaults it. */
export interface SecretVariable {
  readonly kind: "secret";
  readonly name: string;
  /** What it is, for the comment above it in `.env`. */
  readonly description: string;
  readonly length: number;
  readonly alphabet: Alphabet;
  /** Set when only a real value works (a payment provider's key): make-env says to replace the random one. */
  readonly replaceWith?: string;
}

/** A non-secret setting with a default (`${NAME:-default}`); make-env lists it commented out. */
export interface SettingVariable {
  readonly kind: "setting";
  readonly name: string;
  readonly description: string;
  readonly default: string;
}

export type EnvVariable = SecretVariable | SettingVariable;

/** What compose prints, after the variable's name, when a credential is missing. */
export const MISSING_MESSAGE = "run make env";

/** Compose's project name, written to `.env` by make-env (container, volume and network names start with it). */
export const PROJECT_NAME = "ferrum";

const envPart = (service: string): string => service.replace(/-/g, "_").toUpperCase();

/** `FERRUM_AUTH_DB_PASSWORD`: the service's PostgreSQL role's password. */
export const dbPasswordVar = (service: string): string => `FERRUM_${envPart(service)}_DB_PASSWORD`;
/** `FERRUM_AUTH_SECRET_KEY`: the service's DJANGO_SECRET_KEY. */
export const djangoSecretKeyVar = (service: string): string => `FERRUM_${envPart(service)}_SECRET_KEY`;
/** `FERRUM_AUTH_IMAGE`: overrides the service's image (a locally built one, say). */
export const imageVar = (service: string): string => `FERRUM_${envPart(service)}_IMAGE`;
/**
 * The object store's per-service keys (`FERRUM_AUTH_ACCESS_KEY_ID`): the local stack's only user, which its
 * bootstrap script reads as user `a` (`FERRUM_AUTH_A_ACCESS_KEY_ID`).
 */
export const accessKeyVar = (service: string): string => `FERRUM_${envPart(service)}_ACCESS_KEY_ID`;
export const secretAccessKeyVar = (service: string): string => `FERRUM_${envPart(service)}_SECRET_ACCESS_KEY`;

/**
 * The password of a Redis ACL user: `FERRUM_REDIS_ADMIN_PASSWORD` for `redis-admin`,
 * `FERRUM_AUTH_REDIS_PASSWORD` for the service user `ferrum-auth`.
 */
export const redisUserVar = (user: string): string =>
  user.startsWith("ferrum-")
    ? `FERRUM_${envPart(user.slice("ferrum-".length))}_REDIS_PASSWORD`
    : `FERRUM_${envPart(user)}_PASSWORD`;

export const VARS = {
  postgresSuperuserPassword: "FERRUM_POSTGRES_SUPERUSER_PASSWORD",
  postgresAdminPassword: "FERRUM_POSTGRES_ADMIN_PASSWORD",
  minioRootUser: "FERRUM_MINIO_ROOT_USER",
  minioRootPassword: "FERRUM_MINIO_ROOT_PASSWORD",
  yookassaShopId: "FERRUM_YOOKASSA_SHOP_ID",
  yookassaSecretKey: "FERRUM_YOOKASSA_SECRET_KEY",
  emailUser: "FERRUM_EMAIL_USER",
  emailPassword: "FERRUM_EMAIL_PASSWORD",
  bindAddress: "FERRUM_BIND_ADDRESS",
  httpPort: "FERRUM_HTTP_PORT",
  httpsPort: "FERRUM_HTTPS_PORT",
} as const;

const secret = (
  name: string,
  description: string,
  length: number,
  alphabet: Alphabet = "alnum",
  replaceWith?: string,
): SecretVariable => ({
  kind: "secret",
  name,
  description,
  length,
  alphabet,
  ...(replaceWith ? { replaceWith } : {}),
});
const setting = (name: string, description: string, value: string): SettingVariable => ({
  kind: "setting",
  name,
  description,
  default: value,
});

/** Every variable the compose file of `config` references, in the order `.env` lists them. */
export function composeVariables(config: FerrumConfig): EnvVariable[] {
  const services = config.services;
  const vars: EnvVariable[] = [
    secret(VARS.postgresSuperuserPassword, "PostgreSQL superuser (the image's POSTGRES_PASSWORD)", 32),
    secret(
      VARS.postgresAdminPassword,
      "ferrum_admin: the non-superuser admin (CREATEDB CREATEROLE) that runs the bootstrap SQL",
      32,
    ),
    ...services.map((s) => secret(dbPasswordVar(s.name), `PostgreSQL login ferrum_${s.name}_a`, 32)),
    ...Object.values(INTERNAL_USERS).map((user) =>
      secret(redisUserVar(user), `Redis and Sentinel ACL user ${user}`, 32),
    ),
    ...services.map((s) =>
      secret(
        redisUserVar(serviceUser(s.name)),
        `Redis ACL user ${serviceUser(s.name)} (${s.name}'s own)`,
        32,
      ),
    ),
    secret(VARS.minioRootUser, "MinIO root user (the bootstrap only)", 20, "lowerDigits"),
    secret(VARS.minioRootPassword, "MinIO root password", 40),
    ...services.flatMap((s) => [
      secret(accessKeyVar(s.name), `${s.name}'s access key id for its own bucket`, 20, "upperDigits"),
      secret(secretAccessKeyVar(s.name), `${s.name}'s secret access key for its own bucket`, 40),
    ]),
    ...services.map((s) => secret(djangoSecretKeyVar(s.name), `${s.name}'s DJANGO_SECRET_KEY`, 64)),
  ];
  if (services.some((s) => s.payments)) {
    vars.push(
      secret(
        VARS.yookassaSecretKey,
        "YooKassa secret key of the services that take payments",
        32,
        "alnum",
        "your YooKassa test shop's secret key",
      ),
    );
  }
  if (config.email.host !== "" && config.email.user !== "") {
    vars.push(secret(VARS.emailPassword, "SMTP password", 32, "alnum", "the SMTP relay's password"));
  }

  vars.push(
    setting(
      VARS.bindAddress,
      "address Traefik's ports are published on (0.0.0.0: the whole LAN)",
      "127.0.0.1",
    ),
    setting(VARS.httpPort, "host port of Traefik's web entry point (redirects to HTTPS)", "80"),
    setting(VARS.httpsPort, "host port of Traefik's websecure entry point", "443"),
    ...services.map((s) =>
      setting(imageVar(s.name), `${s.name}'s image (a locally built tag, say)`, s.image),
    ),
  );
  if (services.some((s) => s.payments)) {
    vars.push(setting(VARS.yookassaShopId, "YooKassa shop id", config.payments.shopId));
  }
  if (config.email.host !== "" && config.email.user !== "") {
    vars.push(setting(VARS.emailUser, "SMTP login", config.email.user));
  }
  return vars;
}

const TOKEN = /~~([A-Za-z_][A-Za-z0-9_]*)~~/g;

/** A reference to `name`, as a token the components' URL and JSON builders pass through unchanged. */
export const token = (name: string): string => `~~${name}~~`;

/** Compose's reference to `v`: required for a credential, defaulted for a setting. */
export function reference(v: EnvVariable): string {
  return v.kind === "secret" ? `\${${v.name}:?${MISSING_MESSAGE}}` : `\${${v.name}:-${v.default}}`;
}

/** Names of the variables whose tokens `text` holds. */
export const tokenNames = (text: string): string[] => [...text.matchAll(TOKEN)].map((m) => m[1]!);

/**
 * A literal string as compose must read it (`$` doubled, so compose never interpolates it), with every token
 * turned into `ref` of its variable (compose's reference by default). Throws on a token naming no variable of
 * `vars`.
 */
export function resolveTokens(
  text: string,
  vars: ReadonlyMap<string, EnvVariable>,
  ref: (v: EnvVariable) => string = reference,
): string {
  return text.replace(/\$/g, "$$$$").replace(TOKEN, (_, name: string) => {
    const v = vars.get(name);
    if (!v) throw new Error(`compose: no variable ${name} in the registry (local/generator/variables.ts)`);
    return ref(v);
  });
}
