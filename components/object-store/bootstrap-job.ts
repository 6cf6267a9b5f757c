/**
 * The bootstrap Job: runs the idempotent bootstrap script with `mc` as the server's root, in the cluster.
 *
 * The Job, its script and policies ConfigMaps and its keys Secret are auto-named, as is the server's root
 * Secret it reads, so a change to the set of buckets (the script, the policies) or to any credential gives
 * them new names: the Job's spec changes, so it is replaced and runs again. Pulumi waits for it to succeed,
 * and the services depend on it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../../lib/labels";
import { bootstrapJob as sharedBootstrapJob } from "../../lib/jobs";
import {
  type LifecycleSettings,
  POLICY_DIR,
  renderBootstrapScript,
  ROOT_PASSWORD_ENV,
  ROOT_USER_ENV,
  URL_ENV,
} from "./bootstrap-script";
import type { InClusterServer } from "./in-cluster";
import type { RotatingKeys } from "./keys";
import {
  accessKeyEnvVar,
  BACKUPS_KEY,
  policyFileName,
  publicPolicyFileName,
  SERVER_NAME,
  secretKeyEnvVar,
} from "./naming";
import { backupPolicy, renderPolicy } from "./policy";
import { renderPublicReadPolicy } from "./public-access";
import type { BucketSpec } from "./types";

export interface BootstrapJobArgs {
  /** The namespace the bootstrap Job runs in. */
  readonly namespace: string;
  /** The in-cluster object store the Job configures, and its root credentials. */
  readonly server: InClusterServer;
  /** The image of the object store's client that runs the bootstrap script. */
  readonly clientImage: string;
  /** The buckets to create, with their versioning, lifecycle and access. */
  readonly buckets: readonly BucketSpec[];
  /** Service name -> its users' keys (secret), both slots; the backups bucket's users under `BACKUPS_KEY`. */
  readonly keys: ReadonlyMap<string, RotatingKeys>;
  /** Lifecycle rules, and the backups bucket when there is one. */
  readonly lifecycle: LifecycleSettings;
}

/** `mc` keeps its configuration (the alias, with the root credential) here: an emptyDir, never the image. */
export const MC_CONFIG_DIR = "/tmp/.mc";
const SCRIPT_DIR = "/bootstrap";
const UID = 1000;

export function bootstrapJob(
  name: string,
  args: BootstrapJobArgs,
  parent: pulumi.Resource,
): k8s.batch.v1.Job {
  const meta = { name: SERVER_NAME, instance: name, component: "object-store-bootstrap" as const };
  const { namespace, server } = args;
  const { backups } = args.lifecycle;
  const opts = { parent };

  const script = new k8s.core.v1.ConfigMap(
    `${name}-bootstrap-script`,
    {
      metadata: { namespace, labels: labels(meta) },
      data: { "bootstrap.sh": renderBootstrapScript(args.buckets, args.lifecycle) },
    },
    opts,
  );
  const policies = new k8s.core.v1.ConfigMap(
    `${name}-policies`,
    {
      metadata: { namespace, labels: labels(meta) },
      data: Object.fromEntries([
        ...args.buckets.flatMap((b) => [
          [policyFileName(b.service), renderPolicy(b.bucket)],
          [publicPolicyFileName(b.service), renderPublicReadPolicy(b.bucket)],
        ]),
        ...(backups
          ? [[policyFileName(BACKUPS_KEY), renderPolicy(backups.bucket, backupPolicy(backups.bucket))]]
          : []),
      ]),
    },
    opts,
  );

  const stringData: Record<string, pulumi.Input<string>> = {};
  for (const [service, keys] of args.keys) {
    for (const [slot, slotKeys] of keys.slots) {
      stringData[accessKeyEnvVar(service, slot)] = slotKeys.accessKeyId;
      stringData[secretKeyEnvVar(service, slot)] = slotKeys.secretAccessKey;
    }
  }
  const secret = new k8s.core.v1.Secret(
    `${name}-bootstrap`,
    { metadata: { namespace, labels: labels(meta) }, type: "Opaque", stringData },
    opts,
  );

  const ref = (from: k8s.core.v1.Secret, key: string) => ({
    name: key,
    valueFrom: { secretKeyRef: { name: from.metadata.name, key } },
  });
  const serviceEnv = [...args.keys].flatMap(([s, keys]) =>
    [...keys.slots.keys()].flatMap((slot) => [
      ref(secret, accessKeyEnvVar(s, slot)),
      ref(secret, secretKeyEnvVar(s, slot)),
    ]),
  );

  return sharedBootstrapJob(
    name,
    {
      namespace,
      labels: labels(meta),
      uid: UID,
      image: args.clientImage,
      command: ["sh", `${SCRIPT_DIR}/bootstrap.sh`],
      env: [
        { name: URL_ENV, value: server.endpointUrl },
        ref(server.rootSecret, ROOT_USER_ENV),
        ref(server.rootSecret, ROOT_PASSWORD_ENV),
        ...serviceEnv,
        { name: "MC_CONFIG_DIR", value: MC_CONFIG_DIR },
      ],
      mounts: [
        {
          name: "script",
          mountPath: SCRIPT_DIR,
          volume: { configMap: { name: script.metadata.name, defaultMode: 0o555 } },
        },
        { name: "policies", mountPath: POLICY_DIR, volume: { configMap: { name: policies.metadata.name } } },
      ],
      // No Service environment variables (MINIO_PORT=tcp://... and the like) beside the client's own.
      noServiceLinks: true,
    },
    { ...opts, dependsOn: [server.statefulSet, server.service] },
  );
}
