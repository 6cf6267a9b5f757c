/**
 * IPv4 CIDR arithmetic for carving subnets out of a VPC. Pure.
 */

/** `a.b.c.d/n` as a 32-bit start address and a prefix length; throws on anything else. */
export function parseCidr(cidr: string): { start: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix > 32) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const start = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (start % 2 ** (32 - prefix) !== 0) throw new Error(`${cidr} has host bits set`);
  return { start, prefix };
}

function format(start: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/**
 * Blocks of the given prefix lengths, in order, each aligned to its own size, packed from the start of
 * `cidr`. Throws, naming what does not fit, when they overflow it.
 */
export function carve(cidr: string, prefixes: readonly number[]): string[] {
  const { start, prefix } = parseCidr(cidr);
  const end = start + 2 ** (32 - prefix);
  let next = start;
  return prefixes.map((p, i) => {
    if (p < prefix || p > 28) throw new Error(`a /${p} block cannot be carved from ${cidr}`);
    const size = 2 ** (32 - p);
    const at = Math.ceil(next / size) * size;
    if (at + size > end) throw new Error(`block ${i + 1} (/${p}) does not fit in ${cidr}`);
    next = at + size;
    return format(at, p);
  });
}

/** The VPC's subnets, a block per availability zone per tier: nodes get the room, the rest /24s. */
export const SUBNET_PREFIXES = { private: 19, public: 24, isolated: 24 } as const;
export const ZONES = 3;

export interface SubnetLayout {
  /** Nodes and pods (the VPC CNI gives each pod a VPC address): /19, 8190 addresses per zone. */
  readonly private: readonly string[];
  /** Load balancers only. */
  readonly public: readonly string[];
  /** Database and managed cache: no route out. */
  readonly isolated: readonly string[];
}

/** Three zones' private, public and isolated subnets of `vpcCidr` (a /16 or /17 holds them). */
export function subnetLayout(vpcCidr: string): SubnetLayout {
  const tiers = ["private", "public", "isolated"] as const;
  const blocks = carve(
    vpcCidr,
    tiers.flatMap((t) => Array<number>(ZONES).fill(SUBNET_PREFIXES[t])),
  );
  return {
    private: blocks.slice(0, ZONES),
    public: blocks.slice(ZONES, 2 * ZONES),
    isolated: blocks.slice(2 * ZONES),
  };
}
