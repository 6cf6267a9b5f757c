/**
 * The dev stack: an existing single-node k3s cluster, everything in-cluster: PostgreSQL, Redis with
 * Sentinel and MinIO as StatefulSets, Traefik (bundled with k3s) routing the services' prefixes.
 */
import * as k8s from "@pulumi/kubernetes";
import type { LoadedConfig } from "../config";
import { inClusterRedis, platform, StackOutputs } from "./platform";

/** The cluster's provider: the configured kubeconfig and context, or the ambient ones. */
export function clusterProvider(config: LoadedConfig): k8s.Provider {
  return new k8s.Provider("k3s", {
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
    ...(config.kubeContext ? { context: config.kubeContext } : {}),
    enableServerSideApply: true,
  });
}

export function devStack(config: LoadedConfig): StackOutputs {
  const { postgres: pg, objectStore: os } = config;
  return platform({
    config,
    provider: clusterProvider(config),
    postgres: {
      kind: "inCluster",
      image: pg.image,
      storageGiB: pg.storageGiB,
      storageClass: pg.storageClass || undefined,
      resources: pg.resources,
      protect: config.protect,
    },
    redis: inClusterRedis(config),
    objectStore: {
      kind: "inCluster",
      image: os.image,
      clientImage: os.clientImage,
      storageGiB: os.storageGiB,
      storageClass: os.storageClass || undefined,
      resources: os.resources,
      region: os.region,
      noncurrentVersionDays: os.noncurrentVersionDays,
      rotation: os.rotation,
      protect: config.protect,
    },
    // k3s brings Traefik and its CRDs.
    traefik: [],
  });
}
