/**
 * Per-service static keys for a server that has no workload identity (in-cluster MinIO). Generated once by
 * `@pulumi/random` and kept in state, so they change only when their resource is replaced.
 *
 * The access key id is random too, AWS-shaped (20 uppercase letters and digits): a deterministic id such as
 * `ferrum-auth` would equal the bucket of a stack whose prefix is `ferrum`, and an id travels in Secrets only.
 * The secret key is 40 characters, the longest MinIO generates and the length of AWS's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface ServiceKeys {
  /** Secret. */
  readonly accessKeyId: pulumi.Output<string>;
  /** Secret. */
  readonly secretAccessKey: pulumi.Output<string>;
}

export const ACCESS_KEY_LENGTH = 20;
export const SECRET_KEY_LENGTH = 40;

export function serviceKeys(name: string, service: string, parent: pulumi.Resource): ServiceKeys {
  const opts = { parent };
  // RandomPassword, not RandomString, for the id too: RandomString's result is stored in state in the clear.
  const accessKey = new random.RandomPassword(
    `${name}-${service}-access-key`,
    { length: ACCESS_KEY_LENGTH, special: false, lower: false, upper: true, numeric: true },
    opts,
  );
  const secretKey = new random.RandomPassword(
    `${name}-${service}-secret-key`,
    { length: SECRET_KEY_LENGTH, special: false },
    opts,
  );
  return { accessKeyId: pulumi.secret(accessKey.result), secretAccessKey: pulumi.secret(secretKey.result) };
}
