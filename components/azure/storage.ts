/**
 * Storage for the in-cluster data services on AKS (Redis with Sentinel, MinIO): a StorageClass of zone-
 * redundant Premium SSDs, so a volume survives the loss of its zone and its pod can be rescheduled in another
 * (a locally redundant disk pins a single-replica MinIO to one zone), retained when its claim is deleted; and
 * a VolumeSnapshotClass of incremental Azure disk snapshots, for the object store's backups (README).
 * Azure encrypts every managed disk and snapshot at rest. The CSI driver and the snapshot controller are
 * AKS add-ons, turned on in cluster.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { movedUnder } from "./network";

export const AZURE_DISK_CSI = "disk.csi.azure.com";
export const AZURE_STORAGE_CLASS = "ferrum-premium-zrs";
export const AZURE_SNAPSHOT_CLASS = "ferrum-azuredisk-snapshots";

const storageLabels = (name: string) => ({
  "app.kubernetes.io/part-of": "ferrum",
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/component": "storage",
});

export interface AzureStorageArgs {
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** What the classes wait for: the cluster (its CSI driver and snapshot controller) and the deployer's access. */
  readonly dependsOn: pulumi.Resource[];
}

export class AzureStorage extends pulumi.ComponentResource {
  /** The StorageClass and the VolumeSnapshotClass: what volume claims and snapshots wait for. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: AzureStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferrum:azure:Storage", name, {}, opts);
    const childOpts = { ...movedUnder(this), provider: args.provider, dependsOn: args.dependsOn };
    const storageClass = new k8s.storage.v1.StorageClass(
      `${name}-premium-zrs`,
      {
        metadata: { name: AZURE_STORAGE_CLASS, labels: storageLabels("azure-disk") },
        provisioner: AZURE_DISK_CSI,
        parameters: { skuName: "Premium_ZRS", "csi.storage.k8s.io/fstype": "ext4" },
        reclaimPolicy: "Retain",
        allowVolumeExpansion: true,
        volumeBindingMode: "WaitForFirstConsumer",
      },
      childOpts,
    );
    const snapshotClass = new k8s.apiextensions.CustomResource(
      `${name}-snapshots`,
      {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotClass",
        metadata: { name: AZURE_SNAPSHOT_CLASS, labels: storageLabels("azure-disk-snapshots") },
        driver: AZURE_DISK_CSI,
        // A snapshot outlives the VolumeSnapshot object that made it: deleting a namespace keeps the backups.
        deletionPolicy: "Retain",
        parameters: { incremental: "true" },
      },
      childOpts,
    );
    this.ready = [storageClass, snapshotClass];
    this.registerOutputs({});
  }
}
