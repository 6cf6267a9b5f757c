/**
 * ManagedPostgres: a PostgreSQL 16 server (in-cluster on k3s; RDS or Flexible Server in the clouds) with one
 * database and one owning login role per service, and a typed connection per service for DjangoService.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseConnection } from "../connections";
import { type BackupJobs, backupJobs } from "./backup-jobs";
import { bootstrapJob } from "./bootstrap-job";
import { ADMIN_PASSWORD_KEY, inClusterServer } from "./in-cluster";
import { databaseName, databaseUrl, roleName } from "./naming";
import type { ManagedPostgresArgs, PostgresServer } from "./types";

/*
 * Cloud backends are loaded only when a stack uses them: their provider SDKs cost every other stack
 * (dev included) a second of start-up otherwise.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

const IDENTIFIER = /^[a-z][a-z0-9_-]{0,40}$/;

function backendServer(
  name: string,
  args: ManagedPostgresArgs,
  parent: pulumi.Resource,
): { server: PostgresServer; backups?: BackupJobs } {
  const backend = args.backend;
  switch (backend.kind) {
    case "rds":
      return { server: (require("./rds") as typeof import("./rds")).rdsServer(name, backend, parent) };
    case "azure":
      return {
        server: (require("./azure") as typeof import("./azure")).azureServer(
          name,
          backend,
          args.databases,
          parent,
        ),
      };
    case "inCluster": {
      const server = inClusterServer(name, backend, args.namespace, parent);
      if (!backend.backups) return { server };
      const backups = backupJobs(
        name,
        {
          namespace: args.namespace,
          services: args.databases,
          server,
          adminPassword: { secretName: server.credentials.metadata.name, key: ADMIN_PASSWORD_KEY },
          postgresImage: backend.image,
          workGiB: backend.storageGiB,
          backups: backend.backups,
        },
        parent,
      );
      return { server, backups };
    }
  }
}

export class ManagedPostgres extends pulumi.ComponentResource {
  /** Host name clients connect to. */
  public readonly host: pulumi.Output<string>;
  public readonly port: number;
  /** The non-superuser admin's login (CREATEDB CREATEROLE). */
  public readonly adminUsername: string;
  /** Secret. */
  public readonly adminPassword: pulumi.Output<string>;
  /** The Job that creates the per-service roles and databases; services depend on it. */
  public readonly bootstrap: k8s.batch.v1.Job;
  /** The backup CronJob and the restore Job's template (in-cluster, with `backups`). */
  public readonly backups?: BackupJobs;
  private readonly connections: ReadonlyMap<string, DatabaseConnection>;

  constructor(name: string, args: ManagedPostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ferrum:index:ManagedPostgres", name, {}, opts);
    const bad = args.databases.filter((d) => !IDENTIFIER.test(d));
    if (bad.length || new Set(args.databases).size !== args.databases.length) {
      throw new Error(
        `ManagedPostgres ${name}: databases must be unique lowercase names (got ${JSON.stringify(args.databases)})`,
      );
    }

    const { server, backups } = backendServer(name, args, this);
    this.backups = backups;

    const passwords = new Map<string, pulumi.Output<string>>();
    const connections = new Map<string, DatabaseConnection>();
    for (const service of args.databases) {
      const password = pulumi.secret(
        new random.RandomPassword(
          `${name}-${service}-password`,
          { length: 32, special: false },
          { parent: this },
        ).result,
      );
      passwords.set(service, password);
      const database = databaseName(service);
      const username = roleName(service);
      connections.set(service, {
        host: server.host,
        port: server.port,
        database,
        username,
        password,
        sslMode: server.sslMode,
        url: pulumi.secret(
          pulumi.all([server.host, password]).apply(([host, pw]) =>
            databaseUrl({
              user: username,
              password: pw,
              host,
              port: server.port,
              database,
              sslMode: server.sslMode,
            }),
          ),
        ),
      });
    }
    this.connections = connections;
    this.bootstrap = bootstrapJob(name, { namespace: args.namespace, server, passwords }, this);
    this.host = pulumi.output(server.host);
    this.port = server.port;
    this.adminUsername = server.adminUsername;
    this.adminPassword = server.adminPassword;
    this.registerOutputs({
      host: this.host,
      port: this.port,
      adminUsername: this.adminUsername,
      adminPassword: this.adminPassword,
    });
  }

  /** The connection of one service's database. */
  database(service: string): DatabaseConnection {
    const c = this.connections.get(service);
    if (!c)
      throw new Error(
        `ManagedPostgres has no database for ${service}; it has ${[...this.connections.keys()].join(", ")}`,
      );
    return c;
  }
}
