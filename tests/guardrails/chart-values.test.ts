/**
 * Every value the program hands a Helm chart is one that chart reads. The lists of tools/chart-values/lists/ hold every
 * value path of each pinned chart@version (extracted from the chart at its tag by tools/chart-values.ts);
 * this walks the `values` of every Helm release in the plans of all three stacks, as committed and with every
 * opt-in on, and fails on any path the chart's list does not have, naming it. A release whose chart@version
 * has no list fails too: adding a chart, or bumping a pin, means adding its list.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { lokiValues, tempoValues } from "../../components/observability/values";
import { CHARTS as AWS_CHARTS } from "../../components/aws/addons";
import { TRAEFIK_CHART } from "../../components/cluster/traefik";
import { NATS_CHART } from "../../components/event-bus/charts";
import { OBSERVABILITY_CHARTS } from "../../components/observability/charts";
import { LISTS_DIR } from "../../tools/chart-values";
import {
  MissingListError,
  parseList,
  unknownPaths,
  type ChartValueList,
} from "../../tools/chart-values/paths";
import { BACKING_KEYS } from "../../config/backings";
import { type PlanResult } from "../../harness/planner";
import { sharedPlan } from "../helpers/shared-plans";

const RELEASE = "kubernetes:helm.sh/v3:Release";

function readLists(): Map<string, ChartValueList> {
  const lists = new Map<string, ChartValueList>();
  for (const file of readdirSync(LISTS_DIR).filter((f) => f.endsWith(".txt"))) {
    const chart = file.slice(0, -".txt".length);
    lists.set(chart, parseList(chart, readFileSync(path.join(LISTS_DIR, file), "utf8")));
  }
  return lists;
}
const lists = readLists();

/**
 * Every opt-in of a stack on: observability with tracing, the event bus (as a cluster), the managed cache,
 * queue-scaled workers (KEDA), and on dev the ACME certificate (cert-manager) the clouds have already.
 */
const OPT_INS: Record<string, string[]> = {
  dev: [
    "ferrum:observability.enabled=true",
    "ferrum:observability.tracing=true",
    "ferrum:eventBus.enabled=true",
    "ferrum:services.catalog.worker.kind=deployment",
    'ferrum:tls={"source":"acme","acmeEmail":"platform@ferrum.example"}',
  ],
  prod: [
    "ferrum:observability.enabled=true", // Loki on S3: the object-storage path
    "ferrum:observability.tracing=true",
    "ferrum:eventBus.enabled=true",
    "ferrum:eventBus.replicas=3",
    "ferrum:aws.cache=elasticache",
    "ferrum:services.catalog.worker.kind=deployment",
  ],
  "prod-azure": [
    "ferrum:observability.enabled=true",
    "ferrum:observability.tracing=true",
    "ferrum:eventBus.enabled=true",
    "ferrum:eventBus.replicas=3",
    "ferrum:azure.cache=azureManagedRedis",
    "ferrum:services.catalog.worker.kind=deployment",
  ],
};

interface Release {
  readonly plan: string;
  readonly name: string;
  readonly chart: string;
  readonly values: unknown;
}

const releases: Release[] = [];

beforeAll(async () => {
  for (const [stack, optIns] of Object.entries(OPT_INS)) {
    for (const [label, overrides] of [
      [stack, []],
      [`${stack} with every opt-in`, optIns],
    ] as const) {
      const plan: PlanResult = await sharedPlan(stack, overrides);
      for (const r of plan.resources.filter((r) => r.type === RELEASE)) {
        releases.push({
          plan: label,
          name: r.name,
          chart: `${String(r.inputs.chart)}@${String(r.inputs.version)}`,
          values: r.inputs.values ?? {},
        });
      }
    }
  }
}, 120_000);

test("every stack's opt-ins turn every backing service on, so the walk covers their charts", () => {
  for (const overrides of Object.values(OPT_INS))
    for (const key of BACKING_KEYS) expect(overrides).toContain(`ferrum:${key}.enabled=true`);
});

test("the plans install every chart the program pins (so the walk below covers them all)", () => {
  const pinned = [
    ...Object.values(OBSERVABILITY_CHARTS),
    NATS_CHART,
    TRAEFIK_CHART,
    ...Object.values(AWS_CHARTS),
  ].map((c) => `${c.chart}@${c.version}`);
  const installed = new Set(releases.map((r) => r.chart));
  expect(pinned.filter((c) => !installed.has(c))).toEqual([]);
});

test("every Helm release's chart@version has a value list", () => {
  const missing = [...new Set(releases.map((r) => r.chart))].filter((c) => !lists.has(c));
  expect(missing).toEqual([]);
});

test("every values path of every Helm release is one its pinned chart reads", () => {
  const problems = releases.flatMap((r) =>
    unknownPaths(lists, r.chart, r.values).map((p) => `${r.plan}: release ${r.name} (${r.chart}) sets ${p}`),
  );
  expect(problems).toEqual([]);
});

test("Loki's values on every log storage (the Azure Blob path is wired in no stack yet) are the chart's", () => {
  const loki = `${OBSERVABILITY_CHARTS.loki.chart}@${OBSERVABILITY_CHARTS.loki.version}`;
  const storages = [
    { kind: "filesystem" as const, storageGiB: 10 },
    { kind: "s3" as const, bucket: "logs", region: "eu-central-1", roleArn: "arn:aws:iam::1:role/loki" },
    { kind: "azureBlob" as const, storageAccount: "acct", container: "logs", clientId: "id" },
  ];
  for (const storage of storages) {
    expect(unknownPaths(lists, loki, lokiValues({ storage, retentionDays: 14 }))).toEqual([]);
  }
  const tempo = `${OBSERVABILITY_CHARTS.tempo.chart}@${OBSERVABILITY_CHARTS.tempo.version}`;
  expect(unknownPaths(lists, tempo, tempoValues({ retentionHours: 72, storageGiB: 10 }))).toEqual([]);
});

test("a path a chart does not read is named, with the release and the chart", () => {
  const loki = "loki@6.42.0";
  expect(
    unknownPaths(lists, loki, { write: { persistence: { enabled: true, volumeClaimsEnabled: true } } }),
  ).toEqual(["write.persistence.enabled"]);
  // Free-form maps take any key; a dependency's values are checked against its own list.
  expect(
    unknownPaths(lists, "kube-prometheus-stack@77.13.0", {
      grafana: { "grafana.ini": { anything: { goes: 1 } }, admin: { existingSecret: "s", nosuchKey: 1 } },
      commonLabels: { "team.example.com/owner": "x" },
    }),
  ).toEqual(["grafana.admin.nosuchKey"]);
});

test("a chart without a list fails, saying how to add one", () => {
  expect(() => unknownPaths(lists, "keda@2.17.0", { operator: { replicaCount: 1 } })).toThrow(
    MissingListError,
  );
  expect(() => unknownPaths(lists, "keda@2.17.0", {})).toThrow(
    "no value list for chart keda@2.17.0: add tools/chart-values/lists/keda@2.17.0.txt with `npm run chart-values -- <chart directory>",
  );
  // Reaching into a dependency without a list fails the same way; the rest of the chart does not need it.
  expect(() =>
    unknownPaths(lists, "kube-prometheus-stack@77.13.0", { "prometheus-windows-exporter": { replicas: 2 } }),
  ).toThrow(
    "no value list for chart prometheus-windows-exporter@0.12.* (a dependency of kube-prometheus-stack@77.13.0)",
  );
});

test("each list names its source: repository, commit and chart path", () => {
  for (const [chart, list] of lists) {
    expect([chart, list.header.find((h) => h.startsWith("Source: "))]).toEqual([
      chart,
      expect.stringMatching(
        /^Source: https:\/\/github\.com\/[\w.-]+\/[\w.-]+ at [0-9a-f]{40}( \(tag \S+\))?, \S+$/,
      ),
    ]);
  }
});
