/**
 * DjangoService: one Django microservice on Kubernetes, with everything docs/design.md lists for it. It takes its
 * connections as typed inputs (components/connections.ts), so it is tested without the components that make
 * them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { METRICS_PATH } from "../../config/catalog";
import type { ServiceSettings } from "../../config/types";
import { Component, labels, selectorLabels } from "../../lib/labels";
import { invalidArguments, Problems } from "../../lib/problems";
import type {
  CacheConnection,
  DatabaseConnection,
  EmailConnection,
  PaymentsConnection,
  ServiceBinding,
  StorageConnection,
} from "../connections";
import { celeryDelivery } from "./delivery";
import { bindingProblems, renderEnv } from "./env";
import { beatPodSpec, PodInputs, WEB_MIN_READY_SECONDS, webPodSpec, workerPodSpec } from "./pods";
import { routeResources, RoutingArgs } from "./routing";
import { authParameters, type CeleryQueue, scaledObjectSpec, triggerAuthenticationSpec } from "./scaling";

/** What a worker Deployment scaled on queue length needs: KEDA installed, and where the queue lives. */
export interface QueueScaling {
  /** KEDA's Helm release: the ScaledObject and its TriggerAuthentication wait for its CRDs, nothing else does. */
  readonly keda: pulumi.Resource;
  readonly queue: CeleryQueue;
}

export interface DjangoServiceArgs {
  /** The service's catalog entry and settings (image, replicas, resources). */
  readonly service: ServiceSettings;
  /** The image to run instead of `service.image`, e.g. the digest of an image this stack built. @default service.image */
  readonly image?: pulumi.Input<string>;
  /** Pull secrets (`kubernetes.io/dockerconfigjson`) every pod of the service lists. @default - none */
  readonly imagePullSecrets?: readonly string[];
  /** The platform namespace the service's objects live in. */
  readonly namespace: string;
  /** Host the ingress serves the service's route prefix on. */
  readonly apiHost: string;
  /** The service's own database and its credentials Secret. */
  readonly database: DatabaseConnection;
  /** Redis for cache, Celery and events. @default - no Redis variables */
  readonly cache?: CacheConnection;
  /** The service's own bucket. @default - no storage variables */
  readonly storage?: StorageConnection;
  /** SMTP relay. @default - no email variables */
  readonly email?: EmailConnection;
  /**
   * YooKassa credentials; required exactly when the catalog says the service takes payments.
   * @default none - no YooKassa variables (refused when the catalog says the service takes payments)
   */
  readonly payments?: PaymentsConnection;
  /**
   * Further backing services' variables, by the backing's name (the opt-in EventBus hands over its NATS user):
   * rendered after the contract's own, which they may not set again. @default - none
   */
  readonly bindings?: Readonly<Record<string, ServiceBinding>>;
  /** How requests reach the web pods: a Traefik route under the service's prefix. */
  readonly routing: RoutingArgs;
  /** Create a ServiceMonitor for Prometheus Operator. @default false */
  readonly serviceMonitor?: boolean;
  /**
   * What the ServiceMonitor waits for: the release installing the Prometheus Operator's CRDs. Nothing else of
   * the service waits for it. @default - none
   */
  readonly monitoringCrds?: readonly pulumi.Resource[];
  /** Tempo's OTLP/HTTP endpoint, when tracing is on. @default - no OTEL variables */
  readonly tracing?: { readonly otlpHttpEndpoint: string };
  /**
   * KEDA and the queue; required exactly when the service runs Celery with `worker.kind: deployment`.
   * @default - the worker is a sidecar of the web pods
   */
  readonly queueScaling?: QueueScaling;
}

/** Every problem with the arguments: what the catalog says the service needs must be what was given. Pure. */
export function djangoServiceProblems(args: DjangoServiceArgs): Problems {
  const problems = new Problems();
  const s = args.service;
  if (s.payments !== (args.payments !== undefined)) {
    problems.report(
      `the catalog says payments=${s.payments}, but payments credentials were ${args.payments ? "" : "not "}given`,
    );
  }
  const ownWorker = s.celery && s.worker.kind === "deployment";
  if (ownWorker !== (args.queueScaling !== undefined)) {
    problems.report(
      `worker.kind is ${s.celery ? s.worker.kind : "none (no Celery)"}, but queue scaling was ${args.queueScaling ? "" : "not "}given`,
    );
  }
  for (const problem of bindingProblems(args.bindings ?? {})) problems.report(problem);
  return problems;
}

export class DjangoService extends pulumi.ComponentResource {
  public readonly web: k8s.apps.v1.Deployment;
  public readonly beat?: k8s.apps.v1.Deployment;
  /** The worker Deployment, with `worker.kind: deployment`. */
  public readonly worker?: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly configMap: k8s.core.v1.ConfigMap;
  public readonly secret: k8s.core.v1.Secret;
  /** In-cluster URL of the service. */
  public readonly clusterUrl: pulumi.Output<string>;
  /** Public URL through the ingress. */
  public readonly url: string;

  constructor(name: string, args: DjangoServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before anything registers, this component included.
    djangoServiceProblems(args).throwIfAny(invalidArguments("DjangoService", name));
    const s = args.service;
    super("ferrum:index:DjangoService", name, {}, opts);
    const ns = args.namespace;
    const meta = (component: Component) => ({ name: s.name, instance: name, component });
    const parent = { parent: this };

    const serviceName = s.name;
    const serviceFqdn = `${serviceName}.${ns}.svc.cluster.local`;
    const secretKey = new random.RandomPassword(
      `${name}-secret-key`,
      { length: 64, special: true, overrideSpecial: "!#%&*()-_=+[]{}<>:?" },
      parent,
    );
    const env = renderEnv({
      settingsModule: `${s.djangoPackage}.settings`,
      allowedHosts: [args.apiHost, serviceFqdn, `${serviceName}.${ns}.svc`, serviceName],
      scriptName: s.routePrefix,
      secretKey: secretKey.result,
      database: args.database,
      cache: args.cache,
      storage: args.storage,
      email: args.email,
      payments: args.payments,
      bindings: args.bindings,
      delivery: celeryDelivery(s.worker),
      tracing: args.tracing && { otlpHttpEndpoint: args.tracing.otlpHttpEndpoint, serviceName: s.name },
    });

    // Auto-named, so a change rolls the pods that read them.
    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { namespace: ns, labels: labels(meta("web")) }, data: env.config },
      parent,
    );
    this.secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      { metadata: { namespace: ns, labels: labels(meta("web")) }, type: "Opaque", stringData: env.secret },
      parent,
    );
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      {
        metadata: {
          name: serviceName,
          namespace: ns,
          labels: labels(meta("web")),
          annotations: args.storage?.serviceAccountAnnotations ?? {},
        },
        automountServiceAccountToken: false,
      },
      parent,
    );
    const pods: PodInputs = {
      service: s,
      image: args.image ?? s.image,
      configMapName: this.configMap.metadata.name,
      secretName: this.secret.metadata.name,
      serviceAccountName: serviceAccount.metadata.name,
      probeHost: serviceFqdn,
      imagePullSecrets: args.imagePullSecrets,
    };

    const webMeta = meta("web");
    this.web = new k8s.apps.v1.Deployment(
      `${name}-web`,
      {
        metadata: { name: `${serviceName}-web`, namespace: ns, labels: labels(webMeta) },
        spec: {
          // No `replicas`: the HPA owns the count, and server-side apply would fight it.
          minReadySeconds: WEB_MIN_READY_SECONDS,
          revisionHistoryLimit: 5,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          selector: { matchLabels: selectorLabels(webMeta) },
          template: {
            metadata: { labels: labels(webMeta) },
            spec: {
              ...webPodSpec(pods),
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: selectorLabels(webMeta) },
                },
              ],
            },
          },
        },
      },
      parent,
    );

    if (s.celery) {
      const beatMeta = meta("beat");
      // Beat must run exactly once: its own Deployment, one replica, Recreate (never two during a rollout).
      this.beat = new k8s.apps.v1.Deployment(
        `${name}-beat`,
        {
          metadata: { name: `${serviceName}-beat`, namespace: ns, labels: labels(beatMeta) },
          spec: {
            replicas: 1,
            revisionHistoryLimit: 5,
            strategy: { type: "Recreate" },
            selector: { matchLabels: selectorLabels(beatMeta) },
            template: { metadata: { labels: labels(beatMeta) }, spec: beatPodSpec(pods) },
          },
        },
        // Beat's schedule may need the migrations the web pods' initContainer applies (beat runs no
        // migrate step of its own): after the web Deployment is ready.
        { parent: this, dependsOn: [this.web] },
      );
    }

    if (args.queueScaling) {
      this.worker = this.queueScaledWorker(name, args.queueScaling, pods, meta("worker"), ns);
    }

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: serviceName, namespace: ns, labels: labels(webMeta) },
        spec: {
          type: "ClusterIP",
          selector: selectorLabels(webMeta),
          ports: [{ name: "http", port: 80, targetPort: "http" }],
        },
      },
      parent,
    );

    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-web`,
      {
        metadata: { name: `${serviceName}-web`, namespace: ns, labels: labels(webMeta) },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.web.metadata.name },
          minReplicas: s.minReplicas,
          maxReplicas: s.maxReplicas,
          // The web container's CPU only, so a busy Celery sidecar does not scale the web tier.
          metrics: [
            {
              type: "ContainerResource",
              containerResource: {
                name: "cpu",
                container: "web",
                target: { type: "Utilization", averageUtilization: s.targetCpuPercent },
              },
            },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      },
      parent,
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-web`,
      {
        metadata: { name: `${serviceName}-web`, namespace: ns, labels: labels(webMeta) },
        // maxUnavailable, not minAvailable: a service running one pod must not block node drains.
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(webMeta) } },
      },
      parent,
    );

    routeResources(
      name,
      {
        service: s,
        namespace: ns,
        apiHost: args.apiHost,
        serviceName: this.service.metadata.name,
        labels: labels(meta("ingress")),
        routing: args.routing,
      },
      this,
    );

    if (args.serviceMonitor) {
      new k8s.apiextensions.CustomResource(
        `${name}-service-monitor`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "ServiceMonitor",
          metadata: { name: serviceName, namespace: ns, labels: labels(webMeta) },
          spec: {
            selector: { matchLabels: selectorLabels(webMeta) },
            endpoints: [{ port: "http", path: METRICS_PATH, interval: "30s", scrapeTimeout: "10s" }],
          },
        },
        { ...parent, dependsOn: [...(args.monitoringCrds ?? [])] },
      );
    }

    this.clusterUrl = pulumi.interpolate`http://${this.service.metadata.name}.${ns}.svc.cluster.local`;
    // websecure is HTTPS whether Traefik or the load balancer in front of it ends TLS.
    const https = args.routing.tls !== undefined || args.routing.entryPoints.includes("websecure");
    this.url = `${https ? "https" : "http"}://${args.apiHost}${s.routePrefix}/`;
    this.registerOutputs({ url: this.url, clusterUrl: this.clusterUrl });
  }

  /**
   * The worker as its own Deployment, scaled by KEDA on the length of the service's Celery queue: a
   * ScaledObject (KEDA makes the HPA), a TriggerAuthentication and the Secret holding the Redis password.
   */
  private queueScaledWorker(
    name: string,
    scaling: QueueScaling,
    pods: PodInputs,
    workerMeta: { name: string; instance: string; component: Component },
    ns: string,
  ): k8s.apps.v1.Deployment {
    const s = pods.service;
    const worker = new k8s.apps.v1.Deployment(
      `${name}-worker`,
      {
        metadata: { name: `${s.name}-worker`, namespace: ns, labels: labels(workerMeta) },
        spec: {
          // No `replicas`: KEDA's HPA owns the count.
          revisionHistoryLimit: 5,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          selector: { matchLabels: selectorLabels(workerMeta) },
          template: { metadata: { labels: labels(workerMeta) }, spec: workerPodSpec(pods) },
        },
      },
      // Tasks may need the migrations the web pods' initContainer applies.
      { parent: this, dependsOn: [this.web] },
    );
    const password = scaling.queue.password;
    const authSecret = new k8s.core.v1.Secret(
      `${name}-queue-secret`,
      {
        metadata: { namespace: ns, labels: labels(workerMeta) },
        type: "Opaque",
        stringData: Object.fromEntries(
          authParameters(scaling.queue).map((k) => [k, pulumi.secret(password)]),
        ),
      },
      { parent: this },
    );
    // Only KEDA's own objects wait for KEDA: its CRDs must exist before they can be created.
    const afterKeda = { parent: this, dependsOn: [scaling.keda] };
    const authName = `${s.name}-queue`;
    new k8s.apiextensions.CustomResource(
      `${name}-queue-auth`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "TriggerAuthentication",
        metadata: { name: authName, namespace: ns, labels: labels(workerMeta) },
        spec: triggerAuthenticationSpec(scaling.queue, authSecret.metadata.name),
      },
      afterKeda,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-worker-scaler`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: `${s.name}-worker`, namespace: ns, labels: labels(workerMeta) },
        spec: scaledObjectSpec(scaling.queue, s.worker, worker.metadata.name, authName),
      },
      afterKeda,
    );
    return worker;
  }
}
