/**
 * Where the services' images come from (config/images.ts and the digest of config.ts's services): every
 * refusal with its exact message, and what the valid settings resolve to.
 */
import { parseConfig, requiredSecretKeys } from "../config";
import { DIGESTS, REQUIRED_CONFIG, requiredWith } from "./helpers/config";

const D = `sha256:${"e".repeat(64)}`;
const SERVICES = ["auth", "user", "content", "catalog"];
const problems = (raw: Record<string, string>, stack: string) => parseConfig(raw, stack).problems;
const config = (raw: Record<string, string>, stack: string) => {
  const r = parseConfig(raw, stack);
  if (!r.config) throw new Error(r.problems.join("\n"));
  return r.config;
};
/** Every service's image in another registry, by digest. */
const elsewhere = Object.fromEntries(
  SERVICES.map((s) => [s, { image: `reg.example.com/${s}@${D}`, digest: undefined }]),
);

describe("refused, each with its key, its value and its fix", () => {
  test.each([
    [
      "a digest that is not sha256 and 64 hex digits",
      requiredWith("aws", "services", { auth: { digest: "sha256:XYZ" } }),
      "prod",
      "ferrum:services.auth.digest must be an image digest, sha256: and 64 lowercase hex digits (got \"sha256:XYZ\"); set it with: pulumi config set --path 'ferrum:services.auth.digest' sha256:<digest> -s prod",
    ],
    [
      "a digest beside a build context, whose build decides the digest",
      requiredWith("aws", "services", { auth: { buildContext: "../auth" } }),
      "prod",
      `ferrum:services.auth.digest does nothing on this stack (got "${DIGESTS.auth}"): auth is built from buildContext and runs the digest its build pushes; remove it with: pulumi config rm --path 'ferrum:services.auth.digest' -s prod`,
    ],
    [
      "a digest beside an image that has one",
      requiredWith("aws", "services", { auth: { image: `ghcr.io/ferrum/auth-service:1@${D}` } }),
      "prod",
      `ferrum:services.auth.digest conflicts with the digest in ferrum:services.auth.image (got "${DIGESTS.auth}" beside "ghcr.io/ferrum/auth-service:1@${D}"): give the digest in one place; remove it with: pulumi config rm --path 'ferrum:services.auth.digest' -s prod`,
    ],
    [
      "a cloud stack's image without a digest",
      requiredWith("aws", "services", { user: { digest: undefined, maxReplicas: 3 } }),
      "prod",
      "ferrum:services.user.digest must be set in a cloud stack: production runs every service image by digest, the bytes its tag named when it was released (got nothing for \"ghcr.io/ferrum/user-service:0.1.0\"; docker buildx imagetools inspect ghcr.io/ferrum/user-service:0.1.0 prints it); set it with: pulumi config set --path 'ferrum:services.user.digest' sha256:<digest> -s prod",
    ],
    [
      "a registry the stack's cache cannot serve",
      { ...REQUIRED_CONFIG.aws, "ferrum:imageRegistry": "registry.example.com/ferrum" },
      "prod",
      "ferrum:imageRegistry must be a registry the stack's ECR pull-through cache serves (ghcr.io, docker.io, registry.gitlab.com, quay.io, public.ecr.aws, registry.k8s.io), or the stack's own registry <account>.dkr.ecr.<region>.amazonaws.com (got \"registry.example.com/ferrum\", the registry of auth, user, content, catalog): production pulls every service image through the stack's own registry; set it with: pulumi config set 'ferrum:imageRegistry' ghcr.io/ferrum -s prod",
    ],
    [
      "GitLab's registry on Azure, whose artifact cache does not serve it",
      { ...REQUIRED_CONFIG.azure, "ferrum:imageRegistry": "registry.gitlab.com/ferrum" },
      "prod-azure",
      "ferrum:imageRegistry must be a registry the stack's ACR artifact cache serves (ghcr.io, docker.io, quay.io, public.ecr.aws, registry.k8s.io, mcr.microsoft.com), or the stack's own registry ferrumprodazure.azurecr.io (got \"registry.gitlab.com/ferrum\", the registry of auth, user, content, catalog): production pulls every service image through the stack's own registry; set it with: pulumi config set 'ferrum:imageRegistry' ghcr.io/ferrum -s prod-azure",
    ],
    [
      "a cached image by digest alone: the cache is filled by its tag",
      requiredWith("aws", "services", {
        auth: { image: `ghcr.io/ferrum/auth-service@${D}`, digest: undefined },
      }),
      "prod",
      `ferrum:services.auth.image must name the tag its digest was released under in a cloud stack (got "ghcr.io/ferrum/auth-service@${D}"): the stack's ECR pull-through cache is filled by pulling the tag before the pods pull the digest; set it with: pulumi config set --path 'ferrum:services.auth.image' ghcr.io/ferrum/auth-service:<tag>@${D} -s prod`,
    ],
    [
      "no login for ghcr.io on AWS, whose pull-through cache needs one",
      { ...REQUIRED_CONFIG.aws, "ferrum:imageRegistryUsername": "" },
      "prod",
      "ferrum:imageRegistryUsername must be set: the stack's ECR pull-through cache logs in to ghcr.io to pull auth, user, content, catalog (got \"\"); set it with: pulumi config set 'ferrum:imageRegistryUsername' <login> -s prod, and its token with: pulumi config set --secret 'ferrum:imageRegistryPassword' <value> -s prod",
    ],
    [
      "a login name with a space",
      { ...REQUIRED_CONFIG.aws, "ferrum:imageRegistryUsername": "has space" },
      "prod",
      "ferrum:imageRegistryUsername must be a registry login name (got \"has space\"); set it with: pulumi config set 'ferrum:imageRegistryUsername' ferrum-ci -s prod",
    ],
    [
      "a login for Quay, which ECR's cache reaches without one",
      { ...REQUIRED_CONFIG.aws, "ferrum:imageRegistry": "quay.io/ferrum" },
      "prod",
      "ferrum:imageRegistryUsername does nothing on this stack (got \"ferrum-ci\"): the ECR pull-through cache reaches quay.io without credentials; remove it with: pulumi config rm 'ferrum:imageRegistryUsername' -s prod, and its secret with: pulumi config rm 'ferrum:imageRegistryPassword' -s prod",
    ],
    [
      "a login for the stack's own ECR registry",
      {
        ...REQUIRED_CONFIG.aws,
        "ferrum:imageRegistry": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/ferrum",
      },
      "prod",
      "ferrum:imageRegistryUsername does nothing on this stack (got \"ferrum-ci\"): 123456789012.dkr.ecr.eu-central-1.amazonaws.com is the stack's own registry, which the nodes pull from with their cloud identity; remove it with: pulumi config rm 'ferrum:imageRegistryUsername' -s prod, and its secret with: pulumi config rm 'ferrum:imageRegistryPassword' -s prod",
    ],
    [
      "a login while no service image comes from the registry",
      requiredWith("aws", "services", elsewhere),
      "prod",
      "ferrum:imageRegistryUsername does nothing on this stack (got \"ferrum-ci\"): no service image comes from ferrum:imageRegistry (ghcr.io/ferrum) through the stack's ECR pull-through cache; remove it with: pulumi config rm 'ferrum:imageRegistryUsername' -s prod, and its secret with: pulumi config rm 'ferrum:imageRegistryPassword' -s prod",
    ],
    [
      "a registry password without its login",
      { ...REQUIRED_CONFIG.azure, "ferrum:imageRegistryPassword": "t0ken" },
      "prod-azure",
      "ferrum:imageRegistryPassword does nothing on this stack (got \"[secret]\"): it is the password of ferrum:imageRegistryUsername, which is not set; remove it with: pulumi config rm 'ferrum:imageRegistryPassword' -s prod-azure",
    ],
    [
      "a pull secret while every service image comes from the stack's own registry",
      { ...REQUIRED_CONFIG.aws, "ferrum:imagePullSecret": '{"auths":{}}' },
      "prod",
      "ferrum:imagePullSecret does nothing on this stack (got \"[secret]\"): every service image comes from the stack's own registry, which the nodes pull from with their cloud identity; remove it with: pulumi config rm 'ferrum:imagePullSecret' -s prod",
    ],
    [
      "a Key Vault name while the ACR cache logs in nowhere",
      requiredWith("azure", "azure", { keyVaultName: "ferrum-kv" }),
      "prod-azure",
      "ferrum:azure.keyVaultName does nothing on this stack (got \"ferrum-kv\"): the Key Vault holds the login of an authenticated ACR artifact cache, and this stack's cache logs in nowhere (ferrum:imageRegistryUsername is not set, or no service image is cached); remove it with: pulumi config rm --path 'ferrum:azure.keyVaultName' -s prod-azure",
    ],
    [
      "a Key Vault name Azure refuses",
      {
        ...requiredWith("azure", "azure", { keyVaultName: "1-bad--name" }),
        "ferrum:imageRegistryUsername": "bot",
      },
      "prod-azure",
      "ferrum:azure.keyVaultName must be 3 to 24 letters, digits and single hyphens, starting with a letter (got \"1-bad--name\"); set it with: pulumi config set --path 'ferrum:azure.keyVaultName' ferrum-prod-azure -s prod-azure",
    ],
  ])("%s", (_label, raw, stack, message) => {
    expect(problems(raw, stack)).toEqual([message]);
  });
});

describe("accepted", () => {
  test("k3s: a tag is enough, a digest pins it; a login becomes a pull secret for the registry's host", () => {
    const c = config(
      {
        ...REQUIRED_CONFIG.k3s,
        "ferrum:imageRegistryUsername": "bot",
        "ferrum:services": JSON.stringify({ auth: { digest: D } }),
      },
      "dev",
    );
    expect(c.services.map((s) => s.image)).toEqual([
      `ghcr.io/ferrum/auth-service:0.1.0@${D}`,
      "ghcr.io/ferrum/user-service:0.1.0",
      "ghcr.io/ferrum/content-service:0.1.0",
      "ghcr.io/ferrum/catalog-service:0.1.0",
    ]);
    expect(c.images).toEqual({
      registry: "ghcr.io/ferrum",
      username: "bot",
      pullSecrets: { registryLogin: "ghcr.io", dockerConfig: false },
    });
    expect(requiredSecretKeys(c)).toEqual(["yookassaSecretKey", "imageRegistryPassword"]);
    expect(config(REQUIRED_CONFIG.k3s, "dev").images.pullSecrets).toEqual({ dockerConfig: false });
  });

  test("AWS: ghcr.io through the pull-through cache, logged in; Azure: anonymously unless a login is given", () => {
    const aws = config(REQUIRED_CONFIG.aws, "prod");
    expect(aws.images.cache).toEqual({
      upstream: expect.objectContaining({ host: "ghcr.io", prefix: "ghcr" }),
      source: "ghcr.io/ferrum",
      authenticated: true,
    });
    expect(aws.services.find((s) => s.name === "auth")!.image).toBe(
      `ghcr.io/ferrum/auth-service:0.1.0@${DIGESTS.auth}`,
    );
    expect(requiredSecretKeys(aws)).toContain("imageRegistryPassword");
    const azure = config(REQUIRED_CONFIG.azure, "prod-azure");
    expect(azure.images.cache).toMatchObject({ source: "ghcr.io/ferrum", authenticated: false });
    expect(requiredSecretKeys(azure)).not.toContain("imageRegistryPassword");
    expect(
      config({ ...REQUIRED_CONFIG.azure, "ferrum:imageRegistryUsername": "bot" }, "prod-azure").images.cache,
    ).toMatchObject({ authenticated: true });
  });

  test("the stack's own registry needs no cache and no login: ECR's account registry, the stack's ACR", () => {
    const ecr = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/ferrum";
    const aws = config(
      { ...REQUIRED_CONFIG.aws, "ferrum:imageRegistry": ecr, "ferrum:imageRegistryUsername": "" },
      "prod",
    );
    expect(aws.images.cache).toBeUndefined();
    const azure = config(
      { ...REQUIRED_CONFIG.azure, "ferrum:imageRegistry": "ferrumprodazure.azurecr.io/ferrum" },
      "prod-azure",
    );
    expect(azure.images.cache).toBeUndefined();
  });

  test("images of another registry in a cloud stack run by digest where they are, with ferrum:imagePullSecret if private", () => {
    const c = config(
      {
        ...requiredWith("aws", "services", elsewhere),
        "ferrum:imageRegistryUsername": "",
        "ferrum:imagePullSecret": '{"auths":{}}',
      },
      "prod",
    );
    expect(c.images.cache).toBeUndefined();
    expect(c.images.pullSecrets).toEqual({ dockerConfig: true });
    expect(c.services.map((s) => s.image)).toEqual(SERVICES.map((s) => `reg.example.com/${s}@${D}`));
  });
});
