/**
 * The in-cluster server's logical backups (CronJob `postgres-backup`) and the template of its restore (the
 * suspended CronJob `postgres-restore`, which `scripts/postgres-restore.sh` turns into a Job with the service
 * and backup to restore). The scripts are backup-scripts.ts's; this file only places them in pods.
 *
 * Each pod has two containers sharing an emptyDir: the PostgreSQL image (pg_dump, pg_restore, psql 16) and the
 * pinned MinIO client image (mc), since the PostgreSQL image has no S3 client. The step that must finish first
 * is an init container, so the upload never starts after a failed dump and a restore never starts without its
 * download. Both run as the image's postgres uid under the restricted Pod Security Standard, without a
 * ServiceAccount token, and read their credentials from Secrets by key: the admin's password (the server's own
 * credentials Secret, never its superuser key) and the backup user's keys, which may write and read the
 * backups bucket but not delete from it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../../lib/labels";
import { containerSecurityContext, podSecurityContext } from "../../lib/security";
import {
  BACKUP_ENV,
  MC_CONFIG_DIR,
  renderDownloadScript,
  renderDumpScript,
  renderRestoreScript,
  renderUploadScript,
  RESTORE_ENV,
  SCRIPTS_DIR,
  WORK_DIR,
  WORK_DIR_ENV,
} from "./backup-scripts";
import type { PostgresBackups, PostgresServer } from "./types";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Container = k8s.types.input.core.v1.Container;

/** Names of the CronJobs: fixed, since `kubectl create job --from=cronjob/<name>` and the runbook use them. */
export const BACKUP_CRONJOB = "postgres-backup";
export const RESTORE_CRONJOB = "postgres-restore";

/** The image's postgres user; mc runs as the same uid, so both read and write the shared emptyDir. */
const UID = 999;

/** A restore waits for a person: a Job that failed is looked at, not retried. */
const RESTORE_BACKOFF_LIMIT = 0;
/** A failed backup is retried twice (a new pod each time), then the Job fails and stays listed. */
const BACKUP_BACKOFF_LIMIT = 2;
/** Longest a backup or restore may run. */
const DEADLINE_SECONDS = 3600;

export interface BackupJobsArgs {
  /** The namespace the backup CronJobs run in. */
  readonly namespace: string;
  /** Service names: one database each. */
  readonly services: readonly string[];
  /** The server the dumps are taken from and its admin credentials. */
  readonly server: PostgresServer;
  /** The Secret and key holding the non-superuser admin's password. */
  readonly adminPassword: { readonly secretName: pulumi.Input<string>; readonly key: string };
  /** PostgreSQL 16 image: pg_dump and pg_restore of the server's own version. */
  readonly postgresImage: string;
  /** Size limit of the shared emptyDir, GiB: the dumps of every database (compressed) must fit. */
  readonly workGiB: number;
  /** Where the dumps go and how long they are kept. */
  readonly backups: PostgresBackups;
}

export interface BackupJobs {
  readonly backup: k8s.batch.v1.CronJob;
  readonly restore: k8s.batch.v1.CronJob;
}

// pg_dump of the services' databases streams to a file: small resident memory, bursting within the limit.
// Requested low so the nightly pod fits the dev node's budget beside every other pod (harness/dev-budget.ts).
const DUMP_RESOURCES = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "1000m", memory: "512Mi" },
};
const MC_RESOURCES = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "500m", memory: "256Mi" },
};

export function backupJobs(name: string, args: BackupJobsArgs, parent: pulumi.Resource): BackupJobs {
  const meta = { name: "postgres", instance: name, component: "database-backup" as const };
  const { namespace, server, backups } = args;
  const opts = { parent };
  // Checked with the other arguments before ManagedPostgres registers (validation.ts).
  const credentials = backups.storage.credentials!;

  const scripts = new k8s.core.v1.ConfigMap(
    `${name}-backup-scripts`,
    {
      metadata: { namespace, labels: labels(meta) },
      data: {
        "dump.sh": renderDumpScript(args.services),
        "upload.sh": renderUploadScript(),
        "download.sh": renderDownloadScript(args.services),
        "restore.sh": renderRestoreScript(args.services),
      },
    },
    opts,
  );
  const keys = new k8s.core.v1.Secret(
    `${name}-backup-keys`,
    {
      metadata: { namespace, labels: labels(meta) },
      type: "Opaque",
      stringData: {
        [BACKUP_ENV.accessKeyId]: credentials.accessKeyId,
        [BACKUP_ENV.secretAccessKey]: credentials.secretAccessKey,
      },
    },
    // Keys handed over only once the object store holds them: after a rotation of its keys (and on the first
    // up) a backup started earlier would sign with a key the server does not know yet.
    { ...opts, ...(args.backups.keysReady ? { dependsOn: args.backups.keysReady } : {}) },
  );

  const common: EnvVar[] = [
    { name: WORK_DIR_ENV, value: WORK_DIR },
    { name: "HOME", value: "/tmp" },
  ];
  const postgresEnv: EnvVar[] = [
    { name: "PGHOST", value: server.host },
    { name: "PGPORT", value: String(server.port) },
    { name: "PGUSER", value: server.adminUsername },
    {
      name: "PGPASSWORD",
      valueFrom: { secretKeyRef: { name: args.adminPassword.secretName, key: args.adminPassword.key } },
    },
    { name: "PGDATABASE", value: "postgres" },
    { name: "PGSSLMODE", value: server.sslMode },
    { name: "PGCONNECT_TIMEOUT", value: "10" },
    ...common,
  ];
  const fromKeys = (key: string): EnvVar => ({
    name: key,
    valueFrom: { secretKeyRef: { name: keys.metadata.name, key } },
  });
  const storeEnv: EnvVar[] = [
    { name: BACKUP_ENV.url, value: backups.storage.endpointUrl },
    { name: BACKUP_ENV.bucket, value: backups.storage.bucket },
    fromKeys(BACKUP_ENV.accessKeyId),
    fromKeys(BACKUP_ENV.secretAccessKey),
    { name: "MC_CONFIG_DIR", value: MC_CONFIG_DIR },
    ...common,
  ];
  const mounts = [
    { name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true },
    { name: "work", mountPath: WORK_DIR },
    { name: "tmp", mountPath: "/tmp" },
  ];
  const container = (
    containerName: string,
    image: string,
    script: string,
    env: EnvVar[],
    resources: typeof DUMP_RESOURCES,
  ): Container => ({
    name: containerName,
    image,
    // The mc image's entrypoint is mc itself; both images' /bin/sh runs the script (dash, bash).
    command: ["sh", `${SCRIPTS_DIR}/${script}`],
    env,
    resources,
    securityContext: containerSecurityContext(),
    volumeMounts: mounts,
  });
  const pod = (initContainer: Container, mainContainer: Container) => ({
    metadata: { labels: labels(meta) },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      // No Service variables (MINIO_PORT=tcp://... and the like) beside the clients' own.
      enableServiceLinks: false,
      securityContext: podSecurityContext(UID),
      initContainers: [initContainer],
      containers: [mainContainer],
      volumes: [
        { name: "scripts", configMap: { name: scripts.metadata.name, defaultMode: 0o555 } },
        { name: "work", emptyDir: { sizeLimit: `${args.workGiB}Gi` } },
        { name: "tmp", emptyDir: {} },
      ],
    },
  });

  const backup = new k8s.batch.v1.CronJob(
    `${name}-backup`,
    {
      metadata: { name: BACKUP_CRONJOB, namespace, labels: labels(meta) },
      spec: {
        schedule: backups.schedule,
        concurrencyPolicy: "Forbid",
        // A run missed by more than an hour (the cluster was down) is skipped, not started late.
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: labels(meta) },
          spec: {
            backoffLimit: BACKUP_BACKOFF_LIMIT,
            activeDeadlineSeconds: DEADLINE_SECONDS,
            template: pod(
              container("dump", args.postgresImage, "dump.sh", postgresEnv, DUMP_RESOURCES),
              container("upload", backups.clientImage, "upload.sh", storeEnv, MC_RESOURCES),
            ),
          },
        },
      },
    },
    { ...opts, dependsOn: server.dependsOn },
  );

  const restoreEnv: EnvVar[] = [
    // Empty: the scripts refuse to run until scripts/postgres-restore.sh sets them on its Job.
    { name: RESTORE_ENV.service, value: "" },
    { name: RESTORE_ENV.backup, value: "latest" },
  ];
  const restore = new k8s.batch.v1.CronJob(
    `${name}-restore`,
    {
      metadata: { name: RESTORE_CRONJOB, namespace, labels: labels(meta) },
      spec: {
        // Never runs by itself: a template for `kubectl create job --from=cronjob/postgres-restore`.
        suspend: true,
        schedule: "0 0 1 1 *",
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { labels: labels(meta) },
          spec: {
            backoffLimit: RESTORE_BACKOFF_LIMIT,
            activeDeadlineSeconds: DEADLINE_SECONDS,
            template: pod(
              container(
                "download",
                backups.clientImage,
                "download.sh",
                [...storeEnv, ...restoreEnv],
                MC_RESOURCES,
              ),
              container(
                "restore",
                args.postgresImage,
                "restore.sh",
                [...postgresEnv, ...restoreEnv],
                DUMP_RESOURCES,
              ),
            ),
          },
        },
      },
    },
    { ...opts, dependsOn: server.dependsOn },
  );
  return { backup, restore };
}
