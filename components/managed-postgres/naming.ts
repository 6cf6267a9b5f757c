/**
 * Names and URLs of the per-service databases. Pure.
 *
 * Each service has a database and an owning role of the same name, `ferrum_<service>` (prefixed because `user`
 * is a reserved word in PostgreSQL, and so a shared server shows whose objects are whose). The owning role
 * cannot log in: the service logs in as one of two login roles, `ferrum_<service>_a` and `ferrum_<service>_b`,
 * members of it, and acts as it (`SET ROLE`), so every object it creates belongs to the owning role whichever
 * login created it. Two logins let a password change without a moment in which no valid one exists
 * (lib/rotation.ts, README "Rotating the generated credentials").
 */
import type { CredentialSlot } from "../../lib/rotation";
import type { SslMode } from "../connections";

export const ADMIN_ROLE = "ferrum_admin";
export const POSTGRES_PORT = 5432;

export const databaseName = (service: string): string => `ferrum_${service.replace(/-/g, "_")}`;
/** The service's owning role (NOLOGIN): owner of its database and of every object in it. */
export const roleName = databaseName;
/** One of the service's two login roles, a member of its owning role. */
export const loginName = (service: string, slot: CredentialSlot): string => `${roleName(service)}_${slot}`;

/** Env var the bootstrap Job reads a login role's password from (`FERRUM_AUTH_A_PASSWORD`). */
export const passwordEnvVar = (service: string, slot: CredentialSlot): string =>
  `FERRUM_${service.replace(/-/g, "_").toUpperCase()}_${slot.toUpperCase()}_PASSWORD`;

/**
 * `postgres://user:pass@host:port/db?sslmode=...[&options=-c%20role%3D<role>]`; user and password are
 * URL-encoded. With `role`, the server starts every session as that role (libpq's `options`, which
 * dj-database-url hands psycopg2 as OPTIONS["options"]), so what a login creates belongs to the owning role.
 * Spaces are encoded `%20`, never `+`: libpq does not read `+` as a space.
 */
export function databaseUrl(args: {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
  sslMode: SslMode;
  sslRootCert?: string;
  /** The role every session runs as (`SET ROLE` at connection start). @default - the login's own */
  role?: string;
}): string {
  const query: [string, string][] = [["sslmode", args.sslMode]];
  if (args.sslRootCert) query.push(["sslrootcert", args.sslRootCert]);
  if (args.role) query.push(["options", `-c role=${args.role}`]);
  const queryText = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  return `postgres://${encodeURIComponent(args.user)}:${encodeURIComponent(args.password)}@${args.host}:${args.port}/${args.database}?${queryText}`;
}
