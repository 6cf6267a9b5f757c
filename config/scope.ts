/**
 * Settings that are valid on their own but would be ignored by this stack: a key of a namespace the program
 * does not read (`ferum:cloud`), a provider key no provider of this stack reads (`aws:region` on k3s), and a
 * `ferrum:` setting of another cloud or of a feature that is off (`ferrum:aws.*` on k3s). Each is refused,
 * because a setting that silently does nothing deploys something other than what its author meant.
 */
import type { FerrumConfig } from "./types";
import { closest, fullKey, type Json, type ConfigProblems, PROJECT, type RawConfig, show } from "./reader";
import { providerKeys, PULUMI_NAMESPACE, splitKey } from "./provider-keys";
import { settingsOfOffBackings } from "./backings";

/**
 * Keys outside `ferrum:`: a namespace the program reads, a key its provider SDK knows, and a provider this
 * stack's cloud uses (when the cloud is known). `ferrum:` keys are checked by the schema (config.ts).
 */
export function foreignKeyProblems(
  raw: RawConfig,
  cloud: string | undefined,
  ferrumKeys: readonly string[],
  problems: ConfigProblems,
): void {
  const providers = providerKeys();
  const everyKey = [
    ...ferrumKeys.map(fullKey),
    ...providers.flatMap((p) => p.keys.map((k) => `${p.namespace}:${k}`)),
  ];
  const namespaces = [PROJECT, PULUMI_NAMESPACE, ...providers.map((p) => p.namespace)];
  for (const [key, value] of Object.entries(raw)) {
    const parts = splitKey(key);
    if (!parts || parts.namespace === PROJECT || parts.namespace === PULUMI_NAMESPACE) continue;
    const provider = providers.find((p) => p.namespace === parts.namespace);
    if (!provider) {
      const guess = closest(key, everyKey);
      problems.add(
        key,
        `is in no namespace this program reads (got ${show(value)}): the namespaces are ${namespaces.join(", ")}; ${
          guess ? `did you mean ${guess}? ` : ""
        }remove it with: ${problems.remove(key)}`,
      );
    } else if (!provider.keys.includes(parts.name)) {
      const guess = closest(parts.name, provider.keys);
      problems.add(
        key,
        `is not a setting of the ${provider.namespace} provider (${provider.package}) (got ${show(value)}); ${
          guess ? `did you mean ${provider.namespace}:${guess}? ` : ""
        }remove it with: ${problems.remove(key)}`,
      );
    } else if (cloud !== undefined && !(provider.clouds as readonly string[]).includes(cloud)) {
      problems.add(
        key,
        `does nothing on this stack (got ${show(value)}): ${provider.why}${provider.clouds.length ? `, and ferrum:cloud is ${JSON.stringify(cloud)}` : ""}; remove it with: ${problems.remove(key)}`,
      );
    }
  }
}

/** What a stack of each cloud must have beyond the defaults. */
export function requiredForCloud(raw: RawConfig, config: FerrumConfig, problems: ConfigProblems): void {
  if (config.cloud === "aws" && !raw["aws:region"]) {
    problems.add(
      "aws:region",
      `must be set on an AWS stack: the cluster, its kubeconfig and the buckets are made in that region (got nothing); set it with: ${problems.set("aws:region", "eu-central-1")}`,
    );
  }
  if (config.cloud === "aws" && !config.aws.existingCluster && config.aws.deployerRoleArn === "") {
    problems.add(
      "aws.deployerRoleArn",
      `must be set when the stack creates its cluster: the IAM role pulumi up runs as gets cluster admin through an access entry of its own, which every Kubernetes resource waits for (got ""); set it with: ${problems.set("aws.deployerRoleArn", "arn:aws:iam::<account>:role/<deploy role>")}`,
    );
  }
}

type Tree = Readonly<Record<string, Json>>;
const isSet = (v: Json | undefined) => v !== undefined && v !== null;

/**
 * `ferrum:` settings this stack would ignore: another cloud's, an in-cluster server's on a stack where that
 * server is managed, a feature's while the feature is off. `tree` is the raw `ferrum:` object (what the user
 * set), `defaults` the scalar defaults that Pulumi.yaml hands every stack.
 */
export function unusedSettingProblems(
  tree: Tree,
  config: FerrumConfig,
  defaults: Readonly<Record<string, string | number | boolean>>,
  problems: ConfigProblems,
): void {
  const unused = (key: string, value: Json | undefined, why: string) =>
    // An invalid value is named once, as invalid.
    !problems.has(key) &&
    problems.add(
      key,
      `does nothing on this stack (got ${show(value)}): ${why}; remove it with: ${problems.remove(key)}`,
    );
  /** A scalar differs from the default Pulumi.yaml gives every stack. */
  const scalarSet = (key: string) => isSet(tree[key]) && String(tree[key]) !== String(defaults[key]);
  const object = (v: Json | undefined): Tree =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Tree) : {};
  const { cloud } = config;
  const cloudName = JSON.stringify(cloud);

  if (config.deployer === undefined && isSet(tree.deployer))
    unused(
      "deployer",
      tree.deployer,
      cloud === "k3s"
        ? "a k3s stack deploys to a cluster you already reach with its kubeconfig"
        : "aws.existingCluster brings a cluster whose API its runners already reach",
    );

  if (cloud !== "aws" && isSet(tree.aws))
    unused("aws", tree.aws, `only an AWS stack reads it, and ferrum:cloud is ${cloudName}`);
  if (cloud !== "azure" && isSet(tree.azure))
    unused("azure", tree.azure, `only an Azure stack reads it, and ferrum:cloud is ${cloudName}`);
  for (const key of ["kubeconfig", "kubeContext"]) {
    if (cloud !== "k3s" && scalarSet(key))
      unused(
        key,
        tree[key],
        "only a k3s stack deploys to an existing cluster's kubeconfig; a cloud stack reaches the cluster it creates, or ferrum:clusterKubeconfig's",
      );
  }

  const pg = object(tree.postgres);
  for (const key of ["storageGiB", "storageClass", "resources"]) {
    if (cloud !== "k3s" && isSet(pg[key]))
      unused(
        `postgres.${key}`,
        pg[key],
        "the cloud stacks use managed PostgreSQL (RDS, Flexible Server); only postgres.image (the bootstrap Job's image) and postgres.rotation apply there",
      );
  }
  if (cloud === "aws" && isSet(tree.objectStore))
    unused("objectStore", tree.objectStore, "the AWS stack keeps objects in S3, not in an in-cluster server");
  const managedCache =
    (cloud === "aws" && config.aws.cache !== "inCluster") ||
    (cloud === "azure" && config.azure.cache !== "inCluster");
  if (managedCache && isSet(tree.redis))
    unused(
      "redis",
      tree.redis,
      "this stack's cache is managed (its cloud's cache setting), not in the cluster",
    );

  const services = object(tree.services);
  for (const service of config.services) {
    const s = object(services[service.name]);
    if (cloud === "k3s" && isSet(s.buildContext) && s.buildContext !== "")
      unused(
        `services.${service.name}.buildContext`,
        s.buildContext,
        "a k3s stack pulls its images; only the cloud stacks build and push them (to ECR or ACR)",
      );
    // A non-Celery service's worker fields are named one by one where they are read (config.ts).
    for (const part of ["beat"]) {
      if (!service.celery && isSet(s[part]))
        unused(
          `services.${service.name}.${part}`,
          s[part],
          `${service.name} runs no Celery worker or beat (catalog.ts)`,
        );
    }
  }

  for (const { key, value, why } of settingsOfOffBackings(tree, config.backings))
    unused(key, value as Json, why);
  if (config.observability.tracing && !config.observability.enabled)
    problems.add(
      "observability.tracing",
      `needs observability.enabled: Tempo is installed with the rest of observability, which is off (got true); turn it on with: ${problems.set("observability.enabled", true)}, or remove it with: ${problems.remove("observability.tracing")}`,
    );

  if (config.email.host === "") {
    for (const key of ["emailPort", "emailUseTls"]) {
      if (scalarSet(key)) unused(key, tree[key], "no SMTP relay is set (ferrum:emailHost is empty)");
    }
  }
  const secretUse: Record<string, [boolean, string]> = {
    emailPassword: [config.email.user !== "", "it is the password of ferrum:emailUser, which is not set"],
    yookassaSecretKey: [
      config.payments.shopId !== "",
      "it is the secret key of ferrum:yookassaShopId, which is not set",
    ],
    clusterKubeconfig: [
      cloud === "aws" && config.aws.existingCluster !== undefined,
      "only an AWS stack on an existing cluster (ferrum:aws.existingCluster) reads it",
    ],
    imageRegistryPassword: [
      config.images.username !== "",
      "it is the password of ferrum:imageRegistryUsername, which is not set",
    ],
  };
  for (const [key, [used, why]] of Object.entries(secretUse)) {
    if (!used && isSet(tree[key])) unused(key, "[secret]", why);
  }

  if (cloud === "aws") {
    const aws = object(tree.aws);
    if (config.aws.cache !== "elasticache" && isSet(aws.elasticache))
      unused(
        "aws.elasticache",
        aws.elasticache,
        "the cache is in the cluster (aws.cache is not elasticache)",
      );
    if (config.aws.existingCluster) {
      const created = [
        "deployerRoleArn",
        "vpcCidr",
        "natGateways",
        "kubernetesVersion",
        "publicAccessCidrs",
        "adminPrincipalArns",
        "nodeInstanceTypes",
        "nodeMinSize",
        "nodeMaxSize",
        "nodeDesiredSize",
      ];
      for (const key of created.filter((k) => isSet(aws[k])))
        unused(
          `aws.${key}`,
          aws[key],
          "it shapes the VPC and cluster this stack creates, and aws.existingCluster brings its own",
        );
    }
  }
  if (cloud === "azure") {
    const azure = object(tree.azure);
    if (!config.images.cache?.authenticated && isSet(azure.keyVaultName))
      unused(
        "azure.keyVaultName",
        azure.keyVaultName,
        "the Key Vault holds the login of an authenticated ACR artifact cache, and this stack's cache logs in nowhere (ferrum:imageRegistryUsername is not set, or no service image is cached)",
      );
    for (const key of ["redisSku", "redisCacheSku"] as const)
      if (config.azure.cache !== "azureManagedRedis" && isSet(azure[key]))
        unused(
          `azure.${key}`,
          azure[key],
          "the cache is in the cluster (azure.cache is not azureManagedRedis)",
        );
  }
}
