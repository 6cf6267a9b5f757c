/**
 * The typed seam between backing components and DjangoService. A backing component (ManagedPostgres,
 * RedisHA, ObjectStore) hands each service one of these per service; DjangoService renders them into the env
 * contract of docs/design.md (components/django-service/env.ts), so neither side knows the other.
 *
 * Every field that carries a credential is an `Output` marked secret.
 */
import * as pulumi from "@pulumi/pulumi";

export type SslMode = "disable" | "prefer" | "require" | "verify-ca" | "verify-full";

/** One service's database: its own database, owned by its own role, reached through one of its two logins. */
export interface DatabaseConnection {
  readonly host: pulumi.Input<string>;
  readonly port: number;
  readonly database: string;
  /** The login of the current rotation (`ferrum_<svc>_a` or `_b`), a member of the database's owning role. */
  readonly username: string;
  /** Secret. */
  readonly password: pulumi.Output<string>;
  readonly sslMode: SslMode;
  /**
   * `DATABASE_URL` (secret): `postgres://<login>:<pass>@host:port/<db>?sslmode=...&options=-c%20role%3D<owner>`:
   * every session acts as the owning role.
   */
  readonly url: pulumi.Output<string>;
}

/** One service's view of Redis: cache, Celery broker and the shared event streams. */
export interface CacheConnection {
  /** `REDIS_URL` (secret): the service's cache DB. */
  readonly url: pulumi.Output<string>;
  /** `REDIS_SENTINELS`: `host:26379,...`; empty with a managed cache. */
  readonly sentinels: pulumi.Input<string>;
  /** `REDIS_SENTINEL_MASTER`: the master group name; empty with a managed cache. */
  readonly sentinelMaster: string;
  /** `REDIS_KEY_PREFIX`: the service's key prefix. */
  readonly keyPrefix: string;
  /** `CELERY_BROKER_URL` (secret). */
  readonly celeryBrokerUrl: pulumi.Output<string>;
  /** `CELERY_RESULT_BACKEND` (secret). */
  readonly celeryResultBackend: pulumi.Output<string>;
  /** `CELERY_BROKER_TRANSPORT_OPTIONS` (secret): JSON with master name, sentinel password, TLS options. */
  readonly celeryTransportOptions: pulumi.Output<string>;
  /** `EVENTS_REDIS_URL` (secret): the logical DB shared by every service's streams. */
  readonly eventsUrl: pulumi.Output<string>;
}

/** One service's own bucket. */
export interface StorageConnection {
  /** `AWS_STORAGE_BUCKET_NAME`. */
  readonly bucket: pulumi.Input<string>;
  /** `AWS_S3_ENDPOINT_URL`: empty on AWS S3. */
  readonly endpointUrl: pulumi.Input<string>;
  /** `AWS_S3_REGION_NAME`. */
  readonly region: pulumi.Input<string>;
  /** `AWS_S3_PUBLIC_ENDPOINT_URL`: the endpoint browsers reach, which URLs for them are signed for. */
  readonly publicEndpointUrl: pulumi.Input<string>;
  /** `AWS_S3_PUBLIC_BASE_URL`: where the bucket's root is served unsigned (objects under the public prefix). */
  readonly publicBaseUrl: pulumi.Input<string>;
  /** `AWS_S3_PUBLIC_PREFIX`: the key prefix anyone may read (`public/`). */
  readonly publicPrefix: string;
  /** `AWS_S3_ADDRESSING_STYLE`: `path` (in-cluster server) or `virtual` (AWS S3). */
  readonly addressingStyle: "path" | "virtual";
  /** Bucket-scoped static keys (secret); absent where a workload identity replaces them. */
  readonly credentials?: {
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
  };
  /** Annotations for the service's ServiceAccount (IRSA role ARN, Azure workload identity client id). */
  readonly serviceAccountAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** A bucket reached from inside the cluster only (the backups bucket): no public endpoint, no public prefix. */
export type InternalStorageConnection = Pick<
  StorageConnection,
  "bucket" | "endpointUrl" | "region" | "credentials"
>;

/** SMTP settings shared by every service. */
export interface EmailConnection {
  readonly host: string;
  readonly port: number;
  readonly useTls: boolean;
  readonly user: string;
  /** Secret; absent when the relay needs no login. */
  readonly password?: pulumi.Output<string>;
}

/**
 * What every further backing service hands each service it serves: its variables, split by where they go.
 * The connections above are the contract's own and typed one by one; a backing service added later (the opt-in
 * EventBus first) hands over a binding instead, which DjangoService renders after the contract's variables
 * without knowing the service: adding one touches neither this file, nor env.ts, nor DjangoService
 * (docs/adding-a-backing-service.md).
 */
export interface ServiceBinding {
  /** ConfigMap variables: never a credential. */
  readonly config: Readonly<Record<string, pulumi.Input<string>>>;
  /** Secret variables: every value a secret Output. */
  readonly secret: Readonly<Record<string, pulumi.Output<string>>>;
}

/** YooKassa credentials, for the services the catalog names. */
export interface PaymentsConnection {
  readonly shopId: string;
  /** Secret. */
  readonly secretKey: pulumi.Output<string>;
}
