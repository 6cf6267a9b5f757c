/**
 * The least raw config (as the engine holds it) with which a stack of each cloud is valid: its cloud, the
 * YooKassa shop the catalog's payments need, and what only that cloud requires (where `pulumi up` runs, the
 * certificate source, who deploys).
 */
const CLOUD_COMMON = {
  "ferrum:yookassaShopId": "100500",
  "ferrum:deployer": JSON.stringify({ runner: "staticEgress", cidrs: ["203.0.113.16/28"] }),
  "ferrum:tls": JSON.stringify({ source: "acme", acmeEmail: "platform@ferrum.example" }),
};

export const REQUIRED_CONFIG = {
  k3s: { "ferrum:cloud": "k3s", "ferrum:yookassaShopId": "100500" },
  aws: {
    ...CLOUD_COMMON,
    "ferrum:cloud": "aws",
    "aws:region": "eu-central-1",
    "ferrum:aws": JSON.stringify({ deployerRoleArn: "arn:aws:iam::123456789012:role/ferrum-deploy" }),
  },
  azure: {
    ...CLOUD_COMMON,
    "ferrum:cloud": "azure",
    "azure-native:location": "westeurope",
    "ferrum:azure": JSON.stringify({ deployerPrincipalId: "7c9e6679-7425-40de-944b-e07fc1f90ae7" }),
  },
} as const satisfies Record<string, Record<string, string>>;

/** REQUIRED_CONFIG[cloud] with `ferrum:<key>` merged into (not replacing) the required object's fields. */
export function requiredWith(
  cloud: keyof typeof REQUIRED_CONFIG,
  key: "aws" | "azure",
  fields: Record<string, unknown>,
): Record<string, string> {
  const base: Record<string, string> = { ...REQUIRED_CONFIG[cloud] };
  const current = base[`ferrum:${key}`] ? (JSON.parse(base[`ferrum:${key}`]) as object) : {};
  return { ...base, [`ferrum:${key}`]: JSON.stringify({ ...current, ...fields }) };
}
