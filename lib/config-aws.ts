/**
 * `ferrum:aws`: the AWS stack's settings (network, EKS, RDS, cache, buckets, ingress). Pure; read by config.ts.
 */
import { subnetLayout } from "./cidr";
import { ObjectReader, setCommand } from "./config-reader";

export interface AwsSettings {
  /** CIDR of the VPC. */
  readonly vpcCidr: string;
  /** NAT gateways: one per availability zone (resilient) or a single one (cheaper). */
  readonly natGateways: "onePerAz" | "single";
  /** EKS Kubernetes version. */
  readonly kubernetesVersion: string;
  /** CIDRs allowed to reach the public EKS API endpoint; empty keeps the endpoint private only. */
  readonly publicAccessCidrs: readonly string[];
  /** IAM principals granted cluster admin through access entries (the deploying role among them). */
  readonly adminPrincipalArns: readonly string[];
  readonly nodeInstanceTypes: readonly string[];
  readonly nodeMinSize: number;
  readonly nodeMaxSize: number;
  readonly nodeDesiredSize: number;
  readonly rds: {
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
    readonly backupRetentionDays: number;
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
  /** ACM certificate for TLS on the NLB; empty serves Traefik's own certificate. */
  readonly acmCertificateArn: string;
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
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;

export function readAwsSettings(r: ObjectReader): AwsSettings {
  const p = r.problems;
  const nodeMinSize = r.integer("nodeMinSize", 2, 1, 100);
  const nodeMaxSize = r.integer("nodeMaxSize", 6, 1, 100);
  const nodeDesiredSize = r.integer("nodeDesiredSize", 3, 1, 100);
  if (!(nodeMinSize <= nodeDesiredSize && nodeDesiredSize <= nodeMaxSize)) {
    p.add(
      "aws.nodeDesiredSize",
      `must lie between nodeMinSize and nodeMaxSize (got ${nodeMinSize} <= ${nodeDesiredSize} <= ${nodeMaxSize}); set it with: ${setCommand("aws.nodeDesiredSize", nodeMinSize)}`,
    );
  }
  const rds = r.object("rds");
  const rdsSettings = {
    engineVersion: rds.string("engineVersion", "16.9", {
      pattern: /^16\.\d+$/,
      expectation: "a PostgreSQL 16 minor version",
      example: "16.9",
    }),
    instanceClass: rds.string("instanceClass", "db.m7g.large", {
      pattern: /^db\.[a-z0-9]+\.[a-z0-9]+$/,
      expectation: "an RDS instance class",
      example: "db.m7g.large",
    }),
    allocatedStorageGiB: rds.integer("allocatedStorageGiB", 100, 20, 65536),
    maxAllocatedStorageGiB: rds.integer("maxAllocatedStorageGiB", 500, 20, 65536),
    backupRetentionDays: rds.integer("backupRetentionDays", 14, 7, 35),
  };
  rds.rejectUnknown();
  if (rdsSettings.maxAllocatedStorageGiB < rdsSettings.allocatedStorageGiB) {
    p.add(
      "aws.rds.maxAllocatedStorageGiB",
      `must be at least allocatedStorageGiB (got ${rdsSettings.maxAllocatedStorageGiB} < ${rdsSettings.allocatedStorageGiB}); set it with: ${setCommand("aws.rds.maxAllocatedStorageGiB", rdsSettings.allocatedStorageGiB)}`,
    );
  }
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
    kubernetesVersion: r.string("kubernetesVersion", "1.33", {
      pattern: /^1\.\d{2}$/,
      expectation: "an EKS Kubernetes version",
      example: "1.33",
    }),
    publicAccessCidrs: r.stringList("publicAccessCidrs", [], { pattern: CIDR, expectation: "IPv4 CIDRs" }),
    adminPrincipalArns: r.stringList("adminPrincipalArns", [], { pattern: ARN, expectation: "IAM ARNs" }),
    nodeInstanceTypes: r.stringList("nodeInstanceTypes", ["m7i.large"], {
      pattern: /^[a-z0-9]+\.[a-z0-9]+$/,
      expectation: "EC2 instance types",
    }),
    nodeMinSize,
    nodeMaxSize,
    nodeDesiredSize,
    rds: rdsSettings,
    cache: r.oneOf("cache", ["inCluster", "elasticache"] as const, "inCluster"),
    elasticache,
    noncurrentVersionDays: r.integer("noncurrentVersionDays", 90, 1, 3650),
    acmCertificateArn: r.string("acmCertificateArn", "", {
      pattern: /^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
      expectation: "an ACM certificate ARN",
      example: "arn:aws:acm:eu-central-1:123456789012:certificate/0000",
    }),
    ...(existing ? { existingCluster: existing } : {}),
  };
  if (CIDR.test(settings.vpcCidr)) {
    try {
      subnetLayout(settings.vpcCidr);
    } catch (e) {
      p.add(
        "aws.vpcCidr",
        `must hold three /19 node subnets and six /24 subnets, so a /16 or /17 with no host bits set (got "${settings.vpcCidr}": ${(e as Error).message}); set it with: ${setCommand("aws.vpcCidr", "10.40.0.0/16")}`,
      );
    }
  }
  if (settings.publicAccessCidrs.includes("0.0.0.0/0")) {
    p.add(
      "aws.publicAccessCidrs",
      `must not open the cluster API to the whole internet (got "0.0.0.0/0"); list your runners' and offices' CIDRs, e.g.: ${setCommand("aws.publicAccessCidrs", "'[\"203.0.113.0/24\"]'")}`,
    );
  }
  r.rejectUnknown();
  return settings;
}
