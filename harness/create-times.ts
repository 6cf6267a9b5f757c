/**
 * Typical create times, in minutes, of the resources that take minutes: the table of issue 14 ("First
 * contact"), what a first `pulumi up` of each kind commonly takes in eu-central-1 / westeurope. An estimate
 * for comparing dependency graphs, not a promise: a real run varies by minutes either way.
 *
 * | resource                                                        | minutes |
 * | --------------------------------------------------------------- | ------- |
 * | EKS cluster                                                     | 10      |
 * | EKS node group                                                  | 4       |
 * | EKS add-on (CoreDNS and EBS CSI: 1.5, they wait for nodes)      | 1       |
 * | RDS instance, Multi-AZ                                          | 20      |
 * | ElastiCache replication group                                   | 12      |
 * | NAT gateway                                                     | 2       |
 * | AKS cluster                                                     | 8       |
 * | Flexible Server, zone-redundant HA                              | 15      |
 * | Flexible Server database or configuration                       | 0.75    |
 * | Azure Managed Redis                                             | 15      |
 * | Helm release of Traefik                                         | 3       |
 * | other Helm releases                                             | 1.5     |
 * | web Deployment                                                  | 3       |
 * | Redis and MinIO StatefulSets                                    | 3       |
 * | other Deployments and StatefulSets                              | 1.5     |
 * | Job                                                             | 1       |
 * | a wait (`time` provider's Sleep)                                | its own |
 * | anything else (IAM, subnets, Secrets, ConfigMaps, passwords...) | 0.05    |
 *
 * A local component takes no time (no provider creates it). The first rule that matches decides.
 */
import { isComponent, type GraphResource } from "./wait-graph";

/** Anything the table does not name: seconds (3 s), so a chain of them still shows. */
export const OTHER_RESOURCE_MINUTES = 0.05;

export interface CreateTimeRule {
  /** What the rule covers, as the output names it. */
  readonly what: string;
  readonly minutes: number;
  readonly types: readonly string[];
  /** The minutes read from the inputs (a Sleep's own duration) instead of `minutes`. */
  readonly minutesOf?: (inputs: Readonly<Record<string, unknown>>) => number;
  /** Narrows the types, by the resource's inputs; absent: every resource of the types. */
  readonly when?: (inputs: Readonly<Record<string, unknown>>, r: GraphResource) => boolean;
}

const field = (o: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
    o,
  );

/** A workload's `app.kubernetes.io/<key>` label (the object's own metadata). */
const appLabel = (inputs: Readonly<Record<string, unknown>>, key: string): unknown =>
  field(inputs, "metadata", "labels", `app.kubernetes.io/${key}`);

/** "traefik", "traefik/traefik" and "oci://.../traefik" are all the Traefik chart. */
const chartName = (inputs: Readonly<Record<string, unknown>>): string =>
  String(field(inputs, "chart") ?? "")
    .split("/")
    .pop()!;

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const HELM = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];
const EKS_ADDON = "aws:eks/addon:Addon";
const FLEXIBLE_SERVER = "azure-native:dbforpostgresql:Server";

export const CREATE_TIMES: readonly CreateTimeRule[] = [
  { what: "EKS cluster", minutes: 10, types: ["aws:eks/cluster:Cluster"] },
  { what: "EKS node group", minutes: 4, types: ["aws:eks/nodeGroup:NodeGroup"] },
  {
    what: "EKS add-on CoreDNS or EBS CSI",
    minutes: 1.5,
    types: [EKS_ADDON],
    when: (i) => ["coredns", "aws-ebs-csi-driver"].includes(String(i.addonName)),
  },
  { what: "EKS add-on", minutes: 1, types: [EKS_ADDON] },
  {
    what: "RDS Multi-AZ",
    minutes: 20,
    types: ["aws:rds/instance:Instance"],
    when: (i) => i.multiAz === true,
  },
  { what: "ElastiCache", minutes: 12, types: ["aws:elasticache/replicationGroup:ReplicationGroup"] },
  {
    what: "NAT gateway",
    minutes: 2,
    types: ["aws:ec2/natGateway:NatGateway", "azure-native:network:NatGateway"],
  },
  { what: "AKS cluster", minutes: 8, types: ["azure-native:containerservice:ManagedCluster"] },
  {
    what: "Flexible Server, zone-redundant HA",
    minutes: 15,
    types: [FLEXIBLE_SERVER],
    when: (i) => field(i, "highAvailability", "mode") === "ZoneRedundant",
  },
  {
    what: "Flexible Server database or configuration",
    minutes: 0.75,
    types: ["azure-native:dbforpostgresql:Database", "azure-native:dbforpostgresql:Configuration"],
  },
  { what: "Azure Managed Redis", minutes: 15, types: ["azure-native:redisenterprise:RedisEnterprise"] },
  { what: "Traefik release", minutes: 3, types: HELM, when: (i) => chartName(i) === "traefik" },
  { what: "Helm release", minutes: 1.5, types: HELM },
  {
    what: "web Deployment",
    minutes: 3,
    types: [DEPLOYMENT],
    when: (i, r) => r.name.endsWith("-web") || appLabel(i, "component") === "web",
  },
  {
    what: "Redis or MinIO StatefulSet",
    minutes: 3,
    types: [STATEFUL_SET],
    // Redis servers and their Sentinels (app.kubernetes.io/name redis), MinIO (minio).
    when: (i) => ["redis", "minio"].includes(String(appLabel(i, "name"))),
  },
  { what: "Deployment or StatefulSet", minutes: 1.5, types: [DEPLOYMENT, STATEFUL_SET] },
  { what: "Job", minutes: 1, types: ["kubernetes:batch/v1:Job"] },
  {
    what: "wait",
    minutes: 0,
    types: ["time:index/sleep:Sleep"],
    minutesOf: (i) => durationMinutes(String(i.createDuration ?? "0s")),
  },
];

/** `300s`, `5m`, `1m30s` (the time provider's durations) in minutes; 0 for anything else. */
export function durationMinutes(duration: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m || duration === "") return 0;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60;
}

export interface CreateTime {
  readonly minutes: number;
  /** The rule that matched, "component" or "other". */
  readonly what: string;
}

/** How long the engine takes to create `r`, from the table above. */
export function createTime(r: GraphResource, rules: readonly CreateTimeRule[] = CREATE_TIMES): CreateTime {
  if (isComponent(r)) return { minutes: 0, what: "component" };
  const inputs = r.inputs ?? {};
  const rule = rules.find((x) => x.types.includes(r.type) && (!x.when || x.when(inputs, r)));
  return rule
    ? { minutes: rule.minutesOf ? rule.minutesOf(inputs) : rule.minutes, what: rule.what }
    : { minutes: OTHER_RESOURCE_MINUTES, what: "other" };
}
