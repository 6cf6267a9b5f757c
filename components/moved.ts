/**
 * Options of a child that moved under a component in the restructure: earlier versions created it at the
 * stack's root, and the alias keeps that URN, so `pulumi up` neither replaces nor re-creates it (its own
 * children's URNs follow it).
 */
import * as pulumi from "@pulumi/pulumi";

export const movedUnder = (parent: pulumi.Resource): pulumi.CustomResourceOptions => ({
  parent,
  aliases: [{ parent: pulumi.rootStackResource }],
});
