/**
 * The data volume of an in-cluster stateful server (PostgreSQL, Redis, MinIO) and the resource options that
 * keep it: one ReadWriteOnce claim template named `data`, and `protect` + `retainOnDelete` together, since the
 * claim template is immutable and the data must outlive a mistaken delete.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

export interface DataVolume {
  readonly storageGiB: number;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
}

export function dataVolumeClaim(
  volume: DataVolume,
  labels: Record<string, string>,
): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name: "data", labels },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(volume.storageClass ? { storageClassName: volume.storageClass } : {}),
      resources: { requests: { storage: `${volume.storageGiB}Gi` } },
    },
  };
}

export function statefulOptions(
  opts: pulumi.CustomResourceOptions,
  protect: boolean,
): pulumi.CustomResourceOptions {
  return { ...opts, protect, retainOnDelete: protect };
}
