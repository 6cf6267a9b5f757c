/**
 * lib/azure-subnets.ts: the VNet's subnets carved from its start, and what makes a VNet CIDR unusable.
 */
import { subnetLayout, vnetCidrProblems } from "../../lib/azure-subnets";

describe("subnetLayout", () => {
  test("nodes take the first /20, then the database's /24, then the private endpoints' /24", () => {
    expect(subnetLayout("10.60.0.0/16")).toEqual({
      nodes: "10.60.0.0/20",
      postgres: "10.60.16.0/24",
      endpoints: "10.60.17.0/24",
    });
    expect(subnetLayout("10.0.32.0/19")).toEqual({
      nodes: "10.0.32.0/20",
      postgres: "10.0.48.0/24",
      endpoints: "10.0.49.0/24",
    });
  });
});

describe("vnetCidrProblems", () => {
  test("a /8 to /19 network address clear of AKS's ranges has none", () => {
    expect(vnetCidrProblems("10.60.0.0/16")).toEqual([]);
    expect(vnetCidrProblems("10.0.0.0/8")).toEqual([]);
    expect(vnetCidrProblems("10.0.32.0/19")).toEqual([]);
  });

  test.each([
    ["10.60.0.0", ["an IPv4 CIDR"]],
    ["10.60.0.0/20", ["a /8 to /19 (nodes take a /20, the database and the private endpoints a /24 each)"]],
    ["10.60.1.0/16", ["a network address, 10.60.0.0/16"]],
    [
      "172.16.0.0/16",
      [
        "clear of the cluster's pod and service ranges and of the ranges AKS reserves (overlaps 172.16.0.0/16)",
      ],
    ],
  ])("%s: %j", (cidr, problems) => {
    expect(vnetCidrProblems(cidr)).toEqual(problems);
  });
});
