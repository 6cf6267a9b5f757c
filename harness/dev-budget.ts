/**
 * The node the default dev stack must fit, what k3s itself takes of it, and how a plan's pods add up.
 * Pure: tests/sizing/dev-budget.test.ts applies it to the dev plan; README ("Sizing the dev node") states it.
 *
 * The node: 2 vCPUs and 4 GiB, a laptop VM running single-node k3s. The scheduler places a pod when its
 * requests fit what the node's other pods have not requested, so every pod of the stack, one rollout surge
 * pod and k3s's own pods must fit together; k3s's server process (API server, controllers, kine/SQLite,
 * kubelet, containerd) is no pod but needs its memory too.
 */
import * as path from "node:path";

export const DEV_NODE = { cpuMillicores: 2000, memoryMiB: 4096 } as const;

export interface Share {
  readonly name: string;
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
  /** Where the figure comes from. */
  readonly source: string;
}

/**
 * k3s's share of the node. Its pods' requests are those of the manifests k3s ships (k3s-io/k3s,
 * `manifests/`); local-path-provisioner, Traefik (the HelmChart's values set no resources, nor does the
 * chart by default) and the service load balancer's pods request nothing.
 */
export const K3S_SHARE: readonly Share[] = [
  {
    name: "coredns",
    cpuMillicores: 100,
    memoryMiB: 70,
    source: "k3s manifests/coredns.yaml: requests cpu 100m, memory 70Mi",
  },
  {
    name: "metrics-server",
    cpuMillicores: 100,
    memoryMiB: 70,
    source: "k3s manifests/metrics-server/metrics-server-deployment.yaml: requests cpu 100m, memory 70Mi",
  },
  {
    name: "local-path-provisioner",
    cpuMillicores: 0,
    memoryMiB: 0,
    source: "k3s manifests/local-storage.yaml: no requests",
  },
  {
    name: "traefik",
    cpuMillicores: 0,
    memoryMiB: 0,
    source: "k3s manifests/traefik.yaml: its values set no resources",
  },
  {
    name: "svclb-traefik",
    cpuMillicores: 0,
    memoryMiB: 0,
    source: "k3s's service load balancer DaemonSet: no requests",
  },
  {
    name: "kubelet eviction threshold",
    cpuMillicores: 0,
    memoryMiB: 100,
    source: "the kubelet's default eviction-hard memory.available<100Mi, which k3s keeps",
  },
  {
    name: "k3s server process",
    cpuMillicores: 100,
    memoryMiB: 1522,
    source:
      "k3s docs, Resource Profiling: a K3s server with a workload needs 6% of a core and 1596 MB (1522 MiB)",
  },
];

/** A container's or pod's requests. */
export interface Requests {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

/** A CPU quantity (`250m`, `1`, `0.5`) in millicores. */
export function cpuMillicores(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(q));
  if (!m) throw new Error(`not a CPU quantity: ${q}`);
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

/** A memory quantity (`384Mi`, `1Gi`, `512M`, bytes) in MiB. */
export function memoryMiB(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const factor: Record<string, number> = {
    "": 1 / 1024 ** 2,
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    Ti: 1024 ** 2,
    k: 1000 / 1024 ** 2,
    M: 1000 ** 2 / 1024 ** 2,
    G: 1000 ** 3 / 1024 ** 2,
    T: 1000 ** 4 / 1024 ** 2,
  };
  return Number(m[1]) * factor[m[2] ?? ""]!;
}

interface ContainerLike {
  readonly name?: string;
  readonly restartPolicy?: string;
  readonly resources?: {
    readonly requests?: { readonly cpu?: string | number; readonly memory?: string | number };
  };
}

const requestsOf = (c: ContainerLike): Requests => ({
  cpuMillicores: cpuMillicores(c.resources?.requests?.cpu),
  memoryMiB: memoryMiB(c.resources?.requests?.memory),
});
const add = (a: Requests, b: Requests): Requests => ({
  cpuMillicores: a.cpuMillicores + b.cpuMillicores,
  memoryMiB: a.memoryMiB + b.memoryMiB,
});
const max = (a: Requests, b: Requests): Requests => ({
  cpuMillicores: Math.max(a.cpuMillicores, b.cpuMillicores),
  memoryMiB: Math.max(a.memoryMiB, b.memoryMiB),
});
const ZERO: Requests = { cpuMillicores: 0, memoryMiB: 0 };

/**
 * A pod's effective request, as the scheduler computes it: its containers plus its sidecars (init containers
 * with `restartPolicy: Always`, which keep running), or an init container's request plus the sidecars
 * started before it, whichever is larger.
 */
export function podRequests(spec: {
  readonly containers: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
}): Requests {
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const init of spec.initContainers ?? []) {
    if (init.restartPolicy === "Always") sidecars = add(sidecars, requestsOf(init));
    else initPeak = max(initPeak, add(requestsOf(init), sidecars));
  }
  const running = spec.containers.reduce((sum, c) => add(sum, requestsOf(c)), sidecars);
  return max(running, initPeak);
}

/** One workload's pods in a plan. */
export interface PlannedPods {
  readonly kind: string;
  readonly name: string;
  readonly replicas: number;
  readonly perPod: Requests;
  /** A Deployment whose rollout starts a new pod before an old one stops. */
  readonly surges: boolean;
}

interface PodSpecLike {
  readonly containers?: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
}

/** The fields of a planned Kubernetes object this module reads. */
export interface K8sObject {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    /** A CronJob that starts nothing by itself. */
    readonly suspend?: boolean;
    readonly replicas?: number;
    readonly parallelism?: number;
    readonly minReplicas?: number;
    readonly scaleTargetRef?: { readonly name?: string };
    readonly strategy?: {
      readonly type?: string;
      readonly rollingUpdate?: { readonly maxSurge?: number | string };
    };
    readonly template?: { readonly spec?: PodSpecLike };
    readonly jobTemplate?: { readonly spec?: { readonly template?: { readonly spec?: PodSpecLike } } };
  };
}

/**
 * Every pod the plan's workloads run at their starting size: a Deployment at its HPA's minReplicas (or its
 * replicas), a StatefulSet at its replicas, a Job's parallel pods, one pod per DaemonSet (one node) and per
 * CronJob run.
 */
export function plannedPods(objects: readonly K8sObject[]): PlannedPods[] {
  const minReplicas = new Map<string, number>();
  for (const o of objects.filter((o) => o.kind === "HorizontalPodAutoscaler"))
    minReplicas.set(o.spec?.scaleTargetRef?.name ?? "", o.spec?.minReplicas ?? 1);
  const pods: PlannedPods[] = [];
  for (const o of objects) {
    // A suspended CronJob (the restore template) never starts a pod by itself.
    if (o.kind === "CronJob" && o.spec?.suspend === true) continue;
    const template = o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
    const containers = template?.spec?.containers;
    if (!containers) continue;
    const name = o.metadata?.name ?? "";
    const replicas =
      o.kind === "Deployment"
        ? (o.spec?.replicas ?? minReplicas.get(name) ?? 1)
        : o.kind === "StatefulSet"
          ? (o.spec?.replicas ?? 1)
          : o.kind === "Job"
            ? (o.spec?.parallelism ?? 1)
            : 1;
    const surge = o.spec?.strategy?.rollingUpdate?.maxSurge;
    pods.push({
      kind: o.kind ?? "",
      name,
      replicas,
      perPod: podRequests({ containers, initContainers: template.spec?.initContainers }),
      surges:
        o.kind === "Deployment" && o.spec?.strategy?.type !== "Recreate" && surge !== 0 && surge !== "0%",
    });
  }
  return pods;
}

export interface Budget {
  /** Every pod of the plan at its starting size. */
  readonly pods: Requests;
  /** The largest pod a rollout adds before it removes one. */
  readonly surge: Requests;
  readonly k3s: Requests;
  readonly node: Requests;
  /** What is left: node - k3s - pods - surge (negative: does not fit). */
  readonly free: Requests;
}

export function budget(
  pods: readonly PlannedPods[],
  node: Requests = DEV_NODE,
  k3s: readonly Share[] = K3S_SHARE,
): Budget {
  const total = pods.reduce(
    (sum, p) =>
      add(sum, {
        cpuMillicores: p.perPod.cpuMillicores * p.replicas,
        memoryMiB: p.perPod.memoryMiB * p.replicas,
      }),
    ZERO,
  );
  const surge = pods.filter((p) => p.surges).reduce((m, p) => max(m, p.perPod), ZERO);
  const k3sTotal = k3s.reduce((sum, s) => add(sum, s), ZERO);
  const used = add(add(total, surge), k3sTotal);
  return {
    pods: total,
    surge,
    k3s: { cpuMillicores: k3sTotal.cpuMillicores, memoryMiB: k3sTotal.memoryMiB },
    node,
    free: {
      cpuMillicores: node.cpuMillicores - used.cpuMillicores,
      memoryMiB: node.memoryMiB - used.memoryMiB,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// What the real servers hold (tests/sizing/resident-memory.real.test.ts measures and records it)

/** The servers whose memory is measured, and the dev plan's container that runs each. */
export const SIZED_SERVERS = {
  postgres: { kind: "StatefulSet", name: "postgres", container: "postgres" },
  redis: { kind: "StatefulSet", name: "redis", container: "redis" },
  redisCache: { kind: "StatefulSet", name: "redis-cache", container: "redis" },
  sentinel: { kind: "StatefulSet", name: "redis-sentinel", container: "sentinel" },
  web: { kind: "Deployment", name: "*-web", container: "web" },
  worker: { kind: "Deployment", name: "*-web", container: "worker" },
  beat: { kind: "Deployment", name: "*-beat", container: "beat" },
} as const;
export type SizedServer = keyof typeof SIZED_SERVERS;

export interface ResidentRecord {
  readonly comment: string;
  readonly servers: Record<SizedServer, { residentMiB: number; measuredMiB: number; workload: string }>;
}

/** harness/sizing/resident-memory.json */
export const RECORD_FILE = path.resolve(__dirname, "sizing", "resident-memory.json");

// ---------------------------------------------------------------------------------------------------------
// Helm releases: their pods are not in the plan, so their requests are read from the values the program sets

const get = (values: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined),
      values,
    );

/** A pod of `containers`, each given by the values path of its `resources`. */
function chartPod(
  values: unknown,
  kind: string,
  name: string,
  replicas: number,
  resources: string[],
): PlannedPods {
  const containers = resources.map((p) => {
    const r = get(values, p) as ContainerLike["resources"];
    if (!r?.requests) throw new Error(`${name}: the values set no requests at ${p}`);
    return { resources: r };
  });
  return { kind, name, replicas, perPod: podRequests({ containers }), surges: false };
}

/**
 * The pods a Helm release runs on a one-node cluster, with the requests its values give them. Every pod of
 * the charts the program installs gets requests from the values (components/observability/values.ts,
 * components/event-bus/values.ts), so the sum is what the scheduler reserves. A chart without a model here
 * is refused: add its pods when adding the chart.
 */
export function helmPods(chart: string, values: unknown): PlannedPods[] {
  const v = values;
  switch (chart) {
    case "kube-prometheus-stack": {
      const reloader = "prometheusOperator.prometheusConfigReloader.resources";
      return [
        chartPod(v, "StatefulSet", "prometheus", 1, ["prometheus.prometheusSpec.resources", reloader]),
        chartPod(v, "StatefulSet", "alertmanager", 1, ["alertmanager.alertmanagerSpec.resources", reloader]),
        chartPod(v, "Deployment", "prometheus-operator", 1, ["prometheusOperator.resources"]),
        chartPod(v, "Job", "admission-webhook-patch", 1, [
          "prometheusOperator.admissionWebhooks.patch.resources",
        ]),
        // Grafana and its two sidecars (dashboards, data sources).
        chartPod(v, "Deployment", "grafana", 1, [
          "grafana.resources",
          "grafana.sidecar.resources",
          "grafana.sidecar.resources",
        ]),
        chartPod(v, "Deployment", "kube-state-metrics", 1, ["kube-state-metrics.resources"]),
        chartPod(v, "DaemonSet", "node-exporter", 1, ["prometheus-node-exporter.resources"]),
      ];
    }
    case "loki": {
      const pods = [chartPod(v, "Deployment", "loki-gateway", 1, ["gateway.resources"])];
      if (get(v, "deploymentMode") === "SingleBinary") {
        pods.push(
          chartPod(v, "StatefulSet", "loki", Number(get(v, "singleBinary.replicas")), [
            "singleBinary.resources",
            "sidecar.resources",
          ]),
        );
      } else {
        pods.push(
          chartPod(v, "StatefulSet", "loki-backend", Number(get(v, "backend.replicas")), [
            "backend.resources",
            "sidecar.resources",
          ]),
          chartPod(v, "Deployment", "loki-read", Number(get(v, "read.replicas")), ["read.resources"]),
          chartPod(v, "StatefulSet", "loki-write", Number(get(v, "write.replicas")), ["write.resources"]),
        );
      }
      return pods;
    }
    case "fluent-bit":
      return [chartPod(v, "DaemonSet", "fluent-bit", 1, ["resources"])];
    case "tempo":
      return [chartPod(v, "StatefulSet", "tempo", 1, ["tempo.resources"])];
    case "nats": {
      const replicas = get(v, "config.cluster.enabled") ? Number(get(v, "config.cluster.replicas")) : 1;
      return [
        chartPod(v, "StatefulSet", "nats", replicas, [
          "container.merge.resources",
          "reloader.merge.resources",
          "promExporter.merge.resources",
        ]),
      ];
    }
    default:
      throw new Error(`no pod model for chart ${chart}: add its pods to helmPods() in harness/dev-budget.ts`);
  }
}

/** Node sizes to pick the smallest fitting one from: vCPUs and GiB, as laptop VMs and cloud types come. */
export const NODE_SIZES: readonly { readonly vcpus: number; readonly memoryGiB: number }[] = [
  { vcpus: 2, memoryGiB: 4 },
  { vcpus: 2, memoryGiB: 8 },
  { vcpus: 4, memoryGiB: 8 },
  { vcpus: 4, memoryGiB: 16 },
  { vcpus: 8, memoryGiB: 16 },
  { vcpus: 8, memoryGiB: 32 },
];

/** The smallest node of {@link NODE_SIZES} the pods (with k3s and one surge pod) fit on. */
export function minimumNode(pods: readonly PlannedPods[]): { vcpus: number; memoryGiB: number } | undefined {
  return NODE_SIZES.find((n) => {
    const b = budget(pods, { cpuMillicores: n.vcpus * 1000, memoryMiB: n.memoryGiB * 1024 });
    return b.free.cpuMillicores >= 0 && b.free.memoryMiB >= 0;
  });
}
