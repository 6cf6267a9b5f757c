/** ManagedPostgres's arguments and the server abstraction its backends share. */
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceSpec } from "../../config";
import type { SslMode } from "../connections";

/** PostgreSQL 16 inside the cluster: StatefulSet, PVC, ClusterIP Service. */
export interface InClusterPostgres {
  readonly kind: "inCluster";
  /** Official PostgreSQL 16 image, pinned. */
  readonly image: string;
  readonly storageGiB: number;
  /** StorageClass of the data volume. @default - the cluster's default class */
  readonly storageClass?: string;
  readonly resources: ResourceSpec;
  /** `protect` and retain the server's StatefulSet (its volume claims) on delete. */
  readonly protect: boolean;
}

export type PostgresBackend = InClusterPostgres;

export interface ManagedPostgresArgs {
  /** Where the server runs; decides which resources exist. */
  readonly backend: PostgresBackend;
  /** One database and one login role per name (service names from the catalog). */
  readonly databases: readonly string[];
  /** Namespace of the in-cluster resources (the server on k3s; the bootstrap Job everywhere). */
  readonly namespace: string;
}

/** What every backend hands the shared bootstrap: where the server is and who administers it. */
export interface PostgresServer {
  readonly host: pulumi.Input<string>;
  readonly port: number;
  /** A login with CREATEDB CREATEROLE, never a superuser. */
  readonly adminUsername: string;
  /** Secret. */
  readonly adminPassword: pulumi.Output<string>;
  /** The weakest TLS mode this server allows clients. */
  readonly sslMode: SslMode;
  /** Image with psql >= 15 for the bootstrap Job. */
  readonly bootstrapImage: string;
  /** Resources the bootstrap must wait for (the server, its databases). */
  readonly dependsOn: pulumi.Resource[];
}
