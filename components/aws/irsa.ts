/**
 * IAM roles for service accounts (IRSA): a role that exactly one Kubernetes ServiceAccount can assume,
 * through the cluster's OIDC provider. Pure policy rendering plus a small role helper.
 */
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

export interface IrsaIdentity {
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The OIDC issuer (with or without `https://`). */
  readonly oidcProviderUrl: pulumi.Input<string>;
}

/** The trust policy that lets one ServiceAccount, and nothing else, assume a role. Pure. */
export function irsaTrustPolicy(
  oidcProviderArn: string,
  oidcProviderUrl: string,
  namespace: string,
  serviceAccount: string,
) {
  const issuer = oidcProviderUrl.replace(/^https:\/\//, "");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}

export interface IrsaRoleArgs {
  /** The cluster's OIDC provider, which the role trusts. */
  readonly identity: IrsaIdentity;
  /** The namespace of the one ServiceAccount that may assume the role. */
  readonly namespace: string;
  /** The name of the one ServiceAccount that may assume the role. */
  readonly serviceAccount: string;
  /** What the role is for, for people reading the console. */
  readonly description: string;
  /** AWS-managed or customer policies to attach, each under its policy's name. @default none - no managed policy */
  readonly policyArns?: readonly string[];
  /** An inline policy document. @default none - no inline policy */
  readonly policy?: pulumi.Input<string>;
  /**
   * Tags of the role.
   * @default none - the role is untagged
   */
  readonly tags?: Record<string, string>;
}

/**
 * The key of a managed policy in its attachment's name: the policy's name, the ARN's last segment
 * (`arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy` -> `AmazonEBSCSIDriverPolicy`). Pure.
 */
export function policyKey(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf("/") + 1);
}

/** The keys of a role's policies, in order; throws naming both ARNs when two policies share a name. Pure. */
export function policyKeys(policyArns: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const arn of policyArns) {
    const key = policyKey(arn);
    const other = seen.get(key);
    if (other !== undefined)
      throw new Error(
        `policies ${other} and ${arn} share the name ${JSON.stringify(key)}; attach policies of distinct names`,
      );
    seen.set(key, arn);
  }
  return [...seen.keys()];
}

/**
 * Managed policies attached to a role, as `<name>-policy-<policy name>` children of it. Earlier versions
 * named them by position (`<name>-policy-<i>`): the alias keeps each attachment's URN.
 */
export function attachPolicies(
  name: string,
  role: iam.Role,
  policyArns: readonly string[],
): iam.RolePolicyAttachment[] {
  const keys = policyKeys(policyArns);
  return policyArns.map(
    (policyArn, i) =>
      new iam.RolePolicyAttachment(
        `${name}-policy-${keys[i]}`,
        { role: role.name, policyArn },
        { parent: role, aliases: [{ name: `${name}-policy-${i}` }] },
      ),
  );
}

/** A role for one ServiceAccount with the given permissions. */
export function irsaRole(name: string, args: IrsaRoleArgs, opts: pulumi.CustomResourceOptions): iam.Role {
  // Before anything is created: two policies of one name cannot both be attached under stable names.
  policyKeys(args.policyArns ?? []);
  const role = new iam.Role(
    name,
    {
      description: args.description,
      assumeRolePolicy: pulumi
        .all([args.identity.oidcProviderArn, args.identity.oidcProviderUrl])
        .apply(([arn, url]) =>
          JSON.stringify(irsaTrustPolicy(arn, url, args.namespace, args.serviceAccount)),
        ),
      maxSessionDuration: 3600,
      tags: args.tags,
    },
    opts,
  );
  attachPolicies(name, role, args.policyArns ?? []);
  if (args.policy)
    new iam.RolePolicy(`${name}-policy`, { role: role.id, policy: args.policy }, { parent: role });
  return role;
}
