/**
 * A private S3 bucket as every bucket of the platform is: public access blocked, object ownership enforced
 * (no ACLs), KMS encryption with a bucket key, plain HTTP denied, and `protect`ed when asked. Versioning and
 * lifecycle differ per use and stay with the caller.
 */
// Submodule import: the top-level @pulumi/aws costs every stack (dev included) load time.
import * as s3 from "@pulumi/aws/s3";
import type * as pulumi from "@pulumi/pulumi";

/** Denies every request that is not over TLS. Pure. */
export function tlsOnlyBucketPolicy(bucket: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

export interface PrivateBucketArgs {
  /** Logical name of the bucket resource. */
  readonly logicalName: string;
  /** Prefix of its children's logical names (`<prefix>-public-access-block`, ...). */
  readonly childPrefix: string;
  /** The bucket's S3 name. */
  readonly bucketName: string;
  readonly protect: boolean;
  readonly tags?: Record<string, string>;
}

export function privateBucket(a: PrivateBucketArgs, opts: pulumi.CustomResourceOptions): s3.Bucket {
  const bucket = new s3.Bucket(
    a.logicalName,
    { bucket: a.bucketName, forceDestroy: false, tags: a.tags },
    { ...opts, protect: a.protect },
  );
  const child = { parent: bucket };
  new s3.BucketPublicAccessBlock(
    `${a.childPrefix}-public-access-block`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child,
  );
  new s3.BucketOwnershipControls(
    `${a.childPrefix}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child,
  );
  new s3.BucketServerSideEncryptionConfiguration(
    `${a.childPrefix}-encryption`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    },
    child,
  );
  new s3.BucketPolicy(
    `${a.childPrefix}-tls-only`,
    { bucket: bucket.id, policy: JSON.stringify(tlsOnlyBucketPolicy(a.bucketName)) },
    child,
  );
  return bucket;
}
