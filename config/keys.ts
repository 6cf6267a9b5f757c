/** The names of the stack's config keys: structured, secret, and every top-level `ferrum:` key. */
import { BACKING_KEYS } from "./backings";
import { SCALAR_DEFAULTS } from "./defaults";

/** Keys whose values are objects (set with `pulumi config set --path`); the rest are scalars typed in Pulumi.yaml. */
export const STRUCTURED_KEYS = [
  "services",
  "postgres",
  "redis",
  "objectStore",
  "observability",
  ...BACKING_KEYS,
  "aws",
  "azure",
  "deployer",
  "tls",
] as const;

/** Config keys that hold secrets; each is required only when the setting that needs it is present. */
export const SECRET_KEYS = [
  "emailPassword",
  "yookassaSecretKey",
  "clusterKubeconfig",
  "imageRegistryPassword",
  "imagePullSecret",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * What the repository's Pulumi ESC environment definitions (deployments/esc/) hold for each secret until
 * `esc env set ... --secret` replaces it. A secret with this value is refused: an environment created from the
 * file and never filled in deploys nothing.
 */
export const ESC_PLACEHOLDER = "REPLACE-with-esc-env-set";

/** Every top-level `ferrum:` key the program reads. */
export const FERRUM_KEYS: readonly string[] = [
  "cloud",
  ...Object.keys(SCALAR_DEFAULTS),
  ...STRUCTURED_KEYS,
  ...SECRET_KEYS,
];
