/**
 * EventBus (opt-in): NATS with JetStream by its pinned Helm chart, streams on a file store volume, auth on
 * with one user per service. Passwords come from `@pulumi/random` and reach the server only through a
 * Kubernetes Secret its container reads (see auth.ts); each service gets its own through `forService`.
 * Redis Streams (`EVENTS_REDIS_URL`) stay the default event transport.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { invalidArguments, Problems } from "../../lib/problems";
import { monitoringLabels } from "../observability/labels";
import { natsPasswordEnv } from "./auth";
import { NATS_CHART, NATS_CLIENT_PORT, NATS_EXPORTER_PORT, NATS_RELEASE } from "./charts";
import type { ServiceBinding } from "../connections";
import type { EventBusArgs } from "./types";
import { natsPodLabels, natsValues } from "./values";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Every problem with the arguments, at once. Pure. */
export function eventBusProblems(args: EventBusArgs): Problems {
  const problems = new Problems();
  const replicas = args.replicas ?? 1;
  const storageGiB = args.storageGiB ?? 10;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas === 2) {
    problems.report(
      `replicas must be 1 or at least 3 (got ${replicas}): a JetStream cluster needs a majority to survive the loss of a server`,
    );
  }
  if (!Number.isInteger(storageGiB) || storageGiB < 1)
    problems.report(`storageGiB must be a whole number of at least 1 (got ${storageGiB})`);
  if (!args.services.length) problems.report("services must name at least one service");
  const bad = args.services.filter((s, i) => !DNS_LABEL.test(s) || args.services.indexOf(s) !== i);
  if (bad.length)
    problems.report(`services must be unique DNS labels (got ${JSON.stringify(args.services)})`);
  return problems;
}

export class EventBus extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  /** The Secret the NATS server reads every service's password from. */
  public readonly passwordSecret: k8s.core.v1.Secret;
  /** `nats://nats.<namespace>.svc.cluster.local:4222` */
  public readonly url: pulumi.Output<string>;
  private readonly passwords: ReadonlyMap<string, pulumi.Output<string>>;

  constructor(name: string, args: EventBusArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before anything registers, this component included.
    eventBusProblems(args).throwIfAny(invalidArguments("EventBus", name));
    super("ferrum:index:EventBus", name, {}, opts);
    const parent = { parent: this };
    const ns = args.namespace;

    this.passwords = new Map(
      args.services.map((service) => [
        service,
        pulumi.secret(
          new random.RandomPassword(`${name}-${service}-password`, { length: 32, special: false }, parent)
            .result,
        ),
      ]),
    );
    // Auto-named: a changed password set gives a new name, so the release (and the servers) roll with it.
    this.passwordSecret = new k8s.core.v1.Secret(
      `${name}-passwords`,
      {
        metadata: {
          namespace: ns,
          labels: monitoringLabels({ name: "nats", instance: name, component: "event-bus" }),
        },
        type: "Opaque",
        stringData: Object.fromEntries([...this.passwords].map(([s, pw]) => [natsPasswordEnv(s), pw])),
      },
      parent,
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-nats`,
      {
        name: NATS_RELEASE,
        chart: NATS_CHART.chart,
        version: NATS_CHART.version,
        repositoryOpts: { repo: NATS_CHART.repo },
        namespace: ns,
        createNamespace: false,
        atomic: true,
        timeout: 600,
        values: natsValues({
          services: args.services,
          replicas: args.replicas ?? 1,
          storageGiB: args.storageGiB ?? 10,
          storageClass: args.storageClass,
          passwordSecret: this.passwordSecret.metadata.name,
          podMonitor: args.monitoringNamespace !== undefined,
        }),
      },
      // The chart renders a PodMonitor when monitored: the release (only) needs its CRD.
      {
        parent: this,
        dependsOn: [this.passwordSecret, ...(args.monitoringCrds ?? [])],
        protect: args.protect ?? false,
      },
    );

    if (args.monitoringNamespace !== undefined) {
      const policy = "allow-monitoring-to-nats";
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy}`,
        {
          metadata: {
            name: policy,
            namespace: ns,
            labels: monitoringLabels({ name: policy, instance: name, component: "network-policy" }),
          },
          spec: {
            podSelector: { matchLabels: natsPodLabels() },
            policyTypes: ["Ingress"],
            ingress: [
              {
                from: [
                  {
                    namespaceSelector: {
                      matchLabels: { "kubernetes.io/metadata.name": args.monitoringNamespace },
                    },
                  },
                ],
                ports: [{ protocol: "TCP", port: NATS_EXPORTER_PORT }],
              },
            ],
          },
        },
        parent,
      );
    }

    this.url = pulumi.output(`nats://${NATS_RELEASE}.${ns}.svc.cluster.local:${NATS_CLIENT_PORT}`);
    this.registerOutputs({ url: this.url });
  }

  /**
   * One service's binding (docs/reference/env-contract.md): `NATS_URL` in its ConfigMap, its own user
   * `NATS_USER` (its name) and `NATS_PASSWORD` in its Secret.
   */
  forService(service: string): ServiceBinding {
    const password = this.passwords.get(service);
    if (!password)
      throw new Error(`EventBus has no user for ${service}; it has ${[...this.passwords.keys()].join(", ")}`);
    return {
      config: { NATS_URL: this.url },
      secret: { NATS_USER: pulumi.secret(service), NATS_PASSWORD: password },
    };
  }
}
