/**
 * Every store is encrypted at rest: RDS storage, ElastiCache, EBS volumes and the EBS StorageClass that makes
 * the in-cluster volumes, EFS, and every S3 bucket has a default server-side encryption configuration; the KMS
 * keys doing it rotate.
 * (Azure encrypts Flexible Server storage, managed disks and Redis at rest and offers no way to turn it off, so
 * there is nothing to check there.)
 */
import {
  arr,
  at,
  isUnknown,
  label,
  obj,
  type Finding,
  type GuardedResource,
  type ResourceRule,
  type StackRule,
} from "../resource";

/** type -> the input that must be `true`. */
const MUST_BE_TRUE: Readonly<Record<string, string>> = {
  "aws:rds/instance:Instance": "storageEncrypted",
  "aws:rds/cluster:Cluster": "storageEncrypted",
  "aws:elasticache/replicationGroup:ReplicationGroup": "atRestEncryptionEnabled",
  "aws:ebs/volume:Volume": "encrypted",
  "aws:efs/fileSystem:FileSystem": "encrypted",
  // A key that encrypts data at rest is rotated yearly (the old key material keeps decrypting).
  "aws:kms/key:Key": "enableKeyRotation",
};

/** Provisioners of EBS volumes, whose StorageClass must ask for encryption. */
const EBS_PROVISIONERS = new Set(["ebs.csi.aws.com", "kubernetes.io/aws-ebs"]);

function atRest(r: GuardedResource): string[] {
  const input = MUST_BE_TRUE[r.type];
  if (input) {
    const v = r.props[input];
    return v === true || isUnknown(v)
      ? []
      : [`${label(r)}: ${input} is ${v === undefined ? "not set" : JSON.stringify(v)}; set ${input}: true`];
  }
  if (
    r.type === "kubernetes:storage.k8s.io/v1:StorageClass" &&
    EBS_PROVISIONERS.has(r.props.provisioner as string)
  ) {
    const v = at(r.props, "parameters.encrypted");
    return v === "true" || isUnknown(v)
      ? []
      : [
          `${label(r)}: EBS volumes of this class are not encrypted (parameters.encrypted is ${v === undefined ? "not set" : JSON.stringify(v)}); set parameters.encrypted: "true"`,
        ];
  }
  return [];
}

export const encryptionAtRest: ResourceRule = {
  scope: "resource",
  name: "encryption-at-rest",
  description:
    "RDS storage, ElastiCache, EBS and EFS are encrypted at rest, EBS StorageClasses ask for encrypted volumes, and KMS keys rotate.",
  check: atRest,
};

const BUCKETS = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const SSE_CONFIGS = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);

/** Whether an encryption rule list sets a default algorithm. */
function setsDefaultAlgorithm(rules: unknown): boolean {
  return arr(rules).some((rule) => {
    const alg = at(rule, "applyServerSideEncryptionByDefault.sseAlgorithm");
    return (typeof alg === "string" && alg !== "") || isUnknown(alg);
  });
}

/** Whether `config` configures `bucket`: its child, dependent through `bucket`, or naming it. */
function configures(config: GuardedResource, bucket: GuardedResource): boolean {
  if (config.parent === bucket.urn) return true;
  if (config.propertyDependencies?.bucket?.includes(bucket.urn)) return true;
  const target = config.props.bucket;
  return typeof target === "string" && (target === bucket.props.bucket || target === bucket.props.id);
}

function bucketEncryption(resources: readonly GuardedResource[]): Finding[] {
  const configs = resources.filter((r) => SSE_CONFIGS.has(r.type) && setsDefaultAlgorithm(r.props.rules));
  return resources
    .filter((r) => BUCKETS.has(r.type))
    .filter((bucket) => {
      // The deprecated inline form on the bucket itself counts too.
      const inline = obj(bucket.props.serverSideEncryptionConfiguration);
      if (inline && setsDefaultAlgorithm([inline.rule].flat())) return false;
      return !configs.some((c) => configures(c, bucket));
    })
    .map((bucket) => ({
      urn: bucket.urn,
      message:
        `${label(bucket)}: no default server-side encryption; add an aws.s3.BucketServerSideEncryptionConfiguration ` +
        "for it with applyServerSideEncryptionByDefault (sseAlgorithm aws:kms)",
    }));
}

export const bucketEncryptionRule: StackRule = {
  scope: "stack",
  name: "bucket-encryption",
  description: "Every S3 bucket has a server-side encryption configuration with a default algorithm.",
  check: bucketEncryption,
};
