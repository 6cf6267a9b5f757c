/**
 * The AWS stack: VPC, EKS with its add-ons, RDS for PostgreSQL, S3 with IRSA, ECR, Traefik behind an NLB,
 * and the same platform as dev on top. Or, with `ferrum:aws.existingCluster`, an existing cluster's network
 * and kubeconfig (the secret `ferrum:clusterKubeconfig`) instead of a new VPC and EKS.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config";
import { ClusterAddons, DEFAULT_STORAGE_CLASS } from "../components/aws/addons";
import { eksApiAccess } from "../components/aws/api-access";
import { EksCluster } from "../components/aws/cluster";
import { AwsNetwork } from "../components/aws/network";
import { EcrRegistry } from "../components/aws/registry";
import { rdsIdentifier } from "../config/aws";
import { traefik } from "../components/cluster/traefik";
import { OBSERVABILITY_DEFAULTS } from "../components/observability";
import { awsLogStorage } from "../components/observability/aws-log-storage";
import { bucketPrefix } from "../components/object-store";
import type { RedisBackend } from "../components/redis-ha";
import { inClusterRedis, platform, StackOutputs } from "./platform";

/** What the platform needs of the cluster, made here or given by config. */
interface ClusterHandle {
  readonly provider: k8s.Provider;
  readonly vpcId: pulumi.Input<string>;
  readonly dataSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly clusterSecurityGroupId: pulumi.Input<string>;
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcProviderUrl: pulumi.Input<string>;
  /** Nodes and cluster DNS: what the first workloads (Traefik) need. */
  readonly ready: pulumi.Resource[];
  /** The EBS CSI driver and the default gp3 StorageClass: what volume claims need. */
  readonly storage: pulumi.Resource[];
  /** The nodes' right to fill the image cache (none on an existing cluster: README, "Service images"). */
  readonly imagePull: pulumi.Resource[];
}

export function awsRegion(): string {
  return new pulumi.Config("aws").get("region") ?? "eu-central-1";
}

function cluster(config: LoadedConfig, tags: Record<string, string>): ClusterHandle {
  const ex = config.aws.existingCluster;
  if (ex) {
    return {
      provider: new k8s.Provider("existing-cluster", {
        kubeconfig: config.secrets.clusterKubeconfig,
        enableServerSideApply: true,
      }),
      vpcId: ex.vpcId,
      dataSubnetIds: [...ex.privateSubnetIds],
      clusterSecurityGroupId: ex.clusterSecurityGroupId,
      oidcProviderArn: ex.oidcProviderArn,
      oidcProviderUrl: ex.oidcProviderUrl,
      ready: [],
      storage: [],
      imagePull: [],
    };
  }
  const name = `ferrum-${config.stack}`;
  const net = new AwsNetwork(`${name}-vpc`, { settings: config.aws, clusterName: name, tags });
  const eks = new EksCluster(name, {
    settings: config.aws,
    network: net,
    access: eksApiAccess(config.deployer, config.aws.publicAccessCidrs),
    region: awsRegion(),
    tags,
    imageCachePrefix: config.images.cache?.upstream.prefix,
  });
  const { ebs, storageClass } = new ClusterAddons(name, {
    clusterName: eks.name,
    clusterNameText: name,
    region: awsRegion(),
    kubernetesVersion: config.aws.kubernetesVersion,
    identity: eks,
    provider: eks.provider,
    dependsOn: eks.ready,
    nodes: eks.nodes,
    tags,
  });
  return {
    provider: eks.provider,
    vpcId: net.vpcId,
    dataSubnetIds: net.isolatedSubnetIds,
    clusterSecurityGroupId: eks.clusterSecurityGroupId,
    oidcProviderArn: eks.oidcProviderArn,
    oidcProviderUrl: eks.oidcProviderUrl,
    // metrics-server and the Cluster Autoscaler come up beside the platform: nothing waits for them.
    ready: eks.ready,
    storage: [ebs!, storageClass!],
    imagePull: eks.imagePull,
  };
}

export function awsStack(config: LoadedConfig): StackOutputs {
  const a = config.aws;
  const tags = { project: "ferrum", stack: config.stack, "managed-by": "pulumi" };
  const identifier = rdsIdentifier(config.stack);
  // Resolved and checked (never the original's identifier) with the rest of ferrum:aws.
  const restore = a.rds.restore;
  const c = cluster(config, tags);
  const tls = config.tls;

  const ingress = traefik("traefik", {
    namespace: config.ingressNamespace,
    kubernetesMinor: config.aws.kubernetesVersion,
    serviceAnnotations: {
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
      "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
      ...(tls.source === "acm"
        ? {
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": tls.certificateArn,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "websecure",
          }
        : {}),
    },
    tlsAtLoadBalancer: tls.source === "acm",
    ingressProvider: tls.source === "acme",
    provider: c.provider,
    // Nodes to run on and cluster DNS; it claims no volume, so neither the EBS driver nor the StorageClass.
    dependsOn: c.ready,
  });

  const redis: RedisBackend =
    a.cache === "elasticache"
      ? {
          kind: "elasticache",
          vpcId: c.vpcId,
          subnetIds: c.dataSubnetIds,
          clientSecurityGroupId: c.clusterSecurityGroupId,
          nodeType: a.elasticache.nodeType,
          numCacheClusters: a.elasticache.numCacheClusters,
          cacheNodeType: a.elasticache.cacheNodeType,
          snapshotRetentionDays: 7,
          protect: config.protect,
          tags,
        }
      : inClusterRedis(config, DEFAULT_STORAGE_CLASS);

  // Loki's chunks in S3 (through IRSA) rather than on a volume.
  const logStorage = config.observability.enabled
    ? awsLogStorage("logs", {
        bucket: `${bucketPrefix(config.project, config.stack)}-logs`,
        region: awsRegion(),
        identity: { oidcProviderArn: c.oidcProviderArn, oidcProviderUrl: c.oidcProviderUrl },
        namespace: config.monitoringNamespace,
        retentionDays: OBSERVABILITY_DEFAULTS.logRetentionDays,
        protect: config.protect,
        tags,
      })
    : undefined;

  const registry = new EcrRegistry("ecr", {
    services: config.services,
    cache: config.images.cache,
    ...(config.secrets.imageRegistryPassword
      ? { login: { username: config.images.username, password: config.secrets.imageRegistryPassword } }
      : {}),
    region: awsRegion(),
    stackName: identifier,
    tags,
    protect: config.protect,
  });

  const outputs = platform({
    config,
    provider: c.provider,
    postgres: {
      kind: "rds",
      identifier,
      vpcId: c.vpcId,
      subnetIds: c.dataSubnetIds,
      clientSecurityGroupId: c.clusterSecurityGroupId,
      engineVersion: a.rds.engineVersion,
      instanceClass: a.rds.instanceClass,
      allocatedStorageGiB: a.rds.allocatedStorageGiB,
      maxAllocatedStorageGiB: a.rds.maxAllocatedStorageGiB,
      backupRetentionDays: a.rds.backupRetentionDays,
      bootstrapImage: config.postgres.image,
      protect: config.protect,
      tags,
      ...(restore
        ? {
            restore: {
              identifier: restore.identifier,
              source: restore.source,
              retireOriginal: restore.retireOriginal,
            },
          }
        : {}),
    },
    redis,
    objectStore: {
      kind: "s3",
      region: awsRegion(),
      oidcProviderArn: c.oidcProviderArn,
      oidcProviderUrl: c.oidcProviderUrl,
      noncurrentVersionDays: a.noncurrentVersionDays,
      protect: config.protect,
      tags,
    },
    traefik: [ingress],
    images: registry.images,
    cacheWarmups: registry.warmups,
    imagePull: [...(registry.cacheRule ? [registry.cacheRule] : []), ...c.imagePull],
    storage: c.storage,
    logStorage,
  });
  return { ...outputs, cloud: "aws" };
}
