/**
 * The one typed, validated view of stack config. Every problem is collected and reported at once, naming
 * the key, the value received and how to fix it, before any resource is registered.
 *
 * `parseConfig` is pure (raw `ferrum:key -> text` map in, settings or problems out) and is what the tests
 * and the offline plan exercise; `loadConfig` reads the engine's config and adds the secrets as Outputs. The
 * types, defaults and each concern's reader live in sibling modules; components import those, never this one.
 */
import * as pulumi from "@pulumi/pulumi";
import { ProblemsError } from "../lib/problems";
import { readAwsSettings } from "./aws";
import { AZURE_LOCATION_KEY, azureStackProblems, readAzureSettings } from "./azure";
import { CATALOG, SERVICE_NAMES } from "./catalog";
import { readBackings } from "./backings";
import { readObjectStore, readObservability, readPostgres, readRedis } from "./data-services";
import { SCALAR_DEFAULTS } from "./defaults";
import { readDeployer } from "./deployer";
import { readImages } from "./images";
import { FERRUM_KEYS, type SecretKey, STRUCTURED_KEYS } from "./keys";
import { ConfigProblems, fullKey, type Json, ObjectReader, type RawConfig, rawToObject } from "./reader";
import { DNS_LABEL, DNS_NAME, rule } from "./rules";
import { foreignKeyProblems, requiredForCloud, unusedSettingProblems } from "./scope";
import { readService } from "./services";
import { missingSecretsMessage, readObjectsHost, readSecretPlaceholders, requiredSecretKeys } from "./stack";
import { readTls } from "./tls";
import { CLOUDS, type FerrumConfig, type LoadedConfig } from "./types";

// The config's public surface for the program, the harness, the generators and the tests.
export * from "./types";
export * from "./defaults";
export * from "./keys";
export { missingSecretsMessage, requiredSecretKeys } from "./stack";
/**
 * The name stacks/ and the harness knew the refusal of bad config by: the one error type, lib/problems.ts's
 * ProblemsError, whose subject defaults to "Invalid configuration".
 */
export type { Json };

export interface ParseResult {
  readonly config?: FerrumConfig;
  readonly problems: readonly string[];
}

export interface ParseOptions {
  readonly project?: string;
  /** Full keys the offline plan got with `-c`: their fixes correct the `-c`, not the stack file. */
  readonly overrides?: ReadonlySet<string>;
}

/**
 * Validates raw config as the engine holds it (`namespace:key -> text`, every namespace, structured values
 * as JSON), the stack file's and an ESC environment's alike. Pure but for reading the provider SDKs' key
 * lists from node_modules.
 */
export function parseConfig(raw: RawConfig, stack: string, options: ParseOptions = {}): ParseResult {
  const project = options.project ?? "ferrum";
  const problems = new ConfigProblems({ stack, overrides: options.overrides });
  const top = new ObjectReader(problems, "", rawToObject(raw, problems, STRUCTURED_KEYS));
  const d = SCALAR_DEFAULTS;

  if (raw[fullKey("cloud")] === undefined) {
    problems.add(
      "cloud",
      `must be set in every stack file: it decides what the stack deploys to, and without it the stack would deploy as k3s to whatever cluster your kubeconfig points at (got nothing); set it with: ${problems.set("cloud", "<k3s|aws|azure>")}`,
    );
  }
  const cloud = top.oneOf("cloud", CLOUDS, "k3s");
  const registry = top.string(
    "imageRegistry",
    d.imageRegistry,
    rule(
      /^[a-z0-9]([a-z0-9.\-/:]*[a-z0-9])?$/,
      "a registry host with an optional path, no tag",
      "ghcr.io/ferrum",
    ),
  );
  const tag = top.string(
    "imageTag",
    d.imageTag,
    rule(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag", "1.0.0"),
  );
  if (cloud !== "k3s" && tag === "latest")
    top.problems.invalid("imageTag", "a version in a cloud stack, not latest", tag, "1.0.0");

  const servicesReader = top.object("services");
  const services = CATALOG.map((def) =>
    readService(servicesReader.object(def.name), def, registry, tag, cloud),
  );
  for (const name of servicesReader.keys()) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      problems.add(
        `services.${name}`,
        `is not a service of the catalog (got ${JSON.stringify(name)}); the services are ${SERVICE_NAMES.join(", ")}`,
      );
    }
  }

  const postgres = readPostgres(top.object("postgres"), cloud);
  const redis = readRedis(top.object("redis"), cloud);
  const objectStore = readObjectStore(top.object("objectStore"));
  const observability = readObservability(top.object("observability"));
  const backings = readBackings(top);
  const aws = readAwsSettings(top.object("aws"));
  const azure = readAzureSettings(top.object("azure"), { stack, location: raw[AZURE_LOCATION_KEY] });
  const images = readImages(
    top,
    {
      cloud,
      services,
      servicesRaw: servicesReader.value,
      acrLoginServer: `${azure.acrName.toLowerCase()}.azurecr.io`,
      pullSecretSet: raw[fullKey("imagePullSecret")] !== undefined,
    },
    registry,
  );
  const cloudKnown = !problems.has("cloud");
  const tls = readTls(top.object("tls"), { cloud, awsRegion: raw["aws:region"] });
  // Only a stack that creates its cluster decides who may reach its API; on k3s or an existing cluster the
  // deployer reaches it already (a setting there is refused as doing nothing, config/scope.ts).
  const createsCluster = (cloud === "aws" && !aws.existingCluster) || cloud === "azure";
  const deployerReader = top.object("deployer");
  const deployer =
    cloudKnown && createsCluster
      ? readDeployer(deployerReader, {
          cloud,
          networkCidr: cloud === "aws" ? aws.vpcCidr : azure.vnetCidr,
          required: true,
        })
      : undefined;

  const apiHost = top.string("apiHost", d.apiHost, rule(DNS_NAME, "a lowercase DNS name", d.apiHost));
  const config: FerrumConfig = {
    project,
    stack,
    cloud,
    protect: cloud !== "k3s",
    namespace: top.string(
      "namespace",
      d.namespace,
      rule(DNS_LABEL, "a DNS label (lowercase letters, digits, '-')", d.namespace),
    ),
    apiHost,
    objectsHost: readObjectsHost(top, cloud, apiHost),
    kubeconfig: top.string("kubeconfig", d.kubeconfig),
    kubeContext: top.string("kubeContext", d.kubeContext),
    ingressNamespace: top.string(
      "ingressNamespace",
      d.ingressNamespace,
      rule(DNS_LABEL, "a namespace name", d.ingressNamespace),
    ),
    monitoringNamespace: top.string(
      "monitoringNamespace",
      d.monitoringNamespace,
      rule(DNS_LABEL, "a namespace name", d.monitoringNamespace),
    ),
    services,
    images,
    postgres,
    redis,
    objectStore,
    email: {
      host: top.string(
        "emailHost",
        d.emailHost,
        rule(/^$|^[a-z0-9.-]+$/, "an SMTP host name", "smtp.example.com"),
      ),
      port: top.integer("emailPort", d.emailPort, 1, 65535),
      useTls: top.boolean("emailUseTls", d.emailUseTls),
      user: top.string("emailUser", d.emailUser),
    },
    payments: {
      shopId: top.string(
        "yookassaShopId",
        d.yookassaShopId,
        rule(/^$|^\d+$/, "a numeric YooKassa shop id", "123456"),
      ),
    },
    observability,
    backings,
    aws,
    azure,
    tls,
    ...(deployer ? { deployer } : {}),
  };
  readSecretPlaceholders(top);
  top.rejectUnknown();
  if (config.email.user !== "" && config.email.host === "") {
    problems.invalid("emailHost", "set when emailUser is set", "", "smtp.example.com");
  }
  const paying = CATALOG.filter((s) => s.payments).map((s) => s.name);
  if (paying.length && config.payments.shopId === "" && !problems.has("yookassaShopId")) {
    problems.add(
      "yookassaShopId",
      `must be set: ${paying.join(", ")} takes payments through YooKassa (catalog.ts) (got ""); set it with: ${problems.set("yookassaShopId", "<shop-id>")}, and its secret key with: ${problems.set("yookassaSecretKey", "<value>", true)}`,
    );
  }
  // What a stack of its cloud must have, and what it would ignore, only once the cloud itself is known.
  foreignKeyProblems(raw, cloudKnown ? cloud : undefined, FERRUM_KEYS, problems);
  if (cloudKnown) {
    unusedSettingProblems(top.value, config, d, problems);
    requiredForCloud(raw, config, problems);
    if (cloud === "azure") azureStackProblems(azure, problems);
  }
  return problems.list.length ? { problems: problems.list.map((p) => p.message) } : { config, problems: [] };
}

/** Reads and validates the engine's config; secrets come back as secret Outputs. Throws ProblemsError. */
export function loadConfig(): LoadedConfig {
  const raw = pulumi.runtime.allConfig();
  const result = parseConfig(raw, pulumi.getStack(), { project: pulumi.getProject() });
  if (!result.config) throw new ProblemsError(result.problems);
  const cfg = new pulumi.Config("ferrum");
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  const missing: SecretKey[] = [];
  for (const key of requiredSecretKeys(result.config)) {
    const value = cfg.getSecret(key);
    if (value === undefined) missing.push(key);
    else secrets[key] = value;
  }
  if (missing.length) throw new ProblemsError(missingSecretsMessage(result.config.stack, missing));
  // Opt-in: set or not, with no plain setting that asks for it.
  const pullSecret = result.config.images.pullSecrets.dockerConfig
    ? cfg.getSecret("imagePullSecret")
    : undefined;
  if (pullSecret) secrets.imagePullSecret = pullSecret;
  return { ...result.config, secrets };
}
