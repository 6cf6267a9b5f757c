/**
 * Strict schema validation: kubernetes-models accepts unknown fields, the strict pass does not; both passes
 * together reject wrong types, wrong enum values and misplaced fields, for Kubernetes kinds and for the
 * Traefik and Prometheus Operator CRDs. Fixtures only; tests/guardrails/stacks.test.ts validates every plan.
 */
import { readFileSync } from "fs";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { KUBERNETES_SCHEMA_VERSION, SchemaCatalog, validateManifests } from "../../policy/schema/catalog";

const catalog = new SchemaCatalog();
const check = (...m: Record<string, unknown>[]) => validateManifests(m, catalog);

function deployment(
  pod: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
): Record<string, any> {
  const labels = { "app.kubernetes.io/name": "auth" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "auth-web", namespace: "ferrum", labels },
    spec: {
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "web",
              image: "ghcr.io/ferrum/auth-service:1.0.0",
              ports: [{ name: "http", containerPort: 8000 }],
              resources: { requests: { cpu: "250m", memory: "384Mi" }, limits: { cpu: 1, memory: "768Mi" } },
              readinessProbe: { httpGet: { path: "/healthz/ready", port: "http" } },
            },
          ],
          ...pod,
        },
      },
      ...spec,
    },
  };
}

describe("Kubernetes objects (kubernetes-models, Kubernetes 1.33)", () => {
  test("a valid Deployment passes both passes (int-or-string and quantities included)", () => {
    expect(check(deployment())).toEqual([]);
  });

  test("spec.bogusField: kubernetes-models accepts it, the strict pass does not", () => {
    const bogus = deployment({}, { bogusField: true });
    expect(() => new Deployment(bogus as never).validate()).not.toThrow();
    expect(check(bogus)).toEqual(['apps/v1 Deployment "auth-web": spec.bogusField: unknown field']);
  });

  test("a misplaced field (imagePullPolicy on the pod instead of the container)", () => {
    expect(check(deployment({ imagePullPolicy: "Always" }))).toEqual([
      'apps/v1 Deployment "auth-web": spec.template.spec.imagePullPolicy: unknown field',
    ]);
  });

  test("a value outside an enum, a wrong type, a misspelt field", () => {
    const d = deployment();
    d.spec.replicas = "3";
    d.spec.template.spec.containers[0].imagePullPolicy = "Sometimes";
    d.spec.template.spec.containers[0].resoures = {};
    expect(check(d)).toEqual([
      'apps/v1 Deployment "auth-web": spec.replicas: must be integer',
      'apps/v1 Deployment "auth-web": spec.template.spec.containers[0].imagePullPolicy: must be equal to one of the allowed values ("Always", "IfNotPresent", "Never")',
      'apps/v1 Deployment "auth-web": spec.template.spec.containers[0].resoures: unknown field (did you mean resources?)',
    ]);
  });

  test("a missing required field", () => {
    const d = deployment();
    delete d.spec.selector;
    expect(check(d)).toEqual(['apps/v1 Deployment "auth-web": spec.selector: required']);
  });

  test("maps (labels) take any key; free-form fields (FieldsV1) take anything", () => {
    const d = deployment();
    d.metadata.labels = { "example.com/anything": "yes" };
    d.metadata.managedFields = [{ manager: "pulumi", fieldsV1: { "f:spec": { "f:replicas": {} } } }];
    expect(check(d)).toEqual([]);
  });
});

describe("CRDs: Traefik (traefik.io/v1alpha1) and Prometheus Operator (monitoring.coreos.com/v1)", () => {
  const route = (r: Record<string, unknown>) => ({
    apiVersion: "traefik.io/v1alpha1",
    kind: "IngressRoute",
    metadata: { name: "auth-route", namespace: "ferrum" },
    spec: {
      entryPoints: ["websecure"],
      routes: [{ kind: "Rule", match: "PathPrefix(`/auth`)", ...r }],
      tls: {},
    },
  });

  test("an IngressRoute with a misspelt field, and a Middleware with a misplaced one", () => {
    expect(check(route({ services: [{ name: "auth", port: 80 }] }))).toEqual([]);
    expect(check(route({ servics: [{ name: "auth", port: 80 }] }))).toEqual([
      'traefik.io/v1alpha1 IngressRoute "auth-route": spec.routes[0].servics: unknown field (did you mean services?)',
    ]);
    const middleware = {
      apiVersion: "traefik.io/v1alpha1",
      kind: "Middleware",
      metadata: { name: "auth-strip-prefix" },
      spec: { stripPrefix: { prefixes: ["/auth"] }, prefixes: ["/auth"] },
    };
    expect(check(middleware)).toEqual([
      'traefik.io/v1alpha1 Middleware "auth-strip-prefix": spec.prefixes: unknown field',
    ]);
  });

  test("a Middleware plugin's configuration is free-form", () => {
    const plugin = {
      apiVersion: "traefik.io/v1alpha1",
      kind: "Middleware",
      metadata: { name: "plugin" },
      spec: { plugin: { anything: { deeply: { nested: [1, "two"] } } } },
    };
    expect(check(plugin)).toEqual([]);
  });

  test("a ServiceMonitor and a PrometheusRule", () => {
    const monitor = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "auth" },
      spec: {
        selector: { matchLabels: { app: "auth" } },
        endpoints: [{ port: "http", path: "/metrics", intervall: "30s" }],
      },
    };
    expect(check(monitor)).toEqual([
      'monitoring.coreos.com/v1 ServiceMonitor "auth": spec.endpoints[0].intervall: unknown field (did you mean interval?)',
    ]);
    const rule = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "ferrum" },
      spec: {
        groups: [
          {
            name: "ferrum",
            rules: [
              {
                alert: "WebDown",
                expr: "up == 0",
                for: "5m",
                labels: { severity: "page" },
                severity: "page",
              },
            ],
          },
        ],
      },
    };
    expect(check(rule)).toEqual([
      'monitoring.coreos.com/v1 PrometheusRule "ferrum": spec.groups[0].rules[0].severity: unknown field',
    ]);
  });
});

describe("kinds without a models package", () => {
  test("a kind with no schema anywhere is an error", () => {
    expect(check({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } })).toEqual([
      'example.com/v1 Widget "w": no schema for example.com/v1 Widget: it is in none of kubernetes-models (Kubernetes 1.33), @kubernetes-models/traefik, @kubernetes-models/prometheus-operator, nor policy/schemas/',
    ]);
  });

  test("policy/schemas/ covers VolumeSnapshotClass, checked in full", () => {
    const snapshots = {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: "ferrum-azuredisk-snapshots", labels: { "app.kubernetes.io/part-of": "ferrum" } },
      driver: "disk.csi.azure.com",
      deletionPolicy: "Retain",
      parameters: { incremental: "true" },
    };
    expect(check(snapshots)).toEqual([]);
    expect(
      check({ ...snapshots, deletionPolicy: "Keep", driver: undefined, metadata: { name: "s", labelz: {} } }),
    ).toEqual([
      'snapshot.storage.k8s.io/v1 VolumeSnapshotClass "s": driver: required',
      'snapshot.storage.k8s.io/v1 VolumeSnapshotClass "s": metadata.labelz: unknown field (did you mean labels?)',
      'snapshot.storage.k8s.io/v1 VolumeSnapshotClass "s": deletionPolicy: "Keep" is not one of "Delete", "Retain"',
    ]);
  });
});

test(`the schemas are Kubernetes ${KUBERNETES_SCHEMA_VERSION}'s: 1.33's fields are there, 1.34's are not`, () => {
  const decl = (module: string) => readFileSync(require.resolve(module).replace(/\.js$/, ".d.ts"), "utf8");
  // Lifecycle.stopSignal arrived in 1.33; PodSpec.hostnameOverride and the FileKeySelector env source in 1.34.
  expect(decl("kubernetes-models/v1/Lifecycle")).toContain('"stopSignal"?');
  expect(decl("kubernetes-models/v1/PodSpec")).not.toContain("hostnameOverride");
  expect(decl("kubernetes-models/v1/EnvVarSource")).not.toContain("fileKeyRef");
});
