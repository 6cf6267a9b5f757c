/** ManagedPostgres's arguments and the server abstraction its backends share. */
import type * as pulumi from "@pulumi/pulumi";
import type { RdsRestoreSource, ResourceSpec } from "../../config/types";
import type { InternalStorageConnection, SslMode } from "../connections";

/** Logical backups of the in-cluster server: a CronJob dumps every service database into the object store. */
export interface PostgresBackups {
  /** CronJob schedule, in the cluster's time zone (UTC), e.g. `0 2 * * *`. */
  readonly schedule: string;
  /** The backups bucket, with its own keys (ObjectStore's `backups` connection). */
  readonly storage: InternalStorageConnection;
  /** Image with the MinIO client (`mc`), pinned: uploads and downloads the dumps (the PostgreSQL image has no S3 client). */
  readonly clientImage: string;
  /**
   * What sets the backups bucket's keys on the server (the object store's bootstrap Job): the Secret that hands
   * them to the CronJob waits for it, so a rotated key reaches the backups only once the server accepts it.
   * @default - nothing to wait for
   */
  readonly keysReady?: pulumi.Resource[];
}

/** PostgreSQL 16 inside the cluster: StatefulSet, PVC, ClusterIP Service. */
export interface InClusterPostgres {
  readonly kind: "inCluster";
  /** Official PostgreSQL 16 image, pinned. */
  readonly image: string;
  readonly storageGiB: number;
  /** StorageClass of the data volume. @default - the cluster's default class */
  readonly storageClass?: string;
  readonly resources: ResourceSpec;
  /** `protect` and retain the server's StatefulSet (its volume claims) on delete. */
  readonly protect: boolean;
  /** Scheduled dumps of every service database, and the restore Job's template. @default - no backups */
  readonly backups?: PostgresBackups;
}

/** Where a restored RDS instance comes from (`ferrum:aws.rds.restore.source` reads the same type). */
export type { RdsRestoreSource };

/**
 * Restore mode: a second instance restored from the original's backups; the services use it. The original stays
 * declared and protected until `retireOriginal` stops declaring it (after a person has unprotected it).
 */
export interface RdsRestore {
  /** Identifier of the restored instance; never the original's. */
  readonly identifier: string;
  readonly source: RdsRestoreSource;
  /** Stop declaring the original instance: `pulumi up` then deletes it (with a final snapshot). @default false */
  readonly retireOriginal: boolean;
}

/** Restore mode on Flexible Server: a new server from a point in time of the original's backups. */
export interface AzureRestore {
  /** Name of the restored server; never the original's. */
  readonly serverName: string;
  /** UTC, RFC 3339, within the original's backup retention. */
  readonly pointInTime: string;
  /** Stop declaring the original server, its databases and its lock. @default false */
  readonly retireOriginal: boolean;
}

/** Amazon RDS for PostgreSQL 16: Multi-AZ, private, encrypted, deletion-protected. */
export interface RdsPostgres {
  readonly kind: "rds";
  /** RDS instance identifier. */
  readonly identifier: string;
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets in at least two availability zones. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The only security group admitted to 5432: the EKS cluster security group (managed node groups use it). */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /**
   * PostgreSQL major, e.g. "16" (lib/versions.ts): RDS creates the instance on its newest minor of that major
   * and applies later minors itself.
   */
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling. */
  readonly maxAllocatedStorageGiB: number;
  /** Automated backups kept, days (at least 7). */
  readonly backupRetentionDays: number;
  /** Image with psql >= 15 for the bootstrap Job. */
  readonly bootstrapImage: string;
  /** `protect` the instance: on in every cloud stack. */
  readonly protect: boolean;
  readonly tags?: Record<string, string>;
  /** Restore mode: the services move to an instance restored from a point in time or a snapshot. @default - none */
  readonly restore?: RdsRestore;
}

/**
 * Azure Database for PostgreSQL Flexible Server 16: zone-redundant HA, VNet-integrated through a delegated
 * subnet and a private DNS zone (no public access), TLS required, backed up, `protect`ed.
 */
export interface AzurePostgres {
  readonly kind: "azure";
  /** Server name; the host is `<serverName>.postgres.database.azure.com`. */
  readonly serverName: string;
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /** Subnet delegated to `Microsoft.DBforPostgreSQL/flexibleServers`, used by nothing else. */
  readonly delegatedSubnetId: pulumi.Input<string>;
  /** Private DNS zone `<name>.private.postgres.database.azure.com` (or `privatelink.postgres...`), linked to the VNet. */
  readonly privateDnsZoneId: pulumi.Input<string>;
  /** Compute size, e.g. `Standard_D4ds_v5`. */
  readonly skuName: string;
  /** GeneralPurpose or MemoryOptimized: Burstable has no high availability. */
  readonly tier: "GeneralPurpose" | "MemoryOptimized";
  /** One of the sizes Flexible Server offers (32, 64, 128, ... GiB); grows by itself when nearly full. */
  readonly storageGiB: number;
  /** Automated backups kept, days (7 to 35). */
  readonly backupRetentionDays: number;
  /** Copy backups to the paired region (fixed at creation). */
  readonly geoRedundantBackup: boolean;
  /** Zone of the primary; the standby goes to the next one. @default "1" (standby "2") */
  readonly availabilityZone?: string;
  /** Image with psql >= 15 for the bootstrap Job. */
  readonly bootstrapImage: string;
  /** `protect` the server and its databases: on in every cloud stack. */
  readonly protect: boolean;
  /** What the server must wait for (the private DNS zone's link to the VNet). */
  readonly dependsOn?: pulumi.Resource[];
  readonly tags?: Record<string, string>;
  /** Restore mode: the services move to a server restored from a point in time. @default - none */
  readonly restore?: AzureRestore;
}

export type PostgresBackend = InClusterPostgres | RdsPostgres | AzurePostgres;

export interface ManagedPostgresArgs {
  /** Where the server runs; decides which resources exist. */
  readonly backend: PostgresBackend;
  /** One database, one owning role and two login roles per name (service names from the catalog). */
  readonly databases: readonly string[];
  /** Namespace of the in-cluster resources (the server on k3s; the bootstrap Job everywhere). */
  readonly namespace: string;
  /**
   * Rotations of the login passwords done so far (lib/rotation.ts): the services log in as `ferrum_<svc>_a`
   * when even, `_b` when odd. Raising it by one regenerates the idle login's password and moves the services
   * onto it; the login they leave keeps its password until the next rotation. Raise it one step per `pulumi up`.
   * @default 0
   */
  readonly rotation?: number;
}

/** What every backend hands the shared bootstrap: where the server is and who administers it. */
export interface PostgresServer {
  readonly host: pulumi.Input<string>;
  readonly port: number;
  /** A login with CREATEDB CREATEROLE, never a superuser. */
  readonly adminUsername: string;
  /** Secret. */
  readonly adminPassword: pulumi.Output<string>;
  /** The weakest TLS mode this server allows clients. */
  readonly sslMode: SslMode;
  /** Image with psql >= 15 for the bootstrap Job. */
  readonly bootstrapImage: string;
  /** Resources the bootstrap must wait for (the server, its databases). */
  readonly dependsOn: pulumi.Resource[];
}
