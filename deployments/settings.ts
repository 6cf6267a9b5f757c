/**
 * Pulumi Deployments settings for the `ferrum` project's stacks, as plain data: no Pulumi engine needed.
 *
 * `planDeployments` takes the stacks the repository declares (one `Pulumi.<stack>.yaml` each, read by
 * `stack-files.ts`) and the raw `ferrum-deployments:*` config, validates everything at once, and returns the
 * arguments of every resource the program creates. With no stack enabled it returns nothing to create: a
 * stack is driven either by the GitHub Actions workflows (the default) or by Pulumi Deployments, never both.
 */
import type { DeploymentSettingsArgs, DriftScheduleArgs, TtlScheduleArgs } from "@pulumi/pulumiservice";
import { ProblemsError } from "../lib/problems";

/** The project and config namespace of this program. */
export const DEPLOYMENTS_PROJECT = "ferrum-deployments";

/** Clouds a stack file can name with `ferrum:cloud` (config.ts's CLOUDS). */
export type StackCloud = "k3s" | "aws" | "azure";

/** A stack of the main project, as its `Pulumi.<stack>.yaml` declares it. */
export interface StackFile {
  /** Stack name: the file's `<stack>`. */
  readonly name: string;
  /** `ferrum:cloud` of the file (`k3s` when unset, as Pulumi.yaml's default). */
  readonly cloud: StackCloud;
}

/**
 * The `ferrum-deployments:*` config as the engine hands it over (objects already JSON-parsed), before
 * validation. Every field is optional; `undefined` means the key is not set.
 */
export interface RawDeploymentsConfig {
  /** Stacks Pulumi Deployments drives. @default [] (none: GitHub Actions drives every stack) */
  readonly enabledStacks?: unknown;
  /** Pulumi Cloud organization of the stacks. @default - the organization this program runs in */
  readonly organization?: unknown;
  /** GitHub repository `owner/name` holding the main project. Required once a stack is enabled. */
  readonly repository?: unknown;
  /** Branch deployed and previewed against. @default "main" */
  readonly branch?: unknown;
  /** Directory of the main project's Pulumi.yaml inside the repository. @default "." */
  readonly repoDir?: unknown;
  /** AWS OIDC: `{ roleArn, sessionName?, duration? }`. Required once an AWS stack is enabled. */
  readonly aws?: unknown;
  /** Azure OIDC: `{ clientId, tenantId, subscriptionId }`. Required once an Azure stack is enabled. */
  readonly azure?: unknown;
  /** Cron (UTC) of drift detection on production stacks. @default "0 5 * * *" */
  readonly driftCron?: unknown;
  /** Enabled non-production stack whose settings make it the template of per-pull-request review stacks. @default "" (none) */
  readonly reviewTemplate?: unknown;
  /** Destroy schedules: stack name -> ISO 8601 UTC timestamp. @default {} */
  readonly ttl?: unknown;
  /** Customer-managed agent pools: stack name -> agent pool id (for clusters only reachable from inside a network). @default {} */
  readonly agentPools?: unknown;
}

/** What the program creates, all arguments resolved. */
export interface DeploymentsPlan {
  /** Stacks Pulumi Deployments drives, in stack-file order. */
  readonly drivenByDeployments: readonly string[];
  /** One DeploymentSettings per enabled stack. */
  readonly settings: readonly { readonly stack: string; readonly args: DeploymentSettingsArgs }[];
  /** One DriftSchedule per enabled production stack. */
  readonly driftSchedules: readonly { readonly stack: string; readonly args: DriftScheduleArgs }[];
  /** One TtlSchedule per `ttl` entry. */
  readonly ttlSchedules: readonly { readonly stack: string; readonly args: TtlScheduleArgs }[];
  /**
   * The value of the GitHub repository variable `DEPLOYMENTS_STACKS` that makes the Actions workflows skip
   * exactly these stacks: a JSON array.
   */
  readonly repositoryVariable: string;
}

/** The subject of a refusal of this program's config: the same error, and form, as the main program's. */
export const INVALID_DEPLOYMENTS_CONFIG = `Invalid configuration of ${DEPLOYMENTS_PROJECT}`;

/** Commands that run before every Pulumi operation; they replace Deployments' own dependency install. */
export const PRE_RUN_COMMANDS = ["npm ci"] as const;
export const DEFAULT_BRANCH = "main";
export const DEFAULT_REPO_DIR = ".";
export const DEFAULT_DRIFT_CRON = "0 5 * * *";
/** Lifetime of the AWS session a deployment assumes (the provider's canonical "XhYmZs" form). */
export const AWS_SESSION_DURATION = "1h0m0s";

/** Production stacks: `prod` and `prod-<anything>`. They never deploy on push and get drift detection. */
export function isProduction(stack: string): boolean {
  return /^prod(-|$)/.test(stack);
}

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const BRANCH = /^[^\s~^:?*[\\]+$/;

/** The one stack of the deployments project (README: `pulumi -C deployments stack init <org>/ferrum-deployments/main`). */
export const DEPLOYMENTS_STACK = "main";

/** `pulumi config set` as the user would type it, from the repository root, on the project's stack. */
function setCommand(key: string, example: string, path = false): string {
  const pathFlag = path ? "--path " : "";
  return `pulumi -C deployments config set ${pathFlag}'${DEPLOYMENTS_PROJECT}:${key}' '${example}' -s ${DEPLOYMENTS_STACK}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Cron with five fields of digits, `*`, `/`, `,` and `-` (Pulumi Cloud schedules take UTC crons). */
function isCron(v: string): boolean {
  const fields = v.trim().split(/\s+/);
  return fields.length === 5 && fields.every((f) => /^[\d*/,-]+$/.test(f));
}

interface AwsOidc {
  readonly roleArn: string;
  readonly sessionName?: string;
  readonly duration: string;
}
interface AzureOidc {
  readonly clientId: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
}

/** Reads a string field, recording a problem when it is set but not a non-empty string. */
function optionalString(
  problems: string[],
  key: string,
  value: unknown,
  example: string,
): string | undefined {
  // Pulumi.yaml gives unset strings an empty default: empty means unset.
  if (value === undefined || value === "") return undefined;
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  problems.push(
    `${DEPLOYMENTS_PROJECT}:${key} must be a non-empty string (got ${show(value)}); set it with ${setCommand(key, example)}`,
  );
  return undefined;
}

/** Reads a `stack -> string` map, recording problems for non-objects and non-string values. */
function stringMap(problems: string[], key: string, value: unknown, example: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problems.push(
      `${DEPLOYMENTS_PROJECT}:${key} must be an object of stack name -> value (got ${show(value)}); set an entry with ${setCommand(`${key}.<stack>`, example, true)}`,
    );
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string" && v.trim() !== "") out[k] = v.trim();
    else
      problems.push(
        `${DEPLOYMENTS_PROJECT}:${key}.${k} must be a non-empty string (got ${show(v)}); set it with ${setCommand(`${key}.${k}`, example, true)}`,
      );
  }
  return out;
}

function readAws(problems: string[], value: unknown): AwsOidc | undefined {
  if (value === undefined) return undefined;
  const exampleArn = "arn:aws:iam::123456789012:role/ferrum-deploy";
  if (!isRecord(value)) {
    problems.push(
      `${DEPLOYMENTS_PROJECT}:aws must be an object { roleArn, sessionName?, duration? } (got ${show(value)}); set it with ${setCommand("aws.roleArn", exampleArn, true)}`,
    );
    return undefined;
  }
  const before = problems.length;
  const roleArn = value.roleArn;
  if (typeof roleArn !== "string" || !ROLE_ARN.test(roleArn))
    problems.push(
      `${DEPLOYMENTS_PROJECT}:aws.roleArn must be an IAM role ARN (got ${show(roleArn)}); set it with ${setCommand("aws.roleArn", exampleArn, true)}`,
    );
  const sessionName = value.sessionName;
  if (sessionName !== undefined && (typeof sessionName !== "string" || !SESSION_NAME.test(sessionName)))
    problems.push(
      `${DEPLOYMENTS_PROJECT}:aws.sessionName must be 2-64 characters of letters, digits and +=,.@_- (got ${show(sessionName)}); set it with ${setCommand("aws.sessionName", "pulumi-deployments", true)}`,
    );
  const duration = value.duration ?? AWS_SESSION_DURATION;
  if (typeof duration !== "string" || duration === "" || !DURATION.test(duration))
    problems.push(
      `${DEPLOYMENTS_PROJECT}:aws.duration must look like 1h0m0s (got ${show(duration)}); set it with ${setCommand("aws.duration", "1h0m0s", true)}`,
    );
  for (const k of Object.keys(value))
    if (!["roleArn", "sessionName", "duration"].includes(k))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:aws.${k} is not a setting (known: roleArn, sessionName, duration); remove it with pulumi -C deployments config rm --path '${DEPLOYMENTS_PROJECT}:aws.${k}'`,
      );
  if (problems.length > before) return undefined;
  return {
    roleArn: roleArn as string,
    duration: duration as string,
    ...(sessionName !== undefined ? { sessionName: sessionName as string } : {}),
  };
}

function readAzure(problems: string[], value: unknown): AzureOidc | undefined {
  if (value === undefined) return undefined;
  const guid = "00000000-0000-0000-0000-000000000000";
  if (!isRecord(value)) {
    problems.push(
      `${DEPLOYMENTS_PROJECT}:azure must be an object { clientId, tenantId, subscriptionId } (got ${show(value)}); set it with ${setCommand("azure.clientId", guid, true)}`,
    );
    return undefined;
  }
  const before = problems.length;
  for (const k of ["clientId", "tenantId", "subscriptionId"] as const) {
    const v = value[k];
    if (typeof v !== "string" || !GUID.test(v))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:azure.${k} must be a GUID (got ${show(v)}); set it with ${setCommand(`azure.${k}`, guid, true)}`,
      );
  }
  for (const k of Object.keys(value))
    if (!["clientId", "tenantId", "subscriptionId"].includes(k))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:azure.${k} is not a setting (known: clientId, tenantId, subscriptionId); remove it with pulumi -C deployments config rm --path '${DEPLOYMENTS_PROJECT}:azure.${k}'`,
      );
  if (problems.length > before) return undefined;
  return {
    clientId: value.clientId as string,
    tenantId: value.tenantId as string,
    subscriptionId: value.subscriptionId as string,
  };
}

function readEnabledStacks(problems: string[], value: unknown, stacks: readonly StackFile[]): string[] {
  if (value === undefined) return [];
  const names = stacks.map((s) => s.name);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    problems.push(
      `${DEPLOYMENTS_PROJECT}:enabledStacks must be a list of stack names (got ${show(value)}); set it with ${setCommand("enabledStacks[0]", names[0] ?? "dev", true)}`,
    );
    return [];
  }
  const enabled: string[] = [];
  for (const name of value as string[]) {
    if (!names.includes(name))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:enabledStacks names ${show(name)}, which has no Pulumi.${name}.yaml (stacks: ${names.join(", ")}); remove it or add the stack file`,
      );
    else if (enabled.includes(name))
      problems.push(`${DEPLOYMENTS_PROJECT}:enabledStacks names ${show(name)} twice; keep one`);
    else enabled.push(name);
  }
  // Keep stack-file order so resource registration does not depend on the order of the list.
  return names.filter((n) => enabled.includes(n));
}

/**
 * Validates the config against the declared stacks and returns every resource's arguments. Throws a
 * `ProblemsError` (lib/problems.ts) listing every problem, before anything is created.
 */
export function planDeployments(input: {
  /** The main project's name (Pulumi.yaml `name`). */
  readonly project: string;
  /** Pulumi Cloud organization used when `organization` is not set; called only when a stack is enabled. */
  readonly defaultOrganization: () => string;
  /** The main project's stacks, one per `Pulumi.<stack>.yaml`. */
  readonly stacks: readonly StackFile[];
  readonly config: RawDeploymentsConfig;
}): DeploymentsPlan {
  const { config, stacks } = input;
  const problems: string[] = [];

  const enabled = readEnabledStacks(problems, config.enabledStacks, stacks);
  const organizationSetting = optionalString(problems, "organization", config.organization, "my-org");
  const repository = optionalString(problems, "repository", config.repository, "my-org/ferrum-infra");
  if (repository !== undefined && !REPOSITORY.test(repository))
    problems.push(
      `${DEPLOYMENTS_PROJECT}:repository must be owner/name (got ${show(repository)}); set it with ${setCommand("repository", "my-org/ferrum-infra")}`,
    );
  const branchName = optionalString(problems, "branch", config.branch, DEFAULT_BRANCH) ?? DEFAULT_BRANCH;
  if (!BRANCH.test(branchName))
    problems.push(
      `${DEPLOYMENTS_PROJECT}:branch must be a git branch name (got ${show(branchName)}); set it with ${setCommand("branch", DEFAULT_BRANCH)}`,
    );
  const repoDir = optionalString(problems, "repoDir", config.repoDir, DEFAULT_REPO_DIR) ?? DEFAULT_REPO_DIR;
  if (repoDir.startsWith("/") || repoDir.split("/").includes(".."))
    problems.push(
      `${DEPLOYMENTS_PROJECT}:repoDir must be a path inside the repository (got ${show(repoDir)}); set it with ${setCommand("repoDir", DEFAULT_REPO_DIR)}`,
    );
  const aws = readAws(problems, config.aws);
  const azure = readAzure(problems, config.azure);
  const driftCron =
    optionalString(problems, "driftCron", config.driftCron, DEFAULT_DRIFT_CRON) ?? DEFAULT_DRIFT_CRON;
  if (!isCron(driftCron))
    problems.push(
      `${DEPLOYMENTS_PROJECT}:driftCron must be a five-field cron expression (got ${show(driftCron)}); set it with ${setCommand("driftCron", DEFAULT_DRIFT_CRON)}`,
    );
  const reviewTemplate = optionalString(problems, "reviewTemplate", config.reviewTemplate, "dev");
  const ttl = stringMap(problems, "ttl", config.ttl, "2030-01-01T00:00:00Z");
  const agentPools = stringMap(problems, "agentPools", config.agentPools, "<agent pool id>");

  const cloudOf = new Map(stacks.map((s) => [s.name, s.cloud]));
  if (enabled.length > 0 && repository === undefined)
    problems.push(
      `${DEPLOYMENTS_PROJECT}:repository is required once a stack is enabled (enabled: ${enabled.join(", ")}); set it with ${setCommand("repository", "my-org/ferrum-infra")}`,
    );
  const awsStacks = enabled.filter((s) => cloudOf.get(s) === "aws");
  if (awsStacks.length > 0 && aws === undefined && config.aws === undefined)
    problems.push(
      `${DEPLOYMENTS_PROJECT}:aws.roleArn is required for the AWS stacks ${awsStacks.join(", ")}; set it with ${setCommand("aws.roleArn", "arn:aws:iam::123456789012:role/ferrum-deploy", true)}`,
    );
  const azureStacks = enabled.filter((s) => cloudOf.get(s) === "azure");
  if (azureStacks.length > 0 && azure === undefined && config.azure === undefined)
    problems.push(
      `${DEPLOYMENTS_PROJECT}:azure.{clientId,tenantId,subscriptionId} are required for the Azure stacks ${azureStacks.join(", ")}; set them with ${setCommand("azure.clientId", "00000000-0000-0000-0000-000000000000", true)} (and tenantId, subscriptionId)`,
    );

  if (reviewTemplate !== undefined) {
    if (!enabled.includes(reviewTemplate))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:reviewTemplate names ${show(reviewTemplate)}, which is not in enabledStacks (${enabled.join(", ") || "none"}); review stacks copy the template's deployment settings, so enable it first`,
      );
    else if (isProduction(reviewTemplate))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:reviewTemplate names the production stack ${show(reviewTemplate)}; every pull request would copy production's config and cloud identity into a new stack. Use a non-production stack (dev)`,
      );
  }

  for (const [stack, timestamp] of Object.entries(ttl)) {
    if (!STACK_NAME.test(stack)) problems.push(`${DEPLOYMENTS_PROJECT}:ttl.${stack} is not a stack name`);
    else if (isProduction(stack))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:ttl.${stack} would destroy the production stack ${stack}; remove it with pulumi -C deployments config rm --path '${DEPLOYMENTS_PROJECT}:ttl.${stack}'`,
      );
    else if (cloudOf.has(stack) && !enabled.includes(stack))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:ttl.${stack} needs ${stack} in enabledStacks: a TTL destroy runs as a deployment, with the stack's deployment settings`,
      );
    else if (!cloudOf.has(stack) && reviewTemplate === undefined)
      problems.push(
        `${DEPLOYMENTS_PROJECT}:ttl.${stack} names no stack file and no review template is set, so ${stack} has no deployment settings to run a destroy with; set reviewTemplate or remove the entry`,
      );
    if (!TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp)))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:ttl.${stack} must be an ISO 8601 UTC timestamp like 2030-01-01T00:00:00Z (got ${show(timestamp)}); set it with ${setCommand(`ttl.${stack}`, "2030-01-01T00:00:00Z", true)}`,
      );
  }
  for (const stack of Object.keys(agentPools))
    if (!enabled.includes(stack))
      problems.push(
        `${DEPLOYMENTS_PROJECT}:agentPools.${stack} names a stack that is not in enabledStacks (${enabled.join(", ") || "none"}); enable it or remove the entry`,
      );

  if (problems.length > 0) throw new ProblemsError(problems, INVALID_DEPLOYMENTS_CONFIG);

  // Nothing enabled (a TTL or review template without an enabled stack was refused above): nothing to create.
  if (enabled.length === 0)
    return {
      drivenByDeployments: [],
      settings: [],
      driftSchedules: [],
      ttlSchedules: [],
      repositoryVariable: "[]",
    };
  const organization = organizationSetting ?? input.defaultOrganization();
  const branch = branchName.startsWith("refs/") ? branchName : `refs/heads/${branchName}`;
  const project = input.project;
  const settings = enabled.map((stack) => {
    const cloud = cloudOf.get(stack)!;
    const oidc =
      cloud === "aws"
        ? {
            aws: {
              roleARN: aws!.roleArn,
              sessionName: aws!.sessionName ?? `pulumi-deployments-${stack}`,
              duration: aws!.duration,
            },
          }
        : cloud === "azure"
          ? { azure: { ...azure! } }
          : undefined;
    const args: DeploymentSettingsArgs = {
      organization,
      project,
      stack,
      sourceContext: { git: { repoUrl: `https://github.com/${repository}.git`, branch, repoDir } },
      vcs: {
        provider: "github",
        repository: repository!,
        // Push-to-deploy outside production only; production deploys are started on purpose.
        deployCommits: !isProduction(stack),
        previewPullRequests: true,
        pullRequestTemplate: stack === reviewTemplate,
      },
      operationContext: {
        preRunCommands: [...PRE_RUN_COMMANDS],
        // `npm ci` above installs exactly the lockfile; skip Deployments' own `npm install`.
        options: { skipInstallDependencies: true },
        ...(oidc ? { oidc } : {}),
      },
      cacheOptions: { enable: true },
      ...(agentPools[stack] ? { agentPoolId: agentPools[stack] } : {}),
    };
    return { stack, args };
  });
  const driftSchedules = enabled.filter(isProduction).map((stack) => ({
    stack,
    args: {
      organization,
      project,
      stack,
      scheduleCron: driftCron,
      autoRemediate: false,
    } satisfies DriftScheduleArgs,
  }));
  const ttlSchedules = Object.entries(ttl).map(([stack, timestamp]) => ({
    stack,
    args: { organization, project, stack, timestamp, deleteAfterDestroy: true } satisfies TtlScheduleArgs,
  }));
  return {
    drivenByDeployments: enabled,
    settings,
    driftSchedules,
    ttlSchedules,
    repositoryVariable: JSON.stringify(enabled),
  };
}
