/**
 * Names, images and URLs of the object store. Pure.
 *
 * Buckets are named `<prefix>-<suffix>`, the prefix being `<project>-<stack>` (`ferrum-dev-auth`), so stacks
 * sharing an S3 account never collide. Each service gets a policy named after its bucket; its two users' access
 * key ids are generated and travel only in Secrets.
 */
import type { CredentialSlot } from "../../lib/rotation";
import type { BucketSpec } from "./types";

/**
 * Key of the backups bucket where a service name would stand: its users, policy file and key variables are named
 * after it (`FERRUM_BACKUPS_A_ACCESS_KEY_ID`, `backups.json`), so no service may be called this.
 */
export const BACKUPS_KEY = "backups";

/** S3 API port of the in-cluster server. */
export const S3_PORT = 9000;

/** Name of the in-cluster server's Service and StatefulSet: the host part of the endpoint URL. */
export const SERVER_NAME = "minio";

/**
 * Key prefix of each bucket's public objects (page assets, logos): anyone may read them without a signature,
 * through the public endpoint or the CDN, and they are served with the cache headers they were written with.
 * Everything else (uploads) is private and reached through URLs signed for the public endpoint.
 */
export const PUBLIC_PREFIX = "public/";

/**
 * How clients address buckets on the public endpoint: by path on the in-cluster server (`MINIO_DOMAIN` is not
 * set, so MinIO takes path-style requests only and one host with one certificate serves every bucket), by
 * host name on AWS S3 (`<bucket>.s3.<region>.amazonaws.com`).
 */
export type AddressingStyle = "path" | "virtual";

/** AWS S3's regional endpoint, the public endpoint of signed URLs on AWS. */
export const s3RegionalEndpoint = (region: string): string => `https://s3.${region}.amazonaws.com`;

/** Alias of the server in the bootstrap script's `mc` configuration. */
export const MC_ALIAS = "ferrum";

/** `http://<service>.<namespace>.svc.cluster.local:9000`: the API Service's cluster DNS name. */
export const inClusterEndpoint = (namespace: string, service = SERVER_NAME): string =>
  `http://${service}.${namespace}.svc.cluster.local:${S3_PORT}`;

/** `ferrum-dev` from project `ferrum` and stack `dev`: lowercased, anything but letters and digits becomes `-`. */
export function bucketPrefix(project: string, stack: string): string {
  return `${project}-${stack}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** `<prefix>-<suffix>`: a service's bucket (`ferrum-dev-auth`). Validated by `bucketNameProblems`. */
export const bucketName = (prefix: string, suffix: string): string => `${prefix}-${suffix}`;

/** One bucket per service from the catalog's suffixes (`CATALOG.map(s => ({ service: s.name, suffix: s.bucket }))`). */
export function serviceBuckets(
  prefix: string,
  services: readonly { readonly name: string; readonly bucket: string }[],
): BucketSpec[] {
  return services.map((s) => ({ service: s.name, bucket: bucketName(prefix, s.bucket) }));
}

/** Name of the policy granting one bucket, on the server (and the IAM policy's name in a cloud). */
export const policyName = (bucket: string): string => `${bucket}-rw`;

/** Key of a service's policy document in the policies ConfigMap (mounted as a file). */
export const policyFileName = (service: string): string => `${service}.json`;

/** Key of a service's bucket policy (anonymous read of the public prefix) in the same ConfigMap; service names hold no dot. */
export const publicPolicyFileName = (service: string): string => `${service}.public.json`;

const envPart = (service: string, slot: CredentialSlot): string =>
  `${service.replace(/-/g, "_").toUpperCase()}_${slot.toUpperCase()}`;

/**
 * Env vars the bootstrap Job reads the keys of a service's user `a` or `b` from (`FERRUM_AUTH_A_ACCESS_KEY_ID`,
 * ...; the backups bucket's under `BACKUPS_KEY`).
 */
export const accessKeyEnvVar = (service: string, slot: CredentialSlot): string =>
  `FERRUM_${envPart(service, slot)}_ACCESS_KEY_ID`;
export const secretKeyEnvVar = (service: string, slot: CredentialSlot): string =>
  `FERRUM_${envPart(service, slot)}_SECRET_ACCESS_KEY`;
