/**
 * The bootstrap Job: runs the idempotent bootstrap SQL as the non-superuser admin, in the cluster, against
 * whichever server the backend made. The same Job serves k3s, RDS and Flexible Server.
 *
 * The Job, its SQL ConfigMap and its Secret are auto-named, so a change to the set of services (the SQL) or to
 * any password gives them new names: the Job is replaced and runs again. Pulumi waits for it to succeed, and
 * the services depend on it: a rotated password is set on the server before any pod is given it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../../lib/labels";
import { bootstrapJob as sharedBootstrapJob } from "../../lib/jobs";
import type { CredentialSlot } from "../../lib/rotation";
import { type BootstrapSqlOptions, renderBootstrapSql } from "./bootstrap-sql";
import { passwordEnvVar } from "./naming";
import type { PostgresServer } from "./types";

export interface BootstrapJobArgs {
  /** The namespace the bootstrap Job runs in. */
  readonly namespace: string;
  /** The server the Job creates the services' roles and databases on, and its admin credentials. */
  readonly server: PostgresServer;
  /** Service name -> its login roles' passwords (secret), by slot. */
  readonly logins: ReadonlyMap<string, ReadonlyMap<CredentialSlot, pulumi.Output<string>>>;
  /** What becomes of an owning role that can still log in (a stack from before the login roles). */
  readonly ownerLogin: NonNullable<BootstrapSqlOptions["ownerLogin"]>;
}

/** Waits up to five minutes for the server, then runs the script once; psql stops at the first error. */
export const BOOTSTRAP_SHELL = [
  "set -eu",
  'for i in $(seq 1 60); do pg_isready --timeout=5 && break; echo "waiting for $PGHOST:$PGPORT ($i)"; sleep 5; done',
  "exec psql --no-psqlrc --echo-errors --file=/bootstrap/bootstrap.sql",
].join("\n");

export function bootstrapJob(
  name: string,
  args: BootstrapJobArgs,
  parent: pulumi.Resource,
): k8s.batch.v1.Job {
  const meta = { name: "postgres", instance: name, component: "database-bootstrap" as const };
  const { namespace, server } = args;
  const opts = { parent };

  const sql = new k8s.core.v1.ConfigMap(
    `${name}-bootstrap-sql`,
    {
      metadata: { namespace, labels: labels(meta) },
      data: {
        "bootstrap.sql": renderBootstrapSql([...args.logins.keys()], { ownerLogin: args.ownerLogin }),
      },
    },
    opts,
  );
  const stringData: Record<string, pulumi.Input<string>> = { PGPASSWORD: server.adminPassword };
  for (const [service, slots] of args.logins)
    for (const [slot, password] of slots) stringData[passwordEnvVar(service, slot)] = password;
  const secret = new k8s.core.v1.Secret(
    `${name}-bootstrap`,
    { metadata: { namespace, labels: labels(meta) }, type: "Opaque", stringData },
    opts,
  );

  return sharedBootstrapJob(
    name,
    {
      namespace,
      labels: labels(meta),
      uid: 999,
      image: server.bootstrapImage,
      command: ["sh", "-c", BOOTSTRAP_SHELL],
      env: [
        { name: "PGHOST", value: server.host },
        { name: "PGPORT", value: String(server.port) },
        { name: "PGUSER", value: server.adminUsername },
        { name: "PGDATABASE", value: "postgres" },
        { name: "PGSSLMODE", value: server.sslMode },
        { name: "PGCONNECT_TIMEOUT", value: "10" },
      ],
      envFrom: [{ secretRef: { name: secret.metadata.name } }],
      mounts: [{ name: "sql", mountPath: "/bootstrap", volume: { configMap: { name: sql.metadata.name } } }],
    },
    { ...opts, dependsOn: server.dependsOn },
  );
}
