/**
 * What reaches stored data from outside the account stays narrow: resource policies (S3 bucket policies, KMS
 * key policies) never allow everyone, and a grant to an AWS service principal names the one source it serves
 * (`aws:SourceArn` or `aws:SourceAccount`: without it, any customer's distribution or job could use the grant,
 * the confused deputy); CloudFront distributions serve viewers HTTPS only and read S3 through Origin Access
 * Control, never through a legacy origin access identity or a public website endpoint.
 */
import { arr, isUnknown, label, obj, str, type GuardedResource, type ResourceRule } from "../resource";

/** Inputs holding a policy document, by type. */
const POLICY_INPUTS: Readonly<Record<string, string>> = {
  "aws:s3/bucketPolicy:BucketPolicy": "policy",
  "aws:kms/key:Key": "policy",
  "aws:kms/keyPolicy:KeyPolicy": "policy",
};

/** Condition keys that tie a service principal's grant to one source. */
const SOURCE_KEYS = new Set(["aws:sourcearn", "aws:sourceaccount"]);

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Whether a principal is everyone: `"*"`, `{AWS: "*"}` or `{AWS: ["*"]}`. */
function isEveryone(principal: unknown): boolean {
  if (principal === "*") return true;
  return list(obj(principal)?.AWS).includes("*");
}

/** Whether a statement's conditions pin its source (any operator, either key). */
function namesSource(condition: unknown): boolean {
  return Object.values(obj(condition) ?? {}).some((byKey) =>
    Object.keys(obj(byKey) ?? {}).some((k) => SOURCE_KEYS.has(k.toLowerCase())),
  );
}

function statementName(s: Record<string, unknown>, i: number): string {
  return str(s.Sid) ? `statement "${str(s.Sid)}"` : `statement ${i}`;
}

function policyFindings(r: GuardedResource): string[] {
  const input = POLICY_INPUTS[r.type];
  if (!input) return [];
  const text = r.props[input];
  if (text === undefined || isUnknown(text)) return [];
  let doc: unknown;
  try {
    doc = typeof text === "string" ? JSON.parse(text) : text;
  } catch {
    return [`${label(r)}: ${input} is not JSON; write it with JSON.stringify of a policy document`];
  }
  return list(obj(doc)?.Statement).flatMap((raw, i) => {
    const s = obj(raw);
    if (!s || s.Effect !== "Allow") return [];
    const actions = list(s.Action).map(String).join(", ");
    if (isEveryone(s.Principal)) {
      return [
        `${label(r)}: ${statementName(s, i)} allows ${actions} to everyone (Principal "*"); grant a role, or a ` +
          "service principal for one source ARN (CloudFront through Origin Access Control for public objects)",
      ];
    }
    const services = list(obj(s.Principal)?.Service).map(String);
    if (services.length > 0 && !namesSource(s.Condition)) {
      return [
        `${label(r)}: ${statementName(s, i)} allows ${actions} to ${services.join(", ")} without naming the ` +
          'source; add a Condition on aws:SourceArn (e.g. {"StringEquals": {"AWS:SourceArn": <distribution ARN>}})',
      ];
    }
    return [];
  });
}

export const privateResourcePolicies: ResourceRule = {
  scope: "resource",
  name: "private-resource-policies",
  description:
    "S3 bucket policies and KMS key policies allow no one-for-all principal, and every grant to an AWS service names its source (aws:SourceArn or aws:SourceAccount).",
  check: policyFindings,
};

const HTTPS_ONLY = new Set(["redirect-to-https", "https-only"]);
/** An S3 REST or website endpoint as an origin's domain name. */
const S3_ORIGIN = /\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$|\.s3\.amazonaws\.com$/;
const S3_WEBSITE = /\.s3-website[.-]/;

function distributionFindings(r: GuardedResource): string[] {
  if (r.type !== "aws:cloudfront/distribution:Distribution") return [];
  const findings: string[] = [];
  const behaviors: [string, unknown][] = [
    ["defaultCacheBehavior", obj(r.props.defaultCacheBehavior)?.viewerProtocolPolicy],
    ...arr(r.props.orderedCacheBehaviors).map((b, i): [string, unknown] => [
      `orderedCacheBehaviors[${i}] (${str(obj(b)?.pathPattern) ?? "?"})`,
      obj(b)?.viewerProtocolPolicy,
    ]),
  ];
  for (const [where, policy] of behaviors) {
    if (isUnknown(policy) || HTTPS_ONLY.has(policy as string)) continue;
    findings.push(
      `${label(r)}: ${where}.viewerProtocolPolicy is ${policy === undefined ? "not set" : JSON.stringify(policy)}; ` +
        'set "redirect-to-https" (or "https-only")',
    );
  }
  arr(r.props.origins).forEach((raw, i) => {
    const o = obj(raw) ?? {};
    const domain = str(o.domainName);
    if (domain === undefined) return; // unknown during this preview
    const where = `origins[${i}] (${domain})`;
    if (S3_WEBSITE.test(domain)) {
      findings.push(
        `${label(r)}: ${where} is an S3 website endpoint, which serves a public bucket; use the bucket's regional ` +
          "domain name with an Origin Access Control",
      );
    } else if (S3_ORIGIN.test(domain) && (o.originAccessControlId === undefined || o.s3OriginConfig)) {
      findings.push(
        `${label(r)}: ${where} reads S3 without an Origin Access Control${o.s3OriginConfig ? " (a legacy origin access identity)" : ""}; ` +
          "set originAccessControlId to an aws.cloudfront.OriginAccessControl (signingBehavior always, sigv4)",
      );
    }
  });
  const certificate = obj(r.props.viewerCertificate);
  const minimum = certificate?.minimumProtocolVersion;
  if (
    certificate?.acmCertificateArn !== undefined &&
    !isUnknown(minimum) &&
    !/^TLSv1\.[23]/.test(String(minimum))
  ) {
    findings.push(
      `${label(r)}: viewerCertificate.minimumProtocolVersion is ${minimum === undefined ? "not set" : JSON.stringify(minimum)}; ` +
        'set "TLSv1.2_2021"',
    );
  }
  return findings;
}

export const cdnHttpsPrivateOrigins: ResourceRule = {
  scope: "resource",
  name: "cdn-https-private-origins",
  description:
    "CloudFront distributions serve viewers HTTPS only (TLS 1.2 or later with a certificate of their own) and read S3 origins through Origin Access Control, never through a legacy origin access identity or a website endpoint.",
  check: distributionFindings,
};
