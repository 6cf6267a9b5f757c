/**
 * The in-cluster S3 server (k3s, or any cluster without a cloud object store): MinIO as a one-replica
 * StatefulSet with a PersistentVolumeClaim for /data, behind a ClusterIP Service that exposes the S3 API only,
 * and the public route to that API (route.ts). The web console is switched off; the root credential is
 * generated and lives in a Secret.
 *
 * Neither MINIO_DOMAIN nor MINIO_SERVER_URL is set: without MINIO_DOMAIN the server takes path-style requests
 * only (what the clients are told, AWS_S3_ADDRESSING_STYLE=path), and it checks each signature against the Host
 * header it receives, which the route keeps. MINIO_SERVER_URL only names the server to its console, event
 * notifications and object lambdas, none of which runs here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labels, selectorLabels } from "../../lib/labels";
import { containerSecurityContext, podSecurityContext, resources } from "../../lib/security";
import { ROOT_PASSWORD_ENV, ROOT_USER_ENV } from "./bootstrap-script";
import { DEFAULT_OBJECT_STORE_RESOURCES, DEFAULT_REGION } from "../../config/defaults";
import { inClusterEndpoint, S3_PORT, SERVER_NAME } from "./naming";
import { publicEndpointUrl, publicRoute } from "./route";
import type { InClusterObjectStore, StorageServer } from "./types";
import { dataVolumeClaim, statefulOptions } from "../../lib/volumes";

/** Any non-root uid works: the server only needs its volume (owned through fsGroup) and /tmp. */
const MINIO_UID = 1000;

export const HEALTH_PATHS = { liveness: "/minio/health/live", readiness: "/minio/health/ready" } as const;

/** The server and what the bootstrap Job needs to administer it. */
export interface InClusterServer extends StorageServer {
  /** Secret holding `MINIO_ROOT_USER` and `MINIO_ROOT_PASSWORD`; the Job reads it by key. */
  readonly rootSecret: k8s.core.v1.Secret;
  /** Secret. */
  readonly rootUser: pulumi.Output<string>;
  /** Secret. */
  readonly rootPassword: pulumi.Output<string>;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly service: k8s.core.v1.Service;
}

export function inClusterServer(
  name: string,
  backend: InClusterObjectStore,
  namespace: string,
  parent: pulumi.Resource,
): InClusterServer {
  const meta = { name: SERVER_NAME, instance: name, component: "object-store" as const };
  const opts = { parent };
  const region = backend.region ?? DEFAULT_REGION;

  // RandomPassword, not RandomString, for the user too: its result is secret in state.
  const rootUser = new random.RandomPassword(
    `${name}-root-user`,
    { length: 20, special: false, upper: false },
    opts,
  );
  const rootPassword = new random.RandomPassword(
    `${name}-root-password`,
    { length: 40, special: false },
    opts,
  );
  const rootSecret = new k8s.core.v1.Secret(
    `${name}-root`,
    {
      metadata: { namespace, labels: labels(meta) },
      type: "Opaque",
      stringData: {
        [ROOT_USER_ENV]: pulumi.secret(rootUser.result),
        [ROOT_PASSWORD_ENV]: pulumi.secret(rootPassword.result),
      },
    },
    opts,
  );

  const service = new k8s.core.v1.Service(
    `${name}-service`,
    {
      metadata: { name: SERVER_NAME, namespace, labels: labels(meta) },
      spec: {
        type: "ClusterIP",
        selector: selectorLabels(meta),
        ports: [{ name: "s3", protocol: "TCP", port: S3_PORT, targetPort: "s3" }],
      },
    },
    opts,
  );

  const fromRoot = (key: string) => ({
    name: key,
    valueFrom: { secretKeyRef: { name: rootSecret.metadata.name, key } },
  });
  const probe = (path: string) => ({ httpGet: { path, port: "s3", scheme: "HTTP" }, timeoutSeconds: 5 });
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${name}-server`,
    {
      metadata: { name: SERVER_NAME, namespace, labels: labels(meta) },
      spec: {
        serviceName: service.metadata.name,
        replicas: 1,
        selector: { matchLabels: selectorLabels(meta) },
        template: {
          metadata: { labels: labels(meta) },
          spec: {
            automountServiceAccountToken: false,
            // A Service named "minio" would inject MINIO_PORT and friends, which the server reads as settings.
            enableServiceLinks: false,
            securityContext: podSecurityContext(MINIO_UID),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: "minio",
                image: backend.image,
                // The image's entrypoint stays: a swapped-in image with the same CLI keeps its own.
                args: ["server", "--address", `:${S3_PORT}`, "--certs-dir", "/tmp/certs", "/data"],
                ports: [{ name: "s3", containerPort: S3_PORT, protocol: "TCP" }],
                env: [
                  fromRoot(ROOT_USER_ENV),
                  fromRoot(ROOT_PASSWORD_ENV),
                  { name: "MINIO_SITE_REGION", value: region },
                  { name: "MINIO_BROWSER", value: "off" },
                  { name: "HOME", value: "/tmp" },
                ],
                resources: resources(backend.resources ?? DEFAULT_OBJECT_STORE_RESOURCES),
                securityContext: containerSecurityContext(),
                startupProbe: { ...probe(HEALTH_PATHS.liveness), periodSeconds: 5, failureThreshold: 60 },
                livenessProbe: { ...probe(HEALTH_PATHS.liveness), periodSeconds: 10, failureThreshold: 6 },
                readinessProbe: { ...probe(HEALTH_PATHS.readiness), periodSeconds: 5, failureThreshold: 3 },
                volumeMounts: [
                  { name: "data", mountPath: "/data" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [{ name: "tmp", emptyDir: {} }],
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(backend, labels(meta))],
      },
    },
    statefulOptions(opts, backend.protect),
  );

  publicRoute(
    name,
    {
      namespace,
      serviceName: service.metadata.name,
      podLabels: selectorLabels(meta),
      endpoint: backend.publicEndpoint,
      instance: name,
    },
    parent,
  );

  return {
    endpointUrl: service.metadata.name.apply((serviceName) => inClusterEndpoint(namespace, serviceName)),
    publicEndpointUrl: publicEndpointUrl(backend.publicEndpoint),
    addressingStyle: "path",
    region,
    rootSecret,
    rootUser: pulumi.secret(rootUser.result),
    rootPassword: pulumi.secret(rootPassword.result),
    statefulSet,
    service,
  };
}
