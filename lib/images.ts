/**
 * Where the services' images come from, as pure data and functions: an image reference split into its parts,
 * the upstream registries the clouds' caches can serve (ECR pull-through cache rules, ACR artifact cache
 * rules), the reference a pod pulls through a cache, and the `.dockerconfigjson` of a pull secret.
 *
 * The table of upstreams rests on the providers' documentation, not on a run against a real account:
 * - ECR: the upstream registry URLs of `CreatePullThroughCacheRule`, and which need a Secrets Manager
 *   secret (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html,
 *   https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html).
 * - ACR: the "Upstream support" table of artifact cache
 *   (https://learn.microsoft.com/azure/container-registry/artifact-cache-overview).
 */

/** An image reference, split. */
export interface ImageRef {
  /** Registry host (`ghcr.io`, `docker.io` for a reference without one). */
  readonly host: string;
  /** Repository path under the host (`ferrum/auth-service`; Docker Hub's official images get `library/`). */
  readonly path: string;
  readonly tag?: string;
  /** `sha256:<64 hex>`. */
  readonly digest?: string;
}

/** A digest as config takes it. */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * `ghcr.io/ferrum/auth-service:1.0.0@sha256:...` split. The first path component is a host when it has a dot
 * or a port or is `localhost`, as Docker reads references; otherwise the image is on Docker Hub.
 */
export function parseImage(ref: string): ImageRef {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const slash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const tag = colon > slash ? named.slice(colon + 1) : undefined;
  const name = colon > slash ? named.slice(0, colon) : named;
  const first = name.split("/")[0]!;
  const hasHost = name.includes("/") && (/[.:]/.test(first) || first === "localhost");
  const host = hasHost ? first : "docker.io";
  const rest = hasHost ? name.slice(first.length + 1) : name;
  const path = host === "docker.io" && !rest.includes("/") ? `library/${rest}` : rest;
  return { host, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `host/path[:tag][@digest]`. */
export function formatImage(r: ImageRef): string {
  return `${r.host}/${r.path}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}`;
}

/** Whether `image` lies under `registry` (a host with an optional path, as `ferrum:imageRegistry` names it). */
export function isUnder(image: string, registry: string): boolean {
  const a = parseImage(image);
  const [host, ...rest] = registry.split("/");
  const prefix = rest.join("/");
  return a.host === host && (prefix === "" || a.path.startsWith(`${prefix}/`));
}

/** Whether a cache authenticates to its upstream: it must, it may, or it cannot. */
export type UpstreamCredentials = "required" | "optional" | "none";

/** An upstream registry one of the clouds' caches can serve. */
export interface Upstream {
  /** Its host in image references. */
  readonly host: string;
  /**
   * Repository prefix of its cache in the stack's registry (the ECR pull-through rule's prefix, the first part
   * of the ACR cache rule's target): cached images are `<registry>/<prefix>/<path>`. Distinct from `ferrum/`,
   * where the stack's own pushes go.
   */
  readonly prefix: string;
  /** ECR pull-through cache: the rule's upstream URL and whether it takes a Secrets Manager secret. */
  readonly ecr?: { readonly url: string; readonly credentials: UpstreamCredentials };
  /** ACR artifact cache: whether its rule takes a credential set. */
  readonly acr?: { readonly credentials: UpstreamCredentials };
}

export const UPSTREAMS: readonly Upstream[] = [
  {
    host: "ghcr.io",
    prefix: "ghcr",
    ecr: { url: "ghcr.io", credentials: "required" },
    acr: { credentials: "optional" },
  },
  {
    host: "docker.io",
    prefix: "docker-hub",
    ecr: { url: "registry-1.docker.io", credentials: "required" },
    acr: { credentials: "required" },
  },
  {
    host: "registry.gitlab.com",
    prefix: "gitlab",
    ecr: { url: "registry.gitlab.com", credentials: "required" },
  },
  {
    host: "quay.io",
    prefix: "quay",
    ecr: { url: "quay.io", credentials: "none" },
    acr: { credentials: "optional" },
  },
  {
    host: "public.ecr.aws",
    prefix: "ecr-public",
    ecr: { url: "public.ecr.aws", credentials: "none" },
    acr: { credentials: "none" },
  },
  {
    host: "registry.k8s.io",
    prefix: "k8s",
    ecr: { url: "registry.k8s.io", credentials: "none" },
    acr: { credentials: "optional" },
  },
  { host: "mcr.microsoft.com", prefix: "mcr", acr: { credentials: "none" } },
];

export type CacheCloud = "aws" | "azure";

/** The upstream `host` as `cloud`'s cache serves it, or undefined when that cache cannot. */
export function upstreamFor(cloud: CacheCloud, host: string): Upstream | undefined {
  const u = UPSTREAMS.find((x) => x.host === host);
  return u && (cloud === "aws" ? u.ecr : u.acr) ? u : undefined;
}

/** Whether `cloud`'s cache must, may or cannot authenticate to `u`. */
export function credentialsOf(cloud: CacheCloud, u: Upstream): UpstreamCredentials {
  return (cloud === "aws" ? u.ecr?.credentials : u.acr?.credentials) ?? "none";
}

/** The hosts `cloud`'s cache serves, for messages. */
export function cacheableHosts(cloud: CacheCloud): string[] {
  return UPSTREAMS.filter((u) => (cloud === "aws" ? u.ecr : u.acr)).map((u) => u.host);
}

/** `<account>.dkr.ecr.<region>.amazonaws.com`: a private ECR registry's host. */
export const ECR_HOST = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/;

/**
 * The reference a pod pulls through the stack's cache: `<registry host>/<prefix>/<path>:<tag>@<digest>` for
 * an upstream image `<upstream host>/<path>:<tag>@<digest>`.
 */
export function cachedImage(image: string, registryHost: string, upstream: Upstream): string {
  const r = parseImage(image);
  return formatImage({ ...r, host: registryHost, path: `${upstream.prefix}/${r.path}` });
}

/**
 * The same image by its tag alone. The cache is filled by pulling the tag: a first pull by digest of an image
 * the ECR cache does not hold yet is reported to fail (https://github.com/aws/containers-roadmap/issues/2837),
 * and a tag pull stores the manifest the digest names.
 */
export function byTag(image: string): string {
  const r = parseImage(image);
  return formatImage({ host: r.host, path: r.path, ...(r.tag !== undefined ? { tag: r.tag } : {}) });
}

/** The key of a registry in a `.dockerconfigjson`: Docker Hub's is its v1 index URL, as `docker login` writes it. */
export function dockerConfigKey(host: string): string {
  return host === "docker.io" ? "https://index.docker.io/v1/" : host;
}

/** A `.dockerconfigjson` holding one registry's login. Pure: the caller keeps the result secret. */
export function dockerConfigJson(host: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [dockerConfigKey(host)]: { username, password, auth } } });
}

/** What the pods of one service pull, and what a Job pulls first to fill the cache. */
export interface Pull {
  /** The reference the service's containers run. */
  readonly image: string;
  /** The same image by tag, pulled once before the pods pull the digest; absent when nothing is cached. */
  readonly warmup?: string;
}

/** Whether `image` comes through the stack's cache (decides which warm-up Jobs exist, outside any Output). */
export function isCached(image: string, cache: { readonly source: string } | undefined): boolean {
  return cache !== undefined && isUnder(image, cache.source);
}

/**
 * Where a service's image is pulled from: through the stack's cache when it lies under the cached registry
 * (`ferrum:imageRegistry`), as configured otherwise (the stack's own registry, or another one).
 */
export function pullOf(
  image: string,
  cache: { readonly source: string; readonly upstream: Upstream } | undefined,
  registryHost: string,
): Pull {
  if (!cache || !isCached(image, cache)) return { image };
  const cached = cachedImage(image, registryHost, cache.upstream);
  return { image: cached, warmup: byTag(cached) };
}
