/**
 * Names and URLs of the per-service databases. Pure.
 * Each service gets a database and a login role of the same name, `ferrum_<service>`: prefixed because
 * `user` is a reserved word in PostgreSQL, and so a shared server shows whose objects are whose.
 */
import type { SslMode } from "../connections";

export const ADMIN_ROLE = "ferrum_admin";
export const POSTGRES_PORT = 5432;

export const databaseName = (service: string): string => `ferrum_${service.replace(/-/g, "_")}`;
export const roleName = databaseName;

/** Env var the bootstrap Job reads a service role's password from. */
export const passwordEnvVar = (service: string): string =>
  `FERRUM_${service.replace(/-/g, "_").toUpperCase()}_PASSWORD`;

/** `postgres://user:pass@host:port/db?sslmode=...`; user and password are URL-encoded. */
export function databaseUrl(args: {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
  sslMode: SslMode;
  sslRootCert?: string;
}): string {
  const query = new URLSearchParams({ sslmode: args.sslMode });
  if (args.sslRootCert) query.set("sslrootcert", args.sslRootCert);
  return `postgres://${encodeURIComponent(args.user)}:${encodeURIComponent(args.password)}@${args.host}:${args.port}/${args.database}?${query.toString()}`;
}
