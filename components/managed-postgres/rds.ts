/**
 * The RDS backend: PostgreSQL on Amazon RDS (the major lib/versions.ts pins), Multi-AZ, private, encrypted,
 * deletion-protected, backed up, with a parameter group that refuses non-TLS connections. Only the cluster's
 * security group reaches 5432.
 *
 * Versions: the instance is created from the major alone and RDS applies minor versions itself
 * (autoMinorVersionUpgrade). `engineVersion` is ignored after creation: a stack created with an exact minor
 * (this program's old default 16.9) would otherwise show a change to the major on every preview once RDS had
 * upgraded it, and send RDS a downgrade. A major upgrade is a deliberate operation (README).
 *
 * The master password comes from `@pulumi/random`, not RDS-managed secrets: those rotate weekly, and the
 * bootstrap Job's copy would go stale.
 *
 * Restore mode (`restore`): a second instance, `<name>-restored-instance`, restored from a point in time of the
 * original's automated backups or from a snapshot, with the same settings; the services' host becomes its
 * address. The original keeps its logical name and exactly its inputs, protected, until `retireOriginal` stops
 * declaring it. The restored data carries the roles' passwords of the restore point: the bootstrap Job, whose
 * host changes, runs again and sets the current ones.
 */
// Submodule imports: the top-level @pulumi/aws costs every stack (dev included) load time.
import * as rds from "@pulumi/aws/rds";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { clientSecurityGroup } from "../aws/client-security-group";
import { ADMIN_ROLE, POSTGRES_PORT } from "./naming";
import type { PostgresServer, RdsPostgres, RdsRestoreSource } from "./types";

/** The inputs that make an instance a restore: a point in time of `sourceIdentifier`'s backups, or a snapshot. */
export function restoreSource(
  source: RdsRestoreSource,
  sourceIdentifier: string,
): Pick<rds.InstanceArgs, "restoreToPointInTime" | "snapshotIdentifier"> {
  switch (source.kind) {
    case "pointInTime":
      return {
        restoreToPointInTime: { sourceDbInstanceIdentifier: sourceIdentifier, restoreTime: source.time },
      };
    case "latestRestorableTime":
      return {
        restoreToPointInTime: { sourceDbInstanceIdentifier: sourceIdentifier, useLatestRestorableTime: true },
      };
    case "snapshot":
      return { snapshotIdentifier: source.snapshotIdentifier };
  }
}

/** Instance properties a later `pulumi up` leaves alone (see the file comment). */
export const RDS_IGNORED_CHANGES = ["engineVersion"];

/** The parameter group family of a PostgreSQL major: `postgres<major>`. */
export const parameterGroupFamily = (major: string): string => `postgres${major}`;

export function rdsServer(name: string, backend: RdsPostgres, parent: pulumi.Resource): PostgresServer {
  const opts = { parent };
  const stateful = { parent, protect: backend.protect };

  const password = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, opts);
  const subnets = new rds.SubnetGroup(
    `${name}-subnets`,
    {
      subnetIds: backend.subnetIds,
      description: "Private subnets of the Ferrum database",
      tags: backend.tags,
    },
    opts,
  );
  const securityGroup = clientSecurityGroup(
    name,
    {
      vpcId: backend.vpcId,
      port: POSTGRES_PORT,
      clientSecurityGroupId: backend.clientSecurityGroupId,
      description: "PostgreSQL from the cluster only",
      tags: backend.tags,
    },
    opts,
  );
  const parameters = new rds.ParameterGroup(
    `${name}-params`,
    {
      family: parameterGroupFamily(backend.engineVersion),
      description: "Ferrum: TLS only, connections and slow statements logged",
      parameters: [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_connections", value: "1" },
        { name: "log_min_duration_statement", value: "1000" },
      ],
      tags: backend.tags,
    },
    opts,
  );
  const settings = {
    engine: "postgres",
    engineVersion: backend.engineVersion,
    instanceClass: backend.instanceClass,
    allocatedStorage: backend.allocatedStorageGiB,
    maxAllocatedStorage: backend.maxAllocatedStorageGiB,
    storageType: "gp3",
    storageEncrypted: true,
    multiAz: true,
    publiclyAccessible: false,
    dbSubnetGroupName: subnets.name,
    vpcSecurityGroupIds: [securityGroup.id],
    parameterGroupName: parameters.name,
    username: ADMIN_ROLE,
    password: password.result,
    deletionProtection: true,
    backupRetentionPeriod: backend.backupRetentionDays,
    backupWindow: "02:00-03:00",
    maintenanceWindow: "sun:03:30-sun:04:30",
    copyTagsToSnapshot: true,
    skipFinalSnapshot: false,
    performanceInsightsEnabled: true,
    performanceInsightsRetentionPeriod: 7,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    autoMinorVersionUpgrade: true,
    // RDS's default, said out loud: past the major's end of standard support RDS bills Extended Support
    // rather than upgrading the major unannounced (the alternative, -disabled, would). The version
    // guardrail fails 60 days before that date.
    engineLifecycleSupport: "open-source-rds-extended-support",
    caCertIdentifier: "rds-ca-rsa2048-g1",
    applyImmediately: false,
    tags: backend.tags,
  };
  const restore = backend.restore;
  const original = restore?.retireOriginal
    ? undefined
    : new rds.Instance(
        `${name}-instance`,
        {
          ...settings,
          dbName: "postgres",
          finalSnapshotIdentifier: `${backend.identifier}-final`,
          identifier: backend.identifier,
        },
        { ...stateful, ignoreChanges: RDS_IGNORED_CHANGES },
      );
  const restored = restore
    ? new rds.Instance(
        `${name}-restored-instance`,
        {
          ...settings,
          // The restored instance has the original's databases: no dbName.
          ...restoreSource(restore.source, backend.identifier),
          finalSnapshotIdentifier: `${restore.identifier}-final`,
          identifier: restore.identifier,
        },
        { ...stateful, ignoreChanges: RDS_IGNORED_CHANGES },
      )
    : undefined;
  const instance = (restored ?? original)!;
  return {
    host: instance.address,
    port: POSTGRES_PORT,
    adminUsername: ADMIN_ROLE,
    adminPassword: pulumi.secret(password.result),
    sslMode: "require",
    bootstrapImage: backend.bootstrapImage,
    dependsOn: [instance],
  };
}
