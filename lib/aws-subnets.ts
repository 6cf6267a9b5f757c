/**
 * The VPC's subnet layout: a block per availability zone per tier, carved from `ferrum:aws.vpcCidr`. Pure;
 * config validation (config/aws.ts) and the network (components/aws/network.ts) share it.
 */
import { carve } from "./cidr";

/** The VPC's subnets, a block per availability zone per tier: nodes get the room, the rest /24s. */
export const SUBNET_PREFIXES = { private: 19, public: 24, isolated: 24 } as const;

/**
 * The zones' keys, in the order the layout fills them: the key names a zone's subnets, NAT gateway and route
 * table (`<vpc>-private-a`). Zone `a` is the region's first available zone, `b` the second, `c` the third;
 * AWS maps zone names to physical zones per account, so the key names the VPC's slot, not a zone name.
 */
export const ZONE_KEYS = ["a", "b", "c"] as const;
export type ZoneKey = (typeof ZONE_KEYS)[number];
export const ZONES = ZONE_KEYS.length;

export type Tier = keyof typeof SUBNET_PREFIXES;
export const TIERS: readonly Tier[] = ["private", "public", "isolated"];

export interface SubnetLayout {
  /** Nodes and pods (the VPC CNI gives each pod a VPC address): /19, 8190 addresses per zone. */
  readonly private: Readonly<Record<ZoneKey, string>>;
  /** Load balancers only. */
  readonly public: Readonly<Record<ZoneKey, string>>;
  /** Database and managed cache: no route out. */
  readonly isolated: Readonly<Record<ZoneKey, string>>;
}

/**
 * Three zones' private, public and isolated subnets of `vpcCidr` (a /16 or /17 holds them), by zone key.
 * Carved tier by tier, zone by zone: every private block first, then the public ones, then the isolated ones.
 * Throws, naming what does not fit, when the VPC is too small.
 */
export function subnetLayout(vpcCidr: string): SubnetLayout {
  const blocks = carve(
    vpcCidr,
    TIERS.flatMap((t) => ZONE_KEYS.map(() => SUBNET_PREFIXES[t])),
  );
  const tier = (t: number) =>
    Object.fromEntries(ZONE_KEYS.map((z, i) => [z, blocks[t * ZONES + i]])) as Record<ZoneKey, string>;
  return { private: tier(0), public: tier(1), isolated: tier(2) };
}
