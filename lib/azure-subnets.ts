/**
 * IPv4 arithmetic for the Azure network: the VNet's subnet layout and the address ranges it must stay clear
 * of. Pure; config validation (config/azure.ts) and the network (components/azure/network.ts) share it.
 */
import { cidrSize, formatCidr, isAligned, overlaps, parseCidr } from "./cidr";

/** Pod addresses of Azure CNI overlay: never routed in the VNet, but must not overlap it. */
export const AKS_POD_CIDR = "192.168.0.0/16";
/** Kubernetes Service addresses (ClusterIPs); the cluster DNS service takes the tenth. */
export const AKS_SERVICE_CIDR = "172.16.0.0/16";
export const AKS_DNS_SERVICE_IP = "172.16.0.10";
/** Ranges AKS refuses for the VNet and its own CIDRs. */
export const AKS_RESERVED_CIDRS: readonly string[] = [
  "169.254.0.0/16",
  "172.30.0.0/16",
  "172.31.0.0/16",
  "192.0.2.0/24",
];

/** The widest and narrowest VNet the layout fits: a /20 for nodes and two /24s need a /19. */
export const MIN_VNET_PREFIX = 8;
export const MAX_VNET_PREFIX = 19;

/** The VNet's subnets: nodes (a /20), the Flexible Server's delegated subnet and private endpoints (a /24 each). */
export interface SubnetLayout {
  readonly nodes: string;
  readonly postgres: string;
  readonly endpoints: string;
}

/** Carves the subnets from the start of the VNet. Assumes a CIDR that passed {@link vnetCidrProblems}. */
export function subnetLayout(vnetCidr: string): SubnetLayout {
  const vnet = parseCidr(vnetCidr);
  if (!vnet) throw new Error(`not an IPv4 CIDR: ${vnetCidr}`);
  return {
    nodes: formatCidr({ base: vnet.base, prefix: 20 }),
    postgres: formatCidr({ base: vnet.base + 4096, prefix: 24 }),
    endpoints: formatCidr({ base: vnet.base + 4096 + 256, prefix: 24 }),
  };
}

/** What is wrong with a VNet CIDR, as phrases completing "must be ...": empty when it is usable. */
export function vnetCidrProblems(vnetCidr: string): string[] {
  const vnet = parseCidr(vnetCidr);
  if (!vnet) return ["an IPv4 CIDR"];
  const problems: string[] = [];
  if (vnet.prefix < MIN_VNET_PREFIX || vnet.prefix > MAX_VNET_PREFIX)
    problems.push(
      `a /${MIN_VNET_PREFIX} to /${MAX_VNET_PREFIX} (nodes take a /20, the database and the private endpoints a /24 each)`,
    );
  if (!isAligned(vnet))
    problems.push(
      `a network address, ${formatCidr({ ...vnet, base: vnet.base - (vnet.base % cidrSize(vnet)) })}`,
    );
  const clashes = [AKS_POD_CIDR, AKS_SERVICE_CIDR, ...AKS_RESERVED_CIDRS].filter((c) =>
    overlaps(vnet, parseCidr(c)!),
  );
  if (clashes.length)
    problems.push(
      `clear of the cluster's pod and service ranges and of the ranges AKS reserves (overlaps ${clashes.join(", ")})`,
    );
  return problems;
}
