/**
 * Data survives mistakes: databases and clusters are deletion-protected and backed up for at least a week,
 * and in the production (cloud) stacks every stateful resource is `protect`ed, so neither `pulumi destroy`
 * nor a replacement can delete it.
 */
import { isStateful } from "../stateful";
import {
  at,
  isCloudStack,
  isUnknown,
  label,
  type Finding,
  type GuardedResource,
  type ResourceRule,
  type StackRule,
} from "../resource";

/** Days of backups every database keeps, at least. */
export const MIN_BACKUP_DAYS = 7;

const RDS = new Set(["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"]);
const FLEXIBLE_SERVERS = new Set([
  "azure-native:dbforpostgresql:Server",
  "azure-native:dbforpostgresql:FlexibleServer",
]);
const CLUSTERS = new Set(["eks:index:Cluster", "aws:eks/cluster:Cluster"]);

function shown(v: unknown): string {
  return v === undefined ? "not set" : JSON.stringify(v);
}

function retention(r: GuardedResource, input: string, v: unknown): string[] {
  if (isUnknown(v) || (typeof v === "number" && v >= MIN_BACKUP_DAYS)) return [];
  return [`${label(r)}: ${input} is ${shown(v)}; keep at least ${MIN_BACKUP_DAYS} days of backups`];
}

function deletionProtection(r: GuardedResource): string[] {
  const v = r.props.deletionProtection;
  if (v === true || isUnknown(v)) return [];
  return [`${label(r)}: deletionProtection is ${shown(v)}; set deletionProtection: true`];
}

function durable(r: GuardedResource): string[] {
  if (RDS.has(r.type)) {
    return [
      ...deletionProtection(r),
      ...retention(r, "backupRetentionPeriod", r.props.backupRetentionPeriod),
    ];
  }
  if (FLEXIBLE_SERVERS.has(r.type)) {
    return retention(r, "backup.backupRetentionDays", at(r.props, "backup.backupRetentionDays"));
  }
  if (CLUSTERS.has(r.type)) return deletionProtection(r);
  return [];
}

export const deletionProtectionAndBackups: ResourceRule = {
  scope: "resource",
  name: "deletion-protection-and-backups",
  description: `RDS is deletion-protected with at least ${MIN_BACKUP_DAYS} days of backups, Flexible Server keeps at least ${MIN_BACKUP_DAYS} days of backups, EKS clusters are deletion-protected.`,
  check: durable,
};

function unprotected(resources: readonly GuardedResource[]): Finding[] {
  if (!isCloudStack(resources)) return [];
  return resources
    .filter((r) => isStateful(r) && !r.protect)
    .map((r) => ({
      urn: r.urn,
      message:
        `${label(r)}: holds state but is not protected; pass the resource option { protect: true } ` +
        "(production stacks protect every stateful resource, so that no destroy or replacement can delete it)",
    }));
}

export const protectStateful: StackRule = {
  scope: "stack",
  name: "protect-stateful",
  description:
    "In production (cloud) stacks every stateful resource (databases, buckets, caches, registries, clusters, volume-backed StatefulSets) has protect set.",
  check: unprotected,
};
