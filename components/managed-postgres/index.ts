export { ManagedPostgres } from "./managed-postgres";
export type { ManagedPostgresArgs, PostgresBackend, InClusterPostgres, RdsPostgres } from "./types";
export * from "./naming";
