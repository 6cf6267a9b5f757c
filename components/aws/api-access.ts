/**
 * Who reaches the EKS API, from `ferrum:deployer` (where `pulumi up` runs) and `ferrum:aws.publicAccessCidrs`
 * (people): the public endpoint limited to exactly the listed public CIDRs, or off; the private endpoint
 * always on, admitting on 443 a runner in a peered VPC or in the stack's own. The EKS cluster security group
 * admits only itself otherwise, so without the rule a private runner would time out.
 *
 * The EKS endpoint's public DNS name resolves to its private addresses when public access is off (AWS, "Cluster
 * API server endpoint", https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html), so a runner
 * in a peered VPC needs the peering and routes only, not a DNS zone of its own.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import type * as pulumi from "@pulumi/pulumi";
import type { DeployerSettings } from "../../config/deployer";
import { ZONE_KEYS, type ZoneKey } from "../../lib/aws-subnets";

export interface EksApiAccess {
  readonly endpointPublicAccess: boolean;
  /** Present only with the public endpoint on (AWS would default it to 0.0.0.0/0). */
  readonly publicAccessCidrs?: readonly string[];
  /** CIDRs admitted to the private endpoint on 443. */
  readonly privateCidrs: readonly string[];
  /** The runner's VPC, peered with the stack's, and the route tables of its subnets. */
  readonly peer?: { readonly vpcId: string; readonly routeTableIds: readonly string[] };
}

/** Pure: the endpoint settings and the private rules that `deployer` and the people's CIDRs call for. */
export function eksApiAccess(
  deployer: DeployerSettings | undefined,
  peopleCidrs: readonly string[],
): EksApiAccess {
  const publicCidrs = [
    ...new Set([...(deployer?.runner === "staticEgress" ? deployer.cidrs : []), ...peopleCidrs]),
  ];
  const privateCidrs = deployer && deployer.runner !== "staticEgress" ? [...deployer.cidrs] : [];
  return {
    endpointPublicAccess: publicCidrs.length > 0,
    ...(publicCidrs.length ? { publicAccessCidrs: publicCidrs } : {}),
    privateCidrs,
    ...(deployer?.runner === "privateNetwork" && deployer.aws ? { peer: deployer.aws } : {}),
  };
}

/** A key for a CIDR in a resource name: `10.10.0.0/24` -> `10-10-0-0-24`. */
export const cidrKey = (cidr: string): string => cidr.replace(/[./]/g, "-");

/**
 * The private path from the runner to the API: 443 from its CIDRs on the cluster security group and, for a
 * peered VPC, the peering and a route each way. Returns what the Kubernetes provider must wait for.
 */
export function runnerPath(
  name: string,
  a: {
    readonly access: EksApiAccess;
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    readonly vpcId: pulumi.Input<string>;
    readonly vpcCidr: string;
    /** The private route table of each zone, by zone key. */
    readonly privateRouteTableIds: Readonly<Record<ZoneKey, pulumi.Input<string>>>;
    readonly tags: Record<string, string>;
  },
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const made: pulumi.Resource[] = a.access.privateCidrs.map(
    (cidr) =>
      new vpc.SecurityGroupIngressRule(
        `${name}-api-from-${cidrKey(cidr)}`,
        {
          securityGroupId: a.clusterSecurityGroupId,
          description: "The runner that deploys the stack: Kubernetes API",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: cidr,
          tags: a.tags,
        },
        { parent },
      ),
  );
  const peer = a.access.peer;
  if (!peer) return made;
  // Same account and region: the requester can accept its own request.
  const peering = new ec2.VpcPeeringConnection(
    `${name}-runner-peering`,
    { vpcId: a.vpcId, peerVpcId: peer.vpcId, autoAccept: true, tags: { ...a.tags, Name: `${name}-runner` } },
    { parent },
  );
  made.push(peering);
  ZONE_KEYS.forEach((zone, position) => {
    const routeTableId = a.privateRouteTableIds[zone];
    for (const cidr of a.access.privateCidrs) {
      made.push(
        new ec2.Route(
          `${name}-private-${zone}-to-runner-${cidrKey(cidr)}`,
          { routeTableId, destinationCidrBlock: cidr, vpcPeeringConnectionId: peering.id },
          // Named by the zone's position before zones had keys.
          { parent, aliases: [{ name: `${name}-private-${position}-to-runner-${cidrKey(cidr)}` }] },
        ),
      );
    }
  });
  for (const routeTableId of peer.routeTableIds) {
    made.push(
      new ec2.Route(
        `${name}-runner-${routeTableId}-to-cluster`,
        { routeTableId, destinationCidrBlock: a.vpcCidr, vpcPeeringConnectionId: peering.id },
        { parent },
      ),
    );
  }
  return made;
}
