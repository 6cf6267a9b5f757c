/**
 * Where the services' images come from, checked against the stack (README, "Service images"). Pure; read by
 * config.ts once every service is read.
 *
 * - k3s pulls every image where it is, with the pull secrets config gives.
 * - A cloud stack runs every service image by digest, from its own registry: an image under
 *   `ferrum:imageRegistry` is pulled through the stack's cache of that upstream (an ECR pull-through cache
 *   rule, an ACR cache rule), an image of the stack's own registry as it is, a service with a build context
 *   the digest its build pushed. An image elsewhere is pulled where it is (with `ferrum:imagePullSecret`).
 */
import type { Cloud, ServiceSettings } from "./types";
import { type ObjectReader, type ConfigProblems, show } from "./reader";
import {
  cacheableHosts,
  credentialsOf,
  ECR_HOST,
  isUnder,
  parseImage,
  type Upstream,
  upstreamFor,
} from "../lib/images";

/** How the stack's registry serves the images under `ferrum:imageRegistry` (cloud stacks). */
export interface ImageCache {
  /** The upstream registry, as the stack's cache serves it. */
  readonly upstream: Upstream;
  /** `ferrum:imageRegistry`: every service image under it is pulled through the cache. */
  readonly source: string;
  /** The cache logs in to the upstream with `ferrum:imageRegistryUsername` and `ferrum:imageRegistryPassword`. */
  readonly authenticated: boolean;
}

export interface ImageSettings {
  /** `ferrum:imageRegistry`. */
  readonly registry: string;
  /** `ferrum:imageRegistryUsername`: the login to the registry's host; "" for none. */
  readonly username: string;
  /** Cloud stacks whose services pull images under `registry`: how the stack's own registry caches them. */
  readonly cache?: ImageCache;
  /**
   * `kubernetes.io/dockerconfigjson` Secrets every service pod references: `registryLogin` (k3s with a
   * username: the login to `registry`'s host), `dockerConfig` (`ferrum:imagePullSecret` as given).
   */
  readonly pullSecrets: { readonly registryLogin?: string; readonly dockerConfig: boolean };
}

export interface ImageContext {
  readonly cloud: Cloud;
  readonly services: readonly ServiceSettings[];
  /** The raw `ferrum:services` object, to tell a set value from a default. */
  readonly servicesRaw: Readonly<Record<string, unknown>>;
  /** `ferrum:acrName` lowercased + `.azurecr.io` on Azure. */
  readonly acrLoginServer: string;
  /** Whether `ferrum:imagePullSecret` is set. */
  readonly pullSecretSet: boolean;
}

const CACHE_NAME = { aws: "ECR pull-through cache", azure: "ACR artifact cache" } as const;

/** Whether a host is the stack's own registry: a private ECR registry, or the stack's ACR. */
function ownRegistry(cloud: Cloud, host: string, acrLoginServer: string): boolean {
  return (cloud === "aws" && ECR_HOST.test(host)) || (cloud === "azure" && host === acrLoginServer);
}

/**
 * `ferrum:imageRegistryUsername` read, and every service image checked against the stack: by digest in a
 * cloud stack, under a registry its cache serves, logged in where the cache must.
 */
export function readImages(top: ObjectReader, ctx: ImageContext, registry: string): ImageSettings {
  const p = top.problems;
  const username = top.string("imageRegistryUsername", "", {
    pattern: /^$|^[A-Za-z0-9][A-Za-z0-9._@+-]{0,254}$/,
    expectation: "a registry login name",
    example: "ferrum-ci",
  });
  const registryHost = parseImage(`${registry}/x`).host;
  const k3s = ctx.cloud === "k3s";
  if (k3s) {
    return {
      registry,
      username,
      pullSecrets: { ...(username ? { registryLogin: registryHost } : {}), dockerConfig: ctx.pullSecretSet },
    };
  }
  const cloud = ctx.cloud as "aws" | "azure";
  const pulled = ctx.services.filter((s) => s.buildContext === "");
  for (const s of pulled) digestProblems(p, s, ctx.servicesRaw);

  const fromRegistry = pulled.filter((s) => isUnder(s.image, registry));
  const own = ownRegistry(cloud, registryHost, ctx.acrLoginServer);
  const upstream = own ? undefined : upstreamFor(cloud, registryHost);
  if (fromRegistry.length && !own && !upstream) {
    const ownHost = cloud === "aws" ? "<account>.dkr.ecr.<region>.amazonaws.com" : ctx.acrLoginServer;
    p.add(
      "imageRegistry",
      `must be a registry the stack's ${CACHE_NAME[cloud]} serves (${cacheableHosts(cloud).join(", ")}), or the stack's own registry ${ownHost} (got ${JSON.stringify(registry)}, the registry of ${fromRegistry.map((s) => s.name).join(", ")}): production pulls every service image through the stack's own registry; set it with: ${p.set("imageRegistry", "ghcr.io/ferrum")}`,
    );
  }
  const cached = upstream ? fromRegistry : [];
  for (const s of cached) {
    if (parseImage(s.image).tag === undefined) {
      const key = `services.${s.name}.image`;
      p.add(
        key,
        `must name the tag its digest was released under in a cloud stack (got ${JSON.stringify(s.image)}): the stack's ${CACHE_NAME[cloud]} is filled by pulling the tag before the pods pull the digest; set it with: ${p.set(key, s.image.replace("@", ":<tag>@"))}`,
      );
    }
  }

  const credentials = upstream ? credentialsOf(cloud, upstream) : "none";
  if (username !== "" && !p.has("imageRegistryUsername") && !p.has("imageRegistry")) {
    const why = !upstream
      ? own
        ? `${registryHost} is the stack's own registry, which the nodes pull from with their cloud identity`
        : `no service image comes from ferrum:imageRegistry (${registry}) through the stack's ${CACHE_NAME[cloud]}`
      : credentials === "none"
        ? `the ${CACHE_NAME[cloud]} reaches ${registryHost} without credentials`
        : cached.length === 0
          ? `no service image comes from ferrum:imageRegistry (${registry}) through the stack's ${CACHE_NAME[cloud]}`
          : undefined;
    if (why)
      p.add(
        "imageRegistryUsername",
        `does nothing on this stack (got ${show(username)}): ${why}; remove it with: ${p.remove("imageRegistryUsername")}, and its secret with: ${p.remove("imageRegistryPassword")}`,
      );
  }
  if (cached.length && credentials === "required" && username === "" && !p.has("imageRegistryUsername")) {
    p.add(
      "imageRegistryUsername",
      `must be set: the stack's ${CACHE_NAME[cloud]} logs in to ${registryHost} to pull ${cached.map((s) => s.name).join(", ")} (got ""); set it with: ${p.set("imageRegistryUsername", "<login>")}, and its token with: ${p.set("imageRegistryPassword", "<value>", true)}`,
    );
  }
  const cache: ImageCache | undefined =
    upstream && cached.length
      ? { upstream, source: registry, authenticated: credentials !== "none" && username !== "" }
      : undefined;

  // Images neither built, nor cached, nor in the stack's own registry: only these can need a pull secret.
  const elsewhere = pulled.filter(
    (s) => !cached.includes(s) && !ownRegistry(cloud, parseImage(s.image).host, ctx.acrLoginServer),
  );
  if (ctx.pullSecretSet && elsewhere.length === 0) {
    p.add(
      "imagePullSecret",
      `does nothing on this stack (got ${show("[secret]")}): every service image comes from the stack's own registry, which the nodes pull from with their cloud identity; remove it with: ${p.remove("imagePullSecret")}`,
    );
  }
  return {
    registry,
    username,
    ...(cache ? { cache } : {}),
    pullSecrets: { dockerConfig: ctx.pullSecretSet },
  };
}

/** A pulled service image of a cloud stack carries a digest. */
function digestProblems(
  p: ConfigProblems,
  s: ServiceSettings,
  servicesRaw: Readonly<Record<string, unknown>>,
): void {
  if (parseImage(s.image).digest !== undefined) return;
  const key = `services.${s.name}.digest`;
  const raw = servicesRaw[s.name] as Record<string, unknown> | undefined;
  if (p.has(key) || p.has(`services.${s.name}.image`) || raw?.digest !== undefined) return;
  p.add(
    key,
    `must be set in a cloud stack: production runs every service image by digest, the bytes its tag named when it was released (got nothing for ${JSON.stringify(s.image)}; docker buildx imagetools inspect ${s.image} prints it); set it with: ${p.set(key, "sha256:<digest>")}`,
  );
}
