/**
 * A CloudFront distribution in front of one private S3 bucket, reading it through Origin Access Control
 * (requests to S3 signed with SigV4 as CloudFront's service principal; no legacy origin access identity, no
 * public bucket, no website endpoint). Viewers get HTTPS only (plain HTTP is redirected), GET and HEAD only,
 * and CloudFront's managed CachingOptimized policy, which keeps each object as long as the Cache-Control it
 * was written with says (a day when it says nothing, a year at most).
 *
 * What the distribution may read is decided by the bucket's policy and the bucket key's policy, which the
 * caller writes with the distribution's ARN (components/object-store/public-access.ts): a request for any
 * other key gets S3's 403.
 */
// Submodule import: the top-level @pulumi/aws costs every stack (dev included) load time.
import * as cloudfront from "@pulumi/aws/cloudfront";
import type * as s3 from "@pulumi/aws/s3";
import type * as pulumi from "@pulumi/pulumi";

/** CloudFront's managed cache policy "Managed-CachingOptimized": honours the origin's Cache-Control. */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/** The origin's id inside the distribution. */
const ORIGIN_ID = "bucket";

export interface BucketCdnArgs {
  /** The private bucket the distribution serves, through its Origin Access Control. */
  readonly bucket: s3.Bucket;
  /** The bucket's S3 name: names the Origin Access Control (unique per account). */
  readonly bucketName: string;
  /** What the distribution serves, for its comment. */
  readonly description: string;
  /**
   * Edge locations used. @default "PriceClass_100" (North America and Europe: the cheapest class; viewers
   * elsewhere are served from the nearest of those)
   */
  readonly priceClass?: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
  /**
   * Tags of the distribution.
   * @default none - the distribution is untagged
   */
  readonly tags?: Record<string, string>;
}

export interface BucketCdn {
  readonly distribution: cloudfront.Distribution;
  /** `https://d111111abcdef8.cloudfront.net`. */
  readonly url: pulumi.Output<string>;
}

export function bucketCdn(name: string, a: BucketCdnArgs, opts: pulumi.CustomResourceOptions): BucketCdn {
  const oac = new cloudfront.OriginAccessControl(
    `${name}-oac`,
    {
      name: a.bucketName,
      description: `Signs CloudFront's requests to ${a.bucketName}`,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    },
    opts,
  );
  const distribution = new cloudfront.Distribution(
    name,
    {
      enabled: true,
      // The distribution's name is known as soon as it is created; its edge locations take 5 to 15 minutes
      // more, which nothing here needs to wait for (public objects are served once they are deployed).
      waitForDeployment: false,
      comment: a.description,
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      priceClass: a.priceClass ?? "PriceClass_100",
      origins: [
        {
          originId: ORIGIN_ID,
          domainName: a.bucket.bucketRegionalDomainName,
          originAccessControlId: oac.id,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: ORIGIN_ID,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
        compress: true,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: { cloudfrontDefaultCertificate: true },
      tags: a.tags,
    },
    opts,
  );
  return { distribution, url: distribution.domainName.apply((domain) => `https://${domain}`) };
}
