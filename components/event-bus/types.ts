/** EventBus's arguments; what it hands each service is a ServiceBinding (components/connections.ts). */
import type * as pulumi from "@pulumi/pulumi";

export interface EventBusArgs {
  /** Namespace of NATS: the platform's, so its NetworkPolicy admits the services and nothing else. */
  readonly namespace: string;
  /** One NATS user per service (catalog names). */
  readonly services: readonly string[];
  /** NATS servers: 1, or a JetStream cluster of 3 or more (a majority must survive a loss). @default 1 */
  readonly replicas?: number;
  /** Size of each server's JetStream file store volume. @default 10 */
  readonly storageGiB?: number;
  /** StorageClass of the file store volumes. @default - the cluster's default class */
  readonly storageClass?: string;
  /**
   * Namespace of Prometheus: when set, NATS's exporter gets a PodMonitor and that namespace is admitted to its
   * port. @default - no PodMonitor
   */
  readonly monitoringNamespace?: string;
  /**
   * With a PodMonitor: what renders its CRD (kube-prometheus-stack), which the release waits for. Nothing else
   * of the event bus does. @default - none
   */
  readonly monitoringCrds?: readonly pulumi.Resource[];
  /** `protect` the release (its StatefulSet and the streams' volumes). @default false */
  readonly protect?: boolean;
}
