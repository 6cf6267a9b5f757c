/**
 * Each Django service's environment in the local stacks: renderEnv itself (the ConfigMap + Secret of k3s), fed
 * connections built by the components' own URL builders (databaseUrl, cacheValues) with the local host names
 * and tokens (variables.ts) for every credential. Pure, but async: renderEnv returns Pulumi Inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { FerrumConfig, ServiceSettings } from "../../config";
import type {
  CacheConnection,
  DatabaseConnection,
  EmailConnection,
  PaymentsConnection,
  StorageConnection,
} from "../../components/connections";
import { celeryDelivery } from "../../components/django-service/delivery";
import { renderEnv } from "../../components/django-service/env";
import {
  databaseName,
  databaseUrl,
  loginName,
  POSTGRES_PORT,
  roleName,
} from "../../components/managed-postgres/naming";
import { bucketPrefix, PUBLIC_PREFIX, S3_PORT, serviceBuckets } from "../../components/object-store/naming";
import { serviceUser } from "../../components/redis-ha/acl";
import { DEFAULT_DATABASE_SLOTS, serviceDatabases } from "../../components/redis-ha/databases";
import { CACHE_MASTER_NAME, MASTER_NAME } from "../../components/redis-ha/naming";
import { cacheValues } from "../../components/redis-ha/urls";
import { COMPOSE_SLOT, HOSTS, sentinelEndpoints } from "./model";
import { composePublicEndpoint } from "./routes";
import {
  accessKeyVar,
  dbPasswordVar,
  djangoSecretKeyVar,
  redisUserVar,
  secretAccessKeyVar,
  token,
  VARS,
} from "./variables";

/** The in-cluster PostgreSQL serves no TLS; the k3s connections say `prefer`, and so do these. */
export const SSL_MODE = "prefer" as const;

/** The value of an Input (plain or Output), awaited; the Outputs here are built from plain strings. */
function unwrap(value: pulumi.Input<string>): Promise<string> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v)));
}

async function resolveAll(record: Record<string, pulumi.Input<string>>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(record).map(async ([k, v]) => [k, await unwrap(v)] as const),
  );
  return Object.fromEntries(entries);
}

/** Django's env for one service: renderEnv, given connections to the compose hosts and tokens for credentials. */
export async function djangoEnvironment(
  config: FerrumConfig,
  s: ServiceSettings,
): Promise<Record<string, string>> {
  const out = (text: string) => pulumi.output(text);
  const database: DatabaseConnection = {
    host: HOSTS.postgres,
    port: POSTGRES_PORT,
    database: databaseName(s.name),
    username: loginName(s.name, COMPOSE_SLOT),
    password: out(token(dbPasswordVar(s.name))),
    sslMode: SSL_MODE,
    url: out(
      databaseUrl({
        user: loginName(s.name, COMPOSE_SLOT),
        password: token(dbPasswordVar(s.name)),
        host: HOSTS.postgres,
        port: POSTGRES_PORT,
        database: databaseName(s.name),
        sslMode: SSL_MODE,
        role: roleName(s.name),
      }),
    ),
  };
  const slot = DEFAULT_DATABASE_SLOTS[s.name]!;
  const values = cacheValues(
    {
      kind: "sentinel",
      masterName: MASTER_NAME,
      cacheMasterName: CACHE_MASTER_NAME,
      sentinels: sentinelEndpoints(),
      username: serviceUser(s.name),
      password: token(redisUserVar(serviceUser(s.name))),
    },
    s.name,
    serviceDatabases(slot),
  );
  const cache: CacheConnection = {
    url: out(values.url),
    sentinels: values.sentinels,
    sentinelMaster: values.sentinelMaster,
    keyPrefix: values.keyPrefix,
    celeryBrokerUrl: out(values.celeryBrokerUrl),
    celeryResultBackend: out(values.celeryResultBackend),
    celeryTransportOptions: out(values.celeryTransportOptions),
    eventsUrl: out(values.eventsUrl),
  };
  const [bucket] = serviceBuckets(bucketPrefix(config.project, config.stack), [s]);
  const storage: StorageConnection = {
    bucket: bucket!.bucket,
    endpointUrl: `http://${HOSTS.minio}:${S3_PORT}`,
    region: config.objectStore.region,
    publicEndpointUrl: composePublicEndpoint(config.objectsHost),
    publicBaseUrl: `${composePublicEndpoint(config.objectsHost)}/${bucket!.bucket}`,
    publicPrefix: PUBLIC_PREFIX,
    addressingStyle: "path",
    credentials: {
      accessKeyId: out(token(accessKeyVar(s.name))),
      secretAccessKey: out(token(secretAccessKeyVar(s.name))),
    },
  };
  const withLogin = config.email.host !== "" && config.email.user !== "";
  const email: EmailConnection | undefined =
    config.email.host === ""
      ? undefined
      : {
          host: config.email.host,
          port: config.email.port,
          useTls: config.email.useTls,
          user: withLogin ? token(VARS.emailUser) : "",
          ...(withLogin ? { password: out(token(VARS.emailPassword)) } : {}),
        };
  const payments: PaymentsConnection | undefined = s.payments
    ? { shopId: token(VARS.yookassaShopId), secretKey: out(token(VARS.yookassaSecretKey)) }
    : undefined;

  const env = renderEnv({
    settingsModule: `${s.djangoPackage}.settings`,
    // The API host (Traefik forwards it) and the service's compose DNS name (the healthcheck's Host header).
    allowedHosts: [config.apiHost, s.name],
    scriptName: s.routePrefix,
    secretKey: out(token(djangoSecretKeyVar(s.name))),
    database,
    cache,
    storage,
    email,
    payments,
    delivery: celeryDelivery(s.worker),
  });
  return { ...(await resolveAll(env.config)), ...(await resolveAll(env.secret)) };
}
