/**
 * The least raw config (as the engine holds it) with which a stack of each cloud is valid: its cloud, the
 * YooKassa shop the catalog's payments need, and what only that cloud requires.
 */
export const REQUIRED_CONFIG = {
  k3s: { "ferrum:cloud": "k3s", "ferrum:yookassaShopId": "100500" },
  aws: { "ferrum:cloud": "aws", "ferrum:yookassaShopId": "100500", "aws:region": "eu-central-1" },
  azure: {
    "ferrum:cloud": "azure",
    "ferrum:yookassaShopId": "100500",
    "azure-native:location": "westeurope",
    "ferrum:azure": JSON.stringify({ deployerPrincipalId: "7c9e6679-7425-40de-944b-e07fc1f90ae7" }),
  },
} as const satisfies Record<string, Record<string, string>>;
