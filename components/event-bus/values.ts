/**
 * The NATS chart's values: JetStream on a file store volume, auth on, the restricted security context.
 * Pure apart from the Secret's name (an Input). No password: see auth.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "../../lib/labels";
import { containerSecurityContext, podSecurityContext } from "../../lib/security";
import { natsAuthorization, natsPasswordEnv } from "./auth";

/** The uid NATS, its config reloader and its exporter run as (they share the process namespace). */
export const NATS_UID = 1000;

export interface NatsSettings {
  readonly services: readonly string[];
  readonly replicas: number;
  readonly storageGiB: number;
  readonly storageClass?: string;
  /** Name of the Secret holding every `NATS_PASSWORD_<SERVICE>`. */
  readonly passwordSecret: pulumi.Input<string>;
  readonly podMonitor: boolean;
}

/**
 * ferrum's part-of and component labels for the chart's pods. Not name or instance: the chart's selector uses
 * those, and overriding them would orphan its StatefulSet.
 */
export function natsPodLabels(): Record<string, string> {
  return { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "event-bus" };
}

/**
 * Share of each server's volume JetStream's file store may fill. Without a maximum the chart sets it to the
 * volume's size, and a full volume leaves no room for the store's own index and compaction files: the
 * server stops accepting writes with the disk, not with a clean "insufficient resources" answer.
 */
export const FILE_STORE_SHARE = 0.8;

/** `max_file_store`, in MiB (the chart hands the value to nats.conf unquoted; NATS reads `Mi` as MiB). */
export function fileStoreMaxMiB(storageGiB: number): number {
  return Math.floor(storageGiB * 1024 * FILE_STORE_SHARE);
}

export function natsValues(s: NatsSettings): Record<string, unknown> {
  const secure = { securityContext: containerSecurityContext() };
  return {
    config: {
      cluster: { enabled: s.replicas > 1, replicas: s.replicas },
      jetstream: {
        enabled: true,
        memoryStore: { enabled: false },
        fileStore: {
          enabled: true,
          dir: "/data",
          pvc: {
            enabled: true,
            size: `${s.storageGiB}Gi`,
            ...(s.storageClass ? { storageClassName: s.storageClass } : {}),
          },
          maxSize: `${fileStoreMaxMiB(s.storageGiB)}Mi`,
        },
      },
      monitor: { enabled: true },
      merge: { authorization: natsAuthorization(s.services) },
    },
    container: {
      env: Object.fromEntries(
        s.services.map((svc) => [
          natsPasswordEnv(svc),
          { valueFrom: { secretKeyRef: { name: s.passwordSecret, key: natsPasswordEnv(svc) } } },
        ]),
      ),
      merge: {
        ...secure,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
      },
    },
    reloader: {
      enabled: true,
      merge: {
        ...secure,
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
      },
    },
    promExporter: {
      enabled: true,
      podMonitor: { enabled: s.podMonitor },
      merge: {
        ...secure,
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
      },
    },
    // nats-box would hold a client context; the services need none of it.
    natsBox: { enabled: false },
    podTemplate: {
      merge: {
        metadata: { labels: natsPodLabels() },
        spec: { securityContext: podSecurityContext(NATS_UID) },
      },
    },
  };
}
