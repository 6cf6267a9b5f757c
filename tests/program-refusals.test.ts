/**
 * The same mistakes under `pulumi up`: index.ts run under the mock runtime with config handed over the way
 * the CLI hands it (every namespace, Pulumi.yaml's defaults applied, structured values as JSON text). Each
 * refusal holds in the program itself, names its fix as a `pulumi config` command on the stack, and nothing
 * is registered.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadStackConfig } from "../harness/planner";
import { refusal } from "./helpers/pulumi";

const ROOT = path.resolve(__dirname, "..");
// Made when the file loads: the cases below are built (and their stack files written) as jest collects them.
const project = mkdtempSync(path.join(tmpdir(), "ferrum-program-refusals-"));
copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const repoStack = (stack: string) => readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");

/**
 * Config as `pulumi up -s <stack>` passes it for `text` as the stack file, after `pulumi config set` of
 * `settings` (which writes them into the stack file: `pulumi up -c` does the same).
 */
function cliConfig(stack: string, text: string, settings: string[] = []) {
  writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), text);
  const c = loadStackConfig(stack, settings, project);
  return { stack, config: c.values, secretKeys: c.secretKeys };
}

/** A problem's whole text, or (for messages that list every known key) the pattern of its start. */
type Problem = string | RegExp;
type Case = [label: string, config: ReturnType<typeof cliConfig>, problems: Problem[]];

const CASES: Case[] = [
  [
    "a typo in a key's namespace (ferum:cloud) in Pulumi.prod.yaml",
    cliConfig("prod", repoStack("prod").replace("ferrum:cloud: aws", "ferum:cloud: aws")),
    [
      "ferrum:cloud must be set in every stack file: it decides what the stack deploys to, and without it the stack would deploy as k3s to whatever cluster your kubeconfig points at (got nothing); set it with: pulumi config set 'ferrum:cloud' <k3s|aws|azure> -s prod",
      "ferum:cloud is in no namespace this program reads (got \"aws\"): the namespaces are ferrum, pulumi, aws, azure-native, docker, kubernetes, random, time; did you mean ferrum:cloud? remove it with: pulumi config rm 'ferum:cloud' -s prod",
    ],
  ],
  [
    "ferrum:cloud deleted",
    cliConfig("prod", repoStack("prod").replace(/^ {2}ferrum:cloud: aws\n/m, "")),
    [
      "ferrum:cloud must be set in every stack file: it decides what the stack deploys to, and without it the stack would deploy as k3s to whatever cluster your kubeconfig points at (got nothing); set it with: pulumi config set 'ferrum:cloud' <k3s|aws|azure> -s prod",
    ],
  ],
  [
    "pulumi config set ferrum:services '{}' (without --path)",
    cliConfig("dev", repoStack("dev"), ["ferrum:services={}"]),
    [
      "ferrum:services is empty (got {}), which drops every setting under it: a value given without --path (or with -c) replaces the whole object; set the fields you mean with: pulumi config set --path 'ferrum:services.<field>' <value> -s dev, or remove it with: pulumi config rm 'ferrum:services' -s dev",
    ],
  ],
  [
    "a VPC of a size AWS refuses",
    cliConfig("prod", repoStack("prod"), ["ferrum:aws.vpcCidr=10.0.0.0/8"]),
    [
      "ferrum:aws.vpcCidr must be a /16 or /17 with no host bits set: AWS accepts VPC blocks from /16 to /28, and the subnets need three /19 node subnets and six /24 subnets (got \"10.0.0.0/8\"); set it with: pulumi config set --path 'ferrum:aws.vpcCidr' 10.40.0.0/16 -s prod",
    ],
  ],
  [
    "AWS settings on the k3s stack",
    cliConfig("dev", repoStack("dev"), ["ferrum:aws.natGateways=single", "aws:region=eu-west-1"]),
    [
      'aws:region does nothing on this stack (got "eu-west-1"): only an AWS stack (ferrum:cloud aws) uses the AWS provider, and ferrum:cloud is "k3s"; remove it with: pulumi config rm \'aws:region\' -s dev',
      'ferrum:aws does nothing on this stack (got {"natGateways":"single"}): only an AWS stack reads it, and ferrum:cloud is "k3s"; remove it with: pulumi config rm \'ferrum:aws\' -s dev',
    ],
  ],
  [
    "Azure Managed Redis sizes on a stack whose Redis is in the cluster",
    cliConfig("prod-azure", repoStack("prod-azure"), [
      "ferrum:azure.redisSku=Balanced_B10",
      "ferrum:azure.redisCacheSku=Balanced_B1",
    ]),
    [
      "ferrum:azure.redisSku does nothing on this stack (got \"Balanced_B10\"): the cache is in the cluster (azure.cache is not azureManagedRedis); remove it with: pulumi config rm --path 'ferrum:azure.redisSku' -s prod-azure",
      "ferrum:azure.redisCacheSku does nothing on this stack (got \"Balanced_B1\"): the cache is in the cluster (azure.cache is not azureManagedRedis); remove it with: pulumi config rm --path 'ferrum:azure.redisCacheSku' -s prod-azure",
    ],
  ],
  [
    "kubernetes:kubeconfig, which the program's own provider never reads",
    cliConfig("dev", repoStack("dev"), ["kubernetes:kubeconfig=/etc/rancher/k3s/k3s.yaml"]),
    [
      "kubernetes:kubeconfig does nothing on this stack (got \"/etc/rancher/k3s/k3s.yaml\"): every Kubernetes resource uses the provider the stack builds (from ferrum:kubeconfig and ferrum:kubeContext on k3s, from the cluster it creates in the clouds), which never reads kubernetes: config; remove it with: pulumi config rm 'kubernetes:kubeconfig' -s dev",
    ],
  ],
  [
    "a stack file with only ferrum:cloud",
    cliConfig("staging", "config:\n  ferrum:cloud: k3s\n"),
    [
      "ferrum:yookassaShopId must be set: catalog takes payments through YooKassa (catalog.ts) (got \"\"); set it with: pulumi config set 'ferrum:yookassaShopId' <shop-id> -s staging, and its secret key with: pulumi config set --secret 'ferrum:yookassaSecretKey' <value> -s staging",
    ],
  ],
  [
    "a key an ESC environment adds at run time, checked then like the stack file's",
    (() => {
      const c = cliConfig("dev", repoStack("dev"));
      return { ...c, config: { ...c.config, "ferrum:emailPasword": "x" } };
    })(),
    [
      /^ferrum:emailPasword is not a known setting \(got "x"\); did you mean ferrum:emailPassword\? known keys here: .*; remove it with: pulumi config rm 'ferrum:emailPasword' -s dev$/,
    ],
  ],
];

describe("index.ts refuses before registering anything, with config as pulumi up passes it", () => {
  test.each(CASES)("%s", async (_label, options, problems) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<unknown>;
    const { error, registered } = await refusal(program, options);
    const [heading, ...lines] = error!.message.split("\n");
    expect(heading).toBe(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
    );
    expect(lines.slice(0, problems.length)).toHaveLength(problems.length);
    problems.forEach((p, i) => {
      if (typeof p === "string") expect(lines[i]).toBe(`  - ${p}`);
      else expect(lines[i].slice(4)).toMatch(p);
    });
    expect(registered).toEqual([]);
  });
});
