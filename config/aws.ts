/**
 * `ferrum:aws`: the AWS stack's settings (network, EKS, RDS, cache, buckets, ingress). Pure; read by config.ts.
 */
import { subnetLayout } from "../lib/aws-subnets";
import { type ConfigProblems, ObjectReader, show } from "./reader";
import type { RdsRestoreSource } from "./types";
import { tableVersion } from "./versions";
import { EKS_NODE_AMI_TYPE } from "../lib/versions";

/** `ferrum:aws.rds.restore`: restore mode (README, "Restoring production"). */
export interface RdsRestoreSettings {
  /** Identifier of the restored instance: `<original>-restored` unless set. */
  readonly identifier: string;
  readonly source: RdsRestoreSource;
  /** Stop declaring the original instance (once a person has unprotected it). */
  readonly retireOriginal: boolean;
}

/** A UTC instant as RDS and Flexible Server take it: RFC 3339 with seconds and `Z`. */
export const UTC_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;
const RDS_IDENTIFIER = /^(?=.{1,63}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SNAPSHOT = /^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?[a-zA-Z][a-zA-Z0-9:-]{0,254}$/;

/** The RDS instance's identifier on a stack: `ferrum-<stack>`. */
export const rdsIdentifier = (stack: string): string => `ferrum-${stack}`;

/**
 * `ferrum:aws.rds.restore` resolved against the original instance's identifier: the restored one defaults to
 * `<original>-restored` and may never be the original's (that would replace, not restore).
 */
export function resolveRdsRestore(
  restore: RdsRestoreSettings | undefined,
  original: string,
  problems: ConfigProblems,
): RdsRestoreSettings | undefined {
  if (!restore) return undefined;
  const fallback = `${original.slice(0, 63 - "-restored".length)}-restored`;
  const identifier = restore.identifier || fallback;
  if (identifier === original) {
    problems.add(
      "aws.rds.restore.identifier",
      `must differ from the original instance's identifier (got ${JSON.stringify(identifier)}): the restore is a new instance; set it with: ${problems.set("aws.rds.restore.identifier", `${original}-restored`)}`,
    );
  }
  return { ...restore, identifier };
}

/** Restore mode's settings, or undefined when `restore` is absent. */
function readRdsRestore(r: ObjectReader): RdsRestoreSettings | undefined {
  if (r.keys().length === 0) return undefined;
  const p = r.problems;
  const pointInTime = r.string("pointInTime", "", {
    pattern: new RegExp(`^$|^latest$|${UTC_TIME.source}`),
    expectation: "latest or a UTC time such as 2026-12-01T09:30:00Z",
    example: "2026-12-01T09:30:00Z",
  });
  const snapshotIdentifier = r.string("snapshotIdentifier", "", {
    pattern: new RegExp(`^$|${SNAPSHOT.source}`),
    expectation: "an RDS snapshot identifier or ARN",
    example: "rds:ferrum-prod-2026-12-01-02-05",
  });
  const identifier = r.string("identifier", "", {
    pattern: new RegExp(`^$|${RDS_IDENTIFIER.source}`),
    expectation: "an RDS instance identifier (lowercase letters, digits and single hyphens, at most 63)",
    example: "ferrum-prod-restored",
  });
  const retireOriginal = r.boolean("retireOriginal", false);
  r.rejectUnknown();
  // Counted from what was set, so a malformed value is reported once, as malformed.
  const given = ["pointInTime", "snapshotIdentifier"].filter(
    (k) => ![undefined, null, ""].includes(r.value[k] as never),
  ).length;
  if (given !== 1) {
    p.add(
      r.path,
      `must name exactly one source, pointInTime or snapshotIdentifier (got ${show(r.value)}); set one with: ${r.problems.set(`${r.path}.pointInTime`, "2026-12-01T09:30:00Z")}`,
    );
  }
  const source: RdsRestoreSource =
    snapshotIdentifier !== ""
      ? { kind: "snapshot", snapshotIdentifier }
      : pointInTime === "latest"
        ? { kind: "latestRestorableTime" }
        : { kind: "pointInTime", time: pointInTime };
  return { identifier, source, retireOriginal };
}

export interface AwsSettings {
  /** CIDR of the VPC. */
  readonly vpcCidr: string;
  /** NAT gateways: one per availability zone (resilient) or a single one (cheaper). */
  readonly natGateways: "onePerAz" | "single";
  /** EKS Kubernetes minor: one lib/versions.ts lists (default: the newest). */
  readonly kubernetesVersion: string;
  /** CIDRs allowed to reach the public EKS API endpoint; empty keeps the endpoint private only. */
  readonly publicAccessCidrs: readonly string[];
  /**
   * The IAM role `pulumi up` runs as (CI's deploy role): granted cluster admin through its own access entry,
   * and every Kubernetes resource waits for that grant. Required when the stack creates the cluster.
   */
  readonly deployerRoleArn: string;
  /** More IAM principals granted cluster admin through access entries (people, break-glass roles). */
  readonly adminPrincipalArns: readonly string[];
  readonly nodeInstanceTypes: readonly string[];
  readonly nodeMinSize: number;
  readonly nodeMaxSize: number;
  readonly nodeDesiredSize: number;
  readonly rds: {
    /** PostgreSQL major (RDS applies minors itself): one lib/versions.ts lists. */
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
    readonly backupRetentionDays: number;
    /** Restore mode: the services move to an instance restored from a point in time or a snapshot. */
    readonly restore?: RdsRestoreSettings;
  };
  /** Redis: in-cluster Sentinel (the spec's choice) or ElastiCache. */
  readonly cache: "inCluster" | "elasticache";
  readonly elasticache: {
    readonly nodeType: string;
    readonly numCacheClusters: number;
    /** Node type of the caches' replication group (allkeys-lru). */
    readonly cacheNodeType: string;
  };
  /** Days an old object version is kept. */
  readonly noncurrentVersionDays: number;
  /** An existing cluster instead of creating VPC and EKS (its kubeconfig is the secret ferrum:clusterKubeconfig). */
  readonly existingCluster?: {
    readonly vpcId: string;
    readonly privateSubnetIds: readonly string[];
    readonly clusterSecurityGroupId: string;
    readonly oidcProviderArn: string;
    readonly oidcProviderUrl: string;
  };
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
/** Graviton (arm64) instance types: a `g` among the letters after the generation (m7g, c7gn, r8gd), or a1. */
export const isGraviton = (type: string): boolean => /^(a1|[a-z]+\d+[a-z-]*g[a-z-]*)\./.test(type);
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;

export function readAwsSettings(r: ObjectReader): AwsSettings {
  const p = r.problems;
  const nodeMinSize = r.integer("nodeMinSize", 2, 1, 100);
  const nodeMaxSize = r.integer("nodeMaxSize", 6, 1, 100);
  const nodeDesiredSize = r.integer("nodeDesiredSize", 3, 1, 100);
  if (!(nodeMinSize <= nodeDesiredSize && nodeDesiredSize <= nodeMaxSize)) {
    p.add(
      "aws.nodeDesiredSize",
      `must lie between nodeMinSize and nodeMaxSize (got ${nodeMinSize} <= ${nodeDesiredSize} <= ${nodeMaxSize}); set it with: ${r.problems.set("aws.nodeDesiredSize", nodeMinSize)}`,
    );
  }
  const rds = r.object("rds");
  const rdsSettings = {
    engineVersion: tableVersion(rds, "engineVersion", "postgresql", "aws"),
    instanceClass: rds.string("instanceClass", "db.m7g.large", {
      pattern: /^db\.[a-z0-9]+\.[a-z0-9]+$/,
      expectation: "an RDS instance class",
      example: "db.m7g.large",
    }),
    allocatedStorageGiB: rds.integer("allocatedStorageGiB", 100, 20, 65536),
    maxAllocatedStorageGiB: rds.integer("maxAllocatedStorageGiB", 500, 20, 65536),
    backupRetentionDays: rds.integer("backupRetentionDays", 14, 7, 35),
  };
  const restore = resolveRdsRestore(readRdsRestore(rds.object("restore")), rdsIdentifier(p.fix.stack), p);
  rds.rejectUnknown();
  rds.atLeast(
    "maxAllocatedStorageGiB",
    rdsSettings.maxAllocatedStorageGiB,
    "allocatedStorageGiB",
    rdsSettings.allocatedStorageGiB,
  );
  const ec = r.object("elasticache");
  const elasticache = {
    nodeType: ec.string("nodeType", "cache.m7g.large", {
      pattern: /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
      expectation: "an ElastiCache node type",
      example: "cache.m7g.large",
    }),
    numCacheClusters: ec.integer("numCacheClusters", 2, 2, 6),
    cacheNodeType: ec.string("cacheNodeType", "cache.t4g.small", {
      pattern: /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
      expectation: "an ElastiCache node type",
      example: "cache.t4g.small",
    }),
  };
  ec.rejectUnknown();

  const ex = r.object("existingCluster");
  const existing = ex.keys().length
    ? {
        vpcId: ex.string("vpcId", "", {
          pattern: /^vpc-[0-9a-f]+$/,
          expectation: "a VPC id",
          example: "vpc-0abc",
        }),
        privateSubnetIds: ex.stringList("privateSubnetIds", [], {
          pattern: /^subnet-[0-9a-f]+$/,
          expectation: "subnet ids",
        }),
        clusterSecurityGroupId: ex.string("clusterSecurityGroupId", "", {
          pattern: /^sg-[0-9a-f]+$/,
          expectation: "a security group id",
          example: "sg-0abc",
        }),
        oidcProviderArn: ex.string("oidcProviderArn", "", {
          pattern: ARN,
          expectation: "the ARN of the cluster's IAM OIDC provider",
          example: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
        }),
        oidcProviderUrl: ex.string("oidcProviderUrl", "", {
          pattern: /^(https:\/\/)?oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/[A-Z0-9]+$/,
          expectation: "the cluster's OIDC issuer",
          example: "oidc.eks.eu-central-1.amazonaws.com/id/ABC",
        }),
      }
    : undefined;
  if (existing) ex.rejectUnknown();

  const settings: AwsSettings = {
    vpcCidr: r.string("vpcCidr", "10.40.0.0/16", {
      pattern: CIDR,
      expectation: "an IPv4 CIDR",
      example: "10.40.0.0/16",
    }),
    natGateways: r.oneOf("natGateways", ["onePerAz", "single"] as const, "onePerAz"),
    kubernetesVersion: tableVersion(r, "kubernetesVersion", "kubernetes", "aws"),
    publicAccessCidrs: r.stringList("publicAccessCidrs", [], { pattern: CIDR, expectation: "IPv4 CIDRs" }),
    deployerRoleArn: r.string("deployerRoleArn", "", {
      pattern: /^$|^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      expectation: "the ARN of the IAM role pulumi up runs as",
      example: "arn:aws:iam::123456789012:role/ferrum-deploy",
    }),
    adminPrincipalArns: r.stringList("adminPrincipalArns", [], { pattern: ARN, expectation: "IAM ARNs" }),
    nodeInstanceTypes: r.stringList("nodeInstanceTypes", ["m7i.large"], {
      pattern: /^[a-z0-9]+\.[a-z0-9]+$/,
      expectation: "EC2 instance types",
    }),
    nodeMinSize,
    nodeMaxSize,
    nodeDesiredSize,
    rds: restore ? { ...rdsSettings, restore } : rdsSettings,
    cache: r.oneOf("cache", ["inCluster", "elasticache"] as const, "inCluster"),
    elasticache,
    noncurrentVersionDays: r.integer("noncurrentVersionDays", 90, 1, 3650),
    ...(existing ? { existingCluster: existing } : {}),
  };
  if (CIDR.test(settings.vpcCidr)) {
    const prefix = Number(settings.vpcCidr.split("/")[1]);
    let layoutError: string | undefined;
    try {
      subnetLayout(settings.vpcCidr);
    } catch (e) {
      layoutError = (e as Error).message;
    }
    // AWS takes VPC blocks from /16 to /28; three /19 node subnets and six /24 subnets need a /17 at the least.
    if (prefix < 16 || prefix > 17 || layoutError) {
      p.add(
        "aws.vpcCidr",
        `must be a /16 or /17 with no host bits set: AWS accepts VPC blocks from /16 to /28, and the subnets need three /19 node subnets and six /24 subnets (got "${settings.vpcCidr}"${layoutError ? `: ${layoutError}` : ""}); set it with: ${r.problems.set("aws.vpcCidr", "10.40.0.0/16")}`,
      );
    }
  }
  // The node group runs the x86_64 Amazon Linux 2023 AMI type of lib/versions.ts; Graviton types (m7g, t4g,
  // c7gn, a1) would not boot it.
  const arm = settings.nodeInstanceTypes.filter(isGraviton);
  if (arm.length) {
    p.add(
      "aws.nodeInstanceTypes",
      `must be x86_64 instance types: the nodes run the AMI type ${EKS_NODE_AMI_TYPE} (lib/versions.ts), which Graviton types do not boot (got ${JSON.stringify(arm)}); set it with: ${r.problems.set("aws.nodeInstanceTypes", "'[\"m7i.large\"]'")}`,
    );
  }
  if (settings.publicAccessCidrs.includes("0.0.0.0/0")) {
    p.add(
      "aws.publicAccessCidrs",
      `must not open the cluster API to the whole internet (got "0.0.0.0/0"); list your runners' and offices' CIDRs, e.g.: ${r.problems.set("aws.publicAccessCidrs", "'[\"203.0.113.0/24\"]'")}`,
    );
  }
  r.rejectUnknown();
  return settings;
}
