/**
 * The policy that confines one service to its own bucket. Pure and provider-neutral: the same IAM-style
 * document is a MinIO canned policy in the cluster and an IAM role's policy on AWS S3.
 *
 * It grants the bucket itself (listing, location, in-progress uploads) and the objects in it (read, write,
 * delete, multipart uploads) and nothing else: no other bucket, no wildcard bucket, no bucket administration
 * (policies, versioning, lifecycle stay with the platform).
 */

/** Version of the IAM policy language. */
export const POLICY_VERSION = "2012-10-17";

/** Actions on the bucket (resource `arn:aws:s3:::<bucket>`). */
export const BUCKET_ACTIONS = [
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:ListBucketMultipartUploads",
] as const;

/** Actions on the bucket's objects (resource `arn:aws:s3:::<bucket>/*`). */
export const OBJECT_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
] as const;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

export interface PolicyDocument {
  readonly Version: typeof POLICY_VERSION;
  readonly Statement: readonly PolicyStatement[];
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectsArn = (bucket: string): string => `${bucketArn(bucket)}/*`;

/** The policy granting exactly `bucket` and its objects. `bucket` must be a valid name (see validation.ts). */
export function bucketPolicy(bucket: string): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "Bucket", Effect: "Allow", Action: [...BUCKET_ACTIONS], Resource: [bucketArn(bucket)] },
      { Sid: "Objects", Effect: "Allow", Action: [...OBJECT_ACTIONS], Resource: [objectsArn(bucket)] },
    ],
  };
}

/**
 * The backups bucket's policy: everything the service policy grants except deleting. The backup Job writes
 * new dumps and the restore Job reads them, but a stolen backup credential cannot erase the backups: only the
 * bucket's lifecycle rule removes them, after their retention.
 */
export function backupPolicy(bucket: string): PolicyDocument {
  const objects = OBJECT_ACTIONS.filter((a) => a !== "s3:DeleteObject");
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "Bucket", Effect: "Allow", Action: [...BUCKET_ACTIONS], Resource: [bucketArn(bucket)] },
      { Sid: "Objects", Effect: "Allow", Action: objects, Resource: [objectsArn(bucket)] },
    ],
  };
}

/** The document as the file `mc admin policy create` (or an IAM API) takes. */
export const renderPolicy = (bucket: string, document = bucketPolicy(bucket)): string =>
  `${JSON.stringify(document, null, 2)}\n`;
