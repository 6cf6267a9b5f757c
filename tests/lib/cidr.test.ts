/**
 * lib/cidr.ts: the VPC's subnets are carved without overlap, aligned, inside the VPC, and a VPC too small
 * for them is refused by config before anything is planned.
 */
import { parseConfig } from "../../config";
import { requiredWith } from "../helpers/config";
import { carve, parseCidr, subnetLayout } from "../../lib/cidr";

const range = (cidr: string) => {
  const { base, prefix } = parseCidr(cidr)!;
  return [base, base + 2 ** (32 - prefix)] as const;
};

describe("carve", () => {
  test("packs blocks in order, each aligned to its size", () => {
    expect(carve("10.0.0.0/24", [26, 28, 26])).toEqual(["10.0.0.0/26", "10.0.0.64/28", "10.0.0.128/26"]);
    expect(carve("192.168.0.0/16", [24, 20])).toEqual(["192.168.0.0/24", "192.168.16.0/20"]);
  });

  test.each([
    ["10.0.0.0/24", [25, 25, 25], "block 3 (/25) does not fit in 10.0.0.0/24"],
    ["10.0.0.0/24", [23], "a /23 block cannot be carved from 10.0.0.0/24"],
    ["10.0.0.1/24", [26], "10.0.0.1/24 has host bits set"],
    ["10.0.0.0/33", [26], "not an IPv4 CIDR: 10.0.0.0/33"],
    ["10.0.256.0/24", [26], "not an IPv4 CIDR: 10.0.256.0/24"],
  ])("%s into %j: %s", (cidr, prefixes, message) => {
    expect(() => carve(cidr, prefixes)).toThrow(message);
  });
});

describe("subnetLayout", () => {
  test.each(["10.40.0.0/16", "10.40.128.0/17", "172.20.0.0/16"])(
    "%s: nine subnets, three per tier, inside the VPC, none overlapping",
    (vpc) => {
      const layout = subnetLayout(vpc);
      expect([layout.private.length, layout.public.length, layout.isolated.length]).toEqual([3, 3, 3]);
      for (const s of layout.private) expect(s.endsWith("/19")).toBe(true);
      for (const s of [...layout.public, ...layout.isolated]) expect(s.endsWith("/24")).toBe(true);
      const [vpcStart, vpcEnd] = range(vpc);
      const blocks = [...layout.private, ...layout.public, ...layout.isolated]
        .map(range)
        .sort((a, b) => a[0] - b[0]);
      for (const [start, end] of blocks) expect(start >= vpcStart && end <= vpcEnd).toBe(true);
      for (let i = 1; i < blocks.length; i++) expect(blocks[i][0]).toBeGreaterThanOrEqual(blocks[i - 1][1]);
    },
  );
});

describe("ferrum:aws.vpcCidr", () => {
  const aws = (vpcCidr: string) => requiredWith("aws", "aws", { vpcCidr });

  test("a /16 or /17 is accepted", () => {
    expect(parseConfig(aws("10.40.0.0/16"), "prod").problems).toEqual([]);
    expect(parseConfig(aws("10.40.128.0/17"), "prod").problems).toEqual([]);
  });

  test.each([
    ["10.40.0.0/18", ": block 3 (/19) does not fit in 10.40.0.0/18"],
    ["10.40.1.0/16", ": 10.40.1.0/16 has host bits set"],
    // Carvable, but AWS refuses VPC blocks larger than /16.
    ["10.0.0.0/8", ""],
  ])("%s is refused, naming the key, the value and the fix", (cidr, why) => {
    const r = parseConfig(aws(cidr), "prod");
    expect(r.config).toBeUndefined();
    expect(r.problems).toEqual([
      `ferrum:aws.vpcCidr must be a /16 or /17 with no host bits set: AWS accepts VPC blocks from /16 to /28, and the subnets need three /19 node subnets and six /24 subnets (got "${cidr}"${why}); set it with: pulumi config set --path 'ferrum:aws.vpcCidr' 10.40.0.0/16 -s prod`,
    ]);
  });
});
