/**
 * The shell the workflows run, run here with bash: the stack router behind the GitHub Actions / Pulumi
 * Deployments switch, ci's read of .ci/run's package list, the image reference service-image writes (and
 * that config.ts accepts it), and the coverage summary.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { renderCoverageSummary, type CoverageSummary } from "../../.github/scripts/coverage-summary";
import { parseConfig } from "../../config";
import { requiredWith } from "../helpers/config";
import { runScript } from "./run-script";
import { loadWorkflow, ROOT, stackFiles, stepsOf, type Step } from "./workflow-checks";

const ROUTE = `bash ${path.join(ROOT, ".github/scripts/route-stacks.sh")}`;

/** A directory holding the given stack files. */
function stackDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ferrum-stacks-"));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  return dir;
}

describe("route-stacks.sh: who drives each stack, and where", () => {
  let dir: string;
  beforeAll(() => {
    dir = stackDir({
      "Pulumi.dev.yaml": "config:\n  ferrum:cloud: k3s\n",
      "Pulumi.prod.yaml": "config:\n  aws:region: eu-central-1\n  ferrum:cloud: aws # EKS\n",
      "Pulumi.prod-azure.yaml": 'config:\n  azure-native:location: westeurope\n  ferrum:cloud: "azure"\n',
      "Pulumi.qa.yaml": "config:\n  ferrum:apiHost: qa.example.com\n",
      "Pulumi.yaml": "name: ferrum\n",
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** Runners for both cloud stacks, which the router requires of stacks GitHub Actions drives. */
  const RUNNERS = JSON.stringify({
    prod: ["self-hosted", "ferrum-prod-vpc"],
    "prod-azure": "ferrum-static-ip",
  });
  const route = (deploymentsStacks?: string, runners: string = RUNNERS) =>
    runScript(
      ROUTE,
      {
        PULUMI_RUNNERS: runners,
        ...(deploymentsStacks === undefined ? {} : { DEPLOYMENTS_STACKS: deploymentsStacks }),
      },
      dir,
    );

  test("DEPLOYMENTS_STACKS unset: GitHub Actions drives every stack; clouds, regions, runners", () => {
    const r = route();
    expect(r.status).toBe(0);
    expect(JSON.parse(r.outputs.stacks!)).toEqual(["dev", "prod-azure", "prod", "qa"]);
    expect(JSON.parse(r.outputs.drivers!)).toEqual({
      dev: "actions",
      prod: "actions",
      "prod-azure": "actions",
      qa: "actions",
    });
    expect(JSON.parse(r.outputs.clouds!)).toEqual({
      dev: "k3s",
      prod: "aws",
      "prod-azure": "azure",
      qa: "k3s",
    });
    expect(JSON.parse(r.outputs.regions!)).toEqual({
      dev: "",
      prod: "eu-central-1",
      "prod-azure": "",
      qa: "",
    });
    expect(JSON.parse(r.outputs.runners!)).toEqual({
      dev: "ubuntu-latest",
      prod: ["self-hosted", "ferrum-prod-vpc"],
      "prod-azure": "ferrum-static-ip",
      qa: "ubuntu-latest",
    });
    expect(r.summary).toContain('| `prod` | aws | GitHub Actions | `["self-hosted","ferrum-prod-vpc"]` |');
    expect(r.summary).toContain('| `dev` | k3s | GitHub Actions | `"ubuntu-latest"` |');
  });

  test.each([['["prod"]'], ["prod"], [" prod , "], ['[ "prod" ]']])(
    "DEPLOYMENTS_STACKS=%s hands prod, and only prod, to Pulumi Deployments",
    (value) => {
      const r = route(value);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.outputs.drivers!)).toEqual({
        dev: "actions",
        prod: "deployments",
        "prod-azure": "actions",
        qa: "actions",
      });
      expect(r.summary).toContain(
        "| `prod` | aws | Pulumi Deployments: skipped here (named in the repository variable DEPLOYMENTS_STACKS) | its agent pool (deployments/) |",
      );
    },
  );

  test("several stacks, as JSON or separated by commas and spaces", () => {
    for (const value of ['["dev","prod-azure"]', "dev,prod-azure", "dev prod-azure"]) {
      const drivers = JSON.parse(route(value).outputs.drivers!);
      expect(drivers).toEqual({
        dev: "deployments",
        prod: "actions",
        "prod-azure": "deployments",
        qa: "actions",
      });
    }
  });

  test("a cloud stack GitHub Actions drives without a runner fails the route, naming the stack and the fixes", () => {
    const r = route(undefined, JSON.stringify({ prod: "ferrum-prod" }));
    expect(r.status).toBe(1);
    expect(r.outputs).toEqual({});
    expect(r.stdout).toContain(
      '::error title=No runner for prod-azure::prod-azure is a cloud stack driven by GitHub Actions, and PULUMI_RUNNERS names no runner for it. Its cluster API admits only the addresses in ferrum:deployer, and GitHub-hosted runners have no stable address. Add {"prod-azure": ["self-hosted", "<label>"]}',
    );
    expect(r.stdout).toContain("or name prod-azure in DEPLOYMENTS_STACKS to hand it to Pulumi Deployments");
    expect(r.stdout).not.toContain("No runner for prod::");
    // The summary still shows where each stack would have run.
    expect(r.summary).toContain('| `prod` | aws | GitHub Actions | `"ferrum-prod"` |');
  });

  test("PULUMI_RUNNERS unset: every cloud stack is refused; handed to Pulumi Deployments, none is", () => {
    const unset = runScript(ROUTE, {}, dir);
    expect(unset.status).toBe(1);
    expect(unset.stdout).toContain("::error title=No runner for prod::");
    expect(unset.stdout).toContain("::error title=No runner for prod-azure::");
    const handed = runScript(ROUTE, { DEPLOYMENTS_STACKS: "prod,prod-azure" }, dir);
    expect(handed.status).toBe(0);
    expect(JSON.parse(handed.outputs.runners!)).toEqual({
      dev: "ubuntu-latest",
      prod: "ubuntu-latest",
      "prod-azure": "ubuntu-latest",
      qa: "ubuntu-latest",
    });
  });

  test.each<[string, Record<string, string>, string]>([
    [
      "DEPLOYMENTS_STACKS naming no stack file",
      { DEPLOYMENTS_STACKS: '["prod-eu"]', PULUMI_RUNNERS: RUNNERS },
      "::error title=Unknown stack::DEPLOYMENTS_STACKS names 'prod-eu', which no Pulumi.<stack>.yaml declares (stacks: dev prod-azure prod qa). Correct the repository variable",
    ],
    [
      "PULUMI_RUNNERS naming no stack file",
      { PULUMI_RUNNERS: JSON.stringify({ prod: "a", "prod-azure": "b", prd: "c" }) },
      "::error title=Unknown stack::PULUMI_RUNNERS names 'prd', which no Pulumi.<stack>.yaml declares",
    ],
    [
      "PULUMI_RUNNERS that is not JSON",
      { PULUMI_RUNNERS: "prod=self-hosted" },
      "::error title=PULUMI_RUNNERS::is not a JSON object: 'prod=self-hosted'. Set it to an object of stack -> runner label(s)",
    ],
    [
      "PULUMI_RUNNERS that is a list",
      { PULUMI_RUNNERS: '["self-hosted"]' },
      "::error title=PULUMI_RUNNERS::is not a JSON object",
    ],
    [
      "a runner entry that is an empty list or a number",
      { PULUMI_RUNNERS: JSON.stringify({ prod: [], "prod-azure": 3 }) },
      '::error title=PULUMI_RUNNERS::the entry of prod,prod-azure is neither a runner label nor a non-empty list of labels; write it as "label" or ["self-hosted", "label"]',
    ],
  ])("%s is an error, and routes nothing", (_, env, message) => {
    const r = runScript(ROUTE, env, dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(message);
    expect(r.outputs).toEqual({});
  });

  test("no stack file is an error", () => {
    const empty = stackDir({});
    try {
      const r = runScript(ROUTE, {}, empty);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("::error::no Pulumi.<stack>.yaml");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test("on the repository's own stack files, clouds and regions agree with a YAML parser", () => {
    const r = runScript(ROUTE, { PULUMI_RUNNERS: RUNNERS }, ROOT);
    expect(r.status).toBe(0);
    const stacks = stackFiles();
    expect(JSON.parse(r.outputs.stacks!).sort()).toEqual(stacks);
    for (const stack of stacks) {
      const config =
        (parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: any }).config ??
        {};
      expect(JSON.parse(r.outputs.clouds!)[stack]).toBe(config["ferrum:cloud"] ?? "k3s");
      expect(JSON.parse(r.outputs.regions!)[stack]).toBe(config["aws:region"] ?? "");
    }
  });
});

/** A step of a workflow job, by name. */
const step = (file: string, job: string, name: string): Step => {
  const found = stepsOf(loadWorkflow(file).jobs[job]).find((s) => s.name === name);
  if (!found) throw new Error(`${file}: no step ${name} in job ${job}`);
  return found;
};

describe("ci.yml: the Debian packages come from .ci/run", () => {
  test("the install step's read of .ci/run yields .ci/run's list", () => {
    const script = step("ci.yml", "check", "Install the packages .ci/run installs").run!;
    const read = script.split("\n").find((l) => l.includes("APT_PACKAGES=("))!;
    const r = runScript(`${read}\nprintf '%s\\n' "\${APT_PACKAGES[@]}"`, {}, ROOT);
    expect(r.status).toBe(0);
    // An independent reading: the words between `APT_PACKAGES=(` and `)`, comments dropped.
    const block = /^APT_PACKAGES=\(([\s\S]*?)^\)/m.exec(
      readFileSync(path.join(ROOT, ".ci/run"), "utf8"),
    )![1]!;
    const expected = block
      .split("\n")
      .map((l) => l.replace(/#.*/, ""))
      .join(" ")
      .split(/\s+/)
      .filter(Boolean);
    expect(r.stdout.trim().split("\n")).toEqual(expected);
    expect(expected).toEqual(expect.arrayContaining(["postgresql", "redis-server", "redis-sentinel"]));
  });
});

describe("service-image.yml: the image it proposes", () => {
  const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
  const repository = (env: Record<string, string>) => {
    const r = runScript(step("service-image.yml", "image", "Image repository").run!, {
      SERVICE: "auth",
      REGISTRY: "",
      ECR_REGISTRY: "",
      GITHUB_REPOSITORY_OWNER: "Acme-Corp",
      ...env,
    });
    expect(r.status).toBe(0);
    return r.outputs.repository!;
  };

  test.each<[string, Record<string, string>, string]>([
    [
      "ecr",
      { REGISTRY_KIND: "ecr", ECR_REGISTRY: "123456789012.dkr.ecr.eu-central-1.amazonaws.com" },
      "123456789012.dkr.ecr.eu-central-1.amazonaws.com/auth-service",
    ],
    [
      "ecr under a path",
      { REGISTRY_KIND: "ecr", REGISTRY: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/ferrum/" },
      "123456789012.dkr.ecr.eu-central-1.amazonaws.com/ferrum/auth-service",
    ],
    [
      "acr",
      { REGISTRY_KIND: "acr", REGISTRY: "ferrumprod.azurecr.io" },
      "ferrumprod.azurecr.io/auth-service",
    ],
    ["ghcr, owner lower-cased", { REGISTRY_KIND: "ghcr" }, "ghcr.io/acme-corp/auth-service"],
  ])("%s", (_, env, expected) => {
    expect(repository(env)).toBe(expected);
  });

  const SHA = "0123456789abcdef0123456789abcdef01234567";
  test.each([
    ["aws", "acr", "ferrumprod.azurecr.io"],
    ["azure", "acr", "ferrumprod.azurecr.io"],
    // ghcr.io/ferrum is ferrum:imageRegistry: the stack pulls it through its cache, filled by the tag.
    ["aws", "ghcr", "ghcr.io/ferrum"],
    ["azure", "ghcr", "ghcr.io/ferrum"],
  ] as const)(
    "the image by tag and digest is a valid ferrum:services.<name>.image when ferrum:cloud is %s (%s)",
    (cloud, kind, registry) => {
      const image = runScript(step("service-image.yml", "image", "Image by digest").run!, {
        REPOSITORY: repository({ REGISTRY_KIND: kind, REGISTRY: registry }),
        TAG: SHA,
        DIGEST,
      }).outputs.image!;
      expect(image).toBe(`${registry}/auth-service:${SHA}@${DIGEST}`);
      const result = parseConfig(
        requiredWith(cloud, "services", { auth: { image, digest: undefined } }),
        "prod",
      );
      expect(result.problems).toEqual([]);
      expect(result.config!.services.find((s) => s.name === "auth")!.image).toBe(image);
    },
  );

  test("a build without a digest fails the step", () => {
    const r = runScript(step("service-image.yml", "image", "Image by digest").run!, {
      REPOSITORY: "r/auth-service",
      TAG: "0123456789abcdef0123456789abcdef01234567",
      DIGEST: "",
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::no image digest from the build");
  });

  test("inputs are checked before anything runs", () => {
    const check = step("service-image.yml", "test", "Check the inputs").run!;
    const base = {
      SERVICE: "auth",
      STACK: "prod",
      INFRA_REPOSITORY: "acme/ferrum-infra",
      REGISTRY_KIND: "ghcr",
    };
    expect(runScript(check, base).status).toBe(0);
    const bad = runScript(check, { ...base, SERVICE: "billing", REGISTRY_KIND: "acr", REGISTRY: "" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("service must be one of auth, user, content, catalog (got 'billing')");
    expect(bad.stdout).toContain("registry-kind acr needs registry: <name>.azurecr.io");
    expect(bad.stdout).toContain("registry-kind acr needs azure-client-id");
    const ecr = runScript(check, { ...base, REGISTRY_KIND: "ecr" });
    expect(ecr.stdout).toContain("registry-kind ecr needs aws-region");
  });
});

describe("the k3s kubeconfig step", () => {
  const script = step("deploy.yml", "dev", "Kubeconfig of the k3s cluster").run!;

  test("writes the secret to a private file and points KUBECONFIG at it", () => {
    const r = runScript(`${script}\nstat -c '%a' "$RUNNER_TEMP/kubeconfig"\ncat "$GITHUB_ENV"`, {
      K3S_KUBECONFIG: "apiVersion: v1\nkind: Config\n",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^600\nKUBECONFIG=.*\/kubeconfig\n$/);
  });

  test("without the secret: a warning, and the runner's own kubeconfig", () => {
    const r = runScript(script, { K3S_KUBECONFIG: "" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("::warning title=No K3S_KUBECONFIG::");
  });

  test("preview and deploy write the kubeconfig the same way", () => {
    const preview = step("preview.yml", "preview", "Kubeconfig of the k3s cluster").run!;
    const body = (s: string) => s.split("\n").filter((l) => !l.includes("::warning"));
    expect(body(preview)).toEqual(body(script));
  });
});

describe("coverage-summary.ts", () => {
  const metric = (covered: number, total: number) => ({
    covered,
    total,
    skipped: 0,
    pct: total ? Math.round((covered / total) * 1000) / 10 : "Unknown",
  });
  const file = (c: number, t: number) => ({
    lines: metric(c, t),
    statements: metric(c, t),
    functions: metric(c, t),
    branches: metric(c, t),
  });
  const summary = {
    total: file(90, 100),
    "/repo/config.ts": file(45, 50),
    "/repo/components/a.ts": file(10, 40),
    "/repo/empty.ts": file(0, 0),
  } as unknown as CoverageSummary;

  test("totals first, then the least covered files, paths relative to the repository", () => {
    expect(renderCoverageSummary(summary, "/repo", 2)).toBe(
      [
        "### Test coverage",
        "",
        "| | lines | statements | functions | branches |",
        "| --- | --- | --- | --- | --- |",
        "| **total** | 90.0% (90/100) | 90.0% (90/100) | 90.0% (90/100) | 90.0% (90/100) |",
        "",
        "<details><summary>2 least covered of 3 files</summary>",
        "",
        "| | lines | statements | functions | branches |",
        "| --- | --- | --- | --- | --- |",
        "| `components/a.ts` | 25.0% (10/40) | 25.0% (10/40) | 25.0% (10/40) | 25.0% (10/40) |",
        "| `config.ts` | 90.0% (45/50) | 90.0% (45/50) | 90.0% (45/50) | 90.0% (45/50) |",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
  });
});
