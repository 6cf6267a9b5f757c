/** ObjectStore's arguments and the server abstraction its backends share. */
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceSpec } from "../../config/types";
import type { RoutingArgs } from "../django-service/routing";
import type { AddressingStyle } from "./naming";

/**
 * The in-cluster server's public endpoint: a host of its own on the ingress controller, routed to the S3 port
 * only with the Host header kept (S3 signatures cover host and path), so URLs the services sign for it work
 * in a browser.
 */
export interface PublicEndpointArgs {
  /** Host name browsers reach the object store on (`objects.ferrum.example.com`). */
  readonly host: string;
  /** Entry points and TLS: the same the API routes get, so both follow one TLS setting. */
  readonly routing: RoutingArgs;
  /** Namespace of the ingress controller, admitted to the server's S3 port by a NetworkPolicy. */
  readonly ingressNamespace: string;
}

/**
 * An S3-compatible server inside the cluster: MinIO's server image as a one-replica StatefulSet with a
 * PersistentVolumeClaim, behind a ClusterIP Service. Any image with MinIO's environment (`MINIO_ROOT_USER`,
 * `MINIO_ROOT_PASSWORD`, `MINIO_SITE_REGION`), CLI (`server /data --address :9000`) and health endpoints
 * (`/minio/health/live`, `/minio/health/ready`) can be swapped in.
 */
export interface InClusterObjectStore {
  readonly kind: "inCluster";
  /**
   * Server image, pinned. MinIO stopped publishing community images in October 2025 and Docker Hub dropped
   * the `minio/*` repositories in September 2026; quay.io still serves the last release.
   * @default DEFAULT_MINIO_IMAGE
   */
  readonly image: string;
  /**
   * Image with the MinIO client (`mc`) for the bootstrap Job, pinned.
   * @default DEFAULT_MC_IMAGE
   */
  readonly clientImage: string;
  /** Size of the data volume, GiB. */
  readonly storageGiB: number;
  /** StorageClass of the data volume. @default - the cluster's default class */
  readonly storageClass?: string;
  /** Requests and limits of the server container. @default DEFAULT_OBJECT_STORE_RESOURCES */
  readonly resources?: ResourceSpec;
  /** `protect` and retain the server's StatefulSet (its volume claim) on delete. */
  readonly protect: boolean;
  /** Region the server reports and clients sign requests for. @default "us-east-1" */
  readonly region?: string;
  /** Where browsers reach the server: every stack serves signed and public URLs. */
  readonly publicEndpoint: PublicEndpointArgs;
  /**
   * Days a replaced or deleted object version is kept: every bucket's lifecycle rule, as the AWS buckets have.
   * @default DEFAULT_NONCURRENT_VERSION_DAYS (90)
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Rotations of the per-service secret keys done so far (lib/rotation.ts). Each service (and the backups
   * bucket) has two users holding the same policy, `a` and `b`; the service uses `a` when even, `b` when odd.
   * Raising it by one regenerates the idle user's secret key and moves the service onto it; the user it leaves
   * keeps its key until the next rotation. Raise it one step per `pulumi up`.
   * @default 0
   */
  readonly rotation?: number;
}

/**
 * AWS S3: one private, versioned bucket per service, encrypted with a KMS key of its own, and one IAM role per
 * service that only that service's ServiceAccount can assume (IRSA) and that may use only its bucket and key.
 * No static keys anywhere. Browsers get URLs signed for S3's regional endpoint, and the public prefix through a
 * CloudFront distribution per bucket that reads it with Origin Access Control.
 */
export interface S3ObjectStore {
  readonly kind: "s3";
  readonly region: string;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The OIDC issuer without `https://` (the condition keys' prefix). */
  readonly oidcProviderUrl: pulumi.Input<string>;
  /** Days a replaced or deleted object version is kept. @default 90 */
  readonly noncurrentVersionDays: number;
  /** `protect` the buckets. */
  readonly protect: boolean;
  readonly tags?: Record<string, string>;
}

/** Where the object store runs. */
export type ObjectStoreBackend = InClusterObjectStore | S3ObjectStore;

/** One service's own bucket. */
export interface BucketSpec {
  /** The service that owns the bucket (a catalog name): keys the per-service user, policy and connection. */
  readonly service: string;
  /** Full S3 bucket name, from `bucketName(prefix, suffix)`. */
  readonly bucket: string;
}

/**
 * A bucket for the platform's own backups (the in-cluster PostgreSQL's dumps), with a credential of its own that
 * may write and read but not delete, and a lifecycle rule that deletes each object `retentionDays` after it
 * was written.
 */
export interface BackupBucketSpec {
  /** Full bucket name, from `bucketName(prefix, "backups")`. */
  readonly bucket: string;
  /** Days a backup is kept. */
  readonly retentionDays: number;
}

export interface ObjectStoreArgs {
  /** Where the store runs; decides which resources exist. */
  readonly backend: ObjectStoreBackend;
  /** Namespace of the in-cluster resources (the server and the bootstrap Job). */
  readonly namespace: string;
  /** One bucket, one user and one policy per entry; services and bucket names unique. */
  readonly buckets: readonly BucketSpec[];
  /** The backups bucket and its own user (in-cluster only). @default - none */
  readonly backups?: BackupBucketSpec;
}

/** What a backend hands the shared per-service code: where clients connect and as which region. */
export interface StorageServer {
  /** `AWS_S3_ENDPOINT_URL`: the API's URL; empty on AWS S3. */
  readonly endpointUrl: pulumi.Input<string>;
  readonly region: string;
  /** `AWS_S3_PUBLIC_ENDPOINT_URL`: the API's URL as browsers reach it (signed URLs). */
  readonly publicEndpointUrl: string;
  /** `AWS_S3_ADDRESSING_STYLE`. */
  readonly addressingStyle: AddressingStyle;
}
