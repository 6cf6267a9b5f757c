/**
 * What a cloud stack must say before its first `pulumi up`: where `pulumi up` runs (so the API it creates is
 * open to exactly that), who deploys (EKS), and where the certificate comes from. Each configuration in which
 * the deployer could not reach the API, or clients would be served an untrusted certificate, is refused with
 * the key, the value and the fix.
 */
import { parseConfig } from "../config";
import { REQUIRED_CONFIG } from "./helpers/config";

const RUNNER_VNET =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ci/providers/Microsoft.Network/virtualNetworks/runners";

const withDeployer = (cloud: "aws" | "azure", deployer: unknown) => ({
  ...REQUIRED_CONFIG[cloud],
  "ferrum:deployer": JSON.stringify(deployer),
});
const withTls = (cloud: "k3s" | "aws" | "azure", tls: unknown) => ({
  ...REQUIRED_CONFIG[cloud],
  "ferrum:tls": JSON.stringify(tls),
});
const problems = (raw: Record<string, string>, stack = "prod") => parseConfig(raw, stack).problems;

describe("ferrum:deployer: the API open to where pulumi up runs, and to nothing else", () => {
  test.each([
    [
      "no deployer on a cloud stack",
      (() => {
        const raw: Record<string, string> = { ...REQUIRED_CONFIG.aws };
        delete raw["ferrum:deployer"];
        return raw;
      })(),
      `ferrum:deployer.runner must say where pulumi up runs, so the cluster API this stack creates is open to it and nothing else (got nothing): one of staticEgress, privateNetwork, stackNetwork (README: "Where pulumi up runs"; standard GitHub-hosted runners have no stable egress ranges and cannot be used); set it with: pulumi config set --path 'ferrum:deployer.runner' staticEgress -s prod and pulumi config set --path 'ferrum:deployer.cidrs' '["<runner egress CIDR>"]' -s prod`,
    ],
    [
      "static egress without CIDRs",
      withDeployer("aws", { runner: "staticEgress", cidrs: [] }),
      `ferrum:deployer.cidrs must list the runners' public egress CIDRs, or the API would be open to nobody (got []); set it with: pulumi config set --path 'ferrum:deployer.cidrs' '["203.0.113.0/28"]' -s prod`,
    ],
    [
      "static egress to the whole internet",
      withDeployer("aws", { runner: "staticEgress", cidrs: ["0.0.0.0/0"] }),
      `ferrum:deployer.cidrs must not open the cluster API to the whole internet (got "0.0.0.0/0"); list the runners' CIDRs; set it with: pulumi config set --path 'ferrum:deployer.cidrs' '["203.0.113.0/28"]' -s prod`,
    ],
    [
      "static egress from a private range, which a public endpoint never sees",
      withDeployer("aws", { runner: "staticEgress", cidrs: ["10.10.0.0/24"] }),
      `ferrum:deployer.cidrs must be public egress addresses with runner staticEgress: the API's public endpoint never sees a private source (got ["10.10.0.0/24"]); for a runner in a private network use: pulumi config set --path 'ferrum:deployer.runner' privateNetwork -s prod`,
    ],
    [
      "a peered runner network without its VPC and route tables",
      withDeployer("aws", { runner: "privateNetwork", cidrs: ["10.60.0.0/24"] }),
      `ferrum:deployer.aws must name the runner's VPC and the route tables of its subnets, which the stack peers and routes to the cluster's VPC (got null); set it with: pulumi config set --path 'ferrum:deployer.aws.vpcId' vpc-0abc -s prod and pulumi config set --path 'ferrum:deployer.aws.routeTableIds' '["rtb-0abc"]' -s prod`,
    ],
    [
      "a peered runner network overlapping the stack's VPC",
      withDeployer("aws", {
        runner: "privateNetwork",
        cidrs: ["10.40.1.0/24"],
        aws: { vpcId: "vpc-0abc", routeTableIds: ["rtb-0abc"] },
      }),
      `ferrum:deployer.cidrs must not overlap the stack's own network 10.40.0.0/16, which is peered with the runner's (got ["10.40.1.0/24"]); a runner inside the stack's network is runner stackNetwork; set it with: pulumi config set --path 'ferrum:deployer.runner' stackNetwork -s prod`,
    ],
    [
      "a runner inside the network this stack creates, on what could be the first up",
      withDeployer("aws", { runner: "stackNetwork", cidrs: ["10.40.0.0/19"] }),
      `ferrum:deployer.runner cannot be stackNetwork for the first pulumi up: a runner inside the network this stack creates does not exist until that network does (got "stackNetwork"). Bootstrap in two phases (README: "Two-phase bootstrap"): first up with runner staticEgress from your address, create the runner in the stack's network, then set: pulumi config set --path 'ferrum:deployer.afterBootstrap' true -s prod`,
    ],
    [
      "a runner inside the VNet an Azure stack creates: AKS cannot turn private later",
      withDeployer("azure", { runner: "stackNetwork", cidrs: ["10.50.0.0/20"], afterBootstrap: true }),
      `ferrum:deployer.runner cannot be stackNetwork on Azure (got "stackNetwork"): the first pulumi up must reach a public API server, and AKS cannot make a public cluster private once it exists (https://learn.microsoft.com/azure/aks/private-clusters), so the runner could never move inside. Run it in a VNet of its own that the stack peers (README: "Where pulumi up runs"): pulumi config set --path 'ferrum:deployer.runner' privateNetwork -s prod and pulumi config set --path 'ferrum:deployer.azure.vnetId' /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<runners> -s prod`,
    ],
    [
      "a peered runner VNet overlapping the stack's VNet",
      withDeployer("azure", {
        runner: "privateNetwork",
        cidrs: ["10.50.4.0/24"],
        azure: { vnetId: RUNNER_VNET },
      }),
      `ferrum:deployer.cidrs must not overlap the stack's own network 10.50.0.0/16, which is peered with the runner's (got ["10.50.4.0/24"]); give the stack a VNet range clear of the runner's, e.g.: pulumi config set --path 'ferrum:azure.vnetCidr' 10.60.0.0/16 -s prod`,
    ],
    [
      "a stack-network runner outside the stack's network",
      withDeployer("aws", { runner: "stackNetwork", cidrs: ["10.99.0.0/24"], afterBootstrap: true }),
      `ferrum:deployer.cidrs must lie inside the stack's own network 10.40.0.0/16 with runner stackNetwork (got ["10.99.0.0/24"]); a runner in another network is runner privateNetwork`,
    ],
    [
      "an Azure runner network on an AWS stack",
      withDeployer("aws", {
        runner: "privateNetwork",
        cidrs: ["10.60.0.0/24"],
        aws: { vpcId: "vpc-0abc", routeTableIds: ["rtb-0abc"] },
        azure: { vnetId: RUNNER_VNET },
      }),
      `ferrum:deployer.azure does nothing on this stack (got {"vnetId":"${RUNNER_VNET}"}): only runner privateNetwork on an Azure stack peers a runner network; remove it with: pulumi config rm --path 'ferrum:deployer.azure' -s prod`,
    ],
    [
      "a peered runner VNet missing on Azure",
      withDeployer("azure", { runner: "privateNetwork", cidrs: ["10.60.0.0/24"] }),
      `ferrum:deployer.azure must name the runner's VNet, which the stack peers with its own and links to the cluster's private DNS zone (got null); set it with: pulumi config set --path 'ferrum:deployer.azure.vnetId' /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<runners> -s prod`,
    ],
    [
      "an unknown runner kind (standard GitHub-hosted runners are not one)",
      withDeployer("aws", { runner: "githubHosted", cidrs: ["203.0.113.16/28"] }),
      `ferrum:deployer.runner must be one of staticEgress, privateNetwork, stackNetwork (got "githubHosted"); set it with: pulumi config set --path 'ferrum:deployer.runner' staticEgress -s prod`,
    ],
  ])("%s", (_label, raw, message) => {
    expect(problems(raw)).toEqual([message]);
  });

  test("valid: static egress; a peered VPC or VNet; a runner in the stack's own network after the bootstrap", () => {
    expect(problems(REQUIRED_CONFIG.aws)).toEqual([]);
    expect(
      problems(
        withDeployer("aws", {
          runner: "privateNetwork",
          cidrs: ["10.60.0.0/24"],
          aws: { vpcId: "vpc-0abc", routeTableIds: ["rtb-0abc"] },
        }),
      ),
    ).toEqual([]);
    expect(
      problems(
        withDeployer("azure", {
          runner: "privateNetwork",
          cidrs: ["10.60.0.0/24"],
          azure: { vnetId: RUNNER_VNET },
        }),
      ),
    ).toEqual([]);
    expect(
      problems(
        withDeployer("aws", { runner: "stackNetwork", cidrs: ["10.40.0.0/19"], afterBootstrap: true }),
      ),
    ).toEqual([]);
  });

  test("on k3s it does nothing (you reach your cluster already), and is refused", () => {
    expect(
      problems(
        { ...REQUIRED_CONFIG.k3s, "ferrum:deployer": JSON.stringify({ runner: "staticEgress" }) },
        "dev",
      ),
    ).toEqual([
      `ferrum:deployer does nothing on this stack (got {"runner":"staticEgress"}): a k3s stack deploys to a cluster you already reach with its kubeconfig; remove it with: pulumi config rm 'ferrum:deployer' -s dev`,
    ]);
  });

  test("EKS needs the deploying role: it gets its own access entry", () => {
    expect(
      problems({ ...REQUIRED_CONFIG.aws, "ferrum:aws": JSON.stringify({ natGateways: "single" }) }),
    ).toEqual([
      `ferrum:aws.deployerRoleArn must be set when the stack creates its cluster: the IAM role pulumi up runs as gets cluster admin through an access entry of its own, which every Kubernetes resource waits for (got ""); set it with: pulumi config set --path 'ferrum:aws.deployerRoleArn' arn:aws:iam::<account>:role/<deploy role> -s prod`,
    ]);
  });
});

describe("ferrum:tls: a certificate clients trust on every cloud stack", () => {
  test.each([
    [
      "no source on a cloud stack",
      (() => {
        const raw: Record<string, string> = { ...REQUIRED_CONFIG.azure };
        delete raw["ferrum:tls"];
        return raw;
      })(),
      `ferrum:tls.source must be set on a cloud stack: clients reject Traefik's self-signed default certificate (got nothing); use ACME (Let's Encrypt through cert-manager) with: pulumi config set --path 'ferrum:tls.source' acme -s prod and pulumi config set --path 'ferrum:tls.acmeEmail' <your ops email> -s prod`,
    ],
    [
      "Traefik's self-signed certificate on a cloud stack",
      withTls("aws", { source: "selfSigned" }),
      `ferrum:tls.source must be acme or acm on a cloud stack: clients reject Traefik's self-signed default certificate (got "selfSigned"); set it with: pulumi config set --path 'ferrum:tls.source' acme -s prod`,
    ],
    [
      "ACME without a contact",
      withTls("aws", { source: "acme" }),
      `ferrum:tls.acmeEmail must be set with tls.source acme: the ACME account's contact, told before a certificate expires (got ""); set it with: pulumi config set --path 'ferrum:tls.acmeEmail' <your ops email> -s prod`,
    ],
    [
      "an ACM certificate on Azure",
      withTls("azure", {
        source: "acm",
        certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/abc",
      }),
      `ferrum:tls.source can be acm on an AWS stack only, where ACM certificates end TLS at the NLB (got "acm"); set it with: pulumi config set --path 'ferrum:tls.source' acme -s prod`,
    ],
    [
      "an ACM certificate of another region than the NLB's",
      withTls("aws", { source: "acm", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc" }),
      `ferrum:tls.certificateArn must be a certificate of the stack's region eu-central-1: an NLB only uses ACM certificates of its own region (got one of us-east-1); request or import it in eu-central-1 and set it with: pulumi config set --path 'ferrum:tls.certificateArn' arn:aws:acm:eu-central-1:<account>:certificate/<id> -s prod`,
    ],
    [
      "an ACME setting beside an ACM certificate",
      withTls("aws", {
        source: "acm",
        certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/abc",
        acmeEmail: "ops@ferrum.example",
      }),
      `ferrum:tls.acmeEmail does nothing with tls.source acm (got "ops@ferrum.example"): only acme uses it; remove it with: pulumi config rm --path 'ferrum:tls.acmeEmail' -s prod`,
    ],
  ])("%s", (_label, raw, message) => {
    expect(problems(raw)).toEqual([message]);
  });

  test("k3s defaults to Traefik's own certificate; ACME works there too", () => {
    expect(parseConfig(REQUIRED_CONFIG.k3s, "dev").config!.tls).toEqual({ source: "selfSigned" });
    expect(
      parseConfig(withTls("k3s", { source: "acme", acmeEmail: "ops@ferrum.example" }), "dev").config!.tls,
    ).toEqual({
      source: "acme",
      email: "ops@ferrum.example",
      server: "production",
    });
  });
});
