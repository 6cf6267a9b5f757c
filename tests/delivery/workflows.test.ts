/**
 * The GitHub Actions workflows, without GitHub: each file through actionlint and SchemaStore's schema, then
 * the delivery contract (tests/delivery/workflow-checks.ts) on the real files, and a violating variant per
 * rule to show the rule catches it.
 */
import { SERVICE_NAMES } from "../../config/catalog";
import {
  ciProblems,
  deployProblems,
  knownActionProblems,
  loadWorkflow,
  parseWorkflow,
  permissionProblems,
  pinningProblems,
  previewProblems,
  readWorkflowSource,
  reusableProblems,
  serviceNamesInCase,
  stackFiles,
  stepsOf,
  stepsUsing,
  versionsProblems,
  Workflow,
  workflowFiles,
} from "./workflow-checks";
import { actionlintFindings, describeFindings, schemaFindings, validate } from "./validators";

const STACKS = stackFiles();
const clone = (wf: Workflow): Workflow => structuredClone(wf);

test("the expected workflows exist", () => {
  expect(workflowFiles()).toEqual([
    "ci.yml",
    "deploy.yml",
    "preview.yml",
    "service-image.yml",
    "versions.yml",
  ]);
  expect(STACKS).toEqual(expect.arrayContaining(["dev", "prod", "prod-azure"]));
});

describe.each(workflowFiles())("%s", (file) => {
  const source = readWorkflowSource(file);
  const wf = parseWorkflow(source);

  test("actionlint and the workflow schema find nothing", async () => {
    expect(describeFindings(await validate(source, `.github/workflows/${file}`))).toEqual([]);
  });

  test("every uses: is pinned to a version tag", () => {
    expect(pinningProblems(wf)).toEqual([]);
  });

  test("every action is a reviewed major, with inputs that major declares", () => {
    expect(knownActionProblems(wf)).toEqual([]);
  });

  test("least privilege: read-only at the workflow level", () => {
    expect(permissionProblems(wf)).toEqual([]);
  });
});

describe("the delivery contract on the real workflows", () => {
  test("ci: npm ci, lint, type check, every plan, every test with coverage, uploaded and summarised", () => {
    expect(ciProblems(loadWorkflow("ci.yml"))).toEqual([]);
  });

  test("preview: a matrix over exactly the Pulumi.<stack>.yaml files, diff comments, OIDC, fork and Deployments skips", () => {
    expect(previewProblems(loadWorkflow("preview.yml"), STACKS)).toEqual([]);
  });

  test("deploy: dev first, production behind environments, one update per stack, OIDC", () => {
    expect(deployProblems(loadWorkflow("deploy.yml"), STACKS)).toEqual([]);
  });

  test("service-image: workflow_call with typed inputs; test, build, push, propose", () => {
    expect(reusableProblems(loadWorkflow("service-image.yml"))).toEqual([]);
  });

  test("versions: npm run versions:check against today's date, daily and by hand, never on changes", () => {
    expect(versionsProblems(loadWorkflow("versions.yml"))).toEqual([]);
  });

  test("service-image accepts exactly the catalog's services", () => {
    const check = stepsOf(loadWorkflow("service-image.yml").jobs.test).find(
      (s) => s.name === "Check the inputs",
    )!;
    expect(serviceNamesInCase(check.run!)).toEqual([...SERVICE_NAMES]);
  });
});

describe("each rule catches a workflow that breaks it", () => {
  test("actionlint: a matrix value in a job-level if, and an unknown context", async () => {
    const source = `
on: pull_request
permissions: {}
jobs:
  preview:
    if: matrix.stack != 'prod'
    runs-on: ubuntu-latest
    strategy:
      matrix:
        stack: [dev, prod]
    steps:
      - run: echo "\${{ var.PULUMI_ORG }}"
`;
    const messages = (await actionlintFindings(source)).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('context "matrix" is not allowed here'),
        expect.stringContaining('undefined variable "var"'),
      ]),
    );
  });

  test("actionlint: an output of a step that does not exist, and needs of a missing job", async () => {
    const source = `
on: push
permissions: {}
jobs:
  prod:
    needs: [dev]
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ steps.route.outputs.drivers }}"
`;
    const messages = (await actionlintFindings(source)).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('job "prod" needs job "dev" which does not exist'),
        expect.stringContaining('property "route" is not defined'),
      ]),
    );
  });

  test("schema: a misspelt key and a permission that is not read, write or none", () => {
    const source = `
on: push
permissions:
  id-token: writ
jobs:
  a:
    runs_on: ubuntu-latest
    steps:
      - run: true
`;
    expect(schemaFindings(source).length).toBeGreaterThan(0);
    expect(schemaFindings(readWorkflowSource("ci.yml"))).toEqual([]);
  });

  test("pinning: a branch, no ref, a moving Docker tag", () => {
    const wf = clone(loadWorkflow("ci.yml"));
    const steps = wf.jobs.check.steps;
    steps[0].uses = "actions/checkout@main";
    steps[1].uses = "actions/setup-node";
    steps.push({ uses: "docker://alpine:latest" });
    expect(pinningProblems(wf)).toEqual([
      "jobs.check.steps[0]: actions/checkout@main is not pinned to a version tag (vN, vN.N.N) or a commit SHA",
      "jobs.check.steps[1]: actions/setup-node is not pinned to a version tag (vN, vN.N.N) or a commit SHA",
      `jobs.check.steps[${steps.length - 1}]: docker://alpine:latest uses the moving tag latest`,
    ]);
    const reusable = {
      jobs: { image: { uses: "acme/ferrum-infra/.github/workflows/service-image.yml@main" } },
    };
    expect(pinningProblems(reusable)).toHaveLength(1);
  });

  test("known actions: a misspelt input, an unreviewed action, an old major", () => {
    const wf = clone(loadWorkflow("preview.yml"));
    const pulumi = stepsUsing(wf.jobs.preview, "pulumi/actions")[0]!;
    (pulumi.with as Record<string, unknown>)["comment-on-prs"] = true;
    wf.jobs.preview.steps.push({ uses: "someone/setup-pulumi@v1" }, { uses: "actions/checkout@v4" });
    const problems = knownActionProblems(wf);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("comment-on-prs is not an input of pulumi/actions@v7"),
        expect.stringContaining("someone/setup-pulumi@v1): not in tests/delivery/action-inputs.ts"),
        expect.stringContaining("actions/checkout@v4): pinned to v4, but the reviewed major is v5"),
      ]),
    );
  });

  test("permissions: write at the workflow level, or none set", () => {
    const wf = clone(loadWorkflow("preview.yml"));
    wf.permissions = { contents: "read", "pull-requests": "write" };
    expect(permissionProblems(wf)).toEqual([
      "workflow-level permissions grant pull-requests: write; grant it on the job that needs it",
    ]);
    delete wf.permissions;
    expect(permissionProblems(wf)).toHaveLength(1);
  });

  test("ci: no coverage, only the unit project, no plan, no .ci/run packages", () => {
    const wf = clone(loadWorkflow("ci.yml"));
    const steps = stepsOf(wf.jobs.check) as any[];
    const test = steps.find((s) => /jest/.test(s.run ?? ""));
    test.run = "npx jest --coverage --selectProjects unit --coverageReporters=json-summary";
    expect(ciProblems(wf)).toEqual([
      "ci's test run is narrowed to a subset; the real-server tests must run too",
    ]);
    test.run = "npm test";
    wf.jobs.check.steps = steps.filter(
      (s) => !/Pulumi\.\*\.yaml|\.ci\/run/.test(s.run ?? "") && s.with?.path !== "coverage/",
    );
    expect(ciProblems(wf)).toEqual([
      "ci does not plan every Pulumi.<stack>.yaml offline",
      "ci does not install the Debian packages from .ci/run",
      "ci does not run every test with coverage (jest --coverage)",
      "ci does not upload coverage/ as an artifact",
    ]);
  });

  test("preview: a stack file the matrix misses, and a matrix entry with no stack file", () => {
    const wf = loadWorkflow("preview.yml");
    expect(previewProblems(wf, [...STACKS, "staging"])).toEqual([
      "jobs.preview: the matrix misses Pulumi.staging.yaml",
    ]);
    const fewer = clone(wf);
    fewer.jobs.preview.strategy.matrix.stack = STACKS.filter((s) => s !== "prod-azure");
    expect(previewProblems(fewer, STACKS)).toEqual([
      "jobs.preview: the matrix misses Pulumi.prod-azure.yaml",
    ]);
    const more = clone(wf);
    more.jobs.preview.strategy.matrix.stack = [...STACKS, "qa"];
    expect(previewProblems(more, STACKS)).toEqual([
      "jobs.preview: the matrix lists qa, which has no stack file",
    ]);
  });

  test("preview: no diff, no comment, broader permissions, forks previewed, no fork notice", () => {
    const wf = clone(loadWorkflow("preview.yml"));
    const job = wf.jobs.preview;
    const pulumi = stepsUsing(job, "pulumi/actions")[0]! as any;
    pulumi.with.diff = false;
    delete pulumi.with["comment-on-pr"];
    job.permissions.contents = "write";
    delete job.if;
    delete wf.jobs["fork-notice"];
    expect(previewProblems(wf, STACKS)).toEqual([
      "jobs.preview: pulumi/actions without diff: true",
      "jobs.preview: pulumi/actions without comment-on-pr: true",
      `jobs.preview: permissions are {"contents":"write","pull-requests":"write","id-token":"write"}; expected exactly {"contents":"read","pull-requests":"write","id-token":"write"}`,
      "jobs.preview: fork pull requests are not skipped (if: github.event.pull_request.head.repo.full_name == github.repository)",
      "no job tells fork pull requests, in the step summary, why they get no preview",
    ]);
  });

  test("preview: pull_request_target, long-lived keys, a step that ignores the Deployments switch", () => {
    const wf = clone(loadWorkflow("preview.yml"));
    wf.on = { pull_request_target: null, pull_request: null };
    const aws = stepsUsing(wf.jobs.preview, "aws-actions/configure-aws-credentials")[0]! as any;
    aws.with = {
      "aws-access-key-id": "${{ secrets.AWS_ACCESS_KEY_ID }}",
      "aws-secret-access-key": "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
    };
    const npm = stepsOf(wf.jobs.preview).find((s) => /npm ci/.test(s.run ?? ""))! as any;
    delete npm.if;
    expect(previewProblems(wf, STACKS)).toEqual(
      expect.arrayContaining([
        "preview runs on pull_request_target, which hands secrets to fork code",
        "jobs.preview: no AWS OIDC role (configure-aws-credentials with vars.AWS_DEPLOY_ROLE_ARN)",
        "jobs.preview: AWS access keys instead of OIDC",
        expect.stringMatching(
          /^jobs\.preview\.steps\[\d+\] \(npm ci --no-audit --no-fund\) runs for stacks Pulumi Deployments drives$/,
        ),
      ]),
    );
  });

  test("deploy: prod before dev, no environment, cancelled updates, Deployments ignored", () => {
    const wf = clone(loadWorkflow("deploy.yml"));
    wf.jobs.prod.needs = ["route"];
    delete wf.jobs["prod-azure"].environment;
    wf.jobs.dev.concurrency["cancel-in-progress"] = true;
    wf.jobs["prod-azure"].if = "always()";
    expect(deployProblems(wf, STACKS)).toEqual([
      "jobs.dev: a newer run may cancel a running update",
      "jobs.prod: prod does not wait for dev (needs: dev)",
      "jobs.prod-azure: runs even when Pulumi Deployments drives prod-azure (no check of the route job's drivers)",
      "jobs.prod-azure: environment is undefined; expected production-azure (required reviewers)",
      "jobs.prod-azure: does not look at dev's result before deploying",
    ]);
  });

  test("runners: a fallback label, a hard-coded one, and a route step blind to PULUMI_RUNNERS", () => {
    const deploy = clone(loadWorkflow("deploy.yml"));
    deploy.jobs.prod["runs-on"] = "${{ fromJSON(needs.route.outputs.runners).prod || 'ubuntu-latest' }}";
    deploy.jobs["prod-azure"]["runs-on"] = "ubuntu-latest";
    expect(deployProblems(deploy, STACKS)).toEqual([
      `jobs.prod: runs-on is "\${{ fromJSON(needs.route.outputs.runners).prod || 'ubuntu-latest' }}"; expected the route job's runner for prod (\${{ fromJSON(needs.route.outputs.runners)['prod'] }})`,
      `jobs.prod-azure: runs-on is "ubuntu-latest"; expected the route job's runner for prod-azure (\${{ fromJSON(needs.route.outputs.runners)['prod-azure'] }})`,
    ]);
    const preview = clone(loadWorkflow("preview.yml"));
    const route = stepsOf(preview.jobs.route).find((s) => s.id === "route")! as any;
    delete route.env.PULUMI_RUNNERS;
    delete preview.jobs.route.outputs.runners;
    expect(previewProblems(preview, STACKS)).toEqual([
      "the route step does not read the repository variable PULUMI_RUNNERS",
      "jobs.route: does not output the runners route-stacks.sh chose (outputs.runners)",
    ]);
  });

  test("deploy: a stack file with no deploy job, and a shared concurrency group", () => {
    const wf = clone(loadWorkflow("deploy.yml"));
    wf.jobs.prod.concurrency.group = "pulumi";
    expect(deployProblems(wf, [...STACKS, "staging"])).toEqual([
      "no job runs pulumi up for staging",
      'jobs.prod: concurrency group is "pulumi"; expected pulumi-prod',
    ]);
  });

  test("service-image: another trigger, a missing input, a required secret, no pull request", () => {
    const wf = clone(loadWorkflow("service-image.yml"));
    wf.on = { ...wf.on, push: null };
    delete wf.on.workflow_call.inputs["python-version"];
    wf.on.workflow_call.inputs.context.type = "number";
    wf.on.workflow_call.secrets.INFRA_APP_PRIVATE_KEY.required = true;
    wf.jobs.propose.steps = wf.jobs.propose.steps.filter(
      (s: any) => !/create-pull-request/.test(s.uses ?? ""),
    );
    expect(reusableProblems(wf)).toEqual([
      "service-image must run only on workflow_call",
      "workflow_call input context is not typed string",
      "workflow_call has no input python-version",
      "workflow_call secret INFRA_APP_PRIVATE_KEY is required; cloud access is OIDC",
      "no pull request to the infrastructure repository (peter-evans/create-pull-request)",
    ]);
  });

  test("service-image: a service list that drifted from the catalog", () => {
    expect(serviceNamesInCase("case x in\n  auth | user | content)\n")).not.toEqual([...SERVICE_NAMES]);
  });

  test("versions: run on pull requests, no schedule, a fixed date, a pipe without pipefail, a write grant", () => {
    const wf = clone(loadWorkflow("versions.yml"));
    wf.on = { pull_request: null };
    const step = stepsOf(wf.jobs.check).find((s) => /versions:check/.test(s.run ?? "")) as any;
    step.run = 'npm run -s versions:check -- --today 2026-12-03 | tee -a "$GITHUB_STEP_SUMMARY"';
    delete step.shell;
    wf.jobs.check.permissions = { issues: "write" };
    expect(versionsProblems(wf)).toEqual([
      "versions does not run on a schedule (on.schedule with a five-field cron)",
      "versions cannot be started by hand (workflow_dispatch)",
      "versions runs on pull_request: the calendar check belongs to the schedule, not to changes",
      "the scheduled check passes --today; it must use the day it runs",
      "the check is piped without shell: bash, so its failure is lost (GitHub's default shell has no pipefail)",
      "jobs.check: grants issues: write; the check only reads",
    ]);
    wf.jobs.check.steps = stepsOf(wf.jobs.check).filter((s) => !/versions:check/.test(s.run ?? ""));
    expect(versionsProblems(wf)).toContain("no step runs npm run versions:check");
  });
});
