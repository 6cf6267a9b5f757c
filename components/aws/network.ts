/**
 * The VPC: three availability zones, each with a public subnet (load balancers only, no public IP for
 * anything launched there), a private subnet for nodes and pods (a /19: the VPC CNI gives every pod a VPC
 * address) and an isolated subnet with no route out, for the database and the cache. A NAT gateway per zone,
 * so losing one zone never cuts the others off (`ferrum:aws.natGateways: single` for a cheaper stack). The
 * default security group is emptied, so nothing lands in an open group by accident.
 *
 * Built from plain @pulumi/aws resources rather than awsx's Vpc: every subnet, route and gateway is in the
 * plan, where the guardrails and `pulumi preview --diff` readers see it, and no extra provider plugin runs.
 */
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import { subnetLayout, ZONES } from "../../lib/cidr";
import type { AwsSettings } from "../../config/aws";

export interface Network {
  readonly vpcId: pulumi.Output<string>;
  /** The VPC's block (ferrum:aws.vpcCidr). */
  readonly vpcCidr: string;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly isolatedSubnetIds: pulumi.Output<string[]>;
  /** The private subnet of each zone, in zone order: one node group per zone. */
  readonly privateSubnets: pulumi.Output<string>[];
  /** The private route table of each zone, in zone order: routes to a peered runner network go here. */
  readonly privateRouteTableIds: pulumi.Output<string>[];
}

export interface NetworkArgs {
  readonly settings: Pick<AwsSettings, "vpcCidr" | "natGateways">;
  /** The EKS cluster's name: subnets are tagged for its load balancer controller. */
  readonly clusterName: string;
  readonly tags: Record<string, string>;
}

export class AwsNetwork extends pulumi.ComponentResource implements Network {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: string;
  readonly privateSubnets: pulumi.Output<string>[];
  readonly privateRouteTableIds: pulumi.Output<string>[];
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly isolatedSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferrum:aws:Network", name, {}, opts);
    const parent = { parent: this };
    const layout = subnetLayout(args.settings.vpcCidr);
    const named = (n: string) => ({ ...args.tags, Name: n });
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
    const zones = getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      parent,
    ).names;
    const zone = (i: number) =>
      zones.apply((z) => {
        if (z.length < ZONES)
          throw new Error(`the region offers ${z.length} availability zones; the VPC needs ${ZONES}`);
        return z[i];
      });

    const vpc = new ec2.Vpc(
      name,
      {
        cidrBlock: args.settings.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: named(name),
      },
      parent,
    );
    new ec2.DefaultSecurityGroup(
      `${name}-default`,
      { vpcId: vpc.id, tags: named(`${name}-default`) },
      parent,
    );
    const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named(`${name}-igw`) }, parent);

    const subnet = (tier: "public" | "private" | "isolated", i: number, tags: Record<string, string>) =>
      new ec2.Subnet(
        `${name}-${tier}-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: layout[tier][i],
          availabilityZone: zone(i),
          mapPublicIpOnLaunch: false,
          tags: { ...named(`${name}-${tier}-${i}`), ...tags },
        },
        parent,
      );
    const routeTable = (n: string) =>
      new ec2.RouteTable(`${name}-${n}`, { vpcId: vpc.id, tags: named(`${name}-${n}`) }, parent);
    const associate = (n: string, s: ec2.Subnet, rt: ec2.RouteTable) =>
      new ec2.RouteTableAssociation(`${name}-${n}`, { subnetId: s.id, routeTableId: rt.id }, parent);
    const indices = [...Array(ZONES).keys()];

    // Public: the internet gateway; Kubernetes puts internet-facing load balancers here.
    const publicRt = routeTable("public");
    new ec2.Route(
      `${name}-public-default`,
      { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
      parent,
    );
    const publicSubnets = indices.map((i) => {
      const s = subnet("public", i, { "kubernetes.io/role/elb": "1", ...clusterTag });
      associate(`public-${i}`, s, publicRt);
      return s;
    });

    // NAT: one per zone, or one for all.
    const nats = indices.slice(0, args.settings.natGateways === "single" ? 1 : ZONES).map((i) => {
      const eip = new ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: named(`${name}-nat-${i}`) }, parent);
      return new ec2.NatGateway(
        `${name}-nat-${i}`,
        { subnetId: publicSubnets[i].id, allocationId: eip.id, tags: named(`${name}-nat-${i}`) },
        { ...parent, dependsOn: [igw] },
      );
    });

    // Private: out through the zone's NAT gateway; internal load balancers here.
    const privateRouteTables: ec2.RouteTable[] = [];
    const privateSubnets = indices.map((i) => {
      const s = subnet("private", i, { "kubernetes.io/role/internal-elb": "1", ...clusterTag });
      const rt = routeTable(`private-${i}`);
      privateRouteTables.push(rt);
      new ec2.Route(
        `${name}-private-${i}-default`,
        { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nats[i % nats.length].id },
        parent,
      );
      associate(`private-${i}`, s, rt);
      return s;
    });

    // Isolated: the VPC's local route only.
    const isolatedRt = routeTable("isolated");
    const isolatedSubnets = indices.map((i) => {
      const s = subnet("isolated", i, {});
      associate(`isolated-${i}`, s, isolatedRt);
      return s;
    });

    const ids = (subnets: ec2.Subnet[]) => pulumi.all(subnets.map((s) => s.id));
    this.vpcId = vpc.id;
    this.vpcCidr = args.settings.vpcCidr;
    this.privateSubnets = privateSubnets.map((s) => s.id);
    this.privateRouteTableIds = privateRouteTables.map((rt) => rt.id);
    this.publicSubnetIds = ids(publicSubnets);
    this.privateSubnetIds = ids(privateSubnets);
    this.isolatedSubnetIds = ids(isolatedSubnets);
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
    });
  }
}
