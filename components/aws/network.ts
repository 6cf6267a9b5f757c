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
import type { AwsSettings } from "../../config/aws";
import { subnetLayout, ZONE_KEYS, type Tier, type ZoneKey } from "../../lib/aws-subnets";

export interface Network {
  readonly vpcId: pulumi.Output<string>;
  /** The VPC's block (ferrum:aws.vpcCidr). */
  readonly vpcCidr: string;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly isolatedSubnetIds: pulumi.Output<string[]>;
  /** The private subnet of each zone, by zone key: one node group per zone. */
  readonly privateSubnets: Readonly<Record<ZoneKey, pulumi.Output<string>>>;
  /** The private route table of each zone, by zone key: routes to a peered runner network go here. */
  readonly privateRouteTableIds: Readonly<Record<ZoneKey, pulumi.Output<string>>>;
}

export interface NetworkArgs {
  /** `ferrum:aws.vpcCidr` and `ferrum:aws.natGateways`: the VPC's block and one NAT gateway per zone or one for all. */
  readonly settings: Pick<AwsSettings, "vpcCidr" | "natGateways">;
  /** The EKS cluster's name: subnets are tagged for its load balancer controller. */
  readonly clusterName: string;
  /** Tags of every resource (each also gets its own `Name`). */
  readonly tags: Record<string, string>;
}

export class AwsNetwork extends pulumi.ComponentResource implements Network {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: string;
  readonly privateSubnets: Readonly<Record<ZoneKey, pulumi.Output<string>>>;
  readonly privateRouteTableIds: Readonly<Record<ZoneKey, pulumi.Output<string>>>;
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
        if (z.length < ZONE_KEYS.length)
          throw new Error(
            `the region offers ${z.length} availability zones; the VPC needs ${ZONE_KEYS.length}`,
          );
        return z[i];
      });
    // Children are named by zone key (`-private-a`); earlier versions named them by position (`-private-0`).
    // The alias keeps each one's URN, and the Name tag keeps its value: the cloud sees no change.
    const position = (z: ZoneKey) => ZONE_KEYS.indexOf(z);
    const formerly = (n: string): pulumi.ResourceOptions => ({
      ...parent,
      aliases: [{ name: `${name}-${n}` }],
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

    const subnet = (tier: Tier, z: ZoneKey, tags: Record<string, string>) =>
      new ec2.Subnet(
        `${name}-${tier}-${z}`,
        {
          vpcId: vpc.id,
          cidrBlock: layout[tier][z],
          availabilityZone: zone(position(z)),
          mapPublicIpOnLaunch: false,
          tags: { ...named(`${name}-${tier}-${position(z)}`), ...tags },
        },
        formerly(`${tier}-${position(z)}`),
      );
    const routeTable = (n: string, tag: string, opts: pulumi.ResourceOptions) =>
      new ec2.RouteTable(`${name}-${n}`, { vpcId: vpc.id, tags: named(`${name}-${tag}`) }, opts);
    const associate = (tier: Tier, z: ZoneKey, s: ec2.Subnet, rt: ec2.RouteTable) =>
      new ec2.RouteTableAssociation(
        `${name}-${tier}-${z}`,
        { subnetId: s.id, routeTableId: rt.id },
        formerly(`${tier}-${position(z)}`),
      );

    // Public: the internet gateway; Kubernetes puts internet-facing load balancers here.
    const publicRt = routeTable("public", "public", parent);
    new ec2.Route(
      `${name}-public-default`,
      { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
      parent,
    );
    const publicSubnets = new Map(
      ZONE_KEYS.map((z) => {
        const s = subnet("public", z, { "kubernetes.io/role/elb": "1", ...clusterTag });
        associate("public", z, s, publicRt);
        return [z, s] as const;
      }),
    );

    // NAT: one per zone, or one (zone a's) for all.
    const natZones = args.settings.natGateways === "single" ? ZONE_KEYS.slice(0, 1) : ZONE_KEYS;
    const nats = natZones.map((z) => {
      const tag = named(`${name}-nat-${position(z)}`);
      const eip = new ec2.Eip(
        `${name}-nat-${z}`,
        { domain: "vpc", tags: tag },
        formerly(`nat-${position(z)}`),
      );
      return new ec2.NatGateway(
        `${name}-nat-${z}`,
        { subnetId: publicSubnets.get(z)!.id, allocationId: eip.id, tags: tag },
        { ...formerly(`nat-${position(z)}`), dependsOn: [igw] },
      );
    });

    // Private: out through the zone's NAT gateway (or the single one); internal load balancers here.
    const privateRouteTables: ec2.RouteTable[] = [];
    const privateSubnets = ZONE_KEYS.map((z) => {
      const s = subnet("private", z, { "kubernetes.io/role/internal-elb": "1", ...clusterTag });
      const rt = routeTable(`private-${z}`, `private-${position(z)}`, formerly(`private-${position(z)}`));
      privateRouteTables.push(rt);
      new ec2.Route(
        `${name}-private-${z}-default`,
        {
          routeTableId: rt.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: nats[position(z) % nats.length].id,
        },
        formerly(`private-${position(z)}-default`),
      );
      associate("private", z, s, rt);
      return s;
    });

    // Isolated: the VPC's local route only.
    const isolatedRt = routeTable("isolated", "isolated", parent);
    const isolatedSubnets = ZONE_KEYS.map((z) => {
      const s = subnet("isolated", z, {});
      associate("isolated", z, s, isolatedRt);
      return s;
    });

    const ids = (subnets: ec2.Subnet[]) => pulumi.all(subnets.map((s) => s.id));
    const publicList = ZONE_KEYS.map((z) => publicSubnets.get(z)!);
    this.vpcId = vpc.id;
    this.vpcCidr = args.settings.vpcCidr;
    const byZone = <T>(items: T[], pick: (t: T) => pulumi.Output<string>) =>
      Object.fromEntries(ZONE_KEYS.map((z, i) => [z, pick(items[i])])) as Record<
        ZoneKey,
        pulumi.Output<string>
      >;
    this.privateSubnets = byZone(privateSubnets, (s) => s.id);
    this.privateRouteTableIds = byZone(privateRouteTables, (rt) => rt.id);
    this.publicSubnetIds = ids(publicList);
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
