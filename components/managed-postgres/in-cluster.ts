/**
 * The in-cluster PostgreSQL server (k3s, or any cluster without a managed database): the official image as a
 * one-replica StatefulSet with a PersistentVolumeClaim, behind a ClusterIP Service.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labels, selectorLabels } from "../../lib/labels";
import { containerSecurityContext, podSecurityContext, resources } from "../../lib/security";
import { renderAdminInitScript } from "./bootstrap-sql";
import { ADMIN_ROLE, POSTGRES_PORT } from "./naming";
import type { InClusterPostgres, PostgresServer } from "./types";

/** The in-cluster server, and the Secret holding its admin's password (the backup Jobs read it by key). */
export interface InClusterServer extends PostgresServer {
  readonly credentials: k8s.core.v1.Secret;
}

/** Key of the admin's password in the credentials Secret. */
export const ADMIN_PASSWORD_KEY = "FERRUM_ADMIN_PASSWORD";
import { dataVolumeClaim, statefulOptions } from "../../lib/volumes";

/** The official image's postgres user. */
const POSTGRES_UID = 999;

/**
 * pg_isready gives up after this many seconds; each probe waits a little longer, so a slow answer (a busy
 * node, a checkpoint, WAL replay at start) fails as pg_isready's "no response" rather than the kubelet killing
 * the command at its 1-second default, which restarts a healthy server that merely answered late.
 */
export const PG_ISREADY_TIMEOUT_SECONDS = 3;
export const PROBE_TIMEOUT_SECONDS = 5;

export function inClusterServer(
  name: string,
  backend: InClusterPostgres,
  namespace: string,
  parent: pulumi.Resource,
): InClusterServer {
  const meta = { name: "postgres", instance: name, component: "database" as const };
  const opts = { parent };

  const superuserPassword = new random.RandomPassword(
    `${name}-superuser-password`,
    { length: 32, special: false },
    opts,
  );
  const adminPassword = new random.RandomPassword(
    `${name}-admin-password`,
    { length: 32, special: false },
    opts,
  );

  const credentials = new k8s.core.v1.Secret(
    `${name}-credentials`,
    {
      metadata: { namespace, labels: labels(meta) },
      type: "Opaque",
      stringData: {
        POSTGRES_PASSWORD: superuserPassword.result,
        [ADMIN_PASSWORD_KEY]: adminPassword.result,
      },
    },
    opts,
  );
  const initScripts = new k8s.core.v1.ConfigMap(
    `${name}-initdb`,
    {
      metadata: { namespace, labels: labels(meta) },
      data: { "10-ferrum-admin.sh": renderAdminInitScript(ADMIN_ROLE) },
    },
    opts,
  );

  const serviceName = "postgres";
  const service = new k8s.core.v1.Service(
    `${name}-service`,
    {
      metadata: { name: serviceName, namespace, labels: labels(meta) },
      spec: {
        type: "ClusterIP",
        selector: selectorLabels(meta),
        ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: "postgres" }],
      },
    },
    opts,
  );
  const ready = {
    exec: {
      command: [
        "pg_isready",
        "--host=127.0.0.1",
        `--port=${POSTGRES_PORT}`,
        "--username=postgres",
        `--timeout=${PG_ISREADY_TIMEOUT_SECONDS}`,
      ],
    },
    timeoutSeconds: PROBE_TIMEOUT_SECONDS,
  };
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${name}-server`,
    {
      metadata: { name: "postgres", namespace, labels: labels(meta) },
      spec: {
        serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels(meta) },
        template: {
          metadata: { labels: labels(meta) },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(POSTGRES_UID),
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                name: "postgres",
                image: backend.image,
                ports: [{ name: "postgres", containerPort: POSTGRES_PORT }],
                env: [
                  { name: "POSTGRES_USER", value: "postgres" },
                  { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                ],
                envFrom: [{ secretRef: { name: credentials.metadata.name } }],
                resources: resources(backend.resources),
                securityContext: containerSecurityContext(),
                readinessProbe: { ...ready, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { ...ready, periodSeconds: 10, failureThreshold: 6 },
                startupProbe: { ...ready, periodSeconds: 5, failureThreshold: 60 },
                volumeMounts: [
                  { name: "data", mountPath: "/var/lib/postgresql/data" },
                  { name: "initdb", mountPath: "/docker-entrypoint-initdb.d", readOnly: true },
                  { name: "run", mountPath: "/var/run/postgresql" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "initdb", configMap: { name: initScripts.metadata.name, defaultMode: 0o555 } },
              { name: "run", emptyDir: {} },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(backend, labels(meta))],
      },
    },
    statefulOptions(opts, backend.protect),
  );

  return {
    host: pulumi.interpolate`${service.metadata.name}.${namespace}.svc.cluster.local`,
    port: POSTGRES_PORT,
    adminUsername: ADMIN_ROLE,
    adminPassword: pulumi.secret(adminPassword.result),
    // The official image serves no TLS; traffic stays inside the namespace (NetworkPolicy).
    sslMode: "prefer",
    bootstrapImage: backend.image,
    dependsOn: [statefulSet],
    credentials,
  };
}
