/**
 * The AWS S3 backend: per service, a bucket with public access blocked, object ownership enforced, encryption
 * with a KMS key of its own, versioning, a lifecycle rule for old versions, and a policy refusing plain HTTP;
 * an IAM role trusted through IRSA by exactly one ServiceAccount, allowed exactly one bucket and its key
 * (policy.ts); and a CloudFront distribution that reads the bucket's public prefix and nothing else
 * (public-access.ts), through Origin Access Control.
 */
// Submodule imports: the top-level @pulumi/aws costs every stack (dev included) load time.
import * as kms from "@pulumi/aws/kms";
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import { privateBucket } from "../aws/bucket";
import { bucketCdn, BucketCdn } from "../aws/cdn";
import { irsaRole } from "../aws/irsa";
import type { StorageConnection } from "../connections";
import { PUBLIC_PREFIX, s3RegionalEndpoint } from "./naming";
import { bucketPolicy } from "./policy";
import { bucketKeyPolicy, cdnReadStatement, keyUseStatement } from "./public-access";
import type { BucketSpec, S3ObjectStore } from "./types";

/** Days a deleted key waits before AWS destroys it (the longest): time to notice and cancel. */
const KEY_DELETION_WINDOW_DAYS = 30;

export function s3Bucket(
  name: string,
  b: BucketSpec,
  backend: S3ObjectStore,
  namespace: string,
  parent: pulumi.Resource,
): StorageConnection {
  const id = `${name}-${b.service}`;
  const opts = { parent };
  // A key of the bucket's own: its policy can let the bucket's distribution decrypt, which aws/s3's cannot.
  const key = new kms.Key(
    `${id}-key`,
    {
      description: `Ferrum ${b.service}: objects of bucket ${b.bucket}`,
      enableKeyRotation: true,
      deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      tags: backend.tags,
    },
    { ...opts, protect: backend.protect },
  );
  let cdn: BucketCdn | undefined;
  const bucket = privateBucket(
    {
      logicalName: id,
      childPrefix: id,
      bucketName: b.bucket,
      protect: backend.protect,
      tags: backend.tags,
      kmsKeyArn: key.arn,
      policyStatements: (made) => {
        cdn = bucketCdn(
          `${id}-cdn`,
          {
            bucket: made,
            bucketName: b.bucket,
            description: `Ferrum ${b.service}: ${PUBLIC_PREFIX} of ${b.bucket}`,
            tags: backend.tags,
          },
          { parent: made },
        );
        return [cdn.distribution.arn.apply((arn) => cdnReadStatement(b.bucket, arn))];
      },
    },
    opts,
  );
  const distribution = cdn!.distribution;
  new kms.KeyPolicy(
    `${id}-key-policy`,
    {
      keyId: key.id,
      policy: pulumi
        .all([key.arn, distribution.arn])
        .apply(([keyArn, distributionArn]) => JSON.stringify(bucketKeyPolicy(keyArn, distributionArn))),
    },
    { parent: key },
  );
  const child = { parent: bucket };
  const versioning = new s3.BucketVersioning(
    `${id}-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    child,
  );
  new s3.BucketLifecycleConfiguration(
    `${id}-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: backend.noncurrentVersionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    { parent: bucket, dependsOn: [versioning] },
  );

  const role = irsaRole(
    `${id}-role`,
    {
      identity: backend,
      namespace,
      serviceAccount: b.service,
      description: `Ferrum ${b.service}: its own bucket ${b.bucket}, assumed by ServiceAccount ${namespace}/${b.service} only`,
      policy: key.arn.apply((keyArn) => {
        const doc = bucketPolicy(b.bucket);
        return JSON.stringify({ ...doc, Statement: [...doc.Statement, keyUseStatement(keyArn)] });
      }),
      tags: backend.tags,
    },
    opts,
  );

  return {
    bucket: bucket.bucket,
    endpointUrl: "",
    region: backend.region,
    // Signed URLs name S3's regional endpoint by bucket host name; boto3's default would name the global one.
    publicEndpointUrl: s3RegionalEndpoint(backend.region),
    addressingStyle: "virtual",
    publicBaseUrl: cdn!.url,
    publicPrefix: PUBLIC_PREFIX,
    serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": role.arn },
  };
}
