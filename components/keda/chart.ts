/**
 * KEDA's Helm chart, pinned: a bump is a reviewed change here. The values set in keda.ts and the CRD schemas in
 * policy/schemas/keda.sh_v1alpha1_*.json are checked against this version's chart (values.yaml, and
 * templates/crds/). KEDA 2.20 is tested on Kubernetes 1.33 to 1.35.
 */
export const KEDA_CHART = {
  chart: "keda",
  version: "2.20.2",
  repo: "https://kedacore.github.io/charts",
} as const;

/** Helm release name and namespace: fixed, so the NetworkPolicy can name the operator's namespace. */
export const KEDA_RELEASE = { name: "keda", namespace: "keda" } as const;

/** The operator's pod label (the chart's `operator.name` default): it is what reads the queues. */
export const KEDA_OPERATOR_LABELS = { "app.kubernetes.io/name": "keda-operator" } as const;
