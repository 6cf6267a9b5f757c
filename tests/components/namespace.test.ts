/**
 * The namespaces' Pod Security admission (the platform's, and those of the charts the clouds install): "restricted" enforced, warned about and audited at the
 * Kubernetes minor the stack targets (never `latest`, which moves with every cluster upgrade): the cloud
 * cluster's own, and on k3s the one the manifests are validated against.
 */
import { parseConfig } from "../../config";
import { REQUIRED_CONFIG } from "../helpers/config";
import { podSecurityVersion, TARGET_KUBERNETES_MINOR } from "../../lib/kubernetes-version";
import { KUBERNETES_SCHEMA_VERSION } from "../../policy/schema/catalog";
import { manifests } from "../../harness/planner";
import { sharedPlan } from "../helpers/shared-plans";

test.each([
  ["dev", "v1.33"],
  ["prod", "v1.36"],
  ["prod-azure", "v1.36"],
])("%s: the namespace ferrum enforces, warns about and audits restricted at %s", async (stack, version) => {
  const objects = manifests(await sharedPlan(stack)) as any[];
  const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === "ferrum");
  const podSecurity = Object.fromEntries(
    Object.entries(ns.metadata.labels as Record<string, string>).filter(([k]) =>
      k.startsWith("pod-security.kubernetes.io/"),
    ),
  );
  expect(podSecurity).toEqual({
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": version,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": version,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": version,
  });
});

test.each([
  ["prod", "v1.36"],
  ["prod-azure", "v1.36"],
])(
  "%s: the namespaces of Traefik and cert-manager are the stack's own, enforcing restricted at %s",
  async (stack, version) => {
    const plan = await sharedPlan(stack);
    const objects = manifests(plan) as any[];
    for (const name of ["traefik", "cert-manager"]) {
      const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === name);
      expect(ns.metadata.labels).toMatchObject({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": version,
      });
    }
    // Helm creates no namespace of its own (it would carry no Pod Security labels).
    const releases = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const release of releases.filter((r) =>
      ["traefik", "cert-manager"].includes((r.inputs as any).chart),
    )) {
      expect((release.inputs as any).createNamespace).toBe(false);
      expect(["traefik", "cert-manager"]).toContain((release.inputs as any).namespace);
    }
    expect(
      releases.filter((r) => ["traefik", "cert-manager"].includes((r.inputs as any).chart)),
    ).toHaveLength(2);
  },
);

test("Traefik's pods satisfy the restricted standard its namespace enforces", async () => {
  const plan = await sharedPlan("prod");
  const release = plan.resources.find(
    (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === "traefik",
  )!;
  // The chart's podSecurityContext already runs as 65532, non-root; the container adds the rest.
  expect((release.inputs as any).values.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
  });
});

test("k3s pins the minor the schemas validate; a cloud stack pins its own cluster's minor", async () => {
  expect(TARGET_KUBERNETES_MINOR).toBe(KUBERNETES_SCHEMA_VERSION);
  expect(podSecurityVersion()).toBe(`v${KUBERNETES_SCHEMA_VERSION}`);
  for (const [stack, minor] of [
    ["prod", parseConfig(REQUIRED_CONFIG.aws, "prod").config!.aws.kubernetesVersion],
    ["prod-azure", parseConfig(REQUIRED_CONFIG.azure, "prod-azure").config!.azure.kubernetesVersion],
  ] as const) {
    const ns = (manifests(await sharedPlan(stack)) as any[]).find(
      (o) => o.kind === "Namespace" && o.metadata.name === "ferrum",
    );
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce-version"]).toBe(`v${minor}`);
  }
});
