/**
 * A data store's security group: no egress, and one port open to the cluster's security group only. The
 * rule is a resource of its own rather than inline: the group (and so the database or cache that names it)
 * is created at once, and only the rule waits for the cluster's security group, which exists once EKS is
 * active, ten minutes in. Inline, the whole RDS instance waited for EKS before it could start.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import type * as pulumi from "@pulumi/pulumi";

export interface ClientSecurityGroupArgs {
  /** The VPC the group lives in. */
  readonly vpcId: pulumi.Input<string>;
  /** The one port clients reach. */
  readonly port: number;
  /** The clients' security group: the EKS cluster security group, which managed node groups' pods use. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** What the group guards, for people reading the console. */
  readonly description: string;
  /**
   * Tags of the group.
   * @default none - the group is untagged
   */
  readonly tags?: Record<string, string>;
}

export function clientSecurityGroup(
  name: string,
  a: ClientSecurityGroupArgs,
  opts: pulumi.CustomResourceOptions,
): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(
    `${name}-sg`,
    { vpcId: a.vpcId, description: a.description, egress: [], tags: a.tags },
    opts,
  );
  new vpc.SecurityGroupIngressRule(
    `${name}-sg-from-cluster`,
    {
      securityGroupId: group.id,
      description: `${a.description}: from the EKS cluster security group`,
      ipProtocol: "tcp",
      fromPort: a.port,
      toPort: a.port,
      referencedSecurityGroupId: a.clientSecurityGroupId,
      tags: a.tags,
    },
    opts,
  );
  return group;
}
