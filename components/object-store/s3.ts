/**
 * The AWS S3 backend: per service, a bucket with public access blocked, object ownership enforced, KMS
 * encryption, versioning, a lifecycle rule for old versions, and a policy refusing plain HTTP; and an IAM
 * role trusted through IRSA by exactly one ServiceAccount, allowed exactly one bucket (policy.ts).
 */
// Submodule imports: the top-level @pulumi/aws costs every stack (dev included) load time.
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import { privateBucket } from "../aws/bucket";
import { irsaRole } from "../aws/irsa";
import type { StorageConnection } from "../connections";
import { bucketPolicy } from "./policy";
import type { BucketSpec, S3ObjectStore } from "./types";

export function s3Bucket(
  name: string,
  b: BucketSpec,
  backend: S3ObjectStore,
  namespace: string,
  parent: pulumi.Resource,
): StorageConnection {
  const id = `${name}-${b.service}`;
  const opts = { parent };
  const bucket = privateBucket(
    { logicalName: id, childPrefix: id, bucketName: b.bucket, protect: backend.protect, tags: backend.tags },
    opts,
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
      policy: JSON.stringify(bucketPolicy(b.bucket)),
      tags: backend.tags,
    },
    opts,
  );

  return {
    bucket: bucket.bucket,
    endpointUrl: "",
    region: backend.region,
    serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": role.arn },
  };
}
