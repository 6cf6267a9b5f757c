/**
 * Validation of ObjectStore's arguments. Pure: every problem is collected, so the component throws one
 * ProblemsError before it registers anything, naming each setting, the value received and how to fix it.
 *
 * Bucket names follow the S3 rules for general purpose buckets, minus dots (they break virtual-hosted TLS and
 * buy nothing here): 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit,
 * and none of the prefixes and suffixes S3 reserves. The same names serve MinIO now and AWS S3 later.
 */
import { Problems } from "../../lib/problems";
import { isRotation, MAX_ROTATION } from "../../lib/rotation";
import { BACKUPS_KEY } from "./naming";
import type { ObjectStoreArgs } from "./types";

const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", "--x-s3", "--table-s3"];
const SERVICE = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const REGION = /^[a-z]{2}(-[a-z0-9]+)+$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PINNED_IMAGE =
  /^[^\s@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(@sha256:[a-f0-9]{64})?$|^[^\s@:]+@sha256:[a-f0-9]{64}$/;

/** What is wrong with one bucket name; empty when it is valid. */
export function bucketNameProblems(bucket: string): string[] {
  const problems: string[] = [];
  if (bucket.length < 3 || bucket.length > 63)
    problems.push(`must be 3 to 63 characters long (got ${bucket.length})`);
  if (!/^[a-z0-9-]*$/.test(bucket)) problems.push("must contain only lowercase letters, digits and hyphens");
  if (!/^[a-z0-9](.*[a-z0-9])?$/.test(bucket))
    problems.push("must begin and end with a lowercase letter or digit");
  const prefix = RESERVED_PREFIXES.find((p) => bucket.startsWith(p));
  if (prefix) problems.push(`must not begin with ${JSON.stringify(prefix)} (reserved by S3)`);
  const suffix = RESERVED_SUFFIXES.find((s) => bucket.endsWith(s));
  if (suffix) problems.push(`must not end with ${JSON.stringify(suffix)} (reserved by S3)`);
  return problems;
}

/** Positions of each value that occurs more than once. */
function duplicates(values: readonly string[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  values.forEach((v, i) => seen.set(v, [...(seen.get(v) ?? []), i]));
  return new Map([...seen].filter(([, at]) => at.length > 1));
}

const at = (indexes: number[]): string => indexes.map((i) => `buckets[${i}]`).join(", ");

/** Every problem with the arguments, each naming the setting, the value received and the fix. */
export function objectStoreProblems(args: ObjectStoreArgs): Problems {
  const problems = new Problems();
  const { backend, buckets } = args;

  if (!DNS_LABEL.test(args.namespace)) {
    problems.report(
      `namespace must be a DNS label (lowercase letters, digits, '-') (got ${JSON.stringify(args.namespace)})`,
    );
  }
  if (buckets.length === 0) problems.report("buckets must name at least one service's bucket (got none)");
  buckets.forEach(({ service, bucket }, i) => {
    if (!SERVICE.test(service)) {
      problems.report(
        `buckets[${i}].service must be a lowercase name of letters, digits and '-', starting with a letter, at most 40 characters (got ${JSON.stringify(service)})`,
      );
    }
    const bad = bucketNameProblems(bucket);
    if (bad.length) {
      problems.report(
        `buckets[${i}].bucket ${JSON.stringify(bucket)} (service ${JSON.stringify(service)}) ${bad.join("; ")}; bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
      );
    }
  });
  for (const [service, indexes] of duplicates(buckets.map((b) => b.service))) {
    problems.report(
      `service ${JSON.stringify(service)} appears ${indexes.length} times (${at(indexes)}); each service owns exactly one bucket`,
    );
  }
  for (const [bucket, indexes] of duplicates(buckets.map((b) => b.bucket))) {
    problems.report(
      `bucket ${JSON.stringify(bucket)} is named ${indexes.length} times (${at(indexes)}); each service needs a bucket of its own`,
    );
  }
  backupsProblems(args, problems);

  if (backend.kind === "s3") {
    if (!REGION.test(backend.region)) {
      problems.report(
        `backend.region must be a region name such as "eu-central-1" (got ${JSON.stringify(backend.region)})`,
      );
    }
    if (!Number.isInteger(backend.noncurrentVersionDays) || backend.noncurrentVersionDays < 1) {
      problems.report(
        `backend.noncurrentVersionDays must be a whole number of days, at least 1 (got ${backend.noncurrentVersionDays})`,
      );
    }
    return problems;
  }
  if (!Number.isInteger(backend.storageGiB) || backend.storageGiB < 1) {
    problems.report(
      `backend.storageGiB must be a whole number of GiB, at least 1 (got ${backend.storageGiB})`,
    );
  }
  for (const key of ["image", "clientImage"] as const) {
    const image = backend[key];
    if (!PINNED_IMAGE.test(image) || /:latest$/.test(image)) {
      problems.report(
        `backend.${key} must be an image pinned by a version tag or digest, not :latest (got ${JSON.stringify(image)})`,
      );
    }
  }
  const days = backend.noncurrentVersionDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
    problems.report(`backend.noncurrentVersionDays must be a whole number of days, at least 1 (got ${days})`);
  }
  if (backend.rotation !== undefined && !isRotation(backend.rotation)) {
    problems.report(
      `backend.rotation must be an integer from 0 to ${MAX_ROTATION}, the rotations done so far (got ${backend.rotation})`,
    );
  }
  const endpoint = backend.publicEndpoint;
  if (!endpoint) {
    problems.report(
      "backend.publicEndpoint must give the host, routing and ingress namespace browsers reach the store through (got nothing)",
    );
  } else {
    if (!DNS_NAME.test(endpoint.host)) {
      problems.report(
        `backend.publicEndpoint.host must be a lowercase DNS name such as "objects.example.com" (got ${JSON.stringify(endpoint.host)})`,
      );
    }
    if (!DNS_LABEL.test(endpoint.ingressNamespace)) {
      problems.report(
        `backend.publicEndpoint.ingressNamespace must be a namespace name (got ${JSON.stringify(endpoint.ingressNamespace)})`,
      );
    }
    if (endpoint.routing.entryPoints.length === 0) {
      problems.report(
        "backend.publicEndpoint.routing.entryPoints must name at least one Traefik entry point (got none)",
      );
    }
  }
  if (backend.region !== undefined && !REGION.test(backend.region)) {
    problems.report(
      `backend.region must be a region name such as "us-east-1" (got ${JSON.stringify(backend.region)})`,
    );
  }
  return problems;
}

/** What is wrong with the backups bucket, if there is one. */
function backupsProblems(args: ObjectStoreArgs, problems: Problems): void {
  const { backups, backend, buckets } = args;
  if (!backups) return;
  if (backend.kind !== "inCluster") {
    problems.report(
      `backups is for the in-cluster server only (got backend ${JSON.stringify(backend.kind)}); a cloud stack's database keeps its own backups`,
    );
  }
  const bad = bucketNameProblems(backups.bucket);
  if (bad.length) problems.report(`backups.bucket ${JSON.stringify(backups.bucket)} ${bad.join("; ")}`);
  const taken = buckets.findIndex((b) => b.bucket === backups.bucket);
  if (taken >= 0) {
    problems.report(
      `backups.bucket ${JSON.stringify(backups.bucket)} is also buckets[${taken}] (service ${JSON.stringify(buckets[taken]!.service)}); backups need a bucket of their own`,
    );
  }
  const named = buckets.findIndex((b) => b.service === BACKUPS_KEY);
  if (named >= 0) {
    problems.report(
      `buckets[${named}].service must not be ${JSON.stringify(BACKUPS_KEY)} while backups is set: the backups user, policy and keys are named so`,
    );
  }
  if (!Number.isInteger(backups.retentionDays) || backups.retentionDays < 1) {
    problems.report(
      `backups.retentionDays must be a whole number of days, at least 1 (got ${backups.retentionDays})`,
    );
  }
}
