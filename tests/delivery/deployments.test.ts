/**
 * The ferrum-deployments program (deployments/) under Pulumi's mock runtime: nothing by default, and the
 * settings, schedules and outputs once stacks are enabled. The program reads the repository's real stack
 * files, so a new `Pulumi.<stack>.yaml` is covered here as it is by the workflows.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import program from "../../deployments";
import { defineDeployments } from "../../deployments/program";
import { readProjectName, readStackFiles } from "../../deployments/stack-files";
import { isProduction, planDeployments, type RawDeploymentsConfig } from "../../deployments/settings";
import { underMocks } from "../helpers/pulumi";
import { ProblemsError } from "../../lib/problems";

const ROOT = path.resolve(__dirname, "../..");
const SETTINGS = "pulumiservice:index:DeploymentSettings";
const DRIFT = "pulumiservice:index:DriftSchedule";
const TTL = "pulumiservice:index:TtlSchedule";
const SERVICE_TYPES = [
  SETTINGS,
  DRIFT,
  TTL,
  "pulumiservice:index:DeploymentSchedule",
  "pulumiservice:index:Webhook",
];

/** Stack names from the repository's stack files, read independently of the program. */
const STACK_NAMES = readdirSync(ROOT)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

const ROLE_ARN = "arn:aws:iam::123456789012:role/ferrum-deploy";
const AZURE = {
  clientId: "11111111-2222-3333-4444-555555555555",
  tenantId: "66666666-7777-8888-9999-000000000000",
  subscriptionId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
};

/** Config as the engine would hold it: `ferrum-deployments:key -> text`, objects as JSON. */
function engineConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      `ferrum-deployments:${k}`,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
}

/** Runs deployments/index.ts (the program the CLI runs) under mocks with `config`. */
async function run(config: Record<string, unknown>) {
  return underMocks(async () => (await program()) as ReturnType<typeof defineDeployments>, {
    stack: "main",
    config: engineConfig(config),
  });
}

const ALL_ON = {
  enabledStacks: STACK_NAMES,
  organization: "acme",
  repository: "acme/ferrum-infra",
  aws: { roleArn: ROLE_ARN },
  azure: AZURE,
};

describe("ferrum-deployments: off by default", () => {
  test("the repository declares the stacks this suite expects", () => {
    expect(STACK_NAMES).toEqual(expect.arrayContaining(["dev", "prod", "prod-azure"]));
    const project = readProjectName(ROOT);
    expect(project).toBe("ferrum");
    expect(readStackFiles(ROOT, project).map((s) => s.name)).toEqual(STACK_NAMES);
  });

  test("no config: nothing is created and every stack stays with GitHub Actions", async () => {
    const { result, registrations } = await run({});
    for (const type of SERVICE_TYPES) expect(registrations.ofType(type)).toEqual([]);
    expect(result.drivenByDeployments).toEqual([]);
    expect(result.drivenByActions).toEqual(STACK_NAMES);
    expect(result.repositoryVariable).toBe("[]");
  });

  test("the committed stack file deployments/Pulumi.main.yaml creates nothing", async () => {
    const file = parse(readFileSync(path.join(ROOT, "deployments/Pulumi.main.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const config = Object.fromEntries(
      Object.entries(file.config).map(([k, v]) => [k.replace(/^ferrum-deployments:/, ""), v]),
    );
    const { registrations, result } = await run(config);
    for (const type of SERVICE_TYPES) expect(registrations.ofType(type)).toEqual([]);
    expect(result.repositoryVariable).toBe("[]");
  });

  test("Pulumi.yaml declares the project and off-by-default scalars", () => {
    const project = parse(readFileSync(path.join(ROOT, "deployments/Pulumi.yaml"), "utf8")) as any;
    expect(project.name).toBe("ferrum-deployments");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
    expect(project.config.enabledStacks).toMatchObject({ type: "array", default: [] });
    expect(project.config.reviewTemplate.default).toBe("");
  });
});

describe("ferrum-deployments: every stack enabled", () => {
  let registrations: Awaited<ReturnType<typeof run>>["registrations"];
  let result: Awaited<ReturnType<typeof run>>["result"];
  beforeAll(async () => {
    ({ registrations, result } = await run(ALL_ON));
  });

  test("one DeploymentSettings per stack file, named after the stack", () => {
    expect(
      registrations
        .ofType(SETTINGS)
        .map((r) => r.name)
        .sort(),
    ).toEqual(STACK_NAMES.map((s) => `${s}-settings`).sort());
  });

  test.each(STACK_NAMES)("%s: git source, GitHub triggers, pre-run commands", (stack) => {
    const inputs = registrations.inputs(SETTINGS, `${stack}-settings`);
    expect(inputs).toMatchObject({ organization: "acme", project: "ferrum", stack });
    expect(inputs.sourceContext).toEqual({
      git: { repoUrl: "https://github.com/acme/ferrum-infra.git", branch: "refs/heads/main", repoDir: "." },
    });
    expect(inputs.vcs).toEqual({
      provider: "github",
      repository: "acme/ferrum-infra",
      deployCommits: !isProduction(stack),
      previewPullRequests: true,
      pullRequestTemplate: false,
    });
    expect(inputs.operationContext).toMatchObject({
      preRunCommands: ["npm ci"],
      options: { skipInstallDependencies: true },
    });
    expect(inputs.cacheOptions).toEqual({ enable: true });
    expect(inputs).not.toHaveProperty("agentPoolId");
  });

  test("push-to-deploy on dev only", () => {
    const pushes = STACK_NAMES.filter(
      (s) => (registrations.inputs(SETTINGS, `${s}-settings`).vcs as any).deployCommits,
    );
    expect(pushes).toEqual(["dev"]);
  });

  test("OIDC: AWS role for prod, Azure federated identity for prod-azure, none for k3s", () => {
    const oidc = (stack: string) =>
      (registrations.inputs(SETTINGS, `${stack}-settings`).operationContext as any).oidc;
    expect(oidc("prod")).toEqual({
      aws: { roleARN: ROLE_ARN, sessionName: "pulumi-deployments-prod", duration: "1h0m0s" },
    });
    expect(oidc("prod-azure")).toEqual({ azure: AZURE });
    expect(oidc("dev")).toBeUndefined();
  });

  test("drift detection on the production stacks only, reporting without remediating", () => {
    const drift = registrations.ofType(DRIFT);
    expect(drift.map((r) => r.name).sort()).toEqual(["prod-azure-drift", "prod-drift"]);
    for (const stack of ["prod", "prod-azure"]) {
      expect(registrations.inputs(DRIFT, `${stack}-drift`)).toEqual({
        organization: "acme",
        project: "ferrum",
        stack,
        scheduleCron: "0 5 * * *",
        autoRemediate: false,
      });
      const settingsUrn = registrations.get(SETTINGS, `${stack}-settings`).urn;
      expect(registrations.get(DRIFT, `${stack}-drift`).options.dependsOn).toEqual([settingsUrn]);
    }
    expect(registrations.ofType(TTL)).toEqual([]);
  });

  test("outputs name the repository variable that keeps the workflows off these stacks", () => {
    expect(result.drivenByDeployments).toEqual(STACK_NAMES);
    expect(result.drivenByActions).toEqual([]);
    expect(JSON.parse(result.repositoryVariable)).toEqual(STACK_NAMES);
    expect(result.setVariableCommand).toBe(
      `gh variable set DEPLOYMENTS_STACKS --body '${result.repositoryVariable}'`,
    );
  });
});

describe("ferrum-deployments: one stack at a time", () => {
  test("enabling dev only needs no cloud identity and touches no other stack", async () => {
    const { registrations, result } = await run({
      enabledStacks: ["dev"],
      organization: "acme",
      repository: "acme/ferrum-infra",
    });
    expect(registrations.ofType(SETTINGS).map((r) => r.name)).toEqual(["dev-settings"]);
    expect(registrations.ofType(DRIFT)).toEqual([]);
    expect(result.repositoryVariable).toBe('["dev"]');
    expect(result.drivenByActions).toEqual(STACK_NAMES.filter((s) => s !== "dev"));
  });

  test("review stacks from dev, a TTL destroy for a lingering review stack, an agent pool for prod", async () => {
    const { registrations } = await run({
      ...ALL_ON,
      branch: "release",
      repoDir: "infra",
      reviewTemplate: "dev",
      ttl: { "dev-pr-42": "2030-01-01T00:00:00Z" },
      agentPools: { prod: "pool-in-vpc" },
      driftCron: "0 */6 * * *",
      aws: { roleArn: ROLE_ARN, sessionName: "ferrum-deployments", duration: "2h0m0s" },
    });
    const dev = registrations.inputs(SETTINGS, "dev-settings");
    expect((dev.vcs as any).pullRequestTemplate).toBe(true);
    expect(dev.sourceContext).toEqual({
      git: {
        repoUrl: "https://github.com/acme/ferrum-infra.git",
        branch: "refs/heads/release",
        repoDir: "infra",
      },
    });
    expect((registrations.inputs(SETTINGS, "prod-settings").vcs as any).pullRequestTemplate).toBe(false);
    expect(registrations.inputs(TTL, "dev-pr-42-ttl")).toEqual({
      organization: "acme",
      project: "ferrum",
      stack: "dev-pr-42",
      timestamp: "2030-01-01T00:00:00Z",
      deleteAfterDestroy: true,
    });
    expect(registrations.inputs(SETTINGS, "prod-settings").agentPoolId).toBe("pool-in-vpc");
    expect((registrations.inputs(SETTINGS, "prod-settings").operationContext as any).oidc.aws).toEqual({
      roleARN: ROLE_ARN,
      sessionName: "ferrum-deployments",
      duration: "2h0m0s",
    });
    expect(registrations.inputs(DRIFT, "prod-drift").scheduleCron).toBe("0 */6 * * *");
  });
});

describe("ferrum-deployments: invalid config is refused before anything is created", () => {
  const stacks = readStackFiles(ROOT, "ferrum");
  const plan = (config: RawDeploymentsConfig) =>
    planDeployments({ project: "ferrum", defaultOrganization: () => "acme", stacks, config });
  const problemsOf = (config: RawDeploymentsConfig): readonly string[] => {
    try {
      plan(config);
    } catch (e) {
      return (e as { problems: readonly string[] }).problems;
    }
    throw new Error("expected the config to be refused");
  };
  const base = { repository: "acme/ferrum-infra" };

  test.each<[string, RawDeploymentsConfig, string]>([
    [
      "a stack with no stack file",
      { ...base, enabledStacks: ["staging"] },
      `ferrum-deployments:enabledStacks names "staging", which has no Pulumi.staging.yaml (stacks: ${STACK_NAMES.join(", ")}); remove it or add the stack file`,
    ],
    [
      "enabledStacks that is not a list",
      { ...base, enabledStacks: "dev" },
      `ferrum-deployments:enabledStacks must be a list of stack names (got "dev"); set it with pulumi -C deployments config set --path 'ferrum-deployments:enabledStacks[0]' '${STACK_NAMES[0]}' -s main`,
    ],
    [
      "no repository",
      { enabledStacks: ["dev"] },
      "ferrum-deployments:repository is required once a stack is enabled (enabled: dev); set it with pulumi -C deployments config set 'ferrum-deployments:repository' 'my-org/ferrum-infra' -s main",
    ],
    [
      "a repository URL instead of owner/name",
      { enabledStacks: ["dev"], repository: "https://github.com/acme/ferrum-infra" },
      `ferrum-deployments:repository must be owner/name (got "https://github.com/acme/ferrum-infra"); set it with pulumi -C deployments config set 'ferrum-deployments:repository' 'my-org/ferrum-infra' -s main`,
    ],
    [
      "an AWS stack without a role",
      { ...base, enabledStacks: ["prod"] },
      "ferrum-deployments:aws.roleArn is required for the AWS stacks prod; set it with pulumi -C deployments config set --path 'ferrum-deployments:aws.roleArn' 'arn:aws:iam::123456789012:role/ferrum-deploy' -s main",
    ],
    [
      "an AWS role that is not an ARN",
      { ...base, enabledStacks: ["prod"], aws: { roleArn: "ferrum-deploy" } },
      `ferrum-deployments:aws.roleArn must be an IAM role ARN (got "ferrum-deploy"); set it with pulumi -C deployments config set --path 'ferrum-deployments:aws.roleArn' 'arn:aws:iam::123456789012:role/ferrum-deploy' -s main`,
    ],
    [
      "an Azure tenant that is not a GUID",
      { ...base, enabledStacks: ["prod-azure"], azure: { ...AZURE, tenantId: "contoso.onmicrosoft.com" } },
      `ferrum-deployments:azure.tenantId must be a GUID (got "contoso.onmicrosoft.com"); set it with pulumi -C deployments config set --path 'ferrum-deployments:azure.tenantId' '00000000-0000-0000-0000-000000000000' -s main`,
    ],
    [
      "production as the review template",
      { ...base, enabledStacks: ["prod"], aws: { roleArn: ROLE_ARN }, reviewTemplate: "prod" },
      `ferrum-deployments:reviewTemplate names the production stack "prod"; every pull request would copy production's config and cloud identity into a new stack. Use a non-production stack (dev)`,
    ],
    [
      "a review template that Deployments does not drive",
      { ...base, enabledStacks: [], reviewTemplate: "dev" },
      `ferrum-deployments:reviewTemplate names "dev", which is not in enabledStacks (none); review stacks copy the template's deployment settings, so enable it first`,
    ],
    [
      "a TTL on production",
      { ...base, enabledStacks: ["prod"], aws: { roleArn: ROLE_ARN }, ttl: { prod: "2030-01-01T00:00:00Z" } },
      "ferrum-deployments:ttl.prod would destroy the production stack prod; remove it with pulumi -C deployments config rm --path 'ferrum-deployments:ttl.prod'",
    ],
    [
      "a TTL that is not a UTC timestamp",
      { ...base, enabledStacks: ["dev"], ttl: { dev: "next friday" } },
      `ferrum-deployments:ttl.dev must be an ISO 8601 UTC timestamp like 2030-01-01T00:00:00Z (got "next friday"); set it with pulumi -C deployments config set --path 'ferrum-deployments:ttl.dev' '2030-01-01T00:00:00Z' -s main`,
    ],
    [
      "a drift cron with six fields",
      { ...base, enabledStacks: ["dev"], driftCron: "0 0 5 * * *" },
      `ferrum-deployments:driftCron must be a five-field cron expression (got "0 0 5 * * *"); set it with pulumi -C deployments config set 'ferrum-deployments:driftCron' '0 5 * * *' -s main`,
    ],
    [
      "an agent pool for a stack Deployments does not drive",
      { ...base, enabledStacks: ["dev"], agentPools: { prod: "pool" } },
      "ferrum-deployments:agentPools.prod names a stack that is not in enabledStacks (dev); enable it or remove the entry",
    ],
  ])("%s", (_, config, message) => {
    expect(problemsOf(config)).toEqual([message]);
  });

  test("every problem is reported at once, as a RunError without a stack trace", () => {
    const config = { enabledStacks: ["prod", "staging"], ttl: { prod: "soon" } };
    let caught: unknown;
    try {
      defineDeployments("ferrum", stacks, config);
    } catch (e) {
      caught = e;
    }
    expect(pulumi.RunError.isInstance(caught)).toBe(true);
    // The one refusal type of the whole repository (lib/problems.ts), headed like the main program's.
    expect(caught).toBeInstanceOf(ProblemsError);
    const message = (caught as Error).message;
    expect(message.split("\n")[0]).toMatch(/^Invalid configuration of ferrum-deployments \(\d+ problems\):$/);
    for (const fragment of [
      `enabledStacks names "staging"`,
      "repository is required",
      "aws.roleArn is required for the AWS stacks prod",
      "ttl.prod would destroy the production stack",
      "ttl.prod must be an ISO 8601 UTC timestamp",
    ])
      expect(message).toContain(fragment);
  });
});
