/**
 * Loki's object storage on AWS: a private, encrypted S3 bucket refusing plain HTTP, with an expiry rule behind
 * Loki's own retention, and an IAM role that only Loki's ServiceAccount can assume (IRSA), allowed only this
 * bucket. Returns the `logs` argument of Observability.
 */
import * as s3 from "@pulumi/aws/s3";
import type * as pulumi from "@pulumi/pulumi";
import { irsaRole, type IrsaIdentity } from "../aws/irsa";
import { privateBucket } from "../aws/bucket";
import type { S3Logs } from "./types";
import { LOKI_SERVICE_ACCOUNT } from "./values";

/** What Loki does with its bucket: list it, and read, write and delete (compaction, retention) its objects. Pure. */
export function lokiBucketPolicy(bucket: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${bucket}`] },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ],
  };
}

export interface AwsLogStorageArgs {
  /** Globally unique bucket name, e.g. `ferrum-prod-logs`. */
  readonly bucket: string;
  /** The stack's AWS region: Loki's S3 endpoint. */
  readonly region: string;
  /** The EKS cluster's OIDC provider. */
  readonly identity: IrsaIdentity;
  /** The monitoring namespace (Loki's ServiceAccount lives there). */
  readonly namespace: string;
  /** Loki's retention; objects older than this plus a week are expired by S3 as a backstop. */
  readonly retentionDays: number;
  /** `protect` the bucket: it holds the logs. */
  readonly protect: boolean;
  /**
   * Tags of every AWS resource.
   * @default none - the resources are untagged
   */
  readonly tags?: Record<string, string>;
}

export function awsLogStorage(
  name: string,
  a: AwsLogStorageArgs,
  opts: pulumi.CustomResourceOptions = {},
): S3Logs {
  const bucket = privateBucket(
    {
      logicalName: `${name}-bucket`,
      childPrefix: name,
      bucketName: a.bucket,
      protect: a.protect,
      tags: a.tags,
    },
    opts,
  );
  const child = { parent: bucket };
  new s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-after-retention",
          status: "Enabled",
          filter: {},
          expiration: { days: a.retentionDays + 7 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    child,
  );
  const role = irsaRole(
    `${name}-role`,
    {
      identity: a.identity,
      namespace: a.namespace,
      serviceAccount: LOKI_SERVICE_ACCOUNT,
      description: `Loki: its log bucket ${a.bucket}, assumed by ServiceAccount ${a.namespace}/${LOKI_SERVICE_ACCOUNT} only`,
      policy: JSON.stringify(lokiBucketPolicy(a.bucket)),
      tags: a.tags,
    },
    opts,
  );
  return { kind: "s3", bucket: bucket.bucket, region: a.region, roleArn: role.arn };
}
