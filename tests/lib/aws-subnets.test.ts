/**
 * lib/aws-subnets.ts: the VPC's subnets, by tier and zone key, are carved without overlap, aligned,
 * inside the VPC, and a VPC too small for them is refused by config before anything is planned.
 */
import { parseConfig } from "../../config";
import { requiredWith } from "../helpers/config";
import { parseCidr } from "../../lib/cidr";
import { subnetLayout } from "../../lib/aws-subnets";

const range = (cidr: string) => {
  const { base, prefix } = parseCidr(cidr)!;
  return [base, base + 2 ** (32 - prefix)] as const;
};

describe("subnetLayout", () => {
  test.each(["10.40.0.0/16", "10.40.128.0/17", "172.20.0.0/16"])(
    "%s: nine subnets, three per tier, inside the VPC, none overlapping",
    (vpc) => {
      const layout = subnetLayout(vpc);
      for (const tier of [layout.private, layout.public, layout.isolated])
        expect(Object.keys(tier)).toEqual(["a", "b", "c"]);
      const [privateBlocks, publicBlocks, isolatedBlocks] = [
        layout.private,
        layout.public,
        layout.isolated,
      ].map((t) => Object.values(t));
      for (const s of privateBlocks) expect(s.endsWith("/19")).toBe(true);
      for (const s of [...publicBlocks, ...isolatedBlocks]) expect(s.endsWith("/24")).toBe(true);
      const [vpcStart, vpcEnd] = range(vpc);
      const blocks = [...privateBlocks, ...publicBlocks, ...isolatedBlocks]
        .map(range)
        .sort((a, b) => a[0] - b[0]);
      for (const [start, end] of blocks) expect(start >= vpcStart && end <= vpcEnd).toBe(true);
      for (let i = 1; i < blocks.length; i++) expect(blocks[i][0]).toBeGreaterThanOrEqual(blocks[i - 1][1]);
    },
  );

  test("10.40.0.0/16, zone by zone: the node subnets first, then the public ones, then the isolated ones", () => {
    expect(subnetLayout("10.40.0.0/16")).toEqual({
      private: { a: "10.40.0.0/19", b: "10.40.32.0/19", c: "10.40.64.0/19" },
      public: { a: "10.40.96.0/24", b: "10.40.97.0/24", c: "10.40.98.0/24" },
      isolated: { a: "10.40.99.0/24", b: "10.40.100.0/24", c: "10.40.101.0/24" },
    });
  });
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
