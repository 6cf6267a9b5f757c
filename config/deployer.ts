/**
 * `ferrum:deployer`: where `pulumi up` runs, so the cluster API the same run creates is open to exactly that
 * place and no other. Pure; read by config.ts for the stacks that create a cluster (AWS without
 * `aws.existingCluster`, Azure).
 *
 * - `staticEgress`: runners whose public egress addresses are fixed and known: GitHub larger runners with
 *   static IP addresses, a self-hosted fleet behind a NAT, Pulumi Deployments customer-managed agents behind
 *   one. The API endpoint is public to exactly these CIDRs (EKS public access CIDRs, AKS authorized IP
 *   ranges). Standard GitHub-hosted runners have no stable ranges (GitHub publishes thousands of Azure ranges
 *   that change weekly): they cannot be listed here, and nothing pretends they can.
 * - `privateNetwork`: a runner inside a network that already exists: the stack peers that VPC or VNet with its
 *   own and routes between them, the API stays private (EKS admits the runner's CIDRs on 443; AKS's private
 *   DNS zone is linked to the runner's VNet).
 * - `stackNetwork` (AWS): a runner inside the VPC this stack creates. It cannot exist for the first `up`, so
 *   it is refused until `afterBootstrap: true` says the two-phase bootstrap (README) has been done: the first
 *   `up` runs with `staticEgress`, and the second closes the public endpoint, which EKS can do in place. AKS
 *   cannot make a public cluster private once created, so Azure refuses it (use `privateNetwork`).
 */
import { contains, overlaps, parseCidr } from "../lib/cidr";
import type { ObjectReader } from "./reader";

export const RUNNERS = ["staticEgress", "privateNetwork", "stackNetwork"] as const;
export type RunnerKind = (typeof RUNNERS)[number];

export interface DeployerSettings {
  readonly runner: RunnerKind;
  /** Public egress CIDRs (staticEgress) or the runner network's private CIDRs (the other two). */
  readonly cidrs: readonly string[];
  /** privateNetwork on AWS: the runner's VPC, peered with the stack's, and its route tables. */
  readonly aws?: { readonly vpcId: string; readonly routeTableIds: readonly string[] };
  /** privateNetwork on Azure: the runner's VNet (resource id), peered both ways. */
  readonly azure?: { readonly vnetId: string };
  /** stackNetwork: the two-phase bootstrap is done and the runner exists inside the stack's network. */
  readonly afterBootstrap: boolean;
}

const CIDR = { pattern: /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, expectation: "IPv4 CIDRs" };
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((c) =>
  parseCidr(c)!,
);
const VNET_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+$/i;

const isPrivate = (cidr: string): boolean => {
  const c = parseCidr(cidr);
  return c !== undefined && PRIVATE_RANGES.some((p) => overlaps(p, c));
};

/**
 * Reads `ferrum:deployer` for a stack of `cloud` whose own network is `networkCidr`; `required` when the
 * stack creates its cluster. Returns undefined when absent (and says so when required).
 */
export function readDeployer(
  r: ObjectReader,
  ctx: { readonly cloud: "aws" | "azure"; readonly networkCidr: string; readonly required: boolean },
): DeployerSettings | undefined {
  const p = r.problems;
  if (r.keys().length === 0) {
    if (ctx.required) {
      p.add(
        "deployer.runner",
        `must say where pulumi up runs, so the cluster API this stack creates is open to it and nothing else (got nothing): one of ${RUNNERS.join(", ")} (README: "Where pulumi up runs"; standard GitHub-hosted runners have no stable egress ranges and cannot be used); set it with: ${p.set("deployer.runner", "staticEgress")} and ${p.set("deployer.cidrs", "'[\"<runner egress CIDR>\"]'")}`,
      );
    }
    return undefined;
  }
  const runner = r.oneOf("runner", RUNNERS, "staticEgress");
  const cidrs = r.stringList("cidrs", [], CIDR);
  const awsNet = r.object("aws");
  const azureNet = r.object("azure");
  const afterBootstrap = r.boolean("afterBootstrap", false);
  const settings: DeployerSettings = {
    runner,
    cidrs,
    afterBootstrap,
    ...(awsNet.keys().length
      ? {
          aws: {
            vpcId: awsNet.string("vpcId", "", {
              pattern: /^vpc-[0-9a-f]+$/,
              expectation: "the runner's VPC id",
              example: "vpc-0abc",
            }),
            routeTableIds: awsNet.stringList("routeTableIds", [], {
              pattern: /^rtb-[0-9a-f]+$/,
              expectation: "route table ids of the runner's subnets",
            }),
          },
        }
      : {}),
    ...(azureNet.keys().length
      ? {
          azure: {
            vnetId: azureNet.string("vnetId", "", {
              pattern: VNET_ID,
              expectation: "the runner VNet's resource id",
              example:
                "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/runners",
            }),
          },
        }
      : {}),
  };
  awsNet.rejectUnknown();
  azureNet.rejectUnknown();
  r.rejectUnknown();
  if (p.has("deployer.runner")) return settings;

  if (cidrs.length === 0) {
    p.add(
      "deployer.cidrs",
      `must list the ${runner === "staticEgress" ? "runners' public egress" : "runner network's"} CIDRs, or the API would be open to nobody (got []); set it with: ${p.set("deployer.cidrs", "'[\"203.0.113.0/28\"]'")}`,
    );
  }
  const wide = cidrs.filter((c) => /\/0$/.test(c));
  if (wide.length) {
    p.add(
      "deployer.cidrs",
      `must not open the cluster API to the whole internet (got ${JSON.stringify(wide[0])}); list the runners' CIDRs; set it with: ${p.set("deployer.cidrs", "'[\"203.0.113.0/28\"]'")}`,
    );
  }
  const own = parseCidr(ctx.networkCidr);
  if (runner === "staticEgress") {
    const priv = cidrs.filter((c) => isPrivate(c) && !wide.includes(c));
    if (priv.length) {
      p.add(
        "deployer.cidrs",
        `must be public egress addresses with runner staticEgress: the API's public endpoint never sees a private source (got ${JSON.stringify(priv)}); for a runner in a private network use: ${p.set("deployer.runner", "privateNetwork")}`,
      );
    }
  } else {
    const pub = cidrs.filter((c) => !isPrivate(c) && !wide.includes(c));
    if (pub.length) {
      p.add(
        "deployer.cidrs",
        `must be the runner network's private CIDRs with runner ${runner} (got ${JSON.stringify(pub)}); for runners reaching the API from public addresses use: ${p.set("deployer.runner", "staticEgress")}`,
      );
    }
  }
  if (runner === "privateNetwork") {
    const clash = cidrs.filter((c) => {
      const x = parseCidr(c);
      return own !== undefined && x !== undefined && overlaps(own, x);
    });
    if (clash.length) {
      p.add(
        "deployer.cidrs",
        ctx.cloud === "aws"
          ? `must not overlap the stack's own network ${ctx.networkCidr}, which is peered with the runner's (got ${JSON.stringify(clash)}); a runner inside the stack's network is runner stackNetwork; set it with: ${p.set("deployer.runner", "stackNetwork")}`
          : `must not overlap the stack's own network ${ctx.networkCidr}, which is peered with the runner's (got ${JSON.stringify(clash)}); give the stack a VNet range clear of the runner's, e.g.: ${p.set("azure.vnetCidr", "10.60.0.0/16")}`,
      );
    }
    if (
      ctx.cloud === "aws" &&
      (!settings.aws || !settings.aws.vpcId || settings.aws.routeTableIds.length === 0)
    ) {
      p.add(
        "deployer.aws",
        `must name the runner's VPC and the route tables of its subnets, which the stack peers and routes to the cluster's VPC (got ${JSON.stringify(settings.aws ?? null)}); set it with: ${p.set("deployer.aws.vpcId", "vpc-0abc")} and ${p.set("deployer.aws.routeTableIds", "'[\"rtb-0abc\"]'")}`,
      );
    }
    if (ctx.cloud === "azure" && !settings.azure?.vnetId) {
      p.add(
        "deployer.azure",
        `must name the runner's VNet, which the stack peers with its own and links to the cluster's private DNS zone (got ${JSON.stringify(settings.azure ?? null)}); set it with: ${p.set("deployer.azure.vnetId", "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<runners>")}`,
      );
    }
  }
  const other = ctx.cloud === "aws" ? "azure" : "aws";
  if (settings[other] || (runner !== "privateNetwork" && settings[ctx.cloud])) {
    const key = settings[other] ? other : ctx.cloud;
    p.add(
      `deployer.${key}`,
      `does nothing on this stack (got ${JSON.stringify(settings[key])}): only runner privateNetwork on ${key === "aws" ? "an AWS" : "an Azure"} stack peers a runner network; remove it with: ${p.remove(`deployer.${key}`)}`,
    );
  }
  if (runner === "stackNetwork" && ctx.cloud === "azure") {
    p.add(
      "deployer.runner",
      `cannot be stackNetwork on Azure (got "stackNetwork"): the first pulumi up must reach a public API server, and AKS cannot make a public cluster private once it exists (https://learn.microsoft.com/azure/aks/private-clusters), so the runner could never move inside. Run it in a VNet of its own that the stack peers (README: "Where pulumi up runs"): ${p.set("deployer.runner", "privateNetwork")} and ${p.set("deployer.azure.vnetId", "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<runners>")}`,
    );
    return settings;
  }
  if (runner === "stackNetwork") {
    const outside = cidrs.filter((c) => {
      const x = parseCidr(c);
      return own !== undefined && (x === undefined || !contains(own, x));
    });
    if (outside.length) {
      p.add(
        "deployer.cidrs",
        `must lie inside the stack's own network ${ctx.networkCidr} with runner stackNetwork (got ${JSON.stringify(outside)}); a runner in another network is runner privateNetwork`,
      );
    }
    if (!afterBootstrap) {
      p.add(
        "deployer.runner",
        `cannot be stackNetwork for the first pulumi up: a runner inside the network this stack creates does not exist until that network does (got "stackNetwork"). Bootstrap in two phases (README: "Two-phase bootstrap"): first up with runner staticEgress from your address, create the runner in the stack's network, then set: ${p.set("deployer.afterBootstrap", true)}`,
      );
    }
  } else if (r.has("afterBootstrap")) {
    p.add(
      "deployer.afterBootstrap",
      `does nothing with runner ${runner} (got ${JSON.stringify(afterBootstrap)}): it only confirms a stackNetwork runner exists; remove it with: ${p.remove("deployer.afterBootstrap")}`,
    );
  }
  return settings;
}
