export { ManagedPostgres } from "./managed-postgres";
export type { ManagedPostgresArgs, PostgresBackend, InClusterPostgres } from "./types";
export * from "./naming";
