/**
 * The secrets provider a stack file names, checked for what a hand-written one gives away. Pure.
 *
 * `pulumi stack init --secrets-provider <url>` (or `pulumi stack change-secrets-provider <url>`) writes
 * `secretsprovider` and `encryptedkey` into Pulumi.<stack>.yaml from a live key: the data key that encrypts
 * the stack's secrets, encrypted by AWS KMS or Azure Key Vault. A stack file edited by hand to look as if that
 * had happened cannot decrypt anything, and `pulumi up` finds out only in CI, so the repository refuses it here:
 * a provider URL still holding a placeholder or Pulumi's documentation example, a provider of the other cloud,
 * a key without a provider or a provider without a key, and a key that is not a ciphertext's length of random
 * bytes. Production stacks use their cloud's key service, never a passphrase.
 */

export const CLOUD_PROVIDERS = ["awskms", "azurekeyvault", "gcpkms", "hashivault"] as const;

/** The secrets provider each production cloud is meant to use (the issue: AWS KMS, Azure Key Vault). */
const PROVIDER_OF_CLOUD: Readonly<Record<string, string>> = { aws: "awskms", azure: "azurekeyvault" };

/**
 * Text that only a template or Pulumi's own examples hold: angle brackets, REPLACE, example names, the
 * documentation's key id and vault name, AWS's documentation account id.
 */
const PLACEHOLDER =
  /[<>]|replace|example|changeme|todo|xxxx|1234abcd-12ab-34cd-56ef-1234567890ab|mykeyvaultname|mykeyname|123456789012/i;

/**
 * An AWS KMS ciphertext of a 32-byte data key is about 180 bytes, an RSA-2048 Key Vault wrap 256: anything
 * shorter was not produced by either.
 */
export const MIN_ENCRYPTED_KEY_BYTES = 128;

export interface StackSecretsSettings {
  /** `Pulumi.<stack>.yaml`'s name, for the messages. */
  readonly file: string;
  readonly stack: string;
  /** `ferrum:cloud` of the stack. */
  readonly cloud: string;
  /** `aws:region`, which an AWS KMS key URL must name. */
  readonly awsRegion?: string;
  readonly secretsprovider?: unknown;
  readonly encryptedkey?: unknown;
  readonly encryptionsalt?: unknown;
}

const exampleUrl = (cloud: string, stack: string, region?: string): string =>
  cloud === "azure"
    ? `azurekeyvault://<vault>.vault.azure.net/keys/ferrum-${stack}-pulumi-secrets`
    : `awskms://alias/ferrum-${stack}-pulumi-secrets?region=${region ?? "<region>"}`;

/** Base64 text that decodes, and encodes back to itself (no stray characters). */
function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64");
  return bytes.length > 0 && bytes.toString("base64").replace(/=+$/, "") === text.replace(/=+$/, "")
    ? bytes
    : undefined;
}

/** Every problem with the stack file's secrets provider settings; empty when there are none or they hold up. */
export function secretsProviderProblems(s: StackSecretsSettings): string[] {
  const problems: string[] = [];
  const fix = `create the key first, then let Pulumi write both: pulumi stack change-secrets-provider "${exampleUrl(s.cloud, s.stack, s.awsRegion)}" -s ${s.stack}`;
  const provider = s.secretsprovider;
  const key = s.encryptedkey;
  const production = s.cloud in PROVIDER_OF_CLOUD;

  if (provider === undefined) {
    if (key !== undefined)
      problems.push(`${s.file}: encryptedkey without a secretsprovider is no key Pulumi can use; ${fix}`);
    if (s.encryptionsalt !== undefined && production)
      problems.push(
        `${s.file}: encryptionsalt is a passphrase's; a production stack's secrets are encrypted by its cloud's key service; ${fix}`,
      );
    return problems;
  }
  if (typeof provider !== "string") {
    problems.push(`${s.file}: secretsprovider must be a URL (got ${JSON.stringify(provider)}); ${fix}`);
    return problems;
  }
  const scheme = /^([a-z]+):\/\//.exec(provider)?.[1] ?? provider;
  if (PLACEHOLDER.test(provider)) {
    problems.push(
      `${s.file}: secretsprovider ${JSON.stringify(provider)} still holds a placeholder or Pulumi's documentation example; ${fix}`,
    );
  }
  if (scheme === "passphrase" || scheme === "default") {
    if (production)
      problems.push(
        `${s.file}: secretsprovider ${JSON.stringify(provider)} on a production stack: its secrets are encrypted by its cloud's key service (${PROVIDER_OF_CLOUD[s.cloud]}); ${fix}`,
      );
    if (key !== undefined)
      problems.push(`${s.file}: encryptedkey belongs to a cloud key service, not ${scheme}; ${fix}`);
    return problems;
  }
  if (!(CLOUD_PROVIDERS as readonly string[]).includes(scheme)) {
    problems.push(
      `${s.file}: secretsprovider ${JSON.stringify(provider)} is none of Pulumi's providers (default, passphrase, ${CLOUD_PROVIDERS.join(", ")}); ${fix}`,
    );
    return problems;
  }
  if (production && scheme !== PROVIDER_OF_CLOUD[s.cloud]) {
    problems.push(
      `${s.file}: secretsprovider ${JSON.stringify(provider)} is ${scheme} on a ${s.cloud} stack, whose key lives in ${PROVIDER_OF_CLOUD[s.cloud]}; ${fix}`,
    );
  }
  if (scheme === "awskms") {
    const url = /^awskms:\/\/([^?]+)(?:\?(.*))?$/.exec(provider);
    const region = url ? new URLSearchParams(url[2] ?? "").get("region") : null;
    if (
      !url ||
      !/^(alias\/[\w/-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|arn:aws[\w-]*:kms:.+)$/.test(
        url[1]!,
      )
    ) {
      problems.push(
        `${s.file}: secretsprovider ${JSON.stringify(provider)} names no KMS key (awskms://alias/<name>?region=..., or a key id or ARN); ${fix}`,
      );
    } else if (!region) {
      problems.push(
        `${s.file}: secretsprovider ${JSON.stringify(provider)} names no region (?region=...); ${fix}`,
      );
    } else if (s.awsRegion && region !== s.awsRegion) {
      problems.push(
        `${s.file}: secretsprovider ${JSON.stringify(provider)} names region ${region}, the stack deploys to ${s.awsRegion}; keep the key beside the stack: ${fix}`,
      );
    }
  }
  if (
    scheme === "azurekeyvault" &&
    !/^azurekeyvault:\/\/[a-z0-9-]{3,24}\.vault\.azure\.net\/keys\/[\w-]+(\/[0-9a-f]{32})?$/i.test(provider)
  ) {
    problems.push(
      `${s.file}: secretsprovider ${JSON.stringify(provider)} names no Key Vault key (azurekeyvault://<vault>.vault.azure.net/keys/<key>); ${fix}`,
    );
  }
  if (key === undefined) {
    problems.push(
      `${s.file}: secretsprovider ${JSON.stringify(provider)} without the encryptedkey Pulumi writes with it: the stack file was edited by hand; ${fix}`,
    );
    return problems;
  }
  const bytes = typeof key === "string" ? decodeBase64(key) : undefined;
  if (!bytes) {
    problems.push(
      `${s.file}: encryptedkey is not base64 (got ${JSON.stringify(key).slice(0, 40)}...); ${fix}`,
    );
  } else if (bytes.length < MIN_ENCRYPTED_KEY_BYTES || new Set(bytes).size < 64) {
    problems.push(
      `${s.file}: encryptedkey is ${bytes.length} bytes with ${new Set(bytes).size} distinct values, not a ciphertext a key service made (${MIN_ENCRYPTED_KEY_BYTES} bytes or more of random-looking data); ${fix}`,
    );
  }
  if (s.encryptionsalt !== undefined)
    problems.push(`${s.file}: encryptionsalt belongs to a passphrase, not ${scheme}; ${fix}`);
  return problems;
}
