/**
 * What this repository's delivery contract asks of its workflows, as checks over a parsed workflow. Each
 * check returns the problems it finds (empty when the workflow complies), so the tests assert both that
 * the real workflows pass and that a workflow violating each rule is caught.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { KNOWN_ACTIONS } from "./action-inputs";

export const ROOT = path.resolve(__dirname, "../..");
export const WORKFLOWS_DIR = path.join(ROOT, ".github/workflows");

/** A parsed workflow. Its shape is what is under test, so it stays loosely typed. */
export type Workflow = Record<string, any>;
export interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

/** Every workflow file name in .github/workflows. */
export function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export function readWorkflowSource(file: string): string {
  return readFileSync(path.join(WORKFLOWS_DIR, file), "utf8");
}

/** Parses with YAML 1.2 (so `on:` stays a string key, as GitHub reads it). */
export function parseWorkflow(source: string): Workflow {
  return parse(source) as Workflow;
}

export function loadWorkflow(file: string): Workflow {
  return parseWorkflow(readWorkflowSource(file));
}

/** Stack names of the Pulumi.<stack>.yaml files at the repository root. */
export function stackFiles(root = ROOT): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export const jobsOf = (wf: Workflow): [string, Workflow][] => Object.entries(wf.jobs ?? {});
export const stepsOf = (job: Workflow): Step[] => (job.steps ?? []) as Step[];
/** `owner/repo` of a step's `uses` (path and ref dropped). */
export const actionOf = (uses: string): string => uses.split("@")[0]!.split("/").slice(0, 2).join("/");
export const stepsUsing = (job: Workflow, action: string): Step[] =>
  stepsOf(job).filter((s) => s.uses !== undefined && actionOf(s.uses) === action);
const text = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

/** The `on:` triggers as an object (GitHub also accepts a string or a list). */
export function triggers(wf: Workflow): Record<string, any> {
  const on = wf.on;
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t) => [t, null]));
  return (on ?? {}) as Record<string, any>;
}

// ---------------------------------------------------------------------------------------------------------
// Rules for every workflow

const VERSION_TAG = /^v\d+(\.\d+){0,2}$/;
const COMMIT_SHA = /^[0-9a-f]{40}$/;

/**
 * Every `uses:` (steps and reusable-workflow jobs) names a version tag (`v7`, `v7.1.0`) or a full commit
 * SHA: never a branch, never nothing. Local actions (`./...`) are the repository's own code; Docker images
 * need a tag other than `latest` or a digest.
 */
export function pinningProblems(wf: Workflow): string[] {
  const problems: string[] = [];
  const check = (where: string, uses: string) => {
    if (uses.startsWith("./")) return;
    if (uses.startsWith("docker://")) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses) && !/:[^/:]+$/.test(uses.slice(9)))
        problems.push(`${where}: ${uses} has no tag or digest`);
      else if (/:latest$/.test(uses)) problems.push(`${where}: ${uses} uses the moving tag latest`);
      return;
    }
    const at = uses.lastIndexOf("@");
    const ref = at < 0 ? "" : uses.slice(at + 1);
    if (!VERSION_TAG.test(ref) && !COMMIT_SHA.test(ref))
      problems.push(`${where}: ${uses} is not pinned to a version tag (vN, vN.N.N) or a commit SHA`);
  };
  for (const [id, job] of jobsOf(wf)) {
    if (typeof job.uses === "string") check(`jobs.${id}`, job.uses);
    stepsOf(job).forEach((s, i) => s.uses !== undefined && check(`jobs.${id}.steps[${i}]`, s.uses));
  }
  return problems;
}

/**
 * Every third-party action is one KNOWN_ACTIONS lists, at the major it names, and every `with:` key is an
 * input of that major.
 */
export function knownActionProblems(wf: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobsOf(wf)) {
    stepsOf(job).forEach((s, i) => {
      if (s.uses === undefined || s.uses.startsWith("./") || s.uses.startsWith("docker://")) return;
      const where = `jobs.${id}.steps[${i}] (${s.uses})`;
      const known = KNOWN_ACTIONS[actionOf(s.uses)];
      if (!known) {
        problems.push(
          `${where}: not in tests/delivery/action-inputs.ts; add it with its major and inputs once reviewed`,
        );
        return;
      }
      const ref = s.uses.slice(s.uses.lastIndexOf("@") + 1);
      if (VERSION_TAG.test(ref) && ref.split(".")[0] !== known.major)
        problems.push(`${where}: pinned to ${ref}, but the reviewed major is ${known.major}`);
      for (const input of Object.keys(s.with ?? {}))
        if (!known.inputs.includes(input))
          problems.push(`${where}: ${input} is not an input of ${actionOf(s.uses)}@${known.major}`);
    });
  }
  return problems;
}

/**
 * Least privilege: the workflow sets `permissions` at the top and grants no write there; jobs that need
 * more ask for it themselves.
 */
export function permissionProblems(wf: Workflow): string[] {
  const p = wf.permissions;
  if (p === undefined) return ["permissions are not set at the workflow level (the default token may write)"];
  if (typeof p === "string")
    return p === "read-all" ? [] : [`workflow-level permissions ${p} grant more than read`];
  return Object.entries(p as Record<string, string>)
    .filter(([, v]) => v === "write")
    .map(([k]) => `workflow-level permissions grant ${k}: write; grant it on the job that needs it`);
}

// ---------------------------------------------------------------------------------------------------------
// ci.yml

/** Which job step runs a command (by its `run:` text). */
const runs = (job: Workflow, pattern: RegExp): Step | undefined =>
  stepsOf(job).find((s) => pattern.test(text(s.run)));

export function ciProblems(wf: Workflow): string[] {
  const problems: string[] = [];
  const on = triggers(wf);
  if (!("push" in on)) problems.push("ci does not run on push");
  if (!("pull_request" in on)) problems.push("ci does not run on pull_request");
  const jobs = jobsOf(wf).map(([, j]) => j);
  const all = (pattern: RegExp) => jobs.some((j) => runs(j, pattern));
  const node = jobs.flatMap((j) => stepsUsing(j, "actions/setup-node"));
  if (!node.some((s) => String(s.with?.["node-version"]) === "20" && s.with?.cache === "npm"))
    problems.push("ci does not set up Node.js 20 with the npm cache");
  if (!all(/\bnpm ci\b/)) problems.push("ci does not run npm ci");
  if (!all(/\bnpm run (-s )?lint\b/)) problems.push("ci does not run the linters (npm run lint)");
  if (!all(/\bnpm run (-s )?typecheck\b/)) problems.push("ci does not type-check (npm run typecheck)");
  if (!all(/for file in Pulumi\.\*\.yaml[\s\S]*npm run (-s )?plan -- "\$stack"/))
    problems.push("ci does not plan every Pulumi.<stack>.yaml offline");
  if (!all(/\.ci\/run/)) problems.push("ci does not install the Debian packages from .ci/run");
  const jest = jobs.map((j) => runs(j, /\bjest\b[\s\S]*--coverage\b/)).find(Boolean);
  if (!jest) problems.push("ci does not run every test with coverage (jest --coverage)");
  else {
    if (/--selectProjects|--testPathPattern|\.real\./.test(text(jest.run)))
      problems.push("ci's test run is narrowed to a subset; the real-server tests must run too");
    if (!/--coverageReporters=json-summary/.test(text(jest.run)))
      problems.push("ci's coverage has no json-summary reporter for the job summary");
  }
  if (!all(/GITHUB_STEP_SUMMARY/)) problems.push("ci does not summarise coverage in $GITHUB_STEP_SUMMARY");
  const uploads = jobs.flatMap((j) => stepsUsing(j, "actions/upload-artifact"));
  if (!uploads.some((s) => /^coverage\/?$/.test(text(s.with?.path))))
    problems.push("ci does not upload coverage/ as an artifact");
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// preview.yml

export const FORK_CONDITION = "github.event.pull_request.head.repo.full_name == github.repository";
export const FORK_INVERSE = "github.event.pull_request.head.repo.full_name != github.repository";
/** The condition every preview step after the Deployments notice carries. */
export const ACTIONS_DRIVES = "env.DRIVER == 'actions'";

/** The job of `wf` with a `pulumi/actions` step running `command`. */
export function pulumiJobs(wf: Workflow, command: string): [string, Workflow][] {
  return jobsOf(wf).filter(([, j]) =>
    stepsUsing(j, "pulumi/actions").some((s) => s.with?.command === command),
  );
}

function oidcProblems(where: string, job: Workflow, clouds: { aws: boolean; azure: boolean }): string[] {
  const problems: string[] = [];
  const auth = stepsUsing(job, "pulumi/auth-actions")[0];
  if (!auth) problems.push(`${where}: no Pulumi Cloud OIDC login (pulumi/auth-actions)`);
  else {
    if (auth.with?.organization !== "${{ vars.PULUMI_ORG }}")
      problems.push(`${where}: pulumi/auth-actions organization is not vars.PULUMI_ORG`);
    if (auth.with?.["requested-token-type"] !== "urn:pulumi:token-type:access_token:organization")
      problems.push(`${where}: pulumi/auth-actions does not request an organization token`);
  }
  if (clouds.aws) {
    const aws = stepsUsing(job, "aws-actions/configure-aws-credentials")[0];
    if (!aws || !/vars\.AWS_DEPLOY_ROLE_ARN/.test(text(aws.with?.["role-to-assume"])))
      problems.push(`${where}: no AWS OIDC role (configure-aws-credentials with vars.AWS_DEPLOY_ROLE_ARN)`);
    if (aws && ["aws-access-key-id", "aws-secret-access-key"].some((k) => k in (aws.with ?? {})))
      problems.push(`${where}: AWS access keys instead of OIDC`);
  }
  if (clouds.azure) {
    const az = stepsUsing(job, "azure/login")[0];
    for (const k of ["client-id", "tenant-id", "subscription-id"])
      if (!az || !/vars\.AZURE_/.test(text(az.with?.[k])))
        problems.push(`${where}: azure/login has no ${k} from a repository variable`);
    if (az && "creds" in (az.with ?? {}))
      problems.push(`${where}: azure/login with a creds secret instead of OIDC`);
    const pulumi = stepsUsing(job, "pulumi/actions")[0];
    const env = { ...(job.env ?? {}), ...(pulumi?.env ?? {}) } as Record<string, unknown>;
    if (!("ARM_USE_OIDC" in env)) problems.push(`${where}: the pulumi step has no ARM_USE_OIDC`);
    for (const k of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"])
      if (!/vars\.AZURE_/.test(text(env[k])))
        problems.push(`${where}: the pulumi step has no ${k} from a repository variable`);
  }
  return problems;
}

/**
 * The route step of a job: runs route-stacks.sh with DEPLOYMENTS_STACKS and PULUMI_RUNNERS from the
 * repository variables, and its job hands the runners on.
 */
function routeProblems(wf: Workflow): string[] {
  const found = jobsOf(wf)
    .map(
      ([id, j]) =>
        [id, j, stepsOf(j).find((s) => /\.github\/scripts\/route-stacks\.sh/.test(text(s.run)))] as const,
    )
    .find(([, , s]) => s !== undefined);
  if (!found)
    return ["no step runs .github/scripts/route-stacks.sh to find the stacks Pulumi Deployments drives"];
  const [id, job, route] = found;
  const problems: string[] = [];
  for (const variable of ["DEPLOYMENTS_STACKS", "PULUMI_RUNNERS"])
    if (route!.env?.[variable] !== `\${{ vars.${variable} }}`)
      problems.push(`the route step does not read the repository variable ${variable}`);
  if (!route!.id || text(job.outputs?.runners) !== `\${{ steps.${route!.id}.outputs.runners }}`)
    problems.push(`jobs.${id}: does not output the runners route-stacks.sh chose (outputs.runners)`);
  return problems;
}

/**
 * A job that drives `stack` runs where route-stacks.sh says: the runner it checked can reach the cluster,
 * never a hard-coded or fallback label that would bypass the check.
 */
function runnerProblems(where: string, job: Workflow, stack: string): string[] {
  const runsOn = text(job["runs-on"]);
  const of = (index: string) => `\${{ fromJSON(needs.route.outputs.runners)${index} }}`;
  const accepted =
    stack === "matrix.stack"
      ? [of("[matrix.stack]")]
      : [of(`['${stack}']`), ...(/^[A-Za-z_][A-Za-z0-9_]*$/.test(stack) ? [of(`.${stack}`)] : [])];
  return accepted.includes(runsOn)
    ? []
    : [
        `${where}: runs-on is ${JSON.stringify(runsOn)}; expected the route job's runner for ${stack} (${accepted[0]})`,
      ];
}

/** preview.yml against `stacks` (the Pulumi.<stack>.yaml files). */
export function previewProblems(wf: Workflow, stacks: readonly string[]): string[] {
  const problems: string[] = [];
  if (!("pull_request" in triggers(wf))) problems.push("preview does not run on pull_request");
  if ("pull_request_target" in triggers(wf))
    problems.push("preview runs on pull_request_target, which hands secrets to fork code");
  const jobs = pulumiJobs(wf, "preview");
  if (jobs.length !== 1)
    return [...problems, `preview has ${jobs.length} jobs running pulumi preview; expected one matrix job`];
  const [id, job] = jobs[0]!;
  const where = `jobs.${id}`;

  const matrix = job.strategy?.matrix?.stack;
  const listed: string[] = Array.isArray(matrix) ? matrix.map(String) : [];
  const missing = stacks.filter((s) => !listed.includes(s));
  const extra = listed.filter((s) => !stacks.includes(s));
  if (missing.length)
    problems.push(`${where}: the matrix misses ${missing.map((s) => `Pulumi.${s}.yaml`).join(", ")}`);
  if (extra.length) problems.push(`${where}: the matrix lists ${extra.join(", ")}, which has no stack file`);
  if (new Set(listed).size !== listed.length) problems.push(`${where}: the matrix lists a stack twice`);
  if (job.strategy?.["fail-fast"] !== false)
    problems.push(`${where}: fail-fast hides the other stacks' previews when one fails`);

  const step = stepsUsing(job, "pulumi/actions")[0]!;
  const w = step.with ?? {};
  if (w.diff !== true && w.diff !== "true") problems.push(`${where}: pulumi/actions without diff: true`);
  if (w["comment-on-pr"] !== true && w["comment-on-pr"] !== "true")
    problems.push(`${where}: pulumi/actions without comment-on-pr: true`);
  if (w["edit-pr-comment"] !== true && w["edit-pr-comment"] !== "true")
    problems.push(`${where}: pulumi/actions without edit-pr-comment: true`);
  if (w["stack-name"] !== "${{ vars.PULUMI_ORG }}/ferrum/${{ matrix.stack }}")
    problems.push(`${where}: stack-name is not \${{ vars.PULUMI_ORG }}/ferrum/\${{ matrix.stack }}`);

  const perms = job.permissions ?? {};
  const expected = { contents: "read", "pull-requests": "write", "id-token": "write" };
  if (JSON.stringify(Object.entries(perms).sort()) !== JSON.stringify(Object.entries(expected).sort()))
    problems.push(
      `${where}: permissions are ${JSON.stringify(perms)}; expected exactly ${JSON.stringify(expected)}`,
    );

  if (!text(job.if).includes(FORK_CONDITION))
    problems.push(`${where}: fork pull requests are not skipped (if: ${FORK_CONDITION})`);
  const notice = jobsOf(wf).find(
    ([, j]) =>
      text(j.if).includes(FORK_INVERSE) && stepsOf(j).some((s) => /GITHUB_STEP_SUMMARY/.test(text(s.run))),
  );
  if (!notice) problems.push("no job tells fork pull requests, in the step summary, why they get no preview");
  else if (stepsOf(notice[1]).some((s) => s.uses !== undefined || /secrets\./.test(JSON.stringify(s))))
    problems.push(`jobs.${notice[0]}: the fork notice must use no action and no secret`);

  const group = text(job.concurrency?.group);
  if (!group.includes("matrix.stack") || !group.includes("github.event.pull_request.number"))
    problems.push(`${where}: the concurrency group is not per stack and pull request`);
  if (job.concurrency?.["cancel-in-progress"] !== true)
    problems.push(`${where}: a newer push does not cancel the running preview`);

  problems.push(...oidcProblems(where, job, { aws: true, azure: true }));
  problems.push(...routeProblems(wf));
  problems.push(...runnerProblems(where, job, "matrix.stack"));
  const [first, ...rest] = stepsOf(job);
  if (
    !first ||
    !/env\.DRIVER != 'actions'/.test(text(first.if)) ||
    !/GITHUB_STEP_SUMMARY/.test(text(first.run))
  )
    problems.push(
      `${where}: the first step must say, in the step summary, when Pulumi Deployments drives the stack`,
    );
  rest.forEach((s, i) => {
    if (!text(s.if).includes(ACTIONS_DRIVES))
      problems.push(
        `${where}.steps[${i + 1}] (${s.name ?? s.uses ?? s.run}) runs for stacks Pulumi Deployments drives`,
      );
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// deploy.yml

/** The GitHub environment of each production stack. */
export const ENVIRONMENTS: Readonly<Record<string, string>> = {
  prod: "production-aws",
  "prod-azure": "production-azure",
};

/** deploy.yml against `stacks`: dev first, production stacks behind environments, one update at a time. */
export function deployProblems(wf: Workflow, stacks: readonly string[]): string[] {
  const problems: string[] = [];
  const on = triggers(wf);
  if (!on.push || !(on.push.branches ?? []).includes("main"))
    problems.push("deploy does not run on push to main");
  if (!("workflow_dispatch" in on)) problems.push("deploy cannot be started by hand (workflow_dispatch)");
  if ("pull_request" in on || "pull_request_target" in on) problems.push("deploy runs on pull requests");

  const byStack = new Map<string, [string, Workflow]>();
  for (const [id, job] of pulumiJobs(wf, "up")) {
    const stackName = text(
      stepsUsing(job, "pulumi/actions").find((s) => s.with?.command === "up")?.with?.["stack-name"],
    );
    const stack = /\/ferrum\/([A-Za-z0-9_.-]+)$/.exec(stackName)?.[1];
    if (!stackName.startsWith("${{ vars.PULUMI_ORG }}/ferrum/") || !stack) {
      problems.push(`jobs.${id}: stack-name ${stackName} is not \${{ vars.PULUMI_ORG }}/ferrum/<stack>`);
      continue;
    }
    byStack.set(stack, [id, job]);
  }
  for (const stack of stacks) if (!byStack.has(stack)) problems.push(`no job runs pulumi up for ${stack}`);

  const dev = byStack.get("dev");
  for (const [stack, [id, job]] of byStack) {
    const where = `jobs.${id}`;
    const needs: string[] = [job.needs ?? []].flat();
    const group = job.concurrency?.group;
    if (group !== `pulumi-${stack}`)
      problems.push(`${where}: concurrency group is ${JSON.stringify(group)}; expected pulumi-${stack}`);
    if (job.concurrency?.["cancel-in-progress"] !== false)
      problems.push(`${where}: a newer run may cancel a running update`);
    if (!/needs\.route\.outputs\.drivers/.test(text(job.if)))
      problems.push(
        `${where}: runs even when Pulumi Deployments drives ${stack} (no check of the route job's drivers)`,
      );
    if (!needs.includes("route")) problems.push(`${where}: does not need the route job`);
    problems.push(...runnerProblems(where, job, stack));
    if (job.permissions?.["id-token"] !== "write") problems.push(`${where}: no id-token: write for OIDC`);
    const cloud =
      stack === "prod"
        ? { aws: true, azure: false }
        : stack === "prod-azure"
          ? { aws: false, azure: true }
          : { aws: false, azure: false };
    problems.push(...oidcProblems(where, job, cloud));
    if (stack === "dev") {
      if (needs.some((n) => byStack.has(n)))
        problems.push(`${where}: dev waits for another stack; it goes first`);
      continue;
    }
    if (dev && !needs.includes(dev[0]))
      problems.push(`${where}: ${stack} does not wait for dev (needs: ${dev[0]})`);
    const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
    if (ENVIRONMENTS[stack] && environment !== ENVIRONMENTS[stack])
      problems.push(
        `${where}: environment is ${JSON.stringify(environment)}; expected ${ENVIRONMENTS[stack]} (required reviewers)`,
      );
    if (!/needs\.dev\.result == 'failure'|needs\.dev\.result == 'success'/.test(text(job.if)))
      problems.push(`${where}: does not look at dev's result before deploying`);
  }
  problems.push(...routeProblems(wf));
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// service-image.yml

/** Inputs the reusable workflow must declare, with their types. */
export const REUSABLE_INPUTS: Readonly<Record<string, string>> = {
  service: "string",
  "registry-kind": "string",
  stack: "string",
  context: "string",
  "python-version": "string",
  "infra-repository": "string",
};

export function reusableProblems(wf: Workflow): string[] {
  const problems: string[] = [];
  const on = triggers(wf);
  const call = on.workflow_call;
  if (!("workflow_call" in on) || Object.keys(on).length !== 1)
    problems.push("service-image must run only on workflow_call");
  const inputs = (call?.inputs ?? {}) as Record<string, { type?: string; required?: boolean }>;
  for (const [name, type] of Object.entries(REUSABLE_INPUTS)) {
    if (!inputs[name]) problems.push(`workflow_call has no input ${name}`);
    else if (inputs[name]!.type !== type) problems.push(`workflow_call input ${name} is not typed ${type}`);
  }
  for (const name of ["service", "registry-kind", "stack"])
    if (inputs[name] && inputs[name]!.required !== true)
      problems.push(`workflow_call input ${name} is not required`);
  const secrets = Object.entries((call?.secrets ?? {}) as Record<string, { required?: boolean }>);
  for (const [name, s] of secrets)
    if (s.required) problems.push(`workflow_call secret ${name} is required; cloud access is OIDC`);

  const steps = jobsOf(wf).flatMap(([, j]) => stepsOf(j));
  const using = (action: string) => steps.filter((s) => s.uses !== undefined && actionOf(s.uses) === action);
  if (!steps.some((s) => /pytest --cov\b[\s\S]*--cov-report=xml/.test(text(s.run))))
    problems.push("no pytest --cov --cov-report=xml");
  if (
    !using("actions/setup-python").some((s) => s.with?.["python-version"] === "${{ inputs.python-version }}")
  )
    problems.push("Python is not set up from inputs.python-version");
  if (!using("actions/upload-artifact").some((s) => /coverage\.xml/.test(text(s.with?.path))))
    problems.push("coverage.xml is not uploaded");
  const build = using("docker/build-push-action")[0];
  if (!build || (build.with?.push !== true && build.with?.push !== "true"))
    problems.push("no docker/build-push-action pushing the image");
  else if (build.with?.context !== "${{ inputs.context }}")
    problems.push("the image is not built from inputs.context");
  const ecr = using("aws-actions/configure-aws-credentials")[0];
  if (
    !ecr ||
    !/registry-kind == 'ecr'/.test(text(ecr.if)) ||
    using("aws-actions/amazon-ecr-login").length === 0
  )
    problems.push("no ECR login (configure-aws-credentials + amazon-ecr-login) for registry-kind ecr");
  if (using("azure/login").length === 0 || !steps.some((s) => /az acr login/.test(text(s.run))))
    problems.push("no ACR login (azure/login + az acr login) for registry-kind acr");
  const ghcr = using("docker/login-action").find((s) => s.with?.registry === "ghcr.io");
  if (!ghcr || !/github\.token|secrets\.GITHUB_TOKEN/.test(text(ghcr.with?.password)))
    problems.push("no GHCR login with the GITHUB_TOKEN");
  const pr = using("peter-evans/create-pull-request")[0];
  if (!pr)
    problems.push("no pull request to the infrastructure repository (peter-evans/create-pull-request)");
  else if (!/Pulumi\.\$\{\{ inputs\.stack \}\}\.yaml/.test(text(pr.with?.["add-paths"])))
    problems.push("the pull request does not carry Pulumi.<stack>.yaml");
  if (!steps.some((s) => /ferrum:services/.test(text(s.run)) && /\.image/.test(text(s.run))))
    problems.push("no step sets ferrum:services.<service>.image");
  return problems;
}

/** Every `${{ }}`-free `case` list of service names in a run script, e.g. `auth | user | content | catalog)`. */
export function serviceNamesInCase(script: string): string[] {
  const match = /^\s*([a-z]+(?:\s*\|\s*[a-z]+)+)\)/m.exec(script);
  return match ? match[1]!.split("|").map((s) => s.trim()) : [];
}

// ---------------------------------------------------------------------------------------------------------
// versions.yml

/**
 * versions.yml: the live version guardrail runs `npm run versions:check` against today's date on a schedule
 * (and by hand), never on pushes or pull requests (those run `npm test`, which must not depend on the
 * calendar), with read-only permissions and a failing pipe when the check fails.
 */
export function versionsProblems(wf: Workflow): string[] {
  const problems: string[] = [];
  const on = triggers(wf);
  const crons = ([on.schedule ?? []].flat() as { cron?: string }[]).map((s) => text(s.cron));
  if (!crons.some((c) => c.trim().split(/\s+/).length === 5))
    problems.push("versions does not run on a schedule (on.schedule with a five-field cron)");
  if (!("workflow_dispatch" in on)) problems.push("versions cannot be started by hand (workflow_dispatch)");
  for (const t of ["push", "pull_request", "pull_request_target"])
    if (t in on)
      problems.push(`versions runs on ${t}: the calendar check belongs to the schedule, not to changes`);
  const jobs = jobsOf(wf).map(([, j]) => j);
  const check = jobs
    .flatMap((j) => stepsOf(j))
    .find((s) => /\bnpm run (-s )?versions:check\b/.test(text(s.run)));
  if (!check) problems.push("no step runs npm run versions:check");
  else {
    if (/--today\b/.test(text(check.run)))
      problems.push("the scheduled check passes --today; it must use the day it runs");
    if (/\|/.test(text(check.run)) && (check as { shell?: string }).shell !== "bash")
      problems.push(
        "the check is piped without shell: bash, so its failure is lost (GitHub's default shell has no pipefail)",
      );
    if (
      /\|\|\s*true|continue-on-error/.test(text(check.run)) ||
      (check as Record<string, unknown>)["continue-on-error"]
    )
      problems.push("the check's failure is swallowed");
  }
  if (!jobs.some((j) => runs(j, /\bnpm ci\b/))) problems.push("versions does not run npm ci");
  for (const [id, job] of jobsOf(wf)) {
    const granted = Object.entries((job.permissions ?? {}) as Record<string, string>).filter(
      ([, v]) => v === "write",
    );
    if (granted.length)
      problems.push(`jobs.${id}: grants ${granted.map(([k]) => k).join(", ")}: write; the check only reads`);
  }
  return problems;
}
