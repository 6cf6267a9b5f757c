/**
 * Production pulls its images through its own registry (issue: first contact, "Images"):
 * - A stack that caches an upstream registry (an ECR pull-through cache rule, an ACR cache rule) pulls that
 *   registry's images through the cache: a pod pulling them straight from the upstream, with no pull secret,
 *   has no login there (the nodes log in to their own cloud's registry only) and fails on a private image.
 * - An ECR pull-through cache rule for an upstream that takes a login (ghcr.io, Docker Hub, GitLab, ACR) names
 *   a Secrets Manager secret whose name starts with `ecr-pullthroughcache/`: ECR refuses the rule otherwise
 *   (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-rule.html).
 */
import { containers, isWorkload, podSpec } from "../k8s";
import {
  arr,
  isUnknown,
  label,
  str,
  type Finding,
  type GuardedResource,
  type ResourceRule,
  type StackRule,
} from "../resource";

const ECR_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule";
const ACR_RULE = "azure-native:containerregistry:CacheRule";

/** ECR's upstream URL as image references name the registry. */
const IMAGE_HOST: Readonly<Record<string, string>> = { "registry-1.docker.io": "docker.io" };

/** The registry host of an image reference (`docker.io` without one, as Docker reads it). */
export function imageHost(image: string): string {
  const first = image.split("/")[0]!;
  return image.includes("/") && (/[.:]/.test(first) || first === "localhost") ? first : "docker.io";
}

/** Hosts the stack's cache rules serve, each with the rule that serves it. */
function cachedHosts(resources: readonly GuardedResource[]): Map<string, GuardedResource> {
  const hosts = new Map<string, GuardedResource>();
  for (const r of resources) {
    const source =
      r.type === ECR_RULE
        ? str(r.props.upstreamRegistryUrl)
        : r.type === ACR_RULE
          ? str(r.props.sourceRepository)?.split("/")[0]
          : undefined;
    if (source) hosts.set(IMAGE_HOST[source] ?? source, r);
  }
  return hosts;
}

function straightFromUpstream(resources: readonly GuardedResource[]): Finding[] {
  const cached = cachedHosts(resources);
  if (cached.size === 0) return [];
  return resources
    .filter((r) => isWorkload(r.type))
    .flatMap((r) => {
      const pullSecrets = podSpec(r)?.imagePullSecrets;
      if (isUnknown(pullSecrets) || arr(pullSecrets).length > 0) return [];
      return containers(r).flatMap((c) => {
        const image = str(c.spec.image);
        const rule = image === undefined ? undefined : cached.get(imageHost(image));
        return rule
          ? [
              {
                urn: r.urn,
                message:
                  `${label(r)}: container "${c.name}" pulls ${JSON.stringify(image)} straight from ${imageHost(image!)}, ` +
                  `which the nodes have no login to; pull it through the stack's cache (${label(rule)})`,
              },
            ]
          : [];
      });
    });
}

export const imagesThroughStackRegistry: StackRule = {
  scope: "stack",
  name: "images-through-stack-registry",
  description:
    "A registry the stack caches (ECR pull-through cache rule, ACR cache rule) is pulled through the cache, never straight from the upstream without a pull secret.",
  check: straightFromUpstream,
};

/** Upstreams whose ECR pull-through cache rule needs a Secrets Manager secret. */
const NEEDS_LOGIN = /^(ghcr\.io|registry-1\.docker\.io|registry\.gitlab\.com|[a-z0-9-]+\.azurecr\.io)$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/.+$/;

export const pullThroughCacheLogin: ResourceRule = {
  scope: "resource",
  name: "pull-through-cache-login",
  description:
    "An ECR pull-through cache rule for ghcr.io, Docker Hub, GitLab or ACR logs in with a Secrets Manager secret named ecr-pullthroughcache/...",
  check(r) {
    if (r.type !== ECR_RULE) return [];
    const url = str(r.props.upstreamRegistryUrl);
    if (url === undefined || !NEEDS_LOGIN.test(url)) return [];
    const arn = r.props.credentialArn;
    if (isUnknown(arn)) return [];
    if (arn === undefined)
      return [
        `${label(r)}: ${url} takes a login, and the rule has no credentialArn; ECR refuses it: give it a Secrets Manager secret named ecr-pullthroughcache/... holding username and accessToken`,
      ];
    if (typeof arn !== "string" || !SECRET_ARN.test(arn))
      return [
        `${label(r)}: credentialArn ${JSON.stringify(arn)} is not a Secrets Manager secret named ecr-pullthroughcache/...; ECR reads only those`,
      ];
    return [];
  },
};
