/**
 * Every version the clouds retire on a calendar, in one table: the Kubernetes minors each cloud may run, the
 * PostgreSQL majors of the managed databases, the node image, and what follows the Kubernetes minor (EKS
 * add-ons, the Cluster Autoscaler's image and chart, metrics-server). The program's defaults, its config
 * validation and its pins read from here; a test fails on a copy of one of these versions anywhere else.
 *
 * Each row says where its facts come from and when they were read. Nothing here was checked against a cloud
 * account: the dates are the providers' published calendars (README, "Versions and their support dates").
 * `lib/version-support.ts` turns the dates into the guardrail that fails 60 days before any of them.
 * Pure: no Pulumi engine, no clock.
 */

export type VersionCloud = "aws" | "azure";

/** What a row pins. */
export type VersionComponent =
  | "kubernetes"
  | "postgresql"
  | "node-image"
  | "eks-addon"
  | "cluster-autoscaler-image"
  | "cluster-autoscaler-chart"
  | "metrics-server-chart";

/** Where a fact was read, and when (ISO date). */
export interface VersionSource {
  readonly url: string;
  readonly read: string;
  /** What the source says, or what it does not, when that matters. */
  readonly note?: string;
}

interface RowBase {
  /** What is pinned, e.g. "kubernetes" or "eks-addon". */
  readonly component: VersionComponent;
  /** Which cloud's offering it is. */
  readonly cloud: VersionCloud;
  /** Human name of the offering, for messages: "EKS Kubernetes", "RDS for PostgreSQL". */
  readonly label: string;
  /** What the program pins (a minor, a major, a chart or image version, an AMI type). */
  readonly version: string;
  readonly sources: readonly VersionSource[];
}

/** A version with its own end of standard support (the provider's calendar). */
export interface ReleaseRow extends RowBase {
  readonly kind: "release";
  /** Last day of the provider's standard (community) support, ISO date, UTC. */
  readonly standardSupportEnds: string;
  /** The config key that selects it, when there is one (`aws.kubernetesVersion`). */
  readonly configKey?: string;
}

/** A version that moves with a Kubernetes minor of its cloud: it is good for as long as that minor is. */
export interface FollowerRow extends RowBase {
  readonly kind: "follower";
  /** The Kubernetes minor (of `cloud`) it belongs to. */
  readonly kubernetes: string;
  /** For add-ons: the EKS add-on name. */
  readonly addon?: string;
  /** Oldest Kubernetes minor it supports, when its project publishes one. */
  readonly minKubernetes?: string;
}

export type VersionRow = ReleaseRow | FollowerRow;

/** A follower row with the date of the minor it follows. */
export type ResolvedRow = VersionRow & { readonly standardSupportEnds: string };

const READ = "2026-12-03";

const EKS_CALENDAR: VersionSource = {
  url: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar",
  read: READ,
  note: "14 months of standard support from the EKS release, then 12 months of extended support at extra cost; a cluster whose upgrade policy is STANDARD is upgraded at the end of standard support. The stored copy of this page read here lists 1.35 as the newest row.",
};
const EKS_ENDOFLIFE: VersionSource = {
  url: "https://endoflife.date/amazon-eks",
  read: READ,
  note: "tracks AWS's calendar (snapshot of 2026-08-22): 1.36 released on EKS 2026-06-02, standard support to 2027-08-02; 1.35 to 2027-03-27",
};
const AKS_CALENDAR: VersionSource = {
  url: "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions#aks-kubernetes-release-calendar",
  read: READ,
  note: "12 months of community support from GA; past it AKS creates or keeps a version only as long-term support on the Premium tier. The calendar gives months only.",
};
const AKS_CHANGELOG: VersionSource = {
  url: "https://github.com/Azure/AKS/blob/master/CHANGELOG.md",
  read: READ,
  note: "release 2026-03-05: 1.35 GA; release 2026-06-19: 1.36 GA; release 2026-07-17: 1.33 only under LTS",
};
const AKS_ENDOFLIFE: VersionSource = {
  url: "https://endoflife.date/azure-kubernetes-service",
  read: READ,
  note: "exact days for AKS's month-only calendar (snapshot of 2026-08-22): 1.35 to 2027-03-31, 1.36 to 2027-06-30",
};
const AUTOSCALER: VersionSource = {
  url: "https://github.com/kubernetes/autoscaler/tree/cluster-autoscaler-chart-9.59.0/cluster-autoscaler/charts/cluster-autoscaler",
  read: READ,
  note: "chart 9.59.0 (2026-07-21) ships image v1.35.0 and the resource.k8s.io read rules 1.36 needs; the project recommends the image matching the control plane's minor (tags cluster-autoscaler-1.35.2 and -1.36.1, 2026-07-22). Newer patches after 2026-08-22 were not visible here.",
};

/** The table. Add a row before moving a stack to it; remove a row once no stack uses it. */
const ROWS: readonly VersionRow[] = [
  {
    kind: "release",
    component: "kubernetes",
    cloud: "aws",
    label: "EKS Kubernetes",
    version: "1.35",
    standardSupportEnds: "2027-03-27",
    configKey: "aws.kubernetesVersion",
    sources: [EKS_CALENDAR, EKS_ENDOFLIFE],
  },
  {
    kind: "release",
    component: "kubernetes",
    cloud: "aws",
    label: "EKS Kubernetes",
    version: "1.36",
    standardSupportEnds: "2027-08-02",
    configKey: "aws.kubernetesVersion",
    sources: [EKS_CALENDAR, EKS_ENDOFLIFE],
  },
  {
    kind: "release",
    component: "kubernetes",
    cloud: "azure",
    label: "AKS Kubernetes",
    version: "1.35",
    standardSupportEnds: "2027-03-31",
    configKey: "azure.kubernetesVersion",
    sources: [AKS_CALENDAR, AKS_CHANGELOG, AKS_ENDOFLIFE],
  },
  {
    kind: "release",
    component: "kubernetes",
    cloud: "azure",
    label: "AKS Kubernetes",
    version: "1.36",
    standardSupportEnds: "2027-06-30",
    configKey: "azure.kubernetesVersion",
    sources: [AKS_CALENDAR, AKS_CHANGELOG, AKS_ENDOFLIFE],
  },
  {
    kind: "release",
    component: "postgresql",
    cloud: "aws",
    label: "RDS for PostgreSQL",
    version: "16",
    standardSupportEnds: "2029-02-28",
    configKey: "aws.rds.engineVersion",
    sources: [
      {
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html",
        read: READ,
        note: "RDS publishes 17 and 18 as well; 16 stays the pin because the in-cluster server, the bootstrap Job's psql and every real-server test run PostgreSQL 16 (README)",
      },
      {
        url: "https://endoflife.date/amazon-rds-postgresql",
        read: READ,
        note: "16: RDS standard support to 2029-02-28, then RDS Extended Support to 2032-02-29 (snapshot of 2026-08-22)",
      },
    ],
  },
  {
    kind: "release",
    component: "postgresql",
    cloud: "azure",
    label: "Azure Database for PostgreSQL Flexible Server",
    version: "16",
    standardSupportEnds: "2028-11-09",
    sources: [
      {
        url: "https://learn.microsoft.com/azure/postgresql/configure-maintain/concepts-major-version-upgrade",
        read: READ,
        note: "Flexible Server supports 11 to 18; 16 is the pin for the same reason as on RDS",
      },
      {
        url: "https://endoflife.date/azure-database-for-postgresql",
        read: READ,
        note: "16: Azure standard support to 2028-11-09 (snapshot of 2026-08-22), read from Microsoft's version policy, learn.microsoft.com/azure/postgresql/configure-maintain/concepts-version-policy",
      },
    ],
  },
  {
    kind: "release",
    component: "node-image",
    cloud: "aws",
    label: "EKS node AMI type (Amazon Linux 2023)",
    version: "AL2023_x86_64_STANDARD",
    standardSupportEnds: "2029-06-30",
    sources: [
      {
        url: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-extended.html",
        read: READ,
        note: "AWS releases no EKS-optimized Amazon Linux 2 AMI for Kubernetes 1.33 and later; a node group's AMI release follows its Kubernetes version",
      },
      {
        url: "https://github.com/awslabs/amazon-eks-ami/issues/2545",
        read: READ,
        note: "the AL2 EKS AMIs reached end of support on 2025-11-26",
      },
      {
        url: "https://github.com/AshokBhat/notes/wiki/Amazon-Linux",
        read: READ,
        note: "secondary: Amazon Linux 2023 supported until 2029-06-30; AWS's own FAQ (aws.amazon.com/linux/amazon-linux-2023/faqs) was not in the store read here",
      },
    ],
  },
  ...["1.35", "1.36"].flatMap((minor): VersionRow[] =>
    ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"].map((addon) => ({
      kind: "follower" as const,
      component: "eks-addon" as const,
      cloud: "aws" as const,
      label: `EKS add-on ${addon}`,
      addon,
      kubernetes: minor,
      version: `EKS default build for ${minor}`,
      sources: [
        {
          url: "https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html",
          read: READ,
          note: "the program asks EKS for the add-on's default build for the cluster's minor (aws eks describe-addon-versions, through aws.eks.getAddonVersion) at preview time; the stored copies of the add-on pages list builds up to 1.34 only, so no build string is pinned here",
        },
      ],
    })),
  ),
  {
    kind: "follower",
    component: "cluster-autoscaler-image",
    cloud: "aws",
    label: "Cluster Autoscaler image",
    kubernetes: "1.35",
    version: "v1.35.2",
    sources: [AUTOSCALER],
  },
  {
    kind: "follower",
    component: "cluster-autoscaler-image",
    cloud: "aws",
    label: "Cluster Autoscaler image",
    kubernetes: "1.36",
    version: "v1.36.1",
    sources: [AUTOSCALER],
  },
  {
    kind: "follower",
    component: "cluster-autoscaler-chart",
    cloud: "aws",
    label: "cluster-autoscaler Helm chart",
    kubernetes: "1.36",
    version: "9.59.0",
    sources: [AUTOSCALER],
  },
  {
    kind: "follower",
    component: "metrics-server-chart",
    cloud: "aws",
    label: "metrics-server Helm chart",
    kubernetes: "1.36",
    minKubernetes: "1.31",
    version: "3.13.1",
    sources: [
      {
        url: "https://github.com/kubernetes-sigs/metrics-server/tree/metrics-server-helm-chart-3.13.1#compatibility-matrix",
        read: READ,
        note: "chart 3.13.1 ships metrics-server 0.8.1; 0.8.x supports Kubernetes 1.31 and later",
      },
    ],
  },
];

/** Versions that have left standard support: named in refusals, never selectable. */
export const RETIRED: readonly {
  readonly component: "kubernetes";
  readonly cloud: VersionCloud;
  readonly version: string;
  readonly standardSupportEnded: string;
}[] = [
  { component: "kubernetes", cloud: "aws", version: "1.33", standardSupportEnded: "2026-07-29" },
  { component: "kubernetes", cloud: "aws", version: "1.34", standardSupportEnded: "2026-12-02" },
  { component: "kubernetes", cloud: "azure", version: "1.33", standardSupportEnded: "2026-07-31" },
  { component: "kubernetes", cloud: "azure", version: "1.34", standardSupportEnded: "2026-11-30" },
];

/** Orders "1.9" < "1.10" < "16" numerically, part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The next minor or major after `version` ("1.36" -> "1.37", "16" -> "17"). */
export function nextVersion(version: string): string {
  const parts = version.split(".").map(Number);
  parts[parts.length - 1] += 1;
  return parts.join(".");
}

/** The release row a follower's dates come from. */
function kubernetesRow(rows: readonly VersionRow[], cloud: VersionCloud, minor: string): ReleaseRow {
  const row = rows.find(
    (r): r is ReleaseRow =>
      r.kind === "release" && r.component === "kubernetes" && r.cloud === cloud && r.version === minor,
  );
  if (!row)
    throw new Error(`lib/versions.ts: no ${cloud} Kubernetes ${minor} row for its followers to follow`);
  return row;
}

/** Every row with its end of standard support (followers take their Kubernetes minor's). */
export function versionTable(rows: readonly VersionRow[] = ROWS): ResolvedRow[] {
  return rows.map((r) =>
    r.kind === "release"
      ? r
      : { ...r, standardSupportEnds: kubernetesRow(rows, r.cloud, r.kubernetes).standardSupportEnds },
  );
}

/** The release rows of one component on one cloud, oldest first. */
export function releases(component: "kubernetes" | "postgresql", cloud: VersionCloud): ReleaseRow[] {
  return ROWS.filter(
    (r): r is ReleaseRow => r.kind === "release" && r.component === component && r.cloud === cloud,
  ).sort((a, b) => compareVersions(a.version, b.version));
}

/** The versions config may select for a component on a cloud, oldest first. */
export function allowedVersions(component: "kubernetes" | "postgresql", cloud: VersionCloud): string[] {
  return releases(component, cloud).map((r) => r.version);
}

/** The default: the newest version the table lists. */
export function defaultVersion(component: "kubernetes" | "postgresql", cloud: VersionCloud): string {
  const all = allowedVersions(component, cloud);
  if (!all.length) throw new Error(`lib/versions.ts: no ${component} row for ${cloud}`);
  return all[all.length - 1]!;
}

/** The one version a component pins for a Kubernetes minor (or the only row, for single pins). */
function pinFor(component: VersionComponent, cloud: VersionCloud, kubernetes?: string): string {
  const rows = ROWS.filter(
    (r) =>
      r.component === component &&
      r.cloud === cloud &&
      (kubernetes === undefined || (r.kind === "follower" && r.kubernetes === kubernetes)),
  );
  if (rows.length !== 1)
    throw new Error(
      `lib/versions.ts: expected one ${component} row for ${cloud}${kubernetes ? ` ${kubernetes}` : ""}, found ${rows.length}`,
    );
  return rows[0]!.version;
}

/** PostgreSQL major of the Flexible Server. */
export const FLEXIBLE_SERVER_POSTGRES_MAJOR = defaultVersion("postgresql", "azure");
/** AMI type of the EKS managed node group. */
export const EKS_NODE_AMI_TYPE = pinFor("node-image", "aws");
/** The cluster-autoscaler chart version. */
export const CLUSTER_AUTOSCALER_CHART_VERSION = pinFor("cluster-autoscaler-chart", "aws");
/** The metrics-server chart version. */
export const METRICS_SERVER_CHART_VERSION = pinFor("metrics-server-chart", "aws");

/** The Cluster Autoscaler image tag for an EKS minor (the project's image for that minor). */
export function clusterAutoscalerImageTag(kubernetesMinor: string): string {
  return pinFor("cluster-autoscaler-image", "aws", kubernetesMinor);
}

/** The EKS add-ons the cluster installs, as the table lists them. */
export const EKS_ADDONS: readonly string[] = [
  ...new Set(ROWS.flatMap((r) => (r.kind === "follower" && r.addon ? [r.addon] : []))),
];

/** The end of standard support of a selectable version, or undefined when the table does not list it. */
export function supportEnds(
  component: "kubernetes" | "postgresql",
  cloud: VersionCloud,
  version: string,
): string | undefined {
  return releases(component, cloud).find((r) => r.version === version)?.standardSupportEnds;
}

/** "1.35 (until 2027-03-27), 1.36 (until 2027-08-02)": what a refusal offers. */
export function describeAllowed(component: "kubernetes" | "postgresql", cloud: VersionCloud): string {
  // AKS calls its window community support; the others call theirs standard support.
  const support = component === "kubernetes" && cloud === "azure" ? "community" : "standard";
  return releases(component, cloud)
    .map((r) => `${r.version} (${support} support until ${r.standardSupportEnds})`)
    .join(", ");
}

/** A retired version's end date, for refusals. */
export function retiredOn(cloud: VersionCloud, version: string): string | undefined {
  return RETIRED.find((r) => r.cloud === cloud && r.version === version)?.standardSupportEnded;
}
