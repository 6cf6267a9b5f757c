/**
 * Every mistake that used to pass silently (or unclearly), as a user makes it with `npm run plan`: the exit
 * code, the exact problem, and an earlier plan in the output folder left byte for byte as it was.
 *
 * Stack files the mistakes need are written into a scratch project folder (Pulumi.yaml copied beside them);
 * the repository's own stack files are never touched.
 */
import { createHash } from "crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main } from "../../harness/plan";
import { main as urnsMain } from "../../harness/guardrails/urn-snapshot";

const ROOT = path.resolve(__dirname, "../..");
let project: string;

/** A stack file for the scratch project: the repository's, edited, or given whole. */
function stackFile(stack: string, text: string): void {
  writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), text);
}
const repoStack = (stack: string) => readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), "ferrum-refusals-"));
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
  for (const s of ["dev", "prod", "prod-azure"]) stackFile(s, repoStack(s));
  stackFile("typo", repoStack("prod").replace("ferrum:cloud: aws", "ferum:cloud: aws"));
  stackFile("nocloud", repoStack("prod").replace(/^ {2}ferrum:cloud: aws\n/m, ""));
  stackFile("quote", 'config:\n  ferrum:cloud: "k3s\n');
  stackFile("tabs", "config:\n\tferrum:cloud: k3s\n");
  stackFile("twice", "config:\n  ferrum:cloud: k3s\n  ferrum:cloud: aws\n");
  stackFile("minimal", "config:\n  ferrum:cloud: k3s\n");
  stackFile("toplevel", "confg:\n  ferrum:cloud: k3s\n");
  stackFile("esc", `environment:\n  - ferrum/shared-secrets\n${repoStack("dev")}`);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Every file under `dir`, with its content's hash: what "left as it was" compares. */
function folderHash(dir: string): string {
  const h = createHash("sha256");
  for (const name of readdirSync(dir).sort()) h.update(name).update(readFileSync(path.join(dir, name)));
  return h.digest("hex");
}

/** An earlier plan in the output folder, written with --show-secrets: the worst thing to leave looking current. */
function earlierPlan(): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), "ferrum-out-")), "plan");
  mkdirSync(out);
  writeFileSync(
    path.join(out, "plan.json"),
    JSON.stringify({ stack: "dev", writtenAt: "2026-12-01T10:00:00.000Z", secrets: "in the clear" }),
  );
  writeFileSync(path.join(out, "resources.json"), '[{"inputs":{"password":"cleartext"}}]\n');
  writeFileSync(path.join(out, "SECRETS-IN-THE-CLEAR.txt"), "secrets in the clear\n");
  return out;
}

async function plan(args: string[]) {
  const out = earlierPlan();
  const before = folderHash(out);
  const printed = { stdout: "", stderr: "" };
  const status = await main(
    [...args, ...(args.includes("--out") ? [] : ["--out", out])],
    {
      out: { write: (t: string) => (printed.stdout += t) },
      err: { write: (t: string) => (printed.stderr += t) },
    },
    project,
  );
  const after = folderHash(out);
  rmSync(path.dirname(out), { recursive: true, force: true });
  return { status, ...printed, unchanged: before === after };
}

type Case = [label: string, args: string[], problems: string[]];

const CASES: Case[] = [
  [
    "a typo in a key's namespace (ferum:cloud), which would plan prod as k3s",
    ["typo"],
    [
      "ferrum:cloud must be set in every stack file: it decides what the stack deploys to, and without it the stack would deploy as k3s to whatever cluster your kubeconfig points at (got nothing); set it with: pulumi config set 'ferrum:cloud' <k3s|aws|azure> -s typo",
      "ferum:cloud is in no namespace this program reads (got \"aws\"): the namespaces are ferrum, pulumi, aws, azure-native, docker, kubernetes, random, time; did you mean ferrum:cloud? remove it with: pulumi config rm 'ferum:cloud' -s typo",
    ],
  ],
  [
    "a deleted ferrum:cloud line",
    ["nocloud"],
    [
      "ferrum:cloud must be set in every stack file: it decides what the stack deploys to, and without it the stack would deploy as k3s to whatever cluster your kubeconfig points at (got nothing); set it with: pulumi config set 'ferrum:cloud' <k3s|aws|azure> -s nocloud",
    ],
  ],
  [
    "a bare -c key is the project's, as pulumi config set reads it (cloud=gcp is ferrum:cloud)",
    ["dev", "-c", "cloud=gcp"],
    ["ferrum:cloud must be one of k3s, aws, azure (got \"gcp\"); set it with: -c 'ferrum:cloud=k3s'"],
  ],
  [
    "a bare -c path key is read too, and its fix corrects the -c",
    ["dev", "-c", "services.auth.maxReplicas=90"],
    [
      "ferrum:services.auth.maxReplicas must be an integer between 1 and 50 (got 90); set it with: -c 'ferrum:services.auth.maxReplicas=5'",
    ],
  ],
  [
    "-c ferrum:services={} would drop every per-service setting of the stack file",
    ["dev", "-c", "ferrum:services={}"],
    [
      "ferrum:services is empty (got {}), which drops every setting under it: a value given without --path (or with -c) replaces the whole object; set the fields you mean with: -c 'ferrum:services.<field>=<value>', or remove it with: drop -c 'ferrum:services=...'",
    ],
  ],
  [
    "a VPC of a size AWS refuses",
    ["prod", "-c", "ferrum:aws.vpcCidr=10.0.0.0/8"],
    [
      "ferrum:aws.vpcCidr must be a /16 or /17 with no host bits set: AWS accepts VPC blocks from /16 to /28, and the subnets need three /19 node subnets and six /24 subnets (got \"10.0.0.0/8\"); set it with: -c 'ferrum:aws.vpcCidr=10.40.0.0/16'",
    ],
  ],
  [
    "an invalid AWS setting on a k3s stack: invalid, and doing nothing there",
    ["dev", "-c", "ferrum:aws.vpcCidr=10.0.0.0/8", "-c", "aws:region=eu-west-1"],
    [
      "ferrum:aws.vpcCidr must be a /16 or /17 with no host bits set: AWS accepts VPC blocks from /16 to /28, and the subnets need three /19 node subnets and six /24 subnets (got \"10.0.0.0/8\"); set it with: -c 'ferrum:aws.vpcCidr=10.40.0.0/16'",
      'aws:region does nothing on this stack (got "eu-west-1"): only an AWS stack (ferrum:cloud aws) uses the AWS provider, and ferrum:cloud is "k3s"; remove it with: drop -c \'aws:region=...\'',
      'ferrum:aws does nothing on this stack (got {"vpcCidr":"10.0.0.0/8"}): only an AWS stack reads it, and ferrum:cloud is "k3s"; remove it with: drop -c \'ferrum:aws.vpcCidr=...\'',
    ],
  ],
  [
    "a kubernetes: provider key, which the stack's own provider never reads",
    ["dev", "-c", "kubernetes:context=k3s-lab"],
    [
      "kubernetes:context does nothing on this stack (got \"k3s-lab\"): every Kubernetes resource uses the provider the stack builds (from ferrum:kubeconfig and ferrum:kubeContext on k3s, from the cluster it creates in the clouds), which never reads kubernetes: config; remove it with: drop -c 'kubernetes:context=...'",
    ],
  ],
  [
    "a provider key the installed SDK does not know",
    ["prod", "-c", "aws:regoin=eu-west-1"],
    [
      "aws:regoin is not a setting of the aws provider (@pulumi/aws) (got \"eu-west-1\"); did you mean aws:region? remove it with: drop -c 'aws:regoin=...'",
    ],
  ],
  [
    "a stack file with only ferrum:cloud names each missing key with its command",
    ["minimal"],
    [
      "ferrum:yookassaShopId must be set: catalog takes payments through YooKassa (catalog.ts) (got \"\"); set it with: pulumi config set 'ferrum:yookassaShopId' <shop-id> -s minimal, and its secret key with: pulumi config set --secret 'ferrum:yookassaSecretKey' <value> -s minimal",
    ],
  ],
  [
    "a top-level key of the stack file that Pulumi does not own",
    ["toplevel"],
    [
      'Pulumi.toplevel.yaml: top-level key "confg" is neither config: nor one Pulumi owns (config, secretsprovider, encryptedkey, encryptionsalt, environment); did you mean config:?; fix or remove it in Pulumi.toplevel.yaml',
      "ferrum:cloud must be set in every stack file: it decides what the stack deploys to, and without it the stack would deploy as k3s to whatever cluster your kubeconfig points at (got nothing); set it with: pulumi config set 'ferrum:cloud' <k3s|aws|azure> -s toplevel",
      "ferrum:yookassaShopId must be set: catalog takes payments through YooKassa (catalog.ts) (got \"\"); set it with: pulumi config set 'ferrum:yookassaShopId' <shop-id> -s toplevel, and its secret key with: pulumi config set --secret 'ferrum:yookassaSecretKey' <value> -s toplevel",
    ],
  ],
];

describe("config mistakes: exit 1, every problem named with its fix, the earlier plan untouched", () => {
  test.each(CASES)("%s", async (_label, args, problems) => {
    const r = await plan(args);
    expect(r.status).toBe(1);
    const at = r.stderr.indexOf("Nothing was written");
    expect(r.stderr.slice(0, at)).toBe(
      `error: the configuration of stack ${args[0]} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}\n`).join("")}`,
    );
    expect(r.stderr.slice(at)).toMatch(
      /^Nothing was written: .*plan\/ still holds an earlier plan \(written at 2026-12-01T10:00:00\.000Z, WITH SECRETS IN THE CLEAR\), not this configuration's\.\n$/,
    );
    expect(r.stdout).toBe("");
    expect(r.unchanged).toBe(true);
  });
});

describe("files and arguments the plan cannot use: exit 1, the file, line and column or the argument, nothing else", () => {
  test.each([
    ["an unclosed quote", ["quote"], 'error: Pulumi.quote.yaml:3:1: Missing closing "quote'],
    ["tab indentation", ["tabs"], "error: Pulumi.tabs.yaml:2:1: Tabs are not allowed as indentation"],
    ["a duplicate key", ["twice"], "error: Pulumi.twice.yaml:3:3: Map keys must be unique"],
    [
      "an unknown stack",
      ["staging"],
      'error: there is no stack staging: no Pulumi.staging.yaml beside Pulumi.yaml. The stacks are dev, esc, minimal, nocloud, prod, prod-azure, quote, tabs, toplevel, twice, typo. To create staging, write Pulumi.staging.yaml with at least "config: { ferrum:cloud: k3s }" (or aws, azure; copy the closest Pulumi.<stack>.yaml), then pulumi stack init staging',
    ],
  ])("%s", async (_label, args, first) => {
    const r = await plan(args);
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(first);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.unchanged).toBe(true);
  });

  test.each([
    ["--out with no value", ["dev", "--out"], "error: --out needs a folder (got nothing)"],
    [
      "--out followed by another option",
      ["dev", "--out", "--show-secrets"],
      'error: --out needs a folder (got "--show-secrets")',
    ],
    ["-c with no value", ["dev", "-c"], "error: -c needs a key=value (got nothing)"],
    ["an unknown option", ["dev", "--show-secret"], "error: unknown option --show-secret"],
  ])("%s", async (_label, args, first) => {
    const printed = { out: "", err: "" };
    const status = await main(args, {
      out: { write: (t: string) => (printed.out += t) },
      err: { write: (t: string) => (printed.err += t) },
    });
    expect(status).toBe(1);
    expect(printed.err.split("\n")).toEqual([
      first,
      expect.stringMatching(/^usage: npm run plan -- <stack>/),
      "",
    ]);
    expect(printed.out).toBe("");
  });
});

describe("what the plan cannot see", () => {
  test("an ESC environment's config: the plan runs on the stack file's and says what it could not open", async () => {
    const r = await plan(["esc"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'Note: Pulumi.esc.yaml imports the Pulumi ESC environment(s) ["ferrum/shared-secrets"]: the offline plan cannot open them, so their config is missing here; pulumi preview and up check it with the rest when they run',
    );
  });
});

describe("npm run guardrails:urns refuses what it does not understand", () => {
  test.each([
    ["an unknown flag", ["--updte"], "error: unknown option --updte"],
    ["an unknown stack", ["staging"], "error: no stack staging; the stacks are dev, prod, prod-azure"],
  ])("%s: exit 1, nothing planned or written", async (_label, argv, first) => {
    const lines: string[] = [];
    expect(await urnsMain(argv, (l) => lines.push(l))).toBe(1);
    expect(lines.join("\n").split("\n")[0]).toBe(first);
  });
});
