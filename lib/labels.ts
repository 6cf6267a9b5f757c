/**
 * The labels every Kubernetes object carries (docs/design.md, "Labels") and the selector subset of them.
 * Selectors use only name, instance and component: they are immutable on Deployments and StatefulSets, so
 * they must never include a value that changes (a version, a chart revision).
 */
export type Component =
  | "web"
  | "worker"
  | "beat"
  | "migrate"
  | "database"
  | "database-bootstrap"
  | "database-backup"
  | "cache"
  | "cache-bootstrap"
  | "sentinel"
  | "object-store"
  | "object-store-bootstrap"
  | "network-policy"
  | "namespace"
  | "ingress"
  | "metrics"
  | "monitoring"
  | "event-bus"
  | "image-cache"
  | "image-pull";

export const PART_OF = "ferrum";

export interface LabelArgs {
  /** `app.kubernetes.io/name`: the application (a service's name, "postgres", "redis", ...). */
  readonly name: string;
  readonly component: Component;
  /** `app.kubernetes.io/instance`: the Pulumi component instance. */
  readonly instance?: string;
}

export function labels(args: LabelArgs): Record<string, string> {
  return {
    ...selectorLabels(args),
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

export function selectorLabels(args: LabelArgs): Record<string, string> {
  return {
    "app.kubernetes.io/name": args.name,
    ...(args.instance ? { "app.kubernetes.io/instance": args.instance } : {}),
    "app.kubernetes.io/component": args.component,
  };
}
