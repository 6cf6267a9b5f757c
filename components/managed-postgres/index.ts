export { ManagedPostgres } from "./managed-postgres";
export type {
  ManagedPostgresArgs,
  PostgresBackend,
  InClusterPostgres,
  RdsPostgres,
  AzurePostgres,
} from "./types";
export * from "./naming";
