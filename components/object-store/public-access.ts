/**
 * Who may read what without a service's credentials. Pure.
 *
 * Each bucket has one public prefix (`public/`, naming.ts): page assets and logos, read by anyone, unsigned,
 * cacheable. Every other key (uploads: avatars, product images) stays private and is reached by the browser
 * only through a URL the service signs for the public endpoint. The documents here grant read access to the
 * public prefix and to nothing else:
 * - in the cluster, MinIO's bucket policy (set by `mc anonymous set-json`) lets the anonymous principal get
 *   objects under the prefix: no listing, no writes, no other key;
 * - on AWS, the bucket policy lets CloudFront (its service principal, for exactly one distribution) get
 *   objects under the prefix, and the bucket's KMS key lets that distribution decrypt them. The bucket stays
 *   private: public access blocked, no anonymous principal anywhere.
 */
import { bucketArn } from "./policy";
import { PUBLIC_PREFIX } from "./naming";

/** A statement of a resource policy (bucket or key policy): it names who it grants. */
export interface ResourcePolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal: "*" | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface ResourcePolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly ResourcePolicyStatement[];
}

/** `arn:aws:s3:::<bucket>/public/*`: the objects of the public prefix. */
export const publicObjectsArn = (bucket: string, prefix = PUBLIC_PREFIX): string =>
  `${bucketArn(bucket)}/${prefix}*`;

/** MinIO's bucket policy: anyone may get an object under the public prefix, and do nothing else. */
export function publicReadPolicy(bucket: string, prefix = PUBLIC_PREFIX): ResourcePolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: { AWS: ["*"] },
        Action: ["s3:GetObject"],
        Resource: [publicObjectsArn(bucket, prefix)],
      },
    ],
  };
}

/** The document as the file `mc anonymous set-json` takes. */
export const renderPublicReadPolicy = (bucket: string): string =>
  `${JSON.stringify(publicReadPolicy(bucket), null, 2)}\n`;

/** CloudFront's service principal, which Origin Access Control signs origin requests as. */
export const CLOUDFRONT_PRINCIPAL = "cloudfront.amazonaws.com";

/** The bucket policy statement letting one CloudFront distribution get the objects of the public prefix. */
export function cdnReadStatement(
  bucket: string,
  distributionArn: string,
  prefix = PUBLIC_PREFIX,
): ResourcePolicyStatement {
  return {
    Sid: "CdnReadsPublicPrefix",
    Effect: "Allow",
    Principal: { Service: CLOUDFRONT_PRINCIPAL },
    Action: "s3:GetObject",
    Resource: publicObjectsArn(bucket, prefix),
    Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
  };
}

/** `123456789012` from any ARN of that account (`arn:aws:kms:eu-central-1:123456789012:key/...`). */
export function accountOfArn(arn: string): string {
  const account = arn.split(":")[4];
  if (!account || !/^\d{12}$/.test(account)) throw new Error(`no account id in ARN ${JSON.stringify(arn)}`);
  return account;
}

/**
 * The key policy of a bucket's KMS key: the account administers the key and delegates its use to IAM (the
 * service's IRSA role is granted it in its own policy), and the one CloudFront distribution of the bucket may
 * decrypt (reads only: Origin Access Control signs GET and HEAD) to serve the public prefix. The AWS managed
 * key `aws/s3` cannot grant this (its policy cannot be changed), so a CDN could not read a single object of a
 * bucket encrypted with it.
 */
export function bucketKeyPolicy(keyArn: string, distributionArn: string, partition = "aws"): ResourcePolicy {
  const account = accountOfArn(keyArn);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersTheKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CdnDecryptsPublicObjects",
        Effect: "Allow",
        Principal: { Service: CLOUDFRONT_PRINCIPAL },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ],
  };
}

/** What a service's IRSA role needs of its bucket's key, beside the bucket policy of policy.ts. */
export function keyUseStatement(keyArn: string) {
  return {
    Sid: "BucketKey",
    Effect: "Allow" as const,
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: [keyArn],
  };
}
