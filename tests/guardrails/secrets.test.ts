/**
 * Secrets at rest and their sources: the stack files' secrets provider (written by Pulumi from a live KMS or
 * Key Vault key, never by hand), the opt-in Pulumi ESC environments the repository ships for the shared
 * secrets (deployments/esc/), and the offline plan of a stack file that uses both.
 */
import { randomBytes } from "crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse } from "yaml";
import { ESC_PLACEHOLDER, parseConfig, requiredSecretKeys } from "../../config";
import { fullKey } from "../../config/reader";
import { main as planMain } from "../../harness/plan";
import { loadStackConfig, stackNames } from "../../harness/stack-config";
import {
  secretsProviderProblems,
  type StackSecretsSettings,
} from "../../harness/guardrails/secrets-provider";

const ROOT = path.resolve(__dirname, "../..");
const ESC_DIR = path.join(ROOT, "deployments/esc");
const readYaml = (file: string) => parse(readFileSync(file, "utf8")) as Record<string, any>;

/** What a stack file says about its secrets provider, with its cloud and region from its config. */
function settingsOf(stack: string, text: string): StackSecretsSettings {
  const yaml = parse(text) as Record<string, any>;
  return {
    file: `Pulumi.${stack}.yaml`,
    stack,
    cloud: yaml.config?.["ferrum:cloud"],
    awsRegion: yaml.config?.["aws:region"],
    secretsprovider: yaml.secretsprovider,
    encryptedkey: yaml.encryptedkey,
    encryptionsalt: yaml.encryptionsalt,
  };
}
const repoStack = (stack: string) => readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");

/** An encrypted data key as a key service returns it: random bytes, base64 (an AWS KMS blob is ~184 bytes). */
const liveLookingKey = (bytes = 184) => randomBytes(bytes).toString("base64");
const KMS = "awskms://alias/ferrum-prod-pulumi-secrets?region=eu-central-1";
const VAULT = "azurekeyvault://ferrum-prod-azure-kv.vault.azure.net/keys/ferrum-prod-azure-pulumi-secrets";

describe("the stack files' secrets provider", () => {
  test.each(stackNames(ROOT))(
    "Pulumi.%s.yaml carries no secrets provider settings that look fabricated",
    (stack) => {
      expect(secretsProviderProblems(settingsOf(stack, repoStack(stack)))).toEqual([]);
    },
  );

  test("no committed stack file names a provider or key: each is written by pulumi stack init from a live key", () => {
    for (const stack of stackNames(ROOT)) {
      const yaml = parse(repoStack(stack)) as Record<string, unknown>;
      expect({
        stack,
        keys: ["secretsprovider", "encryptedkey", "encryptionsalt"].filter((k) => k in yaml),
      }).toEqual({
        stack,
        keys: [],
      });
    }
  });

  test("what pulumi stack init --secrets-provider writes passes: the KMS key on prod, the Key Vault key on prod-azure", () => {
    const prod = {
      ...settingsOf("prod", repoStack("prod")),
      secretsprovider: KMS,
      encryptedkey: liveLookingKey(),
    };
    const azure = {
      ...settingsOf("prod-azure", repoStack("prod-azure")),
      secretsprovider: VAULT,
      encryptedkey: liveLookingKey(256),
    };
    expect([secretsProviderProblems(prod), secretsProviderProblems(azure)]).toEqual([[], []]);
  });

  const prod = settingsOf("prod", repoStack("prod"));
  const azure = settingsOf("prod-azure", repoStack("prod-azure"));
  const FIX_AWS =
    'create the key first, then let Pulumi write both: pulumi stack change-secrets-provider "awskms://alias/ferrum-prod-pulumi-secrets?region=eu-central-1" -s prod';
  const FIX_AZURE =
    'create the key first, then let Pulumi write both: pulumi stack change-secrets-provider "azurekeyvault://<vault>.vault.azure.net/keys/ferrum-prod-azure-pulumi-secrets" -s prod-azure';
  test.each<[string, StackSecretsSettings, string[]]>([
    [
      "Pulumi's documentation example, with a key made up to go with it",
      {
        ...prod,
        secretsprovider: "awskms://alias/ExampleAlias?region=us-east-1",
        encryptedkey: liveLookingKey(),
      },
      [
        `Pulumi.prod.yaml: secretsprovider "awskms://alias/ExampleAlias?region=us-east-1" still holds a placeholder or Pulumi's documentation example; ${FIX_AWS}`,
        `Pulumi.prod.yaml: secretsprovider "awskms://alias/ExampleAlias?region=us-east-1" names region us-east-1, the stack deploys to eu-central-1; keep the key beside the stack: ${FIX_AWS}`,
      ],
    ],
    [
      "a template's placeholder",
      {
        ...azure,
        secretsprovider: "azurekeyvault://<vault>.vault.azure.net/keys/<key>",
        encryptedkey: liveLookingKey(256),
      },
      [
        `Pulumi.prod-azure.yaml: secretsprovider "azurekeyvault://<vault>.vault.azure.net/keys/<key>" still holds a placeholder or Pulumi's documentation example; ${FIX_AZURE}`,
        `Pulumi.prod-azure.yaml: secretsprovider "azurekeyvault://<vault>.vault.azure.net/keys/<key>" names no Key Vault key (azurekeyvault://<vault>.vault.azure.net/keys/<key>); ${FIX_AZURE}`,
      ],
    ],
    [
      "a provider written without its key",
      { ...prod, secretsprovider: KMS },
      [
        `Pulumi.prod.yaml: secretsprovider "${KMS}" without the encryptedkey Pulumi writes with it: the stack file was edited by hand; ${FIX_AWS}`,
      ],
    ],
    [
      "a key without a provider",
      { ...prod, encryptedkey: liveLookingKey() },
      [`Pulumi.prod.yaml: encryptedkey without a secretsprovider is no key Pulumi can use; ${FIX_AWS}`],
    ],
    [
      "a key too short to be a ciphertext",
      { ...prod, secretsprovider: KMS, encryptedkey: Buffer.from("not a real data key").toString("base64") },
      [
        `Pulumi.prod.yaml: encryptedkey is 19 bytes with 11 distinct values, not a ciphertext a key service made (128 bytes or more of random-looking data); ${FIX_AWS}`,
      ],
    ],
    [
      "a key of repeated bytes",
      { ...prod, secretsprovider: KMS, encryptedkey: Buffer.alloc(184, 7).toString("base64") },
      [
        `Pulumi.prod.yaml: encryptedkey is 184 bytes with 1 distinct values, not a ciphertext a key service made (128 bytes or more of random-looking data); ${FIX_AWS}`,
      ],
    ],
    [
      "a key that is no base64",
      { ...prod, secretsprovider: KMS, encryptedkey: "AQICAHh-this-is-not-base64!" },
      [`Pulumi.prod.yaml: encryptedkey is not base64 (got "AQICAHh-this-is-not-base64!"...); ${FIX_AWS}`],
    ],
    [
      "the other cloud's key service",
      { ...azure, secretsprovider: KMS, encryptedkey: liveLookingKey() },
      [
        `Pulumi.prod-azure.yaml: secretsprovider "${KMS}" is awskms on a azure stack, whose key lives in azurekeyvault; ${FIX_AZURE}`,
      ],
    ],
    [
      "a passphrase on a production stack",
      { ...prod, secretsprovider: "passphrase", encryptionsalt: "v1:c2FsdA==:v1:aXY=:Y2lwaGVy" },
      [
        `Pulumi.prod.yaml: secretsprovider "passphrase" on a production stack: its secrets are encrypted by its cloud's key service (awskms); ${FIX_AWS}`,
      ],
    ],
    [
      "a KMS URL with no key",
      { ...prod, secretsprovider: "awskms://?region=eu-central-1", encryptedkey: liveLookingKey() },
      [
        `Pulumi.prod.yaml: secretsprovider "awskms://?region=eu-central-1" names no KMS key (awskms://alias/<name>?region=..., or a key id or ARN); ${FIX_AWS}`,
      ],
    ],
    [
      "a KMS URL without a region",
      {
        ...prod,
        secretsprovider: "awskms://alias/ferrum-prod-pulumi-secrets",
        encryptedkey: liveLookingKey(),
      },
      [
        `Pulumi.prod.yaml: secretsprovider "awskms://alias/ferrum-prod-pulumi-secrets" names no region (?region=...); ${FIX_AWS}`,
      ],
    ],
  ])("refused: %s", (_label, settings, problems) => {
    expect(secretsProviderProblems(settings)).toEqual(problems);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** Every deployments/esc/<stack>-secrets.yaml, with the stack it is for. */
const ESC_FILES = readdirSync(ESC_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => ({ file: f, stack: f.replace(/-secrets\.yaml$/, "") }));

/** The node an ESC interpolation `${a.b}` points at, inside `values`. */
function resolve(values: Record<string, any>, expression: unknown): unknown {
  const m = typeof expression === "string" ? /^\$\{([\w.]+)\}$/.exec(expression) : null;
  if (!m) return undefined;
  return m[1]!.split(".").reduce<any>((node, part) => node?.[part], values);
}

/** Every string leaf of `node` with its path. */
function leaves(node: unknown, at = ""): [string, unknown][] {
  if (node === null || typeof node !== "object") return [[at, node]];
  return Object.entries(node).flatMap(([k, v]) => leaves(v, at ? `${at}.${k}` : k));
}

describe("the Pulumi ESC environments for the shared secrets (deployments/esc/)", () => {
  test("there is one per production stack", () => {
    expect(ESC_FILES.map((e) => e.stack).sort()).toEqual(["prod", "prod-azure"]);
  });

  test.each(ESC_FILES)(
    "$file names exactly the secrets its stack requires, each from an fn::secret",
    ({ file, stack }) => {
      const env = readYaml(path.join(ESC_DIR, file));
      expect(Object.keys(env)).toEqual(["values"]);
      const stackConfig = parseConfig(loadStackConfig(stack, [], ROOT).values, stack).config!;
      const required = requiredSecretKeys(stackConfig).map(fullKey).sort();
      expect(required).toEqual([
        "ferrum:emailPassword",
        "ferrum:imageRegistryPassword",
        "ferrum:yookassaSecretKey",
      ]);
      const pulumiConfig = env.values.pulumiConfig as Record<string, string>;
      expect(Object.keys(pulumiConfig).sort()).toEqual(required);
      for (const [key, expression] of Object.entries(pulumiConfig)) {
        expect({ key, value: resolve(env.values, expression) }).toEqual({
          key,
          value: { "fn::secret": ESC_PLACEHOLDER },
        });
      }
      // No value outside pulumiConfig's references is plain text: every leaf is under an fn::secret.
      const plain = leaves(env.values).filter(
        ([at]) => !at.startsWith("pulumiConfig.") && !at.endsWith(".fn::secret"),
      );
      expect(plain).toEqual([]);
    },
  );

  test("no committed stack file imports one: the stacks deploy without ESC", () => {
    for (const stack of stackNames(ROOT))
      expect({ stack, environment: parse(repoStack(stack)).environment }).toEqual({
        stack,
        environment: undefined,
      });
  });

  test("a secret that is still an environment's placeholder is refused, naming the key and the fix", () => {
    const config = loadStackConfig("prod", [], ROOT).values;
    const r = parseConfig(
      { ...config, "ferrum:yookassaSecretKey": ESC_PLACEHOLDER, "ferrum:emailPassword": "an smtp password" },
      "prod",
    );
    expect(r.problems).toEqual([
      `ferrum:yookassaSecretKey is still the placeholder of the ESC environment definition it came from (got "${ESC_PLACEHOLDER}"), not a secret; set the real one in the environment the stack imports: esc env set <org>/<project>/<environment> <path> '<value>' --secret (the paths are in deployments/esc/), or in the stack: pulumi config set --secret 'ferrum:yookassaSecretKey' <value> -s prod`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("the offline plan of a stack file with a secrets provider and an ESC environment", () => {
  let project: string;
  beforeAll(() => {
    project = mkdtempSync(path.join(tmpdir(), "ferrum-secrets-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test.each([
    ["prod", KMS, 184],
    ["prod-azure", VAULT, 256],
  ] as const)(
    "%s, importing its environment with its key service's provider and key: planned, its secrets filled, the environment noted",
    async (stack, provider, keyBytes) => {
      const text = [
        `secretsprovider: ${provider}`,
        `encryptedkey: ${liveLookingKey(keyBytes)}`,
        `environment:`,
        `  - ferrum/${stack}-secrets`,
        repoStack(stack),
      ].join("\n");
      expect(secretsProviderProblems(settingsOf(stack, text))).toEqual([]);
      writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), text);
      const out = path.join(project, "plan", stack);
      const printed = { out: "", err: "" };
      const status = await planMain(
        [stack, "--out", out],
        {
          out: { write: (t: string) => (printed.out += t) },
          err: { write: (t: string) => (printed.err += t) },
        },
        project,
      );
      expect({ status, err: printed.err }).toEqual({ status: 0, err: "" });
      expect(printed.out).toContain(
        `Note: Pulumi.${stack}.yaml imports the Pulumi ESC environment(s) ["ferrum/${stack}-secrets"]: the offline plan cannot open them`,
      );
      expect(printed.out).toContain(
        "  - ferrum:emailPassword\n  - ferrum:imageRegistryPassword\n  - ferrum:yookassaSecretKey\n",
      );
      const resources = JSON.parse(readFileSync(path.join(out, "resources.json"), "utf8")) as unknown[];
      expect(resources.length).toBeGreaterThan(100);
    },
    120_000,
  );
});

// ---------------------------------------------------------------------------------------------------------

describe("the workflows reach Key Vault as the Azure CLI login they run with", () => {
  test.each(["deploy.yml", "preview.yml"])(
    "%s: the Azure pulumi steps set AZURE_KEYVAULT_AUTH_VIA_CLI, so the azurekeyvault provider uses azure/login's session",
    (workflow) => {
      const wf = readYaml(path.join(ROOT, ".github/workflows", workflow));
      const azureJobs = Object.entries(wf.jobs as Record<string, any>).filter(([, job]) =>
        (job.steps ?? []).some((s: any) => String(s.uses ?? "").startsWith("azure/login")),
      );
      expect(azureJobs.length).toBeGreaterThan(0);
      for (const [name, job] of azureJobs) {
        const pulumi = job.steps.find((s: any) => String(s.uses ?? "").startsWith("pulumi/actions"));
        const env = { ...(job.env ?? {}), ...(pulumi?.env ?? {}) };
        expect({ name, value: env.AZURE_KEYVAULT_AUTH_VIA_CLI }).toEqual({
          name,
          value: expect.stringMatching(/^(true|\$\{\{ env\.CLOUD == 'azure' \}\})$/),
        });
      }
    },
  );
});
