/**
 * IPv4 CIDR arithmetic: parsing, overlap, carving subnets. Pure; each cloud's subnet layout (the VPC's in
 * lib/aws-subnets.ts, the VNet's in lib/azure-subnets.ts) and the deployer's CIDR checks share it.
 */

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

const CIDR_TEXT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** `a.b.c.d/n`, or undefined for anything else. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const m = CIDR_TEXT.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, prefix };
}

export function formatCidr(c: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
  return `${octets.join(".")}/${c.prefix}`;
}

/** How many addresses the block holds. */
export const cidrSize = (c: Ipv4Cidr): number => 2 ** (32 - c.prefix);

/** Whether the address is the network address of its prefix (no host bits set). */
export const isAligned = (c: Ipv4Cidr): boolean => c.base % cidrSize(c) === 0;

export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/** Whether every address of `inner` lies in `outer`. */
export function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.base >= outer.base && inner.base + cidrSize(inner) <= outer.base + cidrSize(outer);
}

/**
 * Blocks of the given prefix lengths, in order, each aligned to its own size, packed from the start of
 * `cidr`. Throws, naming what does not fit, when they overflow it.
 */
export function carve(cidr: string, prefixes: readonly number[]): string[] {
  const outer = parseCidr(cidr);
  if (!outer) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  if (!isAligned(outer)) throw new Error(`${cidr} has host bits set`);
  const end = outer.base + cidrSize(outer);
  let next = outer.base;
  return prefixes.map((p, i) => {
    if (p < outer.prefix || p > 28) throw new Error(`a /${p} block cannot be carved from ${cidr}`);
    const size = 2 ** (32 - p);
    const at = Math.ceil(next / size) * size;
    if (at + size > end) throw new Error(`block ${i + 1} (/${p}) does not fit in ${cidr}`);
    next = at + size;
    return formatCidr({ base: at, prefix: p });
  });
}
