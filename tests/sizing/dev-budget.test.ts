/**
 * The default dev stack fits the smallest node it supports (2 vCPUs, 4 GiB) beside k3s's own pods and
 * server and one rollout surge pod; every memory request of its servers stays at least the resident memory
 * a real one was measured holding (harness/sizing/resident-memory.json, from tests/sizing/resident-memory.real.test.ts);
 * and docs/runbooks/sizing-the-dev-node.md states the smallest node for each opt-in, as the plans with that
 * opt-in add up.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  budget,
  DEV_NODE,
  helmPods,
  K3S_SHARE,
  minimumNode,
  plannedPods,
  podRequests,
  RECORD_FILE,
  SIZED_SERVERS,
  type PlannedPods,
  type ResidentRecord,
} from "../../harness/dev-budget";
import { manifests, resourceEntries } from "../../harness/planner";
import { sharedPlan } from "../helpers/shared-plans";

/** The "Sizing the dev node" page: every table row, as its trimmed cells. */
const SECTION = readFileSync(path.join(__dirname, "../../docs/runbooks/sizing-the-dev-node.md"), "utf8");
const rows = SECTION.split("\n")
  .filter((l) => l.startsWith("|") && !/^\|\s*-/.test(l))
  .map((l) =>
    l
      .slice(1, -1)
      .split("|")
      .map((c) => c.trim()),
  );

/** Every pod of a plan: its workloads' and its Helm releases'. */
async function podsOf(stack: string, overrides: string[] = []): Promise<PlannedPods[]> {
  const plan = await sharedPlan(stack, overrides);
  const releases = (resourceEntries(plan) as any[]).filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
  return [
    ...plannedPods(manifests(plan) as any[]),
    ...releases.flatMap((r) => helmPods(r.inputs.chart, r.inputs.values)),
  ];
}

const table = (pods: readonly PlannedPods[]): string =>
  pods
    .map((p) => `${p.kind} ${p.name} ×${p.replicas}: ${p.perPod.cpuMillicores}m, ${p.perPod.memoryMiB} MiB`)
    .join("\n");

let devPods: PlannedPods[];
beforeAll(async () => {
  devPods = await podsOf("dev");
});

describe("the default dev stack on a 2-vCPU, 4 GiB node", () => {
  test("its pods, one rollout surge pod and k3s fit, CPU and memory", () => {
    const b = budget(devPods);
    const report = `${table(devPods)}\nsurge ${JSON.stringify(b.surge)}, k3s ${JSON.stringify(b.k3s)}, free ${JSON.stringify(b.free)}`;
    expect([report, b.free.cpuMillicores >= 0 && b.free.memoryMiB >= 0]).toEqual([report, true]);
    // The surge pod is the largest web pod (web container and Celery worker); beat pods recreate.
    expect(b.surge).toEqual(devPods.find((p) => p.name === "catalog-web")!.perPod);
    expect(DEV_NODE).toEqual({ cpuMillicores: 2000, memoryMiB: 4096 });
  });

  test("every dev memory request is at least the resident memory measured for its server", () => {
    const record = JSON.parse(readFileSync(RECORD_FILE, "utf8")) as ResidentRecord;
    const objects = manifestsOfDev;
    const short: string[] = [];
    let checked = 0;
    for (const [server, where] of Object.entries(SIZED_SERVERS)) {
      const pattern = new RegExp(`^${where.name.replace("*", "[a-z0-9-]+")}$`);
      for (const o of objects.filter((o) => o.kind === where.kind && pattern.test(o.metadata.name))) {
        const c = o.spec.template.spec.containers.find((c: any) => c.name === where.container);
        if (!c) continue;
        checked++;
        const request = podRequests({ containers: [c] }).memoryMiB;
        const resident = record.servers[server as keyof ResidentRecord["servers"]].residentMiB;
        if (request < resident) short.push(`${o.metadata.name}/${c.name}: ${request} MiB < ${resident} MiB`);
      }
    }
    // PostgreSQL, Redis data, Redis cache, Sentinel, 4 web containers, 2 workers, 2 beats.
    expect(checked).toBe(12);
    expect(short).toEqual([]);
  });
});

let manifestsOfDev: any[];
beforeAll(async () => {
  manifestsOfDev = manifests(await sharedPlan("dev")) as any[];
});

describe("docs (Sizing the dev node): what each server requests and was measured holding", () => {
  const ROWS: [string, keyof ResidentRecord["servers"]][] = [
    ["PostgreSQL", "postgres"],
    ["Redis data (each of 3)", "redis"],
    ["Redis cache (each of 2)", "redisCache"],
    ["Sentinel (each of 3)", "sentinel"],
    ["Django web (×4)", "web"],
    ["Celery worker (×2)", "worker"],
    ["Celery beat (×2)", "beat"],
  ];
  test("the sizing page's server table has one row per sized server, and the record holds every sized server", () => {
    const record = JSON.parse(readFileSync(RECORD_FILE, "utf8")) as ResidentRecord;
    expect(ROWS.map(([, server]) => server).sort()).toEqual(Object.keys(SIZED_SERVERS).sort());
    expect(Object.keys(record.servers).sort()).toEqual(Object.keys(SIZED_SERVERS).sort());
    // The server table: its rows are the ones whose request and measurement are both memory.
    const serverRows = rows.filter((r) => /MiB/.test(r[1]!) && /^\d+ MiB$/.test(r[2]!));
    expect(serverRows.map((r) => r[0]).sort()).toEqual(ROWS.map(([label]) => label).sort());
  });

  test.each(ROWS)("%s: the dev plan's request and the recorded measurement", (label, server) => {
    const record = JSON.parse(readFileSync(RECORD_FILE, "utf8")) as ResidentRecord;
    const where = SIZED_SERVERS[server];
    const pattern = new RegExp(`^${where.name.replace("*", "[a-z0-9-]+")}$`);
    const container = manifestsOfDev
      .filter((o) => o.kind === where.kind && pattern.test(o.metadata.name))
      .flatMap((o) => o.spec.template.spec.containers)
      .find((c: any) => c.name === where.container);
    const request = podRequests({ containers: [container] }).memoryMiB;
    const row = rows.find((r) => r[0] === label)!;
    expect([row[1]!.replace(/ \(.*\)$/, ""), row[2]]).toEqual([
      `${request} MiB`,
      `${record.servers[server].measuredMiB} MiB`,
    ]);
  });
});

describe("how pods add up", () => {
  const c = (cpu: string, memory: string, extra: Record<string, unknown> = {}) => ({
    resources: { requests: { cpu, memory } },
    ...extra,
  });

  test("a pod's request: its containers, or its largest init container, whichever is larger; sidecars add", () => {
    expect(podRequests({ containers: [c("100m", "96Mi"), c("50m", "128Mi")] })).toEqual({
      cpuMillicores: 150,
      memoryMiB: 224,
    });
    expect(
      podRequests({ containers: [c("100m", "96Mi")], initContainers: [c("1", "1Gi"), c("10m", "16Mi")] }),
    ).toEqual({ cpuMillicores: 1000, memoryMiB: 1024 });
    // A sidecar (an init container that keeps running) adds to the containers and to later init containers.
    expect(
      podRequests({
        containers: [c("100m", "100Mi")],
        initContainers: [c("10m", "10Mi", { restartPolicy: "Always" }), c("200m", "50Mi")],
      }),
    ).toEqual({ cpuMillicores: 210, memoryMiB: 110 });
  });

  test("Deployments at their HPA's minimum, StatefulSets at their replicas; only rolling Deployments surge", () => {
    const spec = { template: { spec: { containers: [c("100m", "64Mi")] } } };
    const pods = plannedPods([
      {
        kind: "Deployment",
        metadata: { name: "web" },
        spec: { ...spec, strategy: { rollingUpdate: { maxSurge: 1 } } },
      },
      {
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "web" },
        spec: { scaleTargetRef: { name: "web" }, minReplicas: 2 },
      },
      { kind: "Deployment", metadata: { name: "beat" }, spec: { ...spec, strategy: { type: "Recreate" } } },
      { kind: "StatefulSet", metadata: { name: "db" }, spec: { ...spec, replicas: 3 } },
      { kind: "Service", metadata: { name: "db" }, spec: {} },
    ]);
    expect(pods.map((p) => [p.name, p.replicas, p.surges])).toEqual([
      ["web", 2, true],
      ["beat", 1, false],
      ["db", 3, false],
    ]);
    const b = budget(pods, { cpuMillicores: 1000, memoryMiB: 1024 }, []);
    expect([b.pods, b.surge, b.free]).toEqual([
      { cpuMillicores: 600, memoryMiB: 384 },
      { cpuMillicores: 100, memoryMiB: 64 },
      { cpuMillicores: 300, memoryMiB: 576 },
    ]);
  });

  test("a Helm chart without a pod model is refused, saying where to add one", () => {
    expect(() => helmPods("keda", {})).toThrow(
      "no pod model for chart keda: add its pods to helmPods() in harness/dev-budget.ts",
    );
    expect(() => helmPods("tempo", { tempo: {} })).toThrow(
      "tempo: the values set no requests at tempo.resources",
    );
  });
});

describe("docs (Sizing the dev node): the node sizes", () => {
  test("k3s's share is stated as the budget counts it", () => {
    const stated = rows.filter((r) => K3S_SHARE.some((s) => s.name === r[0])).map((r) => r.slice(0, 3));
    expect(stated).toEqual(K3S_SHARE.map((s) => [s.name, `${s.cpuMillicores}m`, `${s.memoryMiB} MiB`]));
  });

  const OPT_INS: [string, string[]][] = [
    ["none (the default dev stack)", []],
    ["event bus", ["ferrum:eventBus.enabled=true"]],
    ["observability", ["ferrum:observability.enabled=true"]],
    [
      "observability with tracing",
      ["ferrum:observability.enabled=true", "ferrum:observability.tracing=true"],
    ],
    [
      "observability, tracing and event bus",
      [
        "ferrum:observability.enabled=true",
        "ferrum:observability.tracing=true",
        "ferrum:eventBus.enabled=true",
      ],
    ],
  ];

  test.each(OPT_INS)(
    "the minimum node with %s is the one the sizing page states",
    async (optIn, overrides) => {
      const pods = await podsOf("dev", overrides);
      const node = minimumNode(pods);
      expect(node).toBeDefined();
      const b = budget(pods);
      expect(rows.find((r) => r[0] === optIn)).toEqual([
        optIn,
        `${b.pods.cpuMillicores + b.surge.cpuMillicores}m`,
        `${Math.ceil(b.pods.memoryMiB + b.surge.memoryMiB)} MiB`,
        `${node!.vcpus} vCPUs, ${node!.memoryGiB} GiB`,
      ]);
    },
  );
});
