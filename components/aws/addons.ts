/**
 * What an EKS cluster needs before the workloads run: the EBS CSI driver (every PVC: Postgres on k3s-like
 * setups, Redis, MinIO) with IRSA and a default encrypted gp3 StorageClass; metrics-server (HPAs read it);
 * the Cluster Autoscaler with IRSA, so the node group grows when the HPAs do. The EBS CSI add-on's build and the
 * autoscaler's image follow the cluster's Kubernetes minor; the charts are pinned in lib/versions.ts.
 */
import * as eksAws from "@pulumi/aws/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  CLUSTER_AUTOSCALER_CHART_VERSION,
  clusterAutoscalerImageTag,
  METRICS_SERVER_CHART_VERSION,
} from "../../lib/versions";
import { movedUnder } from "../moved";
import { irsaRole, IrsaIdentity } from "./irsa";

/** Pinned Helm charts (versions: lib/versions.ts). */
export const CHARTS = {
  metricsServer: {
    chart: "metrics-server",
    version: METRICS_SERVER_CHART_VERSION,
    repo: "https://kubernetes-sigs.github.io/metrics-server/",
  },
  clusterAutoscaler: {
    chart: "cluster-autoscaler",
    version: CLUSTER_AUTOSCALER_CHART_VERSION,
    repo: "https://kubernetes.github.io/autoscaler",
  },
} as const;

/**
 * The add-on build EKS installs by default for a Kubernetes minor, asked of EKS at preview time (aws eks
 * describe-addon-versions). An add-on follows the cluster's minor (kube-proxy must match it), so its version
 * moves with `ferrum:aws.kubernetesVersion`; `pulumi preview --diff` shows the build.
 */
export function eksAddonVersion(
  addonName: string,
  kubernetesVersion: string,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  return eksAws
    .getAddonVersionOutput({ addonName, kubernetesVersion, mostRecent: false }, opts)
    .apply((v) => v.version);
}

export const DEFAULT_STORAGE_CLASS = "gp3-encrypted";

/** What the Cluster Autoscaler may do: describe everything, resize only groups tagged for this cluster. */
export function clusterAutoscalerPolicy(clusterName: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
          "eks:DescribeNodegroup",
        ],
        Resource: "*",
      },
      {
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "*",
        Condition: {
          StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" },
        },
      },
    ],
  };
}

export interface AddonsArgs {
  /** The EKS cluster's name, as an output: the add-ons attach to it and wait for it. */
  readonly clusterName: pulumi.Input<string>;
  /** The plain cluster name (policies are rendered from it). */
  readonly clusterNameText: string;
  /** The stack's AWS region: the Cluster Autoscaler looks up its node groups there. */
  readonly region: string;
  /** The cluster's Kubernetes minor: the EBS CSI add-on and the Cluster Autoscaler image follow it. */
  readonly kubernetesVersion: string;
  /** The cluster's OIDC provider: the EBS CSI driver and the Cluster Autoscaler assume their roles through it. */
  readonly identity: IrsaIdentity;
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** What the Helm releases wait for: nodes to run on and cluster DNS. */
  readonly dependsOn: pulumi.Resource[];
  /** The node groups: all the EBS CSI add-on's controller needs (not cluster DNS). */
  readonly nodes: pulumi.Resource[];
  /** Tags of every AWS resource. */
  readonly tags: Record<string, string>;
}

/**
 * The cluster's storage, metrics and autoscaling (`ferrum:aws:ClusterAddons`): the EBS CSI add-on with its
 * role and the default gp3 StorageClass, metrics-server, and the Cluster Autoscaler with its role. Its children
 * were created at the stack's root before it existed: each keeps that URN by alias.
 */
export class ClusterAddons extends pulumi.ComponentResource {
  /** The EBS CSI add-on: volumes can be provisioned once it is active. */
  public readonly ebs: eksAws.Addon;
  /** The default StorageClass (gp3, encrypted, retained) every claim of the stack names. */
  public readonly storageClass: k8s.storage.v1.StorageClass;
  /** metrics-server's release: the HPAs read CPU through it. */
  public readonly metricsServer: k8s.helm.v3.Release;
  /** The Cluster Autoscaler's release: it resizes this cluster's node groups only. */
  public readonly autoscaler: k8s.helm.v3.Release;

  constructor(name: string, a: AddonsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ferrum:aws:ClusterAddons", name, {}, opts);
    const built = buildAddons(name, a, this);
    this.ebs = built.ebs;
    this.storageClass = built.storageClass;
    this.metricsServer = built.metricsServer;
    this.autoscaler = built.autoscaler;
    this.registerOutputs({});
  }
}

function buildAddons(name: string, a: AddonsArgs, parent: pulumi.Resource) {
  const moved = movedUnder(parent);
  const k8sOpts = { ...moved, provider: a.provider, dependsOn: a.dependsOn };

  const ebsRole = irsaRole(
    `${name}-ebs-csi`,
    {
      identity: a.identity,
      namespace: "kube-system",
      serviceAccount: "ebs-csi-controller-sa",
      description: "EBS CSI driver controller",
      policyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
      tags: a.tags,
    },
    moved,
  );
  const ebs = new eksAws.Addon(
    `${name}-ebs-csi`,
    {
      clusterName: a.clusterName,
      addonName: "aws-ebs-csi-driver",
      addonVersion: eksAddonVersion("aws-ebs-csi-driver", a.kubernetesVersion),
      serviceAccountRoleArn: ebsRole.arn,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      tags: a.tags,
    },
    { ...moved, dependsOn: a.nodes },
  );
  const storageClass = new k8s.storage.v1.StorageClass(
    `${name}-gp3`,
    {
      metadata: {
        name: DEFAULT_STORAGE_CLASS,
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        labels: {
          "app.kubernetes.io/part-of": "ferrum",
          "app.kubernetes.io/managed-by": "pulumi",
          "app.kubernetes.io/name": "ebs",
          "app.kubernetes.io/component": "storage",
        },
      },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
      reclaimPolicy: "Retain",
      allowVolumeExpansion: true,
      volumeBindingMode: "WaitForFirstConsumer",
    },
    { ...k8sOpts, dependsOn: [...a.dependsOn, ebs] },
  );

  const metricsServer = new k8s.helm.v3.Release(
    `${name}-metrics-server`,
    {
      chart: CHARTS.metricsServer.chart,
      version: CHARTS.metricsServer.version,
      repositoryOpts: { repo: CHARTS.metricsServer.repo },
      namespace: "kube-system",
      values: { replicas: 2, podDisruptionBudget: { enabled: true, maxUnavailable: 1 } },
      atomic: true,
    },
    k8sOpts,
  );

  const autoscalerRole = irsaRole(
    `${name}-cluster-autoscaler`,
    {
      identity: a.identity,
      namespace: "kube-system",
      serviceAccount: "cluster-autoscaler",
      description: "Cluster Autoscaler: resizes this cluster's node groups only",
      policy: JSON.stringify(clusterAutoscalerPolicy(a.clusterNameText)),
      tags: a.tags,
    },
    moved,
  );
  const autoscaler = new k8s.helm.v3.Release(
    `${name}-cluster-autoscaler`,
    {
      chart: CHARTS.clusterAutoscaler.chart,
      version: CHARTS.clusterAutoscaler.version,
      repositoryOpts: { repo: CHARTS.clusterAutoscaler.repo },
      namespace: "kube-system",
      values: {
        autoDiscovery: { clusterName: a.clusterNameText },
        awsRegion: a.region,
        // The image of the cluster's minor: the autoscaler simulates that scheduler (chart README).
        image: { tag: clusterAutoscalerImageTag(a.kubernetesVersion) },
        rbac: {
          serviceAccount: {
            create: true,
            name: "cluster-autoscaler",
            annotations: { "eks.amazonaws.com/role-arn": autoscalerRole.arn },
          },
        },
        extraArgs: {
          "balance-similar-node-groups": true,
          "skip-nodes-with-system-pods": false,
          expander: "least-waste",
        },
      },
      atomic: true,
    },
    k8sOpts,
  );
  return { ebs, storageClass, metricsServer, autoscaler };
}
