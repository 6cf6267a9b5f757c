/**
 * ManagedPostgres: a PostgreSQL 16 server (in-cluster on k3s; RDS or Flexible Server in the clouds) with, per
 * service, one database, its owning role and two login roles that act as the owner, and a typed connection per
 * service for DjangoService (through the login of the current rotation, lib/rotation.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseConnection } from "../connections";
import { type BackupJobs, backupJobs } from "./backup-jobs";
import { bootstrapJob } from "./bootstrap-job";
import { ADMIN_PASSWORD_KEY, inClusterServer } from "./in-cluster";
import { invalidArguments } from "../../lib/problems";
import { activeSlot, CREDENTIAL_SLOTS, type CredentialSlot, slotKeepers } from "../../lib/rotation";
import { databaseName, databaseUrl, loginName, roleName } from "./naming";
import type { ManagedPostgresArgs, PostgresServer } from "./types";
import { managedPostgresProblems } from "./validation";

/*
 * Cloud backends are loaded only when a stack uses them: their provider SDKs cost every other stack
 * (dev included) a second of start-up otherwise.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

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
  /** Rotations of the login passwords done so far: the services use login `a` when even, `b` when odd. */
  public readonly rotation: number;
  private readonly connections: ReadonlyMap<string, DatabaseConnection>;

  constructor(name: string, args: ManagedPostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before anything registers, this component included.
    managedPostgresProblems(args).throwIfAny(invalidArguments("ManagedPostgres", name));
    super("ferrum:index:ManagedPostgres", name, {}, opts);
    const rotation = args.rotation ?? 0;
    const active = activeSlot(rotation);

    const { server, backups } = backendServer(name, args, this);
    this.backups = backups;

    const logins = new Map<string, ReadonlyMap<CredentialSlot, pulumi.Output<string>>>();
    const connections = new Map<string, DatabaseConnection>();
    for (const service of args.databases) {
      const slots = new Map<CredentialSlot, pulumi.Output<string>>();
      for (const slot of CREDENTIAL_SLOTS) {
        const keepers = slotKeepers(rotation, slot);
        // Slot a keeps the name (and so the value) of the password the service's only login had before there
        // were two.
        const generated = new random.RandomPassword(
          slot === "a" ? `${name}-${service}-password` : `${name}-${service}-password-b`,
          { length: 32, special: false, ...(keepers ? { keepers } : {}) },
          { parent: this },
        );
        slots.set(slot, pulumi.secret(generated.result));
      }
      logins.set(service, slots);
      const password = slots.get(active)!;
      const database = databaseName(service);
      const username = loginName(service, active);
      const role = roleName(service);
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
              role,
            }),
          ),
        ),
      });
    }
    this.connections = connections;
    this.bootstrap = bootstrapJob(
      name,
      // From the first rotation on, no pod can still use an owning role's own login (a stack from before the
      // login roles): the previous `pulumi up` moved them all onto login a.
      { namespace: args.namespace, server, logins, ownerLogin: rotation >= 1 ? "retire" : "keep" },
      this,
    );
    this.rotation = rotation;
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
