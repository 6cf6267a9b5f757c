/**
 * The platform namespace's Pod Security admission: "restricted" enforced, warned about and audited at the
 * Kubernetes minor the program targets (never `latest`, which moves with every cluster upgrade), in every
 * stack; and that minor is the one the clusters are created at and the manifests are validated against.
 */
import { parseConfig } from "../../config";
import { REQUIRED_CONFIG } from "../helpers/config";
import { podSecurityVersion, TARGET_KUBERNETES_MINOR } from "../../lib/kubernetes-version";
import { KUBERNETES_SCHEMA_VERSION } from "../../tools/guardrails/schema/catalog";
import { manifests, runPlan } from "../../tools/planner";

test.each(["dev", "prod", "prod-azure"])(
  "%s: the namespace ferrum enforces, warns about and audits restricted at v1.33",
  async (stack) => {
    const objects = manifests(await runPlan(stack)) as any[];
    const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === "ferrum");
    const podSecurity = Object.fromEntries(
      Object.entries(ns.metadata.labels as Record<string, string>).filter(([k]) =>
        k.startsWith("pod-security.kubernetes.io/"),
      ),
    );
    expect(podSecurity).toEqual({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "v1.33",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/warn-version": "v1.33",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/audit-version": "v1.33",
    });
  },
);

test("the targeted minor is the clusters' default version and the schemas' version", () => {
  expect(TARGET_KUBERNETES_MINOR).toBe("1.33");
  expect(podSecurityVersion()).toBe("v1.33");
  const config = parseConfig(REQUIRED_CONFIG.k3s, "dev").config!;
  expect([config.aws.kubernetesVersion, config.azure.kubernetesVersion, KUBERNETES_SCHEMA_VERSION]).toEqual([
    TARGET_KUBERNETES_MINOR,
    TARGET_KUBERNETES_MINOR,
    TARGET_KUBERNETES_MINOR,
  ]);
});
