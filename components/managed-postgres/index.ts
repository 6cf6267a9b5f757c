export { ManagedPostgres } from "./managed-postgres";
export type {
  ManagedPostgresArgs,
  PostgresBackend,
  InClusterPostgres,
  RdsPostgres,
  AzurePostgres,
  PostgresBackups,
  RdsRestore,
  RdsRestoreSource,
  AzureRestore,
} from "./types";
export * from "./naming";
