/**
 * components/aws/irsa.ts: managed policies are attached under a key from the policy's name (not its position
 * in the list), each attachment aliased to its name by position of earlier versions.
 */
import * as iam from "@pulumi/aws/iam";
import { attachPolicies, policyKey, policyKeys } from "../../components/aws/irsa";
import { underMocks } from "../helpers/pulumi";

describe("policyKey", () => {
  test.each([
    ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "AmazonEKSClusterPolicy"],
    ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy", "AmazonEBSCSIDriverPolicy"],
    ["arn:aws:iam::123456789012:policy/team/ferrum-reader", "ferrum-reader"],
  ])("%s -> %s", (arn, key) => {
    expect(policyKey(arn)).toBe(key);
  });

  test("two policies of one name are refused, naming both", () => {
    expect(() =>
      policyKeys(["arn:aws:iam::aws:policy/Reader", "arn:aws:iam::123456789012:policy/Reader"]),
    ).toThrow(
      'policies arn:aws:iam::aws:policy/Reader and arn:aws:iam::123456789012:policy/Reader share the name "Reader"; attach policies of distinct names',
    );
  });
});

test("attachments are named by policy and aliased to their former names by position", async () => {
  const arns = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  ];
  const { registrations } = await underMocks(
    () => {
      const role = new iam.Role("nodes", { assumeRolePolicy: "{}" });
      attachPolicies("nodes", role, arns);
    },
    { stack: "prod" },
  );
  const attachments = registrations.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
  expect(
    attachments.map((a) => [a.name, (a.inputs as any).policyArn, (a.options.aliases as any)[0].spec.name]),
  ).toEqual([
    ["nodes-policy-AmazonEKSWorkerNodePolicy", arns[0], "nodes-policy-0"],
    ["nodes-policy-AmazonEKS_CNI_Policy", arns[1], "nodes-policy-1"],
  ]);
});
