/**
 * The in-cluster server's backups as the dev stack plans them: the backup CronJob (dump, then upload), the
 * suspended restore template, the scripts ConfigMap, the backups bucket and its credential, and the settings
 * (`ferrum:postgres.backup`) with their refusals. The scripts themselves run for real in
 * managed-postgres-backup.real.test.ts.
 */
import { parseConfig } from "../../config";
import { REQUIRED_CONFIG } from "../helpers/config";
import { ManagedPostgres } from "../../components/managed-postgres";
import {
  renderDownloadScript,
  renderDumpScript,
  renderRestoreScript,
  renderUploadScript,
  replacedDatabase,
  scratchDatabase,
} from "../../components/managed-postgres/backup-scripts";
import { scheduleProblems } from "../../lib/cron-schedule";
import { DEFAULT_MC_IMAGE } from "../../config/defaults";
import { manifests } from "../../harness/planner";
import { isSecretEnvelope, refusal, runPlan, underMocks, type PlanResult } from "../helpers/pulumi";
import { ProblemsError } from "../../lib/problems";
import { sharedPlan } from "../helpers/shared-plans";

const SERVICES = ["auth", "user", "content", "catalog"];

let plan: PlanResult;
let objects: any[];
beforeAll(async () => {
  plan = await sharedPlan("dev");
  objects = manifests(plan, true);
});
const cronJob = (name: string) => objects.find((o) => o.kind === "CronJob" && o.metadata.name === name);
const podOf = (cj: any) => cj.spec.jobTemplate.spec.template.spec;
const envOf = (container: any) =>
  Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const configMap = (prefix: string) =>
  objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith(prefix));
const secret = (prefix: string) =>
  objects.find((o) => o.kind === "Secret" && o.metadata.name.startsWith(prefix));

describe("dev stack: the backup CronJob", () => {
  test("runs nightly at 02:00 UTC, one at a time, a missed run skipped after an hour, three of each outcome kept", () => {
    const cj = cronJob("postgres-backup");
    expect(cj.spec).toMatchObject({
      schedule: "0 2 * * *",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(cj.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
  });

  test("dumps in an init container of the PostgreSQL image as the admin, with the admin's password key only", () => {
    const pod = podOf(cronJob("postgres-backup"));
    expect(pod.initContainers.map((c: any) => [c.name, c.image, c.command])).toEqual([
      ["dump", "postgres:16.10-bookworm", ["sh", "/scripts/dump.sh"]],
    ]);
    const env = envOf(pod.initContainers[0]);
    expect(env).toMatchObject({
      PGHOST: "postgres.ferrum.svc.cluster.local",
      PGPORT: "5432",
      PGUSER: "ferrum_admin",
      PGDATABASE: "postgres",
      PGSSLMODE: "prefer",
      FERRUM_WORK_DIR: "/backup",
    });
    expect(env.PGPASSWORD.secretKeyRef.key).toBe("FERRUM_ADMIN_PASSWORD");
    expect(env.PGPASSWORD.secretKeyRef.name).toMatch(/^postgres-credentials-/);
    expect(JSON.stringify(pod)).not.toContain("POSTGRES_PASSWORD");
  });

  test("uploads from a second container of the pinned mc image, with the backups bucket's own keys", () => {
    const pod = podOf(cronJob("postgres-backup"));
    expect(pod.containers.map((c: any) => [c.name, c.image, c.command])).toEqual([
      ["upload", DEFAULT_MC_IMAGE, ["sh", "/scripts/upload.sh"]],
    ]);
    const env = envOf(pod.containers[0]);
    expect(env).toMatchObject({
      FERRUM_BACKUP_URL: "http://minio.ferrum.svc.cluster.local:9000",
      FERRUM_BACKUP_BUCKET: "ferrum-dev-backups",
      MC_CONFIG_DIR: "/tmp/.mc",
      FERRUM_WORK_DIR: "/backup",
    });
    for (const key of ["FERRUM_BACKUP_ACCESS_KEY_ID", "FERRUM_BACKUP_SECRET_ACCESS_KEY"]) {
      expect(env[key].secretKeyRef).toEqual({ name: secret("postgres-backup-keys").metadata.name, key });
    }
  });

  test("the backup keys are the object store's backups user's (user a at rotation 0), no service's: the same values in both Secrets", () => {
    const keys = secret("postgres-backup-keys").stringData;
    const store = secret("object-store-bootstrap").stringData;
    expect(keys.FERRUM_BACKUP_ACCESS_KEY_ID).toBe(store.FERRUM_BACKUPS_A_ACCESS_KEY_ID);
    expect(keys.FERRUM_BACKUP_SECRET_ACCESS_KEY).toBe(store.FERRUM_BACKUPS_A_SECRET_ACCESS_KEY);
    // Its own user: no service's key.
    for (const s of SERVICES) {
      for (const slot of ["A", "B"])
        expect(keys.FERRUM_BACKUP_ACCESS_KEY_ID).not.toBe(
          store[`FERRUM_${s.toUpperCase()}_${slot}_ACCESS_KEY_ID`],
        );
    }
    // Handed over only once the object store's bootstrap Job has set them (a rotated key is not yet valid before).
    const keysResource = plan.resources.find((r) => r.name === "postgres-backup-keys")!;
    const storeJob = plan.resources.find(
      (r) => r.name === "object-store-bootstrap" && r.type === "kubernetes:batch/v1:Job",
    )!;
    expect(keysResource.waitsFor).toContain(storeJob.urn);
    const raw = plan.resources.find((r) => r.name === "postgres-backup-keys")!.inputs as any;
    expect(isSecretEnvelope(raw.stringData)).toBe(true);
  });

  test("both containers share one emptyDir (sized like the data volume) and run restricted, as the postgres uid", () => {
    const pod = podOf(cronJob("postgres-backup"));
    expect(pod.volumes.find((v: any) => v.name === "work")).toEqual({
      name: "work",
      emptyDir: { sizeLimit: "10Gi" },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    expect(pod).toMatchObject({
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    });
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.volumeMounts.find((m: any) => m.name === "work").mountPath).toBe("/backup");
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(c.resources.limits).toBeDefined();
    }
  });

  test("the scripts ConfigMap holds the four rendered scripts", () => {
    expect(configMap("postgres-backup-scripts").data).toEqual({
      "dump.sh": renderDumpScript(SERVICES),
      "upload.sh": renderUploadScript(),
      "download.sh": renderDownloadScript(SERVICES),
      "restore.sh": renderRestoreScript(SERVICES),
    });
  });
});

describe("dev stack: the restore template", () => {
  test("is a suspended CronJob whose Job runs once (no retry), download before restore, service unset", () => {
    const cj = cronJob("postgres-restore");
    expect(cj.spec.suspend).toBe(true);
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = podOf(cj);
    expect(pod.initContainers.map((c: any) => [c.name, c.image])).toEqual([["download", DEFAULT_MC_IMAGE]]);
    expect(pod.containers.map((c: any) => [c.name, c.image])).toEqual([
      ["restore", "postgres:16.10-bookworm"],
    ]);
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(envOf(c)).toMatchObject({ FERRUM_RESTORE_SERVICE: "", FERRUM_RESTORE_BACKUP: "latest" });
    }
    expect(envOf(pod.containers[0]).PGUSER).toBe("ferrum_admin");
  });
});

describe("dev stack: backups switched off", () => {
  test("ferrum:postgres.backup.enabled=false plans no CronJob, no backups bucket and no backup user", async () => {
    const off = await runPlan("dev", ["ferrum:postgres.backup.enabled=false"]);
    const objs = manifests(off, true);
    expect(objs.filter((o: any) => o.kind === "CronJob")).toEqual([]);
    const text = JSON.stringify(objs);
    expect(text).not.toContain("ferrum-dev-backups");
    expect(text).not.toContain("FERRUM_BACKUPS_ACCESS_KEY_ID");
  });

  test("schedule and retention reach the CronJob and the bucket's lifecycle rule", async () => {
    const custom = await runPlan("dev", [
      "ferrum:postgres.backup.schedule=30 3 * * 1-5",
      "ferrum:postgres.backup.retentionDays=30",
    ]);
    const objs = manifests(custom, true) as any[];
    expect(
      objs.find((o) => o.kind === "CronJob" && o.metadata.name === "postgres-backup").spec.schedule,
    ).toBe("30 3 * * 1-5");
    const script = objs.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("object-store-bootstrap-script"),
    );
    expect(script.data["bootstrap.sh"]).toContain(
      "set_lifecycle 'ferrum/ferrum-dev-backups' --expire-days 30 --noncurrent-expire-days 1",
    );
  });
});

describe("ManagedPostgres without backups", () => {
  test("an in-cluster server without `backups` has no CronJob", async () => {
    const { registrations } = await underMocks(
      () =>
        new ManagedPostgres("postgres", {
          backend: {
            kind: "inCluster",
            image: "postgres:16.10-bookworm",
            storageGiB: 10,
            resources: { cpuMillicores: 250, cpuLimitMillicores: 1000, memoryMiB: 512, memoryLimitMiB: 1024 },
            protect: false,
          },
          databases: SERVICES,
          namespace: "ferrum",
        }),
    );
    expect(registrations.ofType("kubernetes:batch/v1:CronJob")).toEqual([]);
  });

  test("a backups connection without keys (a workload identity) is refused before anything registers", async () => {
    const { error, registered } = await refusal(
      () =>
        new ManagedPostgres("postgres", {
          backend: {
            kind: "inCluster",
            image: "postgres:16.10-bookworm",
            storageGiB: 10,
            resources: { cpuMillicores: 250, cpuLimitMillicores: 1000, memoryMiB: 512, memoryLimitMiB: 1024 },
            protect: false,
            backups: {
              schedule: "0 2 * * *",
              storage: { bucket: "b", endpointUrl: "", region: "us-east-1" },
              clientImage: DEFAULT_MC_IMAGE,
            },
          },
          databases: SERVICES,
          namespace: "ferrum",
        }),
    );
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error!.message).toBe(
      "Invalid arguments of ManagedPostgres postgres (1 problem):\n  - backups.storage must carry the backups bucket's own keys (an in-cluster object store's backups connection)",
    );
    expect(registered).toEqual([]);
  });
});

describe("restore names", () => {
  test("the scratch and replaced databases fit PostgreSQL's 63-character names, even for the longest service", () => {
    expect(scratchDatabase("catalog")).toBe("ferrum_catalog_restoring");
    expect(replacedDatabase("catalog", "20261203T020000Z")).toBe("ferrum_catalog_before_20261203T020000Z");
    const longest = "s".repeat(41);
    expect(scratchDatabase(longest).length).toBeLessThanOrEqual(63);
    expect(replacedDatabase(longest, "20261203T020000Z").length).toBeLessThanOrEqual(63);
  });
});

describe("scheduleProblems", () => {
  test.each([
    "0 2 * * *",
    "*/15 * * * *",
    "30 3 * * 1-5",
    "0 0 1,15 * *",
    "0 4 * jan-mar sun",
    "@daily",
    "@hourly",
  ])("%j is a schedule Kubernetes takes", (schedule) => expect(scheduleProblems(schedule)).toEqual([]));
  test.each([
    ["0 2 * *", "must have 5 fields (minute hour day-of-month month day-of-week), got 4"],
    ["60 2 * * *", 'minute must lie between 0 and 59 (got "60")'],
    ["0 24 * * *", 'hour must lie between 0 and 23 (got "24")'],
    ["0 2 0 * *", 'day of month must lie between 1 and 31 (got "0")'],
    ["0 2 * * 5-1", 'day of week range "5-1" runs backwards'],
    ["0 2 * * */0", "day of week step must be at least 1"],
    ["0 2 * * funday", 'day of week item "funday" is not a number, range or step'],
    [
      "@every 1h",
      '"@every 1h" is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly',
    ],
    [
      "TZ=Europe/Berlin 0 2 * * *",
      "a time zone prefix (TZ=...) is refused by Kubernetes: schedules run in the cluster's time zone (UTC)",
    ],
  ])("%j is refused: %s", (schedule, problem) => expect(scheduleProblems(schedule)).toEqual([problem]));
});

describe("parseConfig: ferrum:postgres.backup", () => {
  const pg = (backup: unknown, cloud = "k3s") => ({
    ...REQUIRED_CONFIG[cloud as keyof typeof REQUIRED_CONFIG],
    "ferrum:postgres": JSON.stringify({ backup }),
  });

  test("defaults: on, nightly at 02:00 UTC, kept 14 days", () => {
    expect(parseConfig(REQUIRED_CONFIG.k3s, "dev").config!.postgres.backup).toEqual({
      enabled: true,
      schedule: "0 2 * * *",
      retentionDays: 14,
    });
  });

  test.each([
    [
      { schedule: "0 25 * * *" },
      `ferrum:postgres.backup.schedule must be a CronJob schedule (got "0 25 * * *": hour must lie between 0 and 23 (got "25")); set it with: pulumi config set --path 'ferrum:postgres.backup.schedule' '0 2 * * *' -s dev`,
    ],
    [
      { retentionDays: 0 },
      "ferrum:postgres.backup.retentionDays must be an integer between 1 and 3650 (got 0); set it with: pulumi config set --path 'ferrum:postgres.backup.retentionDays' 14 -s dev",
    ],
    [
      { enabled: "yes" },
      `ferrum:postgres.backup.enabled must be true or false (got "yes"); set it with: pulumi config set --path 'ferrum:postgres.backup.enabled' true -s dev`,
    ],
    [
      { retention: 7 },
      "ferrum:postgres.backup.retention is not a known setting (got 7); known keys here: enabled, retentionDays, schedule; remove it with: pulumi config rm --path 'ferrum:postgres.backup.retention' -s dev",
    ],
  ])("%j is refused with the key, the value and the fix", (backup, message) => {
    expect(parseConfig(pg(backup), "dev").problems).toEqual([message]);
  });

  test("set in a cloud stack, whose managed server backs itself up, it is refused and named", () => {
    expect(parseConfig(pg({ retentionDays: 30 }, "aws"), "prod").problems).toEqual([
      `ferrum:postgres.backup does nothing on this stack (got {"retentionDays":30}): it backs up the in-cluster PostgreSQL of k3s stacks, and a cloud stack's managed server keeps its own point-in-time backups (ferrum:aws.rds.backupRetentionDays, ferrum:azure.postgres.backupRetentionDays); remove it with: pulumi config rm --path 'ferrum:postgres.backup' -s prod`,
    ]);
  });

  test("ferrum:objectStore.noncurrentVersionDays defaults to 90 and is bounded", () => {
    expect(parseConfig(REQUIRED_CONFIG.k3s, "dev").config!.objectStore.noncurrentVersionDays).toBe(90);
    expect(
      parseConfig(
        { ...REQUIRED_CONFIG.k3s, "ferrum:objectStore": JSON.stringify({ noncurrentVersionDays: 0 }) },
        "dev",
      ).problems,
    ).toEqual([
      "ferrum:objectStore.noncurrentVersionDays must be an integer between 1 and 3650 (got 0); set it with: pulumi config set --path 'ferrum:objectStore.noncurrentVersionDays' 90 -s dev",
    ]);
  });
});
