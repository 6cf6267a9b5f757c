/**
 * The one-shot bootstrap Job the data services share (ManagedPostgres's roles and databases, ObjectStore's
 * buckets and users): retried up to 6 times within 15 minutes, restricted, without a ServiceAccount token,
 * small fixed resources, and a writable emptyDir /tmp that is also HOME. Callers give what differs.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, podSecurityContext } from "./security";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export interface BootstrapJobArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  /** User and group the container runs as. */
  readonly uid: number;
  readonly image: pulumi.Input<string>;
  readonly command: string[];
  /** Environment before HOME. */
  readonly env: pulumi.Input<EnvVar>[];
  readonly envFrom?: k8s.types.input.core.v1.EnvFromSource[];
  /** Volumes besides /tmp, each with where it is mounted (read-only). */
  readonly mounts: readonly {
    name: string;
    mountPath: string;
    volume: Omit<k8s.types.input.core.v1.Volume, "name">;
  }[];
  /** Kubernetes' Service environment variables off (a client that reads env by prefix). */
  readonly noServiceLinks?: boolean;
}

/** The Job `<name>-bootstrap`. */
export function bootstrapJob(
  name: string,
  a: BootstrapJobArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.Job {
  return new k8s.batch.v1.Job(
    `${name}-bootstrap`,
    {
      metadata: { namespace: a.namespace, labels: a.labels },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels: a.labels },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            ...(a.noServiceLinks ? { enableServiceLinks: false } : {}),
            securityContext: podSecurityContext(a.uid),
            containers: [
              {
                name: "bootstrap",
                image: a.image,
                command: a.command,
                env: [...a.env, { name: "HOME", value: "/tmp" }],
                ...(a.envFrom ? { envFrom: a.envFrom } : {}),
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { cpu: "500m", memory: "128Mi" },
                },
                securityContext: containerSecurityContext(),
                volumeMounts: [
                  ...a.mounts.map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: true })),
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [...a.mounts.map((m) => ({ name: m.name, ...m.volume })), { name: "tmp", emptyDir: {} }],
          },
        },
      },
    },
    opts,
  );
}
