/**
 * The version table (lib/versions.ts), the settings that read it, and the guardrail over its dates. Every date
 * here is injected: nothing in this file depends on the day the tests run.
 */
import { DEFAULT_POSTGRES_IMAGE, parseConfig } from "../../config";
import { enforceSupportDates, UnsupportedVersionError, underRealEngine } from "../../lib/support-gate";
import {
  daysUntil,
  deploymentCheck,
  rowsInUse,
  StackVersions,
  supportProblems,
  tableSupportProblems,
} from "../../lib/version-support";
import {
  allowedVersions,
  clusterAutoscalerImageTag,
  compareVersions,
  defaultVersion,
  EKS_ADDONS,
  RETIRED,
  versionTable,
} from "../../lib/versions";
import { loadStackConfig } from "../../harness/planner";
import { REQUIRED_CONFIG, requiredWith } from "../helpers/config";
import { underMocks } from "../helpers/pulumi";

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const ISO = /^\d{4}-\d{2}-\d{2}$/;
const table = versionTable();
const releasesOf = (component: string, cloud: string) =>
  table.filter((r) => r.kind === "release" && r.component === component && r.cloud === cloud);

describe("the table", () => {
  test("every row has an end of standard support and its sources, each a URL with the date it was read", () => {
    for (const r of table) {
      expect(r.standardSupportEnds).toMatch(ISO);
      expect(new Date(r.standardSupportEnds).toISOString().slice(0, 10)).toBe(r.standardSupportEnds);
      expect(r.sources.length).toBeGreaterThan(0);
      for (const s of r.sources) {
        expect(s.url).toMatch(/^https:\/\/\S+$/);
        expect(s.read).toMatch(ISO);
      }
    }
  });

  test("each cloud offers Kubernetes and PostgreSQL; the default is the newest row", () => {
    expect(allowedVersions("kubernetes", "aws")).toEqual(["1.35", "1.36"]);
    expect(allowedVersions("kubernetes", "azure")).toEqual(["1.35", "1.36"]);
    expect(allowedVersions("postgresql", "aws")).toEqual(["16"]);
    expect(allowedVersions("postgresql", "azure")).toEqual(["16"]);
    expect(defaultVersion("kubernetes", "aws")).toBe("1.36");
    expect(defaultVersion("kubernetes", "azure")).toBe("1.36");
  });

  test("what follows an EKS minor exists for every EKS minor the table offers, and nothing follows a minor it does not", () => {
    const minors = allowedVersions("kubernetes", "aws");
    for (const minor of minors) {
      expect(clusterAutoscalerImageTag(minor)).toBe(
        `v${minor}.${clusterAutoscalerImageTag(minor).split(".")[2]}`,
      );
      expect(
        table
          .filter((r) => r.component === "eks-addon" && r.kind === "follower" && r.kubernetes === minor)
          .map((r) => r.kind === "follower" && r.addon),
      ).toEqual(EKS_ADDONS);
    }
    expect(EKS_ADDONS).toEqual(["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"]);
    for (const r of table)
      if (r.kind === "follower") {
        expect(minors).toContain(r.kubernetes);
        // A follower ends with the minor it follows.
        expect(r.standardSupportEnds).toBe(
          releasesOf("kubernetes", "aws").find((k) => k.version === r.kubernetes)!.standardSupportEnds,
        );
      }
    // The charts pinned once serve the newest minor, and metrics-server supports every minor offered.
    const charts = table.filter((r) => r.component.endsWith("-chart"));
    for (const c of charts)
      expect(c.kind === "follower" && c.kubernetes).toBe(defaultVersion("kubernetes", "aws"));
    const metrics = table.find((r) => r.component === "metrics-server-chart")!;
    for (const minor of minors)
      expect(
        compareVersions(minor, (metrics.kind === "follower" && metrics.minKubernetes) || "99"),
      ).toBeGreaterThanOrEqual(0);
  });

  test("retired versions are not selectable, and left support before every version the table offers", () => {
    for (const r of RETIRED) {
      expect(allowedVersions("kubernetes", r.cloud)).not.toContain(r.version);
      for (const offered of releasesOf("kubernetes", r.cloud))
        expect(r.standardSupportEnded < offered.standardSupportEnds).toBe(true);
    }
  });

  test("the stack files run versions the table offers, and the in-cluster PostgreSQL image is the managed major", () => {
    for (const stack of ["prod", "prod-azure"]) {
      const parsed = parseConfig(loadStackConfig(stack).values, stack);
      expect(parsed.problems).toEqual([]);
      expect(rowsInUse(parsed.config!).map((r) => `${r.component}:${r.cloud}:${r.version}`)).toEqual(
        stack === "prod"
          ? ["kubernetes:aws:1.36", "node-image:aws:AL2023_x86_64_STANDARD", "postgresql:aws:16"]
          : ["kubernetes:azure:1.36", "postgresql:azure:16"],
      );
    }
    // The bootstrap Job's psql and the dev server are the image's major: the same as the managed servers'.
    const imageMajor = /:(\d+)\./.exec(DEFAULT_POSTGRES_IMAGE)![1];
    expect(imageMajor).toBe(defaultVersion("postgresql", "aws"));
    expect(imageMajor).toBe(defaultVersion("postgresql", "azure"));
  });
});

describe("settings accept only the table's versions", () => {
  const aws = (settings: Record<string, unknown>) =>
    parseConfig(requiredWith("aws", "aws", settings), "prod");
  const azure = (settings: Record<string, unknown>) =>
    parseConfig(
      {
        ...REQUIRED_CONFIG.azure,
        "ferrum:azure": JSON.stringify({
          deployerPrincipalId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
          ...settings,
        }),
      },
      "prod-azure",
    );

  test("defaults: the newest minor of each cloud and PostgreSQL 16's major", () => {
    const c = parseConfig(REQUIRED_CONFIG.aws, "prod").config!;
    expect(c.aws.kubernetesVersion).toBe("1.36");
    expect(c.aws.rds.engineVersion).toBe("16");
    expect(c.azure.kubernetesVersion).toBe("1.36");
  });

  test("YAML numbers are read as the versions they spell", () => {
    const c = aws({ kubernetesVersion: 1.35, rds: { engineVersion: 16 } }).config!;
    expect(c.aws.kubernetesVersion).toBe("1.35");
    expect(c.aws.rds.engineVersion).toBe("16");
  });

  test.each([
    [
      "an EKS minor past standard support",
      () => aws({ kubernetesVersion: "1.34" }),
      `ferrum:aws.kubernetesVersion must be an EKS Kubernetes minor that lib/versions.ts lists, each inside EKS standard support: 1.35 (standard support until 2027-03-27), 1.36 (standard support until 2027-08-02) (got "1.34": its EKS standard support ended 2026-12-02 and extended support bills the cluster at a higher hourly price; a cluster still on it moves up one minor at a time (README, "Versions and their support dates")); set it with: pulumi config set --path 'ferrum:aws.kubernetesVersion' 1.36 -s prod`,
    ],
    [
      "an EKS minor the table does not list yet",
      () => aws({ kubernetesVersion: "1.37" }),
      `ferrum:aws.kubernetesVersion must be an EKS Kubernetes minor that lib/versions.ts lists, each inside EKS standard support: 1.35 (standard support until 2027-03-27), 1.36 (standard support until 2027-08-02) (got "1.37"); set it with: pulumi config set --path 'ferrum:aws.kubernetesVersion' 1.36 -s prod`,
    ],
    [
      "an RDS minor version (the old default)",
      () => aws({ rds: { engineVersion: "16.9" } }),
      `ferrum:aws.rds.engineVersion must be a PostgreSQL major version that lib/versions.ts lists for RDS: 16 (standard support until 2029-02-28) (got "16.9": name the major only; RDS applies minor versions itself (autoMinorVersionUpgrade), and a pinned minor turns its first automatic upgrade into an attempted downgrade); set it with: pulumi config set --path 'ferrum:aws.rds.engineVersion' 16 -s prod`,
    ],
    [
      "an RDS major the table does not list",
      () => aws({ rds: { engineVersion: "17" } }),
      `ferrum:aws.rds.engineVersion must be a PostgreSQL major version that lib/versions.ts lists for RDS: 16 (standard support until 2029-02-28) (got "17"); set it with: pulumi config set --path 'ferrum:aws.rds.engineVersion' 16 -s prod`,
    ],
    [
      "Graviton nodes for the x86_64 AMI type",
      () => aws({ nodeInstanceTypes: ["m7i.large", "m7g.large", "c7gn.xlarge"] }),
      `ferrum:aws.nodeInstanceTypes must be x86_64 instance types: the nodes run the AMI type AL2023_x86_64_STANDARD (lib/versions.ts), which Graviton types do not boot (got ["m7g.large","c7gn.xlarge"]); set it with: pulumi config set --path 'ferrum:aws.nodeInstanceTypes' '["m7i.large"]' -s prod`,
    ],
    [
      "an AKS minor outside the community support window",
      () => azure({ kubernetesVersion: "1.34" }),
      `ferrum:azure.kubernetesVersion must be an AKS Kubernetes minor that lib/versions.ts lists, each inside AKS's community support window: 1.35 (community support until 2027-03-31), 1.36 (community support until 2027-06-30) (got "1.34": its AKS community support ended 2026-11-30, and AKS runs a version past its window only as long-term support on the Premium tier, which this program does not set up); set it with: pulumi config set --path 'ferrum:azure.kubernetesVersion' 1.36 -s prod-azure`,
    ],
    [
      "an AKS minor outside the window on the Premium tier too",
      () => azure({ kubernetesVersion: "1.33", clusterTier: "Premium" }),
      `(got "1.33": its AKS community support ended 2026-07-31, and AKS runs a version past its window only as long-term support on the Premium tier, which this program does not set up)`,
    ],
  ])("%s", (_label, parse, message) => {
    const r = parse();
    expect(r.config).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain(message);
  });
});

describe("the guardrail, with an injected clock", () => {
  test("days are counted between UTC dates", () => {
    expect(daysUntil("2027-03-27", day("2027-01-26"))).toBe(60);
    expect(daysUntil("2027-03-27", new Date("2027-03-27T23:59:59Z"))).toBe(0);
    expect(daysUntil("2027-03-27", day("2027-03-30"))).toBe(-3);
  });

  test("on 2026-12-03 every version has more than 60 days left", () => {
    expect(tableSupportProblems(day("2026-12-03"))).toEqual([]);
  });

  test("61 days before an end date it passes; 60 days before it fails, naming the version, the date, the days left and the fix", () => {
    expect(tableSupportProblems(day("2027-01-25"))).toEqual([]);
    expect(tableSupportProblems(day("2027-01-26")).map((p) => p.message)).toEqual([
      "EKS Kubernetes 1.35 (ferrum:aws.kubernetesVersion): standard support ends 2027-03-27, in 60 days from 2027-01-26 (this check fails 60 days before); moving with it: EKS add-on vpc-cni, EKS add-on kube-proxy, EKS add-on coredns, EKS add-on aws-ebs-csi-driver, Cluster Autoscaler image v1.35.2. Fix: set ferrum:aws.kubernetesVersion to 1.36 in every stack still on 1.35, then remove 1.35's row from lib/versions.ts.",
    ]);
    expect(tableSupportProblems(day("2027-01-30")).map((p) => p.message)[1]).toBe(
      "AKS Kubernetes 1.35 (ferrum:azure.kubernetesVersion): standard support ends 2027-03-31, in 60 days from 2027-01-30 (this check fails 60 days before). Fix: set ferrum:azure.kubernetesVersion to 1.36 in every stack still on 1.35, then remove 1.35's row from lib/versions.ts.",
    );
  });

  test("with no newer row, the fix is to add the next minor's row first", () => {
    const eks136 = tableSupportProblems(day("2027-06-03")).find(
      (p) => p.row.cloud === "aws" && p.row.version === "1.36",
    );
    expect(eks136?.message).toBe(
      "EKS Kubernetes 1.36 (ferrum:aws.kubernetesVersion): standard support ends 2027-08-02, in 60 days from 2027-06-03 (this check fails 60 days before); moving with it: EKS add-on vpc-cni, EKS add-on kube-proxy, EKS add-on coredns, EKS add-on aws-ebs-csi-driver, Cluster Autoscaler image v1.36.1, cluster-autoscaler Helm chart 9.59.0, metrics-server Helm chart 3.13.1. Fix: add the row of EKS Kubernetes 1.37 to lib/versions.ts once the cloud offers it (its end date and its source), then set ferrum:aws.kubernetesVersion to 1.37 in every stack still on 1.36, then remove 1.36's row from lib/versions.ts.",
    );
  });

  test("past the date it says what the cloud does now", () => {
    const past = tableSupportProblems(day("2027-03-30")).map((p) => p.message);
    expect(past[0]).toBe(
      "EKS Kubernetes 1.35 (ferrum:aws.kubernetesVersion): standard support ended, 2027-03-27, 3 days before 2027-03-30: EKS upgrades a control plane whose upgrade policy is STANDARD (this program's) to 1.36 after that date, and the next pulumi up --refresh would try to downgrade it; moving with it: EKS add-on vpc-cni, EKS add-on kube-proxy, EKS add-on coredns, EKS add-on aws-ebs-csi-driver, Cluster Autoscaler image v1.35.2. Fix: set ferrum:aws.kubernetesVersion to 1.36 in every stack still on 1.35, then remove 1.35's row from lib/versions.ts.",
    );
    const rds = tableSupportProblems(day("2029-01-01")).find(
      (p) => p.row.component === "postgresql" && p.row.cloud === "aws",
    );
    expect(rds?.message).toBe(
      `RDS for PostgreSQL 16 (ferrum:aws.rds.engineVersion): standard support ends 2029-02-28, in 58 days from 2029-01-01 (this check fails 60 days before). Fix: plan the major upgrade to 17 (README, "Upgrading PostgreSQL's major version"), then set ferrum:aws.rds.engineVersion to 17.`,
    );
  });

  const prod: StackVersions = {
    stack: "prod",
    cloud: "aws",
    aws: { kubernetesVersion: "1.35", rds: { engineVersion: "16" } as StackVersions["aws"]["rds"] },
    azure: { kubernetesVersion: "1.36" },
  };

  test("a stack's problems cover what it runs, with the command that moves that stack", () => {
    expect(supportProblems(prod, day("2027-01-26")).map((p) => p.message)).toEqual([
      "EKS Kubernetes 1.35 (ferrum:aws.kubernetesVersion): standard support ends 2027-03-27, in 60 days from 2027-01-26 (this check fails 60 days before); moving with it: EKS add-on vpc-cni, EKS add-on kube-proxy, EKS add-on coredns, EKS add-on aws-ebs-csi-driver, Cluster Autoscaler image v1.35.2. Fix: move this stack with: pulumi config set --path 'ferrum:aws.kubernetesVersion' 1.36 -s prod, then remove 1.35's row from lib/versions.ts.",
    ]);
    // AKS 1.35 is near its date too, but an AWS stack does not run it; on 1.36 the EKS stack is clear.
    expect(
      supportProblems({ ...prod, aws: { ...prod.aws, kubernetesVersion: "1.36" } }, day("2027-01-30")),
    ).toEqual([]);
    // An existing cluster brings its own version: only the database is the stack's.
    const existing = { ...prod, aws: { ...prod.aws, existingCluster: {} as never } };
    expect(rowsInUse(existing).map((r) => r.component)).toEqual(["postgresql"]);
    expect(rowsInUse({ ...prod, cloud: "k3s" })).toEqual([]);
  });

  test("pulumi up warns within 60 days and refuses past the date", () => {
    expect(deploymentCheck(prod, day("2026-12-03"))).toEqual({ refuse: [], warn: [] });
    const near = deploymentCheck(prod, day("2027-03-01"));
    expect(near.refuse).toEqual([]);
    expect(near.warn).toHaveLength(1);
    expect(near.warn[0]).toMatch(/^EKS Kubernetes 1\.35 .*in 26 days from 2027-03-01/);
    const past = deploymentCheck(prod, day("2027-03-27"));
    expect(past.warn).toEqual([]);
    expect(past.refuse[0]).toMatch(
      /^EKS Kubernetes 1\.35 \(ferrum:aws\.kubernetesVersion\): standard support ends today, 2027-03-27: EKS upgrades/,
    );
  });

  test("enforceSupportDates: warnings through the logger, one error for every version past its date", () => {
    const warned: string[] = [];
    enforceSupportDates(prod, day("2027-03-01"), (m) => warned.push(m));
    expect(warned).toHaveLength(1);
    let error: unknown;
    try {
      enforceSupportDates(prod, day("2027-04-01"), (m) => warned.push(m));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect((error as Error).message).toMatch(
      /^Versions past their end of standard support \(1\):\n {2}- EKS Kubernetes 1\.35 \(ferrum:aws\.kubernetesVersion\): standard support ended, 2027-03-27, 5 days before 2027-04-01/,
    );
  });

  test("the program checks the calendar under the real engine only, never under the mock runtime", async () => {
    const { result } = await underMocks(() => underRealEngine());
    expect(result).toBe(false);
  });
});
