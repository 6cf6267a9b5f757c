/**
 * Where the AWS stack's service images come from: the account's private ECR registry, always by digest.
 *
 * - One ECR repository per service, `ferrum/<service>-service` (scan on push, immutable tags, KMS encryption,
 *   old untagged images expired): where CI's service-image workflow and a build context push. A service with
 *   `ferrum:services.<name>.buildContext` is built and pushed by `@pulumi/docker` and runs the pushed digest.
 * - An ECR pull-through cache rule for the upstream registry of `ferrum:imageRegistry` (ghcr.io by default):
 *   the pods pull `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>:<tag>@<digest>` and ECR fetches
 *   what it does not hold yet from the upstream, which exists before this stack does: the first `pulumi up`
 *   depends on no image it would have to push itself. ghcr.io (like Docker Hub and GitLab) takes a login: a
 *   Secrets Manager secret named `ecr-pullthroughcache/...` with `username` and `accessToken`, from
 *   `ferrum:imageRegistryUsername` and the secret `ferrum:imageRegistryPassword`.
 *
 * What rests on AWS's documentation, not on a run against an account (README, "Service images"): the secret's
 * name prefix and keys (pull-through-cache-creating-secret.html), that the ECR service-linked role reads it
 * with `secretsmanager:GetSecretValue` only, so it keeps Secrets Manager's AWS managed key
 * (slr-pullthroughcache.html), and that whoever pulls first needs `ecr:BatchImportUpstreamImage` and
 * `ecr:CreateRepository` (pull-through-cache-iam.html; the node role's grant is in cluster.ts).
 */
import * as ecr from "@pulumi/aws/ecr";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../../config/types";
import type { ImageCache } from "../../config/images";
import { isCached, pullOf } from "../../lib/images";
import { invalidArguments, Problems } from "../../lib/problems";
import { movedUnder } from "../moved";

export const untaggedExpiryPolicy = {
  rules: [
    {
      rulePriority: 1,
      description: "Expire untagged images after 14 days",
      selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
      action: { type: "expire" },
    },
  ],
};

/** The name ECR requires of a pull-through cache credential: `ecr-pullthroughcache/` and then free. */
export const PULL_THROUGH_SECRET_PREFIX = "ecr-pullthroughcache/";

export interface EcrRegistryArgs {
  /** The services: one repository each, and the image each runs. */
  readonly services: readonly ServiceSettings[];
  /** How the upstream of `ferrum:imageRegistry` is cached. @default - nothing is cached */
  readonly cache?: ImageCache;
  /**
   * `ferrum:imageRegistryUsername` and its password: the cache's login, when it authenticates.
   * @default none - the cache rule pulls anonymously (refused when the cache authenticates)
   */
  readonly login?: { readonly username: string; readonly password: pulumi.Input<string> };
  /** The stack's region: the registry's host names it. */
  readonly region: string;
  /** Prefix of the secret's name, unique per stack (`ferrum-prod`). */
  readonly stackName: string;
  /** Tags of every AWS resource. */
  readonly tags: Record<string, string>;
  /** `protect` the repositories: they hold every image a rollback may need. */
  readonly protect: boolean;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com`. */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/** The pull-through cache rule for `cache`'s upstream, with its login secret where the upstream takes one. */
function pullThroughCache(
  name: string,
  cache: ImageCache,
  a: EcrRegistryArgs,
  parent: pulumi.Resource,
): ecr.PullThroughCacheRule {
  const u = cache.upstream;
  let credentialArn: pulumi.Output<string> | undefined;
  let dependsOn: pulumi.Resource[] = [];
  const login = a.login;
  if (cache.authenticated && login) {
    const secret = new secretsmanager.Secret(
      `${name}-${u.prefix}-login`,
      {
        name: `${PULL_THROUGH_SECRET_PREFIX}${a.stackName}/${u.prefix}`,
        description: `Login of the ECR pull-through cache to ${u.host} (ferrum:imageRegistryUsername)`,
        // No kmsKeyId: Secrets Manager's AWS managed key. ECR reads the secret through its service-linked
        // role, whose policy grants secretsmanager:GetSecretValue and no kms:Decrypt on a key of ours.
        // Deleted at once: it copies stack config, and a secret in its recovery window keeps its name, which a
        // re-created stack would be refused.
        recoveryWindowInDays: 0,
        tags: a.tags,
      },
      movedUnder(parent),
    );
    const version = new secretsmanager.SecretVersion(
      `${name}-${u.prefix}-login`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi
            .output(login.password)
            .apply((accessToken) => JSON.stringify({ username: login.username, accessToken })),
        ),
      },
      { parent: secret },
    );
    credentialArn = secret.arn;
    dependsOn = [version];
  }
  return new ecr.PullThroughCacheRule(
    `${name}-${u.prefix}`,
    {
      ecrRepositoryPrefix: u.prefix,
      upstreamRegistryUrl: u.ecr!.url,
      ...(credentialArn ? { credentialArn } : {}),
    },
    // The rule may check its login when it is created: the secret holds it by then.
    { ...movedUnder(parent), dependsOn },
  );
}

/** Every problem with the arguments, before anything registers. Pure. */
export function ecrRegistryProblems(a: EcrRegistryArgs): Problems {
  const problems = new Problems();
  if (a.cache?.authenticated && !a.login)
    problems.report(`the cache of ${a.cache.upstream.host} authenticates, but no login was given`);
  return problems;
}

/**
 * The repositories, the cache rule, and the image every service runs (`ferrum:aws:Registry`, like Azure's
 * AcrRegistry). Its children were created at the stack's root before it existed: each keeps that URN by alias.
 */
export class EcrRegistry extends pulumi.ComponentResource {
  /** The image each service's pods run: the digest a build pushed, the cached reference, or the configured one. */
  public readonly images: Record<string, pulumi.Output<string>> = {};
  /** By service: the cached image by tag, which a Job pulls before the pods pull its digest. */
  public readonly warmups: Record<string, pulumi.Output<string>> = {};
  /** The pull-through cache rule, when the stack caches an upstream. */
  public readonly cacheRule?: ecr.PullThroughCacheRule;

  constructor(name: string, a: EcrRegistryArgs, opts: pulumi.ComponentResourceOptions = {}) {
    ecrRegistryProblems(a).throwIfAny(invalidArguments("EcrRegistry", name));
    super("ferrum:aws:Registry", name, {}, opts);
    this.cacheRule = a.cache ? pullThroughCache(name, a.cache, a, this) : undefined;
    buildRepositories(name, a, this);
    this.registerOutputs({ images: this.images });
  }
}

/** One repository per service, and the image each runs, into `registry.images` and `registry.warmups`. */
function buildRepositories(name: string, a: EcrRegistryArgs, registry: EcrRegistry): void {
  const { images, warmups } = registry;
  // The account's registry, known at preview (unlike an output of the rule), so the diff shows the image.
  const host = a.cache
    ? getCallerIdentityOutput().accountId.apply((id) => ecrRegistryHost(id, a.region))
    : pulumi.output("");
  for (const s of a.services) {
    const repo = new ecr.Repository(
      `${name}-${s.name}`,
      {
        name: `ferrum/${s.imageRepository}`,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "IMMUTABLE",
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        forceDelete: false,
        tags: a.tags,
      },
      // The repositories hold every image a rollback may need.
      { ...movedUnder(registry), protect: a.protect },
    );
    new ecr.LifecyclePolicy(
      `${name}-${s.name}-lifecycle`,
      { repository: repo.name, policy: JSON.stringify(untaggedExpiryPolicy) },
      { parent: repo },
    );
    if (s.buildContext === "") {
      const pull = host.apply((h) => pullOf(s.image, a.cache, h));
      images[s.name] = pull.image;
      if (isCached(s.image, a.cache)) warmups[s.name] = pull.apply((p) => p.warmup!);
      continue;
    }
    const auth = ecr.getAuthorizationTokenOutput({ registryId: repo.registryId });
    const tag = s.image.split(/[:@]/).pop() ?? "latest";
    const image = new docker.Image(
      `${name}-${s.name}-image`,
      {
        imageName: pulumi.interpolate`${repo.repositoryUrl}:${tag}`,
        build: { context: s.buildContext, platform: "linux/amd64" },
        registry: {
          server: repo.repositoryUrl,
          username: auth.userName,
          password: pulumi.secret(auth.password),
        },
      },
      { parent: repo },
    );
    images[s.name] = image.repoDigest;
  }
}
