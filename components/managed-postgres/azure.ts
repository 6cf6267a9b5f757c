/**
 * The Azure backend: Azure Database for PostgreSQL Flexible Server (the major lib/versions.ts pins; Azure
 * applies minors in the maintenance window) with zone-redundant high availability
 * (a synchronous standby in another zone), VNet integration through a delegated subnet and a private DNS
 * zone (public network access disabled), TLS required, backups kept at least 7 days, `protect`ed and, like
 * RDS's deletion protection, locked against deletion (a `CanNotDelete` lock also stops a portal or `az` delete).
 *
 * The admin `ferrum_admin` is not a superuser on Flexible Server (CREATEDB CREATEROLE, member of
 * azure_pg_admin): exactly the admin the shared bootstrap Job expects. One `Database` per service makes the
 * databases visible to Azure (portal, backups, `az postgres flexible-server db list`); the Job then creates
 * each service's role and hands it the database (`ALTER DATABASE ... OWNER TO`), so it waits for them.
 *
 * Changing `administratorLoginPassword` through the provider has been reported to replace the server, so the
 * Server ignores changes to it; rotating the password is an `az` command (README, "Production on Azure").
 *
 * Restore mode (`restore`): a second server, `<name>-restored-server`, created with `createMode:
 * PointInTimeRestore` from the original's backups (`sourceServerResourceId`, `pointInTimeUTC`), with the same
 * settings, its own TLS setting and lock, and no `Database` resources (its databases come with the restore). The
 * services' host becomes its name. The original keeps its logical names and exactly its inputs, protected and
 * locked, until `retireOriginal` stops declaring it. The restored server carries the admin and role passwords of
 * the restore point: the bootstrap Job, whose host changes, runs again and sets the roles' current ones.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { FLEXIBLE_SERVER_POSTGRES_MAJOR } from "../../lib/versions";
import { ADMIN_ROLE, databaseName, POSTGRES_PORT } from "./naming";
import type { AzurePostgres, PostgresServer } from "./types";

/** Properties of the Server a later `pulumi up` must leave alone (see the file comment). */
export const SERVER_IGNORED_CHANGES = ["administratorLoginPassword"];
/**
 * The restore inputs only matter at creation; ignored afterwards, so retiring the original (which changes
 * nothing about them anyway) or a later edit of the restore point never touches the restored server.
 */
export const RESTORED_IGNORED_CHANGES = [
  ...SERVER_IGNORED_CHANGES,
  "createMode",
  "sourceServerResourceId",
  "pointInTimeUTC",
];

/** The original server's resource id, spelled out so it does not depend on the original still being declared. */
export const flexibleServerId = (subscriptionId: string, resourceGroup: string, serverName: string): string =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${serverName}`;

/** Zones of the primary and its standby: the given zone and the next one of 1, 2, 3. */
export function haZones(primary = "1"): { primary: string; standby: string } {
  return { primary, standby: String((Number(primary) % 3) + 1) };
}

export function azureServer(
  name: string,
  backend: AzurePostgres,
  serviceDatabases: readonly string[],
  parent: pulumi.Resource,
): PostgresServer {
  const stateful = { parent, protect: backend.protect };
  const zones = haZones(backend.availabilityZone);

  const password = new random.RandomPassword(
    `${name}-admin-password`,
    { length: 32, special: false },
    { parent },
  );
  const settings = {
    resourceGroupName: backend.resourceGroupName,
    location: backend.location,
    version: FLEXIBLE_SERVER_POSTGRES_MAJOR,
    authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
    sku: { name: backend.skuName, tier: backend.tier },
    storage: { storageSizeGB: backend.storageGiB, autoGrow: "Enabled" },
    backup: {
      backupRetentionDays: backend.backupRetentionDays,
      geoRedundantBackup: backend.geoRedundantBackup ? "Enabled" : "Disabled",
    },
    highAvailability: { mode: "ZoneRedundant", standbyAvailabilityZone: zones.standby },
    availabilityZone: zones.primary,
    network: {
      delegatedSubnetResourceId: backend.delegatedSubnetId,
      privateDnsZoneArmResourceId: backend.privateDnsZoneId,
      publicNetworkAccess: "Disabled",
    },
    maintenanceWindow: { customWindow: "Enabled", dayOfWeek: 0, startHour: 3, startMinute: 0 },
    tags: backend.tags,
  };
  const restore = backend.restore;

  /** The lock and the TLS setting every server gets; returns the TLS setting (the databases wait for it). */
  const guard = (prefix: string, server: dbforpostgresql.Server): dbforpostgresql.Configuration => {
    if (backend.protect) {
      new authorization.ManagementLockByScope(
        `${prefix}-delete-lock`,
        {
          scope: server.id,
          level: "CanNotDelete",
          lockName: "ferrum-no-delete",
          notes:
            "Ferrum's database: remove this lock (and pulumi state unprotect) only to delete the server on purpose",
        },
        { parent },
      );
    }
    // Flexible Server enforces TLS by default; saying so keeps a portal click from turning it off unseen.
    return new dbforpostgresql.Configuration(
      `${prefix}-require-tls`,
      {
        resourceGroupName: backend.resourceGroupName,
        serverName: server.name,
        configurationName: "require_secure_transport",
        value: "on",
        source: "user-override",
      },
      { parent },
    );
  };

  const original = restore?.retireOriginal
    ? undefined
    : new dbforpostgresql.Server(
        `${name}-server`,
        {
          ...settings,
          serverName: backend.serverName,
          createMode: "Default",
          administratorLogin: ADMIN_ROLE,
          administratorLoginPassword: password.result,
        },
        { ...stateful, ignoreChanges: SERVER_IGNORED_CHANGES, dependsOn: backend.dependsOn },
      );
  const originalTls = original ? guard(name, original) : undefined;

  if (restore) {
    const { subscriptionId } = authorization.getClientConfigOutput({ parent });
    const restored = new dbforpostgresql.Server(
      `${name}-restored-server`,
      {
        ...settings,
        serverName: restore.serverName,
        createMode: "PointInTimeRestore",
        sourceServerResourceId: pulumi
          .all([subscriptionId, backend.resourceGroupName])
          .apply(([sub, rg]) => flexibleServerId(sub, rg, backend.serverName)),
        pointInTimeUTC: restore.pointInTime,
      },
      { ...stateful, ignoreChanges: RESTORED_IGNORED_CHANGES, dependsOn: backend.dependsOn },
    );
    const restoredTls = guard(`${name}-restored`, restored);
    if (original) databases(original, originalTls!);
    return {
      host: restored.fullyQualifiedDomainName,
      port: POSTGRES_PORT,
      adminUsername: ADMIN_ROLE,
      adminPassword: pulumi.secret(password.result),
      sslMode: "require",
      bootstrapImage: backend.bootstrapImage,
      dependsOn: [restored, restoredTls],
    };
  }

  const server = original!;
  const tls = originalTls!;
  const created = databases(server, tls);
  return {
    host: server.fullyQualifiedDomainName,
    port: POSTGRES_PORT,
    adminUsername: ADMIN_ROLE,
    adminPassword: pulumi.secret(password.result),
    sslMode: "require",
    bootstrapImage: backend.bootstrapImage,
    dependsOn: [server, tls, ...created],
  };

  /** One `Database` per service on the original server, one at a time. */
  function databases(
    server: dbforpostgresql.Server,
    tls: dbforpostgresql.Configuration,
  ): dbforpostgresql.Database[] {
    // One at a time: a Flexible Server runs one management operation at a time and answers the rest with 409.
    const created: dbforpostgresql.Database[] = [];
    for (const service of serviceDatabases) {
      created.push(
        new dbforpostgresql.Database(
          `${name}-${service}-db`,
          {
            resourceGroupName: backend.resourceGroupName,
            serverName: server.name,
            databaseName: databaseName(service),
            charset: "UTF8",
            collation: "en_US.utf8",
          },
          { ...stateful, dependsOn: [tls, ...created.slice(-1)] },
        ),
      );
    }
    return created;
  }
}
