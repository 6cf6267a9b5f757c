/**
 * The VPC: three availability zones, public subnets for load balancers only, private subnets for nodes, and
 * isolated subnets (no route to the internet) for the database and the cache. NAT per AZ by default.
 *
 * awsx's Vpc is well kept and does the CIDR arithmetic and routing; it is a multi-language component, so the
 * tests check what is passed to it.
 */
import * as awsx from "@pulumi/awsx/ec2";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "../../lib/config-aws";

export interface Network {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly isolatedSubnetIds: pulumi.Output<string[]>;
}

export function network(
  name: string,
  settings: AwsSettings,
  clusterName: string,
  tags: Record<string, string>,
): Network {
  const vpc = new awsx.Vpc(name, {
    cidrBlock: settings.vpcCidr,
    numberOfAvailabilityZones: 3,
    enableDnsHostnames: true,
    enableDnsSupport: true,
    natGateways: { strategy: settings.natGateways === "single" ? "Single" : "OnePerAz" },
    subnetStrategy: "Auto",
    subnetSpecs: [
      // Load balancers only: the tag tells Kubernetes where internet-facing NLBs go.
      {
        type: "Public",
        cidrMask: 24,
        tags: { "kubernetes.io/role/elb": "1", [`kubernetes.io/cluster/${clusterName}`]: "shared" },
      },
      {
        type: "Private",
        cidrMask: 19,
        tags: { "kubernetes.io/role/internal-elb": "1", [`kubernetes.io/cluster/${clusterName}`]: "shared" },
      },
      { type: "Isolated", cidrMask: 24, name: "data" },
    ],
    tags,
  });
  return {
    vpcId: vpc.vpcId,
    publicSubnetIds: vpc.publicSubnetIds,
    privateSubnetIds: vpc.privateSubnetIds,
    isolatedSubnetIds: vpc.isolatedSubnetIds,
  };
}
