/**
 * Keda: the KEDA operator by its Helm chart, installed when a service's Celery worker is a Deployment scaled on
 * queue length (`ferrum:services.<name>.worker.kind: deployment`). It watches the platform's namespace only.
 * With Redis in the cluster, a NetworkPolicy admits the operator to the Redis and Sentinel pods (the namespace
 * denies every other ingress).
 *
 * Only KEDA's own objects (ScaledObjects, TriggerAuthentications) depend on `release`: its CRDs must exist
 * before they are created. Nothing else waits for KEDA.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../../lib/labels";
import { invalidArguments, Problems } from "../../lib/problems";
import { KEDA_CHART, KEDA_OPERATOR_LABELS, KEDA_RELEASE } from "./chart";

export interface KedaArgs {
  /** The platform's namespace: the only one KEDA watches. */
  readonly watchNamespace: string;
  /**
   * Redis pods in the platform's namespace that the operator must reach (in-cluster Redis with Sentinel).
   * @default - none: a managed cache is reached like any other endpoint outside the cluster
   */
  readonly redisPods?: {
    readonly matchLabels: Readonly<Record<string, string>>;
    readonly ports: readonly number[];
  };
}

/** The chart's values; every key exists in the pinned chart's values.yaml. */
export function kedaValues(a: KedaArgs): Record<string, unknown> {
  return {
    watchNamespace: a.watchNamespace,
    crds: { install: true },
    // Images are pinned by the chart's appVersion.
    image: { pullPolicy: "IfNotPresent" },
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Every problem with the arguments, at once. Pure. */
export function kedaProblems(args: KedaArgs): Problems {
  const problems = new Problems();
  if (!DNS_LABEL.test(args.watchNamespace))
    problems.report(`watchNamespace must be a namespace name (got ${JSON.stringify(args.watchNamespace)})`);
  const ports = args.redisPods?.ports;
  if (ports && (!ports.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)))
    problems.report(`redisPods.ports must list TCP ports from 1 to 65535 (got ${JSON.stringify(ports)})`);
  return problems;
}

export class Keda extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: KedaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before anything registers, this component included.
    kedaProblems(args).throwIfAny(invalidArguments("Keda", name));
    super("ferrum:index:Keda", name, {}, opts);
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: KEDA_RELEASE.name,
        chart: KEDA_CHART.chart,
        version: KEDA_CHART.version,
        repositoryOpts: { repo: KEDA_CHART.repo },
        namespace: KEDA_RELEASE.namespace,
        createNamespace: true,
        atomic: true,
        values: kedaValues(args),
      },
      { parent: this },
    );
    if (args.redisPods) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-to-redis`,
        {
          metadata: {
            name: "allow-keda-to-redis",
            namespace: args.watchNamespace,
            labels: labels({ name: "allow-keda-to-redis", component: "network-policy" }),
          },
          spec: {
            podSelector: { matchLabels: { ...args.redisPods.matchLabels } },
            policyTypes: ["Ingress"],
            ingress: [
              {
                from: [
                  {
                    namespaceSelector: {
                      matchLabels: { "kubernetes.io/metadata.name": KEDA_RELEASE.namespace },
                    },
                    podSelector: { matchLabels: { ...KEDA_OPERATOR_LABELS } },
                  },
                ],
                ports: args.redisPods.ports.map((port) => ({ protocol: "TCP", port })),
              },
            ],
          },
        },
        { parent: this },
      );
    }
    this.registerOutputs({ release: this.release.name });
  }
}
