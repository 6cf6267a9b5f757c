/**
 * Top-level settings that depend on others: the object store's public host, and the secrets the settings
 * require.
 */
import { defaultObjectsHost, SCALAR_DEFAULTS } from "./defaults";
import { ESC_PLACEHOLDER, SECRET_KEYS, type SecretKey } from "./keys";
import { fullKey, type ObjectReader, setCommand } from "./reader";
import { rule } from "./rules";
import type { Cloud, FerrumConfig } from "./types";

/**
 * `ferrum:objectsHost`: the object store's public host on k3s and Azure, `objects.<apiHost's domain>` unless
 * set. It needs a route of its own, so it must differ from the API host. The AWS stack has no use for it (S3's
 * regional endpoint and CloudFront serve browsers there): setting it there is a mistake worth naming.
 */
export function readObjectsHost(top: ObjectReader, cloud: Cloud, apiHost: string): string {
  const derived = defaultObjectsHost(apiHost);
  const set = top.string(
    "objectsHost",
    SCALAR_DEFAULTS.objectsHost,
    rule(
      /^$|^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      "a lowercase DNS name",
      derived,
    ),
  );
  if (cloud === "aws") {
    if (set !== "") {
      top.problems.add(
        "objectsHost",
        `does nothing on this stack (got ${JSON.stringify(set)}): signed URLs name S3's regional endpoint and CloudFront serves the public prefix on AWS; remove it with: ${top.problems.remove("objectsHost")}`,
      );
    }
    return "";
  }
  const host = set || derived;
  if (host === apiHost) {
    const got = set
      ? JSON.stringify(set)
      : `nothing, so ${JSON.stringify(derived)} derived from ferrum:apiHost`;
    top.problems.add(
      "objectsHost",
      `must differ from ferrum:apiHost (${apiHost}), whose routes own that host (got ${got}); set it with: ${top.problems.set("objectsHost", `objects.${apiHost}`)}`,
    );
  }
  return host;
}

/** Secret keys this config needs, decided by the plain settings alone (so the plan can fill placeholders). */
export function requiredSecretKeys(
  settings: Pick<FerrumConfig, "email" | "payments" | "cloud" | "aws" | "images">,
): SecretKey[] {
  const keys: SecretKey[] = [];
  if (settings.email.user !== "") keys.push("emailPassword");
  if (settings.payments.shopId !== "") keys.push("yookassaSecretKey");
  if (settings.cloud === "aws" && settings.aws.existingCluster) keys.push("clusterKubeconfig");
  if (settings.images.username !== "") keys.push("imageRegistryPassword");
  return keys;
}

/** Marks the secret keys known to `top` (loadConfig reads them) and refuses an ESC definition's placeholder. */
export function readSecretPlaceholders(top: ObjectReader): void {
  const problems = top.problems;
  for (const s of SECRET_KEYS) {
    // Secrets are read by loadConfig; here only marked known, and an ESC definition's placeholder refused.
    if (top.string(s, "") === ESC_PLACEHOLDER) {
      problems.add(
        s,
        `is still the placeholder of the ESC environment definition it came from (got ${JSON.stringify(ESC_PLACEHOLDER)}), not a secret; set the real one in the environment the stack imports: esc env set <org>/<project>/<environment> <path> '<value>' --secret (the paths are in deployments/esc/), or in the stack: ${problems.set(s, "<value>", true)}`,
      );
    }
  }
}

export function missingSecretsMessage(stack: string, keys: readonly SecretKey[]): string[] {
  return keys.map(
    (k) =>
      `${fullKey(k)} is required by this stack's settings but not set; set it with: ${setCommand({ stack }, k, "<value>", true)}`,
  );
}
