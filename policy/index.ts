/**
 * The Ferrum policy pack: `pulumi preview --policy-pack policy` (after `npm ci` at the repository root, whose
 * lock pins the versions policy/package.json declares; published on its own, `npm install` in policy/).
 * Starting it serves the policies to the engine, so tests import ./policies instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("ferrum", {
  description:
    "Ferrum guardrails: private and encrypted data, protected state, restricted pods, pinned images",
  policies,
});
