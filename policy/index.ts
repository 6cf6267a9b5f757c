/**
 * The Ferrum policy pack: `pulumi preview --policy-pack policy` (after `npm ci` at the repository root; the
 * pack has no dependencies of its own). Starting it serves the policies to the engine, so tests import
 * ./policies instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("ferrum", {
  description:
    "Ferrum guardrails: private and encrypted data, protected state, restricted pods, pinned images",
  policies,
});
