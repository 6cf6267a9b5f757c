/** Every guardrail rule, in the order the policy pack lists them. */
import type { Rule } from "../resource";
import { lockedDownControlPlane, nodeMetadataV2 } from "./clusters";
import { deletionProtectionAndBackups, protectStateful } from "./durability";
import { bucketEncryptionRule, encryptionAtRest } from "./encryption";
import { explicitClusterAccess, nodeGroupPerZone, trustedCertificate } from "./first-up";
import { noPublicDataStores, onlyIngressLoadBalancer } from "./exposure";
import { pinnedImages } from "./images";
import { imagesThroughStackRegistry, pullThroughCacheLogin } from "./image-sources";
import { cdnHttpsPrivateOrigins, privateResourcePolicies } from "./public-access";
import { networkPolicyPerDataNamespace } from "./network-policy";
import { noPlainSecrets } from "./plain-secrets";
import { containerProbes, containerResources, containerSecurityContext } from "./workloads";

export const RULES: readonly Rule[] = [
  noPublicDataStores,
  privateResourcePolicies,
  cdnHttpsPrivateOrigins,
  encryptionAtRest,
  bucketEncryptionRule,
  deletionProtectionAndBackups,
  protectStateful,
  containerResources,
  containerProbes,
  containerSecurityContext,
  pinnedImages,
  imagesThroughStackRegistry,
  pullThroughCacheLogin,
  onlyIngressLoadBalancer,
  networkPolicyPerDataNamespace,
  noPlainSecrets,
  lockedDownControlPlane,
  nodeMetadataV2,
  explicitClusterAccess,
  nodeGroupPerZone,
  trustedCertificate,
];

export {
  bucketEncryptionRule,
  cdnHttpsPrivateOrigins,
  containerProbes,
  containerResources,
  containerSecurityContext,
  deletionProtectionAndBackups,
  encryptionAtRest,
  explicitClusterAccess,
  imagesThroughStackRegistry,
  lockedDownControlPlane,
  networkPolicyPerDataNamespace,
  nodeGroupPerZone,
  nodeMetadataV2,
  noPlainSecrets,
  noPublicDataStores,
  onlyIngressLoadBalancer,
  pinnedImages,
  privateResourcePolicies,
  protectStateful,
  pullThroughCacheLogin,
  trustedCertificate,
};
