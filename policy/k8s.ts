/**
 * Reading Kubernetes objects as resource inputs: where a workload keeps its pod spec, its containers (and
 * which of them run for the pod's lifetime), its namespace and its pods' labels. Pure.
 */
import { arr, at, obj, str, type GuardedResource } from "./resource";

/** Where each workload type keeps its pod template's spec. */
const POD_SPEC_PATHS: Readonly<Record<string, string>> = {
  "kubernetes:apps/v1:Deployment": "spec.template.spec",
  "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
  "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
  "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
  "kubernetes:batch/v1:Job": "spec.template.spec",
  "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
  "kubernetes:core/v1:Pod": "spec",
};

/** Workloads that run to completion: their containers need no probes. */
const RUN_TO_COMPLETION = new Set(["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"]);

export function isWorkload(type: string): boolean {
  return type in POD_SPEC_PATHS;
}

/** The pod spec of a workload, or undefined for other types. */
export function podSpec(r: Pick<GuardedResource, "type" | "props">): Record<string, unknown> | undefined {
  const path = POD_SPEC_PATHS[r.type];
  return path ? obj(at(r.props, path)) : undefined;
}

/** Labels of the pods a workload creates. */
export function podLabels(r: Pick<GuardedResource, "type" | "props">): Record<string, unknown> {
  if (r.type === "kubernetes:core/v1:Pod") return obj(at(r.props, "metadata.labels")) ?? {};
  const path = POD_SPEC_PATHS[r.type];
  if (!path) return {};
  return obj(at(r.props, `${path.replace(/\.spec$/, "")}.metadata.labels`)) ?? {};
}

export interface ContainerRef {
  /** The container's name (or `#<index>` when it has none). */
  readonly name: string;
  /** `initContainers` or `containers`. */
  readonly list: "initContainers" | "containers";
  /** Whether it runs for the pod's lifetime (a main container of a long-running workload, or a sidecar). */
  readonly longRunning: boolean;
  readonly spec: Record<string, unknown>;
}

/** Every init and main container of a workload, each marked long-running or not. */
export function containers(r: Pick<GuardedResource, "type" | "props">): ContainerRef[] {
  const pod = podSpec(r);
  if (!pod) return [];
  const completes = RUN_TO_COMPLETION.has(r.type);
  const refs: ContainerRef[] = [];
  for (const list of ["initContainers", "containers"] as const) {
    arr(pod[list]).forEach((c, i) => {
      const spec = obj(c) ?? {};
      // A native sidecar is an init container with restartPolicy Always: it runs beside the main ones.
      const sidecar = list === "initContainers" && spec.restartPolicy === "Always";
      refs.push({
        name: str(spec.name) ?? `#${i}`,
        list,
        longRunning: !completes && (list === "containers" || sidecar),
        spec,
      });
    });
  }
  return refs;
}

/** The namespace of a namespaced object (`default` when unset), or undefined when it is not known yet. */
export function namespaceOf(props: Readonly<Record<string, unknown>>): string | undefined {
  const ns = at(props, "metadata.namespace");
  if (ns === undefined) return "default";
  return str(ns);
}

/** The object's name in the cluster (metadata.name), falling back to the Pulumi name. */
export function objectName(r: Pick<GuardedResource, "name" | "props">): string {
  return str(at(r.props, "metadata.name")) ?? r.name;
}

interface LabelSelector {
  readonly matchLabels?: Record<string, unknown>;
  readonly matchExpressions?: unknown[];
}

/** Whether a label selector (`{}` selects everything) selects pods carrying `labels`. */
export function selects(selector: unknown, labels: Record<string, unknown>): boolean {
  const s = obj(selector) as LabelSelector | undefined;
  if (!s) return false;
  for (const [k, v] of Object.entries(obj(s.matchLabels) ?? {})) if (labels[k] !== v) return false;
  for (const e of arr(s.matchExpressions)) {
    const x = obj(e) ?? {};
    const key = str(x.key) ?? "";
    const values = arr(x.values);
    const has = key in labels;
    switch (x.operator) {
      case "In":
        if (!has || !values.includes(labels[key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
