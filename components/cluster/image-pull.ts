/**
 * What the platform namespace needs for pulling the services' images: the pull secrets every service pod
 * references, and the Jobs that fill the stack's image cache before the pods pull from it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../../lib/labels";
import { dockerConfigJson } from "../../lib/images";
import { containerSecurityContext, podSecurityContext } from "../../lib/security";
import { APP_UID } from "../django-service/pods";

/** The Secret holding the login to `ferrum:imageRegistry` (k3s with `ferrum:imageRegistryUsername`). */
export const REGISTRY_LOGIN_SECRET = "image-pull-registry";
/** The Secret holding `ferrum:imagePullSecret`, as given. */
export const PULL_SECRET = "image-pull";

export interface PullSecretsArgs {
  /** The namespace the pull Secrets live in, beside the pods that list them. */
  readonly namespace: string;
  /** A registry's login, rendered into a `.dockerconfigjson`. @default - none */
  readonly registryLogin?: {
    readonly host: string;
    readonly username: string;
    readonly password: pulumi.Input<string>;
  };
  /** A whole `.dockerconfigjson` (`ferrum:imagePullSecret`). @default - none */
  readonly dockerConfigJson?: pulumi.Input<string>;
}

/**
 * `kubernetes.io/dockerconfigjson` Secrets, and the names every service pod lists in `imagePullSecrets`.
 * Named, not auto-named: a new login replaces the Secret's data in place, without rolling the pods (the
 * kubelet reads it at each pull).
 */
export function pullSecrets(
  name: string,
  a: PullSecretsArgs,
  opts: pulumi.CustomResourceOptions,
): { readonly names: string[]; readonly secrets: k8s.core.v1.Secret[] } {
  const meta = (secretName: string) => ({
    name: secretName,
    namespace: a.namespace,
    labels: labels({ name: "image-pull", component: "image-pull" }),
  });
  const secrets: k8s.core.v1.Secret[] = [];
  const login = a.registryLogin;
  if (login) {
    secrets.push(
      new k8s.core.v1.Secret(
        `${name}-registry`,
        {
          metadata: meta(REGISTRY_LOGIN_SECRET),
          type: "kubernetes.io/dockerconfigjson",
          stringData: {
            ".dockerconfigjson": pulumi.secret(
              pulumi.output(login.password).apply((p) => dockerConfigJson(login.host, login.username, p)),
            ),
          },
        },
        opts,
      ),
    );
  }
  if (a.dockerConfigJson !== undefined) {
    secrets.push(
      new k8s.core.v1.Secret(
        `${name}-given`,
        {
          metadata: meta(PULL_SECRET),
          type: "kubernetes.io/dockerconfigjson",
          // The API server refuses a value that is not a JSON document.
          stringData: { ".dockerconfigjson": pulumi.secret(a.dockerConfigJson) },
        },
        opts,
      ),
    );
  }
  return {
    names: [
      ...(login ? [REGISTRY_LOGIN_SECRET] : []),
      ...(a.dockerConfigJson !== undefined ? [PULL_SECRET] : []),
    ],
    secrets,
  };
}

export interface CacheWarmupArgs {
  /** The namespace the warm-up Job runs in: the service's, with its pull Secrets. */
  readonly namespace: string;
  /** The service whose image it pulls. */
  readonly service: string;
  /** The cached image by its tag. */
  readonly image: pulumi.Input<string>;
}

/**
 * A Job whose pod pulls a service's cached image by its tag, so that the cache holds the manifest the
 * service's pods then pull by digest. A first pull by digest of an image the ECR pull-through cache does not
 * hold yet is reported to fail even with the tag beside it (https://github.com/aws/containers-roadmap/issues/2837);
 * a tag pull fills it. The pod runs `python -c pass`, the interpreter every service image has (the migrate
 * initContainer runs it too). Auto-named: a new image replaces the Job, and the service's pods wait for the new
 * one.
 */
export function cacheWarmup(
  name: string,
  a: CacheWarmupArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.Job {
  const meta = labels({ name: a.service, instance: a.service, component: "image-cache" });
  return new k8s.batch.v1.Job(
    name,
    {
      metadata: { namespace: a.namespace, labels: meta },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels: meta },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(APP_UID),
            containers: [
              {
                name: "pull",
                image: a.image,
                imagePullPolicy: "Always",
                command: ["python", "-c", "pass"],
                resources: {
                  requests: { cpu: "10m", memory: "32Mi" },
                  limits: { cpu: "200m", memory: "64Mi" },
                },
                securityContext: containerSecurityContext(),
              },
            ],
          },
        },
      },
    },
    opts,
  );
}
