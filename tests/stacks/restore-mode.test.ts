/**
 * Restore mode of the production stacks: each stack planned in its normal configuration and in restore mode,
 * compared resource by resource. Restore mode adds exactly one server (restored from a point in time or a
 * snapshot), keeps the original with its inputs unchanged and protected, points every DATABASE_URL at the new
 * host, and changes nothing else but the Kubernetes objects that carry the host.
 */
import { parseConfig } from "../../config";
import { RESTORED_IGNORED_CHANGES } from "../../components/managed-postgres/azure";
import { redact, runPlan, type PlanResult, type PlanResource } from "../helpers/pulumi";
import { requiredWith } from "../helpers/config";
import { sharedPlan } from "../helpers/shared-plans";

const SERVICES = ["auth", "user", "content", "catalog"];
const TIME = "2026-12-01T09:30:00Z";

const byUrn = (plan: PlanResult) => new Map(plan.resources.map((r) => [r.urn, r]));
const inputsOf = (r: PlanResource) => redact(r.inputs, true);
const output = (plan: PlanResult, name: string) => plan.outputs.find((o) => o.name === name)!;
const hostOf = (url: string) => new URL(url).hostname;

/** URNs only in `after`, only in `before`, and in both with different inputs or options. */
function compare(before: PlanResult, after: PlanResult) {
  const a = byUrn(before);
  const b = byUrn(after);
  const added = [...b.values()].filter((r) => !a.has(r.urn));
  const removed = [...a.values()].filter((r) => !b.has(r.urn));
  const changed = [...b.values()].filter((r) => {
    const old = a.get(r.urn);
    if (!old) return false;
    return (
      JSON.stringify(inputsOf(old)) !== JSON.stringify(inputsOf(r)) ||
      JSON.stringify(old.options) !== JSON.stringify(r.options)
    );
  });
  return { added, removed, changed };
}

/**
 * What restore mode may change besides adding the server, and why: the bootstrap Job (its PGHOST, so it runs
 * again against the new server and sets the roles' current passwords) and each service's Secret (DATABASE_URL).
 * The Secrets are auto-named and the Kubernetes provider replaces a Secret whose data changes (Secrets are
 * immutable unless the provider's `enableSecretMutable` is on, which no stack sets): the replacement has a new
 * name, so the Deployments that reference it roll onto the new host. The plan's fixed name suffix hides that
 * last step, so the Deployments do not show here.
 */
function expectOnlyHostCarriersChanged(plan: PlanResult, changed: PlanResource[]): void {
  const kinds = changed.map((r) => `${r.type} ${r.name}`).sort();
  const expected = [
    "kubernetes:batch/v1:Job postgres-bootstrap",
    ...SERVICES.map((s) => `kubernetes:core/v1:Secret ${s}-secret`),
  ].sort();
  expect(kinds).toEqual(expected);
  for (const provider of plan.resources.filter((r) => r.type === "pulumi:providers:kubernetes")) {
    expect((provider.inputs as any).enableSecretMutable).toBeUndefined();
  }
}

describe("prod (AWS) in restore mode", () => {
  let normal: PlanResult;
  let restoring: PlanResult;
  beforeAll(async () => {
    normal = await sharedPlan("prod");
    restoring = await runPlan("prod", [`ferrum:aws.rds.restore.pointInTime=${TIME}`]);
  });

  test("adds exactly one server, the restored RDS instance, and removes nothing", () => {
    const { added, removed } = compare(normal, restoring);
    expect(added.map((r) => `${r.type} ${r.name}`)).toEqual([
      "aws:rds/instance:Instance postgres-restored-instance",
    ]);
    expect(removed).toEqual([]);
  });

  test("the restored instance comes from the original's backups at the point in time, with the original's settings, protected", () => {
    const restored = restoring.resources.find((r) => r.name === "postgres-restored-instance")!;
    const original = restoring.resources.find((r) => r.name === "postgres-instance")!;
    const inputs = inputsOf(restored) as any;
    expect(inputs.restoreToPointInTime).toEqual({
      sourceDbInstanceIdentifier: "ferrum-prod",
      restoreTime: TIME,
    });
    expect(inputs).toMatchObject({
      identifier: "ferrum-prod-restored",
      finalSnapshotIdentifier: "ferrum-prod-restored-final",
      deletionProtection: true,
      storageEncrypted: true,
      multiAz: true,
      publiclyAccessible: false,
    });
    expect(inputs.dbName).toBeUndefined();
    expect(inputs.snapshotIdentifier).toBeUndefined();
    const without = (o: Record<string, unknown>, keys: string[]) =>
      Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
    const originalRest = without(inputsOf(original) as any, [
      "identifier",
      "finalSnapshotIdentifier",
      "dbName",
    ]);
    const restoredRest = without(inputs, ["identifier", "finalSnapshotIdentifier", "restoreToPointInTime"]);
    expect(restoredRest).toEqual(originalRest);
    expect(restored.options.protect).toBe(true);
  });

  test("the original instance keeps its URN and exactly its inputs, and stays protected", () => {
    const before = normal.resources.find((r) => r.name === "postgres-instance")!;
    const after = restoring.resources.find((r) => r.name === "postgres-instance")!;
    expect(after.urn).toBe(before.urn);
    expect(inputsOf(after)).toEqual(inputsOf(before));
    expect(after.options).toEqual(before.options);
    expect(after.options.protect).toBe(true);
  });

  test("every DATABASE_URL names the restored instance's host", () => {
    const restored = restoring.resources.find((r) => r.name === "postgres-restored-instance")!;
    const original = normal.resources.find((r) => r.name === "postgres-instance")!;
    const urls = output(restoring, "databaseUrls").value as Record<string, string>;
    expect(Object.keys(urls).sort()).toEqual([...SERVICES].sort());
    for (const url of Object.values(urls)) expect(hostOf(url)).toBe(restored.state.address);
    expect(restored.state.address).not.toBe(original.state.address);
    expect(Object.values(output(normal, "databaseUrls").value as Record<string, string>).map(hostOf)).toEqual(
      SERVICES.map(() => original.state.address),
    );
  });

  test("nothing else changes but the Kubernetes objects that carry the host", () => {
    const { changed } = compare(normal, restoring);
    expectOnlyHostCarriersChanged(restoring, changed);
    const job = inputsOf(
      restoring.resources.find(
        (r) => r.type === "kubernetes:batch/v1:Job" && r.name === "postgres-bootstrap",
      )!,
    ) as any;
    const env = Object.fromEntries(
      job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
    );
    expect(env.PGHOST).toBe(
      restoring.resources.find((r) => r.name === "postgres-restored-instance")!.state.address,
    );
  });

  test("a snapshot, or the latest restorable time, is a restore source too", async () => {
    const snap = await runPlan("prod", [
      "ferrum:aws.rds.restore.snapshotIdentifier=rds:ferrum-prod-2026-12-01-02-05",
    ]);
    const inputs = inputsOf(snap.resources.find((r) => r.name === "postgres-restored-instance")!) as any;
    expect(inputs.snapshotIdentifier).toBe("rds:ferrum-prod-2026-12-01-02-05");
    expect(inputs.restoreToPointInTime).toBeUndefined();
    const latest = await runPlan("prod", ["ferrum:aws.rds.restore.pointInTime=latest"]);
    expect(
      (inputsOf(latest.resources.find((r) => r.name === "postgres-restored-instance")!) as any)
        .restoreToPointInTime,
    ).toEqual({
      sourceDbInstanceIdentifier: "ferrum-prod",
      useLatestRestorableTime: true,
    });
  });

  test("retireOriginal stops declaring the original instance, and only it; the restored one is untouched", async () => {
    const retired = await runPlan("prod", [
      `ferrum:aws.rds.restore.pointInTime=${TIME}`,
      "ferrum:aws.rds.restore.retireOriginal=true",
    ]);
    const { added, removed, changed } = compare(restoring, retired);
    expect(added).toEqual([]);
    expect(removed.map((r) => r.name)).toEqual(["postgres-instance"]);
    expect(changed).toEqual([]);
  });
});

describe("prod-azure in restore mode", () => {
  let normal: PlanResult;
  let restoring: PlanResult;
  beforeAll(async () => {
    normal = await sharedPlan("prod-azure");
    restoring = await runPlan("prod-azure", [`ferrum:azure.postgres.restore.pointInTime=${TIME}`]);
  });

  test("adds exactly one server (PointInTimeRestore from the original) with its TLS setting and lock, and removes nothing", () => {
    const { added, removed } = compare(normal, restoring);
    expect(added.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "azure-native:authorization:ManagementLockByScope postgres-restored-delete-lock",
      "azure-native:dbforpostgresql:Configuration postgres-restored-require-tls",
      "azure-native:dbforpostgresql:Server postgres-restored-server",
    ]);
    expect(removed).toEqual([]);
    const server = restoring.resources.find((r) => r.name === "postgres-restored-server")!;
    const original = restoring.resources.find((r) => r.name === "postgres-server")!;
    expect(inputsOf(server)).toMatchObject({
      serverName: "ferrum-prod-azure-restored",
      createMode: "PointInTimeRestore",
      pointInTimeUTC: TIME,
      sourceServerResourceId: original.state.id,
    });
    expect((inputsOf(server) as any).administratorLogin).toBeUndefined();
    expect(server.options).toMatchObject({ protect: true, ignoreChanges: RESTORED_IGNORED_CHANGES });
  });

  test("the original server, its databases, lock and TLS setting keep their URNs and inputs; server and databases stay protected", () => {
    const a = byUrn(normal);
    for (const name of [
      "postgres-server",
      "postgres-delete-lock",
      "postgres-require-tls",
      ...SERVICES.map((s) => `postgres-${s}-db`),
    ]) {
      const after = restoring.resources.find((r) => r.name === name)!;
      const before = a.get(after.urn)!;
      expect({ name, inputs: inputsOf(after), options: after.options }).toEqual({
        name,
        inputs: inputsOf(before),
        options: before.options,
      });
    }
    expect(restoring.resources.find((r) => r.name === "postgres-server")!.options.protect).toBe(true);
  });

  test("every DATABASE_URL names the restored server, and nothing else changes but the objects carrying the host", () => {
    const urls = output(restoring, "databaseUrls").value as Record<string, string>;
    for (const url of Object.values(urls))
      expect(hostOf(url)).toBe("ferrum-prod-azure-restored.postgres.database.azure.com");
    expectOnlyHostCarriersChanged(restoring, compare(normal, restoring).changed);
  });
});

describe("restore settings that are refused", () => {
  const aws = (restore: unknown) => ({
    ...requiredWith("aws", "aws", { rds: { restore } }),
  });
  const azure = (restore: unknown) => ({
    ...requiredWith("azure", "azure", { postgres: { restore } }),
  });

  test.each([
    [
      aws({ pointInTime: TIME, snapshotIdentifier: "rds:x" }),
      `ferrum:aws.rds.restore must name exactly one source, pointInTime or snapshotIdentifier (got {"pointInTime":"${TIME}","snapshotIdentifier":"rds:x"}); set one with: pulumi config set --path 'ferrum:aws.rds.restore.pointInTime' 2026-12-01T09:30:00Z -s prod`,
    ],
    [
      aws({ identifier: "ferrum-prod-r1" }),
      `ferrum:aws.rds.restore must name exactly one source, pointInTime or snapshotIdentifier (got {"identifier":"ferrum-prod-r1"}); set one with: pulumi config set --path 'ferrum:aws.rds.restore.pointInTime' 2026-12-01T09:30:00Z -s prod`,
    ],
    [
      aws({ pointInTime: "yesterday" }),
      `ferrum:aws.rds.restore.pointInTime must be latest or a UTC time such as 2026-12-01T09:30:00Z (got "yesterday"); set it with: pulumi config set --path 'ferrum:aws.rds.restore.pointInTime' 2026-12-01T09:30:00Z -s prod`,
    ],
    [
      aws({ pointInTime: "2026-12-01T09:30:00+01:00" }),
      `ferrum:aws.rds.restore.pointInTime must be latest or a UTC time such as 2026-12-01T09:30:00Z (got "2026-12-01T09:30:00+01:00"); set it with: pulumi config set --path 'ferrum:aws.rds.restore.pointInTime' 2026-12-01T09:30:00Z -s prod`,
    ],
    [
      aws({ pointInTime: TIME, identifier: "Ferrum_Prod" }),
      `ferrum:aws.rds.restore.identifier must be an RDS instance identifier (lowercase letters, digits and single hyphens, at most 63) (got "Ferrum_Prod"); set it with: pulumi config set --path 'ferrum:aws.rds.restore.identifier' ferrum-prod-restored -s prod`,
    ],
    [
      aws({ pointInTime: TIME, retire: true }),
      "ferrum:aws.rds.restore.retire is not a known setting (got true); known keys here: identifier, pointInTime, retireOriginal, snapshotIdentifier; remove it with: pulumi config rm --path 'ferrum:aws.rds.restore.retire' -s prod",
    ],
    [
      azure({ serverName: "ferrum-prod-azure-r1" }),
      `ferrum:azure.postgres.restore.pointInTime must be set in restore mode: Flexible Server restores from a point in time (got {"serverName":"ferrum-prod-azure-r1"}); set it with: pulumi config set --path 'ferrum:azure.postgres.restore.pointInTime' 2026-12-01T09:30:00Z -s prod-azure`,
    ],
    [
      azure({ pointInTime: "latest" }),
      `ferrum:azure.postgres.restore.pointInTime must be a UTC time such as 2026-12-01T09:30:00Z, within the server's backup retention (got "latest"); set it with: pulumi config set --path 'ferrum:azure.postgres.restore.pointInTime' 2026-12-01T09:30:00Z -s prod-azure`,
    ],
    [
      aws({ pointInTime: TIME, identifier: "ferrum-prod" }),
      `ferrum:aws.rds.restore.identifier must differ from the original instance's identifier (got "ferrum-prod"): the restore is a new instance; set it with: pulumi config set --path 'ferrum:aws.rds.restore.identifier' ferrum-prod-restored -s prod`,
    ],
    [
      azure({ pointInTime: TIME, serverName: "ferrum-prod-azure" }),
      `ferrum:azure.postgres.restore.serverName must differ from the original server's name (got "ferrum-prod-azure"): the restore is a new server; set it with: pulumi config set --path 'ferrum:azure.postgres.restore.serverName' ferrum-prod-azure-restored -s prod-azure`,
    ],
  ])("%j", (raw, message) => {
    const stack = raw["ferrum:cloud"] === "aws" ? "prod" : "prod-azure";
    expect(parseConfig(raw, stack).problems).toEqual([message]);
  });

  test("an RDS restore named like the original is refused with the config, before anything is registered", async () => {
    await expect(
      runPlan("prod", [
        `ferrum:aws.rds.restore.pointInTime=${TIME}`,
        "ferrum:aws.rds.restore.identifier=ferrum-prod",
      ]),
    ).rejects.toThrow(
      // Given with -c, so the fix is the corrected -c, as for every other key the plan gets that way.
      `ferrum:aws.rds.restore.identifier must differ from the original instance's identifier (got "ferrum-prod"): the restore is a new instance; set it with: -c 'ferrum:aws.rds.restore.identifier=ferrum-prod-restored'`,
    );
  });
});
