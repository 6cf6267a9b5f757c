/**
 * ObjectStore: an S3-compatible store (in-cluster MinIO on k3s and AKS; AWS S3 with IRSA on EKS) with one versioned bucket per
 * service, reachable by that service's own credentials only, and a typed connection per service for
 * DjangoService (`AWS_STORAGE_BUCKET_NAME`, `AWS_S3_ENDPOINT_URL`, `AWS_S3_REGION_NAME`, and the keys).
 *
 * Browsers reach it too: every backend has a public endpoint that URLs signed for browsers name
 * (`AWS_S3_PUBLIC_ENDPOINT_URL`: the in-cluster server's own host through the ingress, S3's regional endpoint
 * on AWS), and each bucket's public prefix is served unsigned with its cache headers (`AWS_S3_PUBLIC_BASE_URL`:
 * the same host, or a CloudFront distribution on AWS). The services keep talking to the internal endpoint.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { invalidArguments } from "../../lib/problems";
import type { InternalStorageConnection, StorageConnection } from "../connections";
import { bootstrapJob } from "./bootstrap-job";
import { inClusterServer } from "./in-cluster";
import { type RotatingKeys, serviceKeys } from "./keys";
import { DEFAULT_NONCURRENT_VERSION_DAYS } from "../../config/defaults";
import { BACKUPS_KEY, PUBLIC_PREFIX, s3RegionalEndpoint } from "./naming";
import type { BucketSpec, ObjectStoreArgs } from "./types";
import { objectStoreProblems } from "./validation";

/*
 * Cloud backends are loaded only when a stack uses them: their provider SDKs cost every other stack
 * (dev included) a second of start-up otherwise.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** Throws one ProblemsError listing every problem, before the component registers anything. */
function checked(name: string, args: ObjectStoreArgs): ObjectStoreArgs {
  objectStoreProblems(args).throwIfAny(invalidArguments("ObjectStore", name));
  return args;
}

export class ObjectStore extends pulumi.ComponentResource {
  /** `AWS_S3_ENDPOINT_URL`: the S3 API's URL inside the cluster. */
  public readonly endpoint: pulumi.Output<string>;
  /** `AWS_S3_PUBLIC_ENDPOINT_URL`: the S3 API's URL as browsers reach it. */
  public readonly publicEndpoint: string;
  public readonly region: string;
  /** The root user's access key (secret); in-cluster only. */
  public readonly rootUser?: pulumi.Output<string>;
  /** The root user's secret key (secret); in-cluster only. */
  public readonly rootPassword?: pulumi.Output<string>;
  /** Bucket name per service. */
  public readonly buckets: Readonly<Record<string, string>>;
  /** The Job that creates the buckets, policies and users (in-cluster); services depend on it. */
  public readonly bootstrap?: k8s.batch.v1.Job;
  /** The backups bucket with its own keys (secret), when `backups` is set. */
  public readonly backups?: InternalStorageConnection;
  private readonly connections: ReadonlyMap<string, StorageConnection>;

  constructor(name: string, args: ObjectStoreArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { backend, namespace, buckets, backups } = checked(name, args);
    super("ferrum:index:ObjectStore", name, {}, opts);

    if (backend.kind === "s3") {
      this.connections = new Map(
        buckets.map((b) => [
          b.service,
          (require("./s3") as typeof import("./s3")).s3Bucket(name, b, backend, namespace, this),
        ]),
      );
      this.endpoint = pulumi.output("");
      this.publicEndpoint = s3RegionalEndpoint(backend.region);
      this.region = backend.region;
    } else {
      const server = inClusterServer(name, backend, namespace, this);
      const rotation = backend.rotation ?? 0;
      const keys = new Map<string, RotatingKeys>(
        buckets.map((b) => [b.service, serviceKeys(name, b.service, rotation, this)]),
      );
      if (backups) keys.set(BACKUPS_KEY, serviceKeys(name, BACKUPS_KEY, rotation, this));
      const lifecycle = {
        noncurrentVersionDays: backend.noncurrentVersionDays ?? DEFAULT_NONCURRENT_VERSION_DAYS,
        backups,
      };
      this.bootstrap = bootstrapJob(
        name,
        { namespace, server, clientImage: backend.clientImage, buckets, keys, lifecycle },
        this,
      );
      if (backups) {
        this.backups = {
          bucket: backups.bucket,
          endpointUrl: server.endpointUrl,
          region: server.region,
          credentials: keys.get(BACKUPS_KEY)!.active,
        };
      }
      const connection = (b: BucketSpec): StorageConnection => ({
        bucket: b.bucket,
        endpointUrl: server.endpointUrl,
        region: server.region,
        publicEndpointUrl: server.publicEndpointUrl,
        addressingStyle: server.addressingStyle,
        // Path-style: the bucket is the first path segment of the public host.
        publicBaseUrl: `${server.publicEndpointUrl}/${b.bucket}`,
        publicPrefix: PUBLIC_PREFIX,
        credentials: keys.get(b.service)!.active,
      });
      this.connections = new Map(buckets.map((b) => [b.service, connection(b)]));
      this.endpoint = pulumi.output(server.endpointUrl);
      this.publicEndpoint = server.publicEndpointUrl;
      this.region = server.region;
      this.rootUser = server.rootUser;
      this.rootPassword = server.rootPassword;
    }
    this.buckets = Object.fromEntries(buckets.map((b) => [b.service, b.bucket]));
    this.registerOutputs({
      endpoint: this.endpoint,
      publicEndpoint: this.publicEndpoint,
      region: this.region,
      rootUser: this.rootUser,
      rootPassword: this.rootPassword,
      buckets: this.buckets,
    });
  }

  /** The connection of one service's bucket: its name, the endpoint, the region and its own keys (secret). */
  forService(service: string): StorageConnection {
    const c = this.connections.get(service);
    if (!c)
      throw new Error(
        `ObjectStore has no bucket for ${service}; it has ${[...this.connections.keys()].join(", ")}`,
      );
    return c;
  }
}
