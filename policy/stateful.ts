/**
 * Which resources hold state that a replacement would destroy (data, images, keys, a whole cluster), and which
 * Kubernetes workloads are data services. Shared by the durability rules (protect, deletion protection) and
 * the URN stability check.
 */
import { arr, at, obj, str, type GuardedResource } from "./resource";

/** Types whose replacement loses data or something as hard to rebuild, whatever their inputs. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  // AWS
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:elasticache/cluster:Cluster",
  "aws:elasticache/serverlessCache:ServerlessCache",
  "aws:ecr/repository:Repository",
  "aws:kms/key:Key",
  "aws:eks/cluster:Cluster",
  "aws:efs/fileSystem:FileSystem",
  "aws:ebs/volume:Volume",
  // Azure
  "azure-native:dbforpostgresql:Server",
  "azure-native:dbforpostgresql:FlexibleServer",
  "azure-native:dbforpostgresql:Database",
  "azure-native:redisenterprise:RedisEnterprise",
  "azure-native:redisenterprise:Database",
  "azure-native:cache:Redis",
  "azure-native:cache:RedisEnterprise",
  "azure-native:containerregistry:Registry",
  "azure-native:containerservice:ManagedCluster",
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Key",
  "azure-native:storage:StorageAccount",
  "azure-native:storage:BlobContainer",
  // Kubernetes
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:PersistentVolume",
]);

/** `app.kubernetes.io/component` values of data services (lib/labels.ts). */
export const DATA_COMPONENTS: ReadonlySet<string> = new Set([
  "database",
  "cache",
  "sentinel",
  "object-store",
]);

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";

/** Whether a StatefulSet's pods keep data in volumes it claims (`volumeClaimTemplates`). */
export function claimsVolumes(r: Pick<GuardedResource, "type" | "props">): boolean {
  return r.type === STATEFUL_SET && arr(at(r.props, "spec.volumeClaimTemplates")).length > 0;
}

/** Whether replacing `r` would destroy state: a stateful type, or a StatefulSet with volume claims. */
export function isStateful(r: Pick<GuardedResource, "type" | "props">): boolean {
  return STATEFUL_TYPES.has(r.type) || claimsVolumes(r);
}

/** The `app.kubernetes.io/component` label of a Kubernetes object, if any. */
export function componentOf(props: Readonly<Record<string, unknown>>): string | undefined {
  return str(obj(at(props, "metadata.labels"))?.["app.kubernetes.io/component"]);
}

/** Whether a Kubernetes object belongs to a data service (database, cache, sentinel, object store). */
export function isDataComponent(props: Readonly<Record<string, unknown>>): boolean {
  const c = componentOf(props);
  return c !== undefined && DATA_COMPONENTS.has(c);
}
