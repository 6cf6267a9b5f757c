/**
 * The least raw config (as the engine holds it) with which a stack of each cloud is valid: its cloud, the
 * YooKassa shop the catalog's payments need, and what only that cloud requires (where `pulumi up` runs, the
 * certificate source, who deploys, each service image's digest, and on AWS the login its pull-through cache
 * needs for ghcr.io).
 */
export const DIGESTS = {
  auth: `sha256:${"a".repeat(64)}`,
  user: `sha256:${"b".repeat(64)}`,
  content: `sha256:${"c".repeat(64)}`,
  catalog: `sha256:${"d".repeat(64)}`,
} as const;

const CLOUD_COMMON = {
  "ferrum:yookassaShopId": "100500",
  "ferrum:deployer": JSON.stringify({ runner: "staticEgress", cidrs: ["203.0.113.16/28"] }),
  "ferrum:tls": JSON.stringify({ source: "acme", acmeEmail: "platform@ferrum.example" }),
  "ferrum:services": JSON.stringify(
    Object.fromEntries(Object.entries(DIGESTS).map(([service, digest]) => [service, { digest }])),
  ),
};

export const REQUIRED_CONFIG = {
  k3s: { "ferrum:cloud": "k3s", "ferrum:yookassaShopId": "100500" },
  aws: {
    ...CLOUD_COMMON,
    "ferrum:cloud": "aws",
    "aws:region": "eu-central-1",
    "ferrum:aws": JSON.stringify({ deployerRoleArn: "arn:aws:iam::123456789012:role/ferrum-deploy" }),
    "ferrum:imageRegistryUsername": "ferrum-ci",
  },
  azure: {
    ...CLOUD_COMMON,
    "ferrum:cloud": "azure",
    "azure-native:location": "westeurope",
    "ferrum:azure": JSON.stringify({ deployerPrincipalId: "7c9e6679-7425-40de-944b-e07fc1f90ae7" }),
  },
} as const satisfies Record<string, Record<string, string>>;

/**
 * REQUIRED_CONFIG[cloud] with `ferrum:<key>` merged into (not replacing) the required object's fields; for
 * `services`, each service's fields merged into the required ones of that service.
 */
export function requiredWith(
  cloud: keyof typeof REQUIRED_CONFIG,
  key: "aws" | "azure" | "services",
  fields: Record<string, unknown>,
): Record<string, string> {
  const base: Record<string, string> = { ...REQUIRED_CONFIG[cloud] };
  const current = (base[`ferrum:${key}`] ? JSON.parse(base[`ferrum:${key}`]) : {}) as Record<string, unknown>;
  const merged =
    key === "services"
      ? Object.fromEntries(
          [...new Set([...Object.keys(current), ...Object.keys(fields)])].map((s) => [
            s,
            { ...(current[s] as object), ...(fields[s] as object) },
          ]),
        )
      : { ...current, ...fields };
  return { ...base, [`ferrum:${key}`]: JSON.stringify(merged) };
}
