/**
 * A private S3 bucket as every bucket of the platform is: public access blocked, object ownership enforced
 * (no ACLs), KMS encryption with a bucket key, plain HTTP denied, and `protect`ed when asked. Versioning and
 * lifecycle differ per use and stay with the caller, and so do grants to other AWS services (a CDN reading a
 * prefix), which join the TLS-only denial in the bucket's one policy.
 */
// Submodule import: the top-level @pulumi/aws costs every stack (dev included) load time.
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";

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
  /** `protect` the bucket: it holds the data. */
  readonly protect: boolean;
  /**
   * Tags of the bucket.
   * @default none - the bucket is untagged
   */
  readonly tags?: Record<string, string>;
  /** ARN of the customer managed KMS key that encrypts new objects. @default - the AWS managed key aws/s3 */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /**
   * Statements for the bucket's policy beside the TLS-only denial, made once the bucket exists (a grant may name
   * a resource made from the bucket, such as a CloudFront distribution). S3 keeps one policy per bucket, so
   * every grant goes into this one. @default - none
   */
  readonly policyStatements?: (bucket: s3.Bucket) => pulumi.Input<pulumi.Input<object>[]>;
}

/** The bucket policy: the TLS-only denial and `extra`, as the JSON S3 takes. Pure. */
export function renderBucketPolicy(bucket: string, extra: readonly object[] = []): string {
  const base = tlsOnlyBucketPolicy(bucket);
  return JSON.stringify({ ...base, Statement: [...base.Statement, ...extra] });
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
      rules: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            ...(a.kmsKeyArn ? { kmsMasterKeyId: a.kmsKeyArn } : {}),
          },
          bucketKeyEnabled: true,
        },
      ],
    },
    child,
  );
  // The name stays `-tls-only` whatever joins the denial: renaming would replace the policy, and the old one's
  // deletion (after the new one is put) would leave the bucket with none.
  const extra = a.policyStatements?.(bucket);
  new s3.BucketPolicy(
    `${a.childPrefix}-tls-only`,
    {
      bucket: bucket.id,
      policy: extra
        ? pulumi.output(extra).apply((statements) => renderBucketPolicy(a.bucketName, statements))
        : renderBucketPolicy(a.bucketName),
    },
    child,
  );
  return bucket;
}
