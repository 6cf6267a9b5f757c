/**
 * The env contract of docs/design.md, rendered: which variable goes where (ConfigMap or Secret) and what it holds.
 * Pure apart from building Outputs; the one place that names the variables, so a rename is a visible change
 * here and in docs/reference/env-contract.md's table together.
 */
import * as pulumi from "@pulumi/pulumi";
import type {
  CacheConnection,
  DatabaseConnection,
  EmailConnection,
  PaymentsConnection,
  ServiceBinding,
  StorageConnection,
} from "../connections";
import { type CeleryDelivery, deliveryEnv } from "./delivery";

export interface EnvInputs {
  readonly settingsModule: string;
  readonly allowedHosts: readonly string[];
  /** The route prefix the ingress strips; Django builds its URLs under it. */
  readonly scriptName: string;
  readonly secretKey: pulumi.Output<string>;
  readonly database: DatabaseConnection;
  readonly cache?: CacheConnection;
  readonly storage?: StorageConnection;
  readonly email?: EmailConnection;
  readonly payments?: PaymentsConnection;
  /**
   * Further backing services' variables by the backing's name (the opt-in EventBus's NATS user), rendered after
   * the contract's own; djangoServiceProblems refuses a name the contract or another binding already sets.
   */
  readonly bindings?: Readonly<Record<string, ServiceBinding>>;
  /** Celery's time limits and the broker's visibility timeout, rendered beside the broker's URL. */
  readonly delivery: CeleryDelivery;
  /** Where the service sends its traces (Tempo's OTLP endpoint). @default - no OTEL variables */
  readonly tracing?: TracingTarget;
}

/** An OTLP/HTTP endpoint and the name the service's spans carry. */
export interface TracingTarget {
  /** `http://<host>:4318`: the OpenTelemetry SDK appends `/v1/traces`. */
  readonly otlpHttpEndpoint: string;
  readonly serviceName: string;
}

export interface RenderedEnv {
  /** ConfigMap data: never a credential. */
  readonly config: Record<string, pulumi.Input<string>>;
  /** Secret stringData: every value a secret Output. */
  readonly secret: Record<string, pulumi.Output<string>>;
}

/**
 * Every variable renderEnv may set itself, whatever it is given: a further backing service's binding may set
 * none of them (djangoServiceProblems), so it can never shadow the contract.
 */
export const CONTRACT_VARIABLES: readonly string[] = [
  "DJANGO_SETTINGS_MODULE",
  "DJANGO_ALLOWED_HOSTS",
  "DJANGO_FORCE_SCRIPT_NAME",
  "DJANGO_SECRET_KEY",
  "DATABASE_URL",
  "REDIS_SENTINELS",
  "REDIS_SENTINEL_MASTER",
  "REDIS_KEY_PREFIX",
  "REDIS_URL",
  "CELERY_BROKER_URL",
  "CELERY_RESULT_BACKEND",
  "CELERY_BROKER_TRANSPORT_OPTIONS",
  "EVENTS_REDIS_URL",
  "CELERY_TASK_TIME_LIMIT",
  "CELERY_TASK_SOFT_TIME_LIMIT",
  "CELERY_VISIBILITY_TIMEOUT",
  "OTEL_SERVICE_NAME",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "AWS_STORAGE_BUCKET_NAME",
  "AWS_S3_ENDPOINT_URL",
  "AWS_S3_REGION_NAME",
  "AWS_S3_ADDRESSING_STYLE",
  "AWS_S3_PUBLIC_ENDPOINT_URL",
  "AWS_S3_PUBLIC_BASE_URL",
  "AWS_S3_PUBLIC_PREFIX",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "EMAIL_HOST",
  "EMAIL_PORT",
  "EMAIL_USE_TLS",
  "EMAIL_HOST_USER",
  "EMAIL_HOST_PASSWORD",
  "YOOKASSA_SHOP_ID",
  "YOOKASSA_SECRET_KEY",
];

/** What an environment variable's name may be: what every shell and Django's settings read as one. */
export const VARIABLE_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Every problem with the bindings' variable names: each well formed, none set twice. Pure. */
export function bindingProblems(bindings: Readonly<Record<string, ServiceBinding>>): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>(CONTRACT_VARIABLES.map((v) => [v, "the env contract"]));
  owner.set(POD_IP_ENV, "the env contract");
  for (const [backing, binding] of Object.entries(bindings)) {
    for (const name of [...Object.keys(binding.config), ...Object.keys(binding.secret)]) {
      const taken = owner.get(name);
      if (!VARIABLE_NAME.test(name))
        problems.push(
          `bindings.${backing} sets ${JSON.stringify(name)}, which is not a variable name (upper-case letters, digits and '_', starting with a letter)`,
        );
      else if (taken)
        problems.push(
          `bindings.${backing} sets ${name}, which ${taken} already sets: give the backing service's variable a name of its own`,
        );
      else owner.set(name, `bindings.${backing}`);
    }
  }
  return problems;
}

/** Variables set on each container from the downward API rather than the ConfigMap. */
export const POD_IP_ENV = "POD_IP";

export function renderEnv(i: EnvInputs): RenderedEnv {
  const config: Record<string, pulumi.Input<string>> = {
    DJANGO_SETTINGS_MODULE: i.settingsModule,
    DJANGO_ALLOWED_HOSTS: i.allowedHosts.join(","),
    DJANGO_FORCE_SCRIPT_NAME: i.scriptName,
  };
  const secret: Record<string, pulumi.Output<string>> = {
    DJANGO_SECRET_KEY: pulumi.secret(i.secretKey),
    DATABASE_URL: pulumi.secret(i.database.url),
  };

  if (i.cache) {
    const c = i.cache;
    config.REDIS_SENTINELS = c.sentinels;
    config.REDIS_SENTINEL_MASTER = c.sentinelMaster;
    config.REDIS_KEY_PREFIX = c.keyPrefix;
    secret.REDIS_URL = pulumi.secret(c.url);
    secret.CELERY_BROKER_URL = pulumi.secret(c.celeryBrokerUrl);
    secret.CELERY_RESULT_BACKEND = pulumi.secret(c.celeryResultBackend);
    secret.CELERY_BROKER_TRANSPORT_OPTIONS = pulumi.secret(c.celeryTransportOptions);
    secret.EVENTS_REDIS_URL = pulumi.secret(c.eventsUrl);
    Object.assign(config, deliveryEnv(i.delivery));
  }

  if (i.tracing) {
    config.OTEL_SERVICE_NAME = i.tracing.serviceName;
    config.OTEL_EXPORTER_OTLP_ENDPOINT = i.tracing.otlpHttpEndpoint;
    // The Python SDK's `otlp` exporter speaks gRPC unless told otherwise; Tempo's port 4318 is OTLP/HTTP.
    config.OTEL_EXPORTER_OTLP_PROTOCOL = "http/protobuf";
  }

  if (i.storage) {
    const s = i.storage;
    config.AWS_STORAGE_BUCKET_NAME = s.bucket;
    config.AWS_S3_ENDPOINT_URL = s.endpointUrl;
    config.AWS_S3_REGION_NAME = s.region;
    config.AWS_S3_ADDRESSING_STYLE = s.addressingStyle;
    config.AWS_S3_PUBLIC_ENDPOINT_URL = s.publicEndpointUrl;
    config.AWS_S3_PUBLIC_BASE_URL = s.publicBaseUrl;
    config.AWS_S3_PUBLIC_PREFIX = s.publicPrefix;
    if (s.credentials) {
      secret.AWS_ACCESS_KEY_ID = pulumi.secret(s.credentials.accessKeyId);
      secret.AWS_SECRET_ACCESS_KEY = pulumi.secret(s.credentials.secretAccessKey);
    }
  }

  if (i.email && i.email.host !== "") {
    config.EMAIL_HOST = i.email.host;
    config.EMAIL_PORT = String(i.email.port);
    config.EMAIL_USE_TLS = i.email.useTls ? "true" : "false";
    if (i.email.user !== "") {
      secret.EMAIL_HOST_USER = pulumi.secret(i.email.user);
      if (i.email.password) secret.EMAIL_HOST_PASSWORD = pulumi.secret(i.email.password);
    }
  }

  if (i.payments) {
    secret.YOOKASSA_SHOP_ID = pulumi.secret(i.payments.shopId);
    secret.YOOKASSA_SECRET_KEY = pulumi.secret(i.payments.secretKey);
  }

  // Further backing services last, in the order given: their names were checked against the above.
  for (const binding of Object.values(i.bindings ?? {})) {
    Object.assign(config, binding.config);
    for (const [name, value] of Object.entries(binding.secret)) secret[name] = pulumi.secret(value);
  }
  return { config, secret };
}
