/**
 * Registers the Pulumi Deployments resources `planDeployments` decides on: settings per enabled stack,
 * drift detection on enabled production stacks, TTL destroys. Reads `ferrum-deployments:*` config from the
 * engine; everything else is in the pure `settings.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { DeploymentSettings } from "@pulumi/pulumiservice/deploymentSettings";
import { DriftSchedule } from "@pulumi/pulumiservice/driftSchedule";
import { TtlSchedule } from "@pulumi/pulumiservice/ttlSchedule";
import { DEPLOYMENTS_PROJECT, planDeployments, type RawDeploymentsConfig, type StackFile } from "./settings";

/** Stack outputs: who drives what, and the repository variable that keeps the workflows off those stacks. */
export interface DeploymentsOutputs {
  /** Stacks Pulumi Deployments drives. */
  readonly drivenByDeployments: string[];
  /** Stacks the GitHub Actions workflows drive. */
  readonly drivenByActions: string[];
  /** Value of the repository variable `DEPLOYMENTS_STACKS` (a JSON array); set it before `pulumi up` here. */
  readonly repositoryVariable: string;
  /** The `gh` command that sets that variable. */
  readonly setVariableCommand: string;
}

/** Reads this program's config from the engine, objects JSON-parsed. */
export function readRawConfig(): RawDeploymentsConfig {
  const config = new pulumi.Config(DEPLOYMENTS_PROJECT);
  return {
    enabledStacks: config.getObject<unknown>("enabledStacks"),
    organization: config.get("organization"),
    repository: config.get("repository"),
    branch: config.get("branch"),
    repoDir: config.get("repoDir"),
    aws: config.getObject<unknown>("aws"),
    azure: config.getObject<unknown>("azure"),
    driftCron: config.get("driftCron"),
    reviewTemplate: config.get("reviewTemplate"),
    ttl: config.getObject<unknown>("ttl"),
    agentPools: config.getObject<unknown>("agentPools"),
  };
}

/**
 * Creates the resources for `stacks` of `project` under `config`. Nothing is created unless
 * `enabledStacks` names a stack.
 */
export function defineDeployments(
  project: string,
  stacks: readonly StackFile[],
  config: RawDeploymentsConfig = readRawConfig(),
): DeploymentsOutputs {
  // A refusal is a ProblemsError (a RunError): every problem at once and no stack trace, as the main
  // program reports its config.
  const plan = planDeployments({ project, defaultOrganization: pulumi.getOrganization, stacks, config });
  const settings = new Map<string, DeploymentSettings>();
  for (const { stack, args } of plan.settings)
    settings.set(stack, new DeploymentSettings(`${stack}-settings`, args));
  // Schedules run deployments, which need the stack's settings first.
  for (const { stack, args } of plan.driftSchedules)
    new DriftSchedule(`${stack}-drift`, args, { dependsOn: [settings.get(stack)!] });
  for (const { stack, args } of plan.ttlSchedules) {
    const own = settings.get(stack);
    new TtlSchedule(`${stack}-ttl`, args, own ? { dependsOn: [own] } : {});
  }
  const drivenByDeployments = [...plan.drivenByDeployments];
  return {
    drivenByDeployments,
    drivenByActions: stacks.map((s) => s.name).filter((s) => !drivenByDeployments.includes(s)),
    repositoryVariable: plan.repositoryVariable,
    setVariableCommand: `gh variable set DEPLOYMENTS_STACKS --body '${plan.repositoryVariable}'`,
  };
}
