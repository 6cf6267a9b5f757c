/**
 * Azure RBAC: the built-in roles the stack assigns, and one helper that assigns a role to a principal on a
 * scope. Role definition ids are subscription-scoped (`/subscriptions/<id>/providers/...`), as ARM returns them,
 * so a refresh never shows a diff.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";

/** Built-in role definition GUIDs (the same in every tenant). */
export const BUILT_IN_ROLES = {
  /** Pull images from a registry: the cluster's kubelet identity. */
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  /** Push (and pull) images: the deploying identity, for `@pulumi/docker`. */
  acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  /** Everything in the cluster through Azure RBAC for Kubernetes: the deploying identity. */
  aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  /** Join the nodes' subnet and manage load balancers in it: the cluster's control-plane identity. */
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  /** Read secrets' values: the ACR credential set's identity, for the artifact cache's login. */
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. Pure. */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}

export interface RoleGrant {
  readonly role: BuiltInRole;
  readonly principalId: pulumi.Input<string>;
  /**
   * The principal's type. Azure refuses an assignment whose type does not match the principal (and the SDK
   * would otherwise send `User`); for identities the stack creates it also spares ARM a directory lookup
   * that a new principal may not pass yet.
   */
  readonly principalType: "ServicePrincipal" | "User" | "Group";
  readonly scope: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  readonly description: string;
}

export function grantRole(
  name: string,
  g: RoleGrant,
  opts: pulumi.CustomResourceOptions = {},
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      principalId: g.principalId,
      principalType: g.principalType,
      roleDefinitionId: pulumi.output(g.subscriptionId).apply((id) => roleDefinitionId(id, g.role)),
      scope: g.scope,
      description: g.description,
    },
    opts,
  );
}
