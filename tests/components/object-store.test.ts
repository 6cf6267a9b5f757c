import { CATALOG } from "../../config/catalog";
import {
  DEFAULT_MC_IMAGE,
  DEFAULT_MINIO_IMAGE,
  ObjectStore,
  ObjectStoreArgs,
  InClusterObjectStore,
  renderPolicy,
  serviceBuckets,
} from "../../components/object-store";
import { renderBootstrapScript } from "../../components/object-store/bootstrap-script";
import { renderPublicReadPolicy } from "../../components/object-store/public-access";
import { redact, secretness, secretValues, refusal, underMocks } from "../helpers/pulumi";
import type { PlanResource } from "../helpers/pulumi";
import { ProblemsError } from "../../lib/problems";

const SERVICES = CATALOG.map((s) => s.name);
const BUCKETS = serviceBuckets("ferrum-test", CATALOG);
const T = {
  sts: "kubernetes:apps/v1:StatefulSet",
  svc: "kubernetes:core/v1:Service",
  cm: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  job: "kubernetes:batch/v1:Job",
};

function args(
  over: { protect?: boolean; storageClass?: string; rotation?: number; backups?: boolean } = {},
): ObjectStoreArgs & { backend: InClusterObjectStore } {
  return {
    ...(over.backups ? { backups: { bucket: "ferrum-test-backups", retentionDays: 14 } } : {}),
    backend: {
      kind: "inCluster",
      ...(over.rotation === undefined ? {} : { rotation: over.rotation }),
      image: DEFAULT_MINIO_IMAGE,
      clientImage: DEFAULT_MC_IMAGE,
      storageGiB: 10,
      protect: over.protect ?? false,
      ...(over.storageClass ? { storageClass: over.storageClass } : {}),
      publicEndpoint: {
        host: "objects.ferrum.test",
        routing: { kind: "traefik", entryPoints: ["websecure"], tls: {} },
        ingressNamespace: "traefik",
      },
    },
    namespace: "ferrum",
    buckets: BUCKETS,
  };
}

const build = (over: Parameters<typeof args>[0] = {}) =>
  underMocks(() => new ObjectStore("object-store", args(over)));

/** The name the cluster object got (auto-named: `<logical>-<suffix>`). */
const nameOf = (r: PlanResource): string =>
  (redact(r.state, true) as { metadata: { name: string } }).metadata.name;

describe("ObjectStore, in-cluster backend", () => {
  test("runs the pinned server image as a one-replica StatefulSet with a PVC of the configured size", async () => {
    const { registrations: r } = await build({ storageClass: "local-path" });
    expect(r.ofType("ferrum:index:ObjectStore")).toHaveLength(1);
    const sts = r.inputs(T.sts, "object-store-server") as any;
    expect(sts.metadata.labels).toMatchObject({
      "app.kubernetes.io/name": "minio",
      "app.kubernetes.io/component": "object-store",
      "app.kubernetes.io/part-of": "ferrum",
      "app.kubernetes.io/managed-by": "pulumi",
    });
    expect(sts.spec.replicas).toBe(1);
    const pod = sts.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z");
    expect(c.args).toEqual(["server", "--address", ":9000", "--certs-dir", "/tmp/certs", "/data"]);
    expect(c.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe("data");
    expect(claim.spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "local-path",
      resources: { requests: { storage: "10Gi" } },
    });
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.MINIO_SITE_REGION).toBe("us-east-1");
    expect(env.MINIO_BROWSER).toBe("off");
    const root = nameOf(r.get(T.secret, "object-store-root"));
    expect(env.MINIO_ROOT_USER).toEqual({ secretKeyRef: { name: root, key: "MINIO_ROOT_USER" } });
    expect(env.MINIO_ROOT_PASSWORD).toEqual({ secretKeyRef: { name: root, key: "MINIO_ROOT_PASSWORD" } });
    expect(c.resources).toEqual({
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1000m", memory: "1024Mi" },
    });
  });

  test("probes /minio/health/live and /minio/health/ready on the S3 port", async () => {
    const { registrations: r } = await build();
    const c = (r.inputs(T.sts, "object-store-server") as any).spec.template.spec.containers[0];
    expect(c.ports).toEqual([{ name: "s3", containerPort: 9000, protocol: "TCP" }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/minio/health/live", port: "s3", scheme: "HTTP" });
    expect(c.startupProbe.httpGet).toEqual({ path: "/minio/health/live", port: "s3", scheme: "HTTP" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/minio/health/ready", port: "s3", scheme: "HTTP" });
  });

  test("server and Job run under the restricted Pod Security Standard", async () => {
    const { registrations: r } = await build();
    const pods = [
      (r.inputs(T.sts, "object-store-server") as any).spec.template.spec,
      (r.inputs(T.job, "object-store-bootstrap") as any).spec.template.spec,
    ];
    for (const pod of pods) {
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1000,
        fsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      // The read-only root needs a writable /tmp (server certs dir, mc's config dir).
      expect(pod.volumes).toContainEqual({ name: "tmp", emptyDir: {} });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    }
  });

  test("exposes the S3 API only, on a ClusterIP Service named in the endpoint", async () => {
    const { registrations: r, result: store } = await build();
    const svc = r.inputs(T.svc, "object-store-service") as any;
    expect(svc.metadata.name).toBe("minio");
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports).toEqual([{ name: "s3", protocol: "TCP", port: 9000, targetPort: "s3" }]);
    expect(svc.spec.selector).toEqual({
      "app.kubernetes.io/name": "minio",
      "app.kubernetes.io/instance": "object-store",
      "app.kubernetes.io/component": "object-store",
    });
    expect((await secretness(store.endpoint)).value).toBe("http://minio.ferrum.svc.cluster.local:9000");
  });

  test("a public route of its own: the object store's host, every path, to the S3 port with the Host kept, TLS as the API", async () => {
    const { registrations: r, result: store } = await build();
    const route = r.inputs("kubernetes:traefik.io/v1alpha1:IngressRoute", "object-store-route") as any;
    expect(route.metadata).toMatchObject({ name: "object-store", namespace: "ferrum" });
    expect(route.metadata.labels["app.kubernetes.io/component"]).toBe("ingress");
    expect(route.spec).toEqual({
      entryPoints: ["websecure"],
      routes: [
        {
          kind: "Rule",
          match: "Host(`objects.ferrum.test`)",
          services: [{ kind: "Service", name: "minio", port: 9000, passHostHeader: true }],
        },
      ],
      tls: {},
    });
    expect(store.publicEndpoint).toBe("https://objects.ferrum.test");
  });

  test("a NetworkPolicy admits the ingress controller's namespace to the server's S3 port, and nothing else", async () => {
    const { registrations: r } = await build();
    const policy = r.inputs(
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "object-store-allow-ingress",
    ) as any;
    const sts = r.inputs(T.sts, "object-store-server") as any;
    expect(policy.metadata).toMatchObject({ name: "allow-ingress-to-object-store", namespace: "ferrum" });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: sts.spec.selector.matchLabels },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } }],
          ports: [{ protocol: "TCP", port: 9000 }],
        },
      ],
    });
    // The selector picks the server's pods (and only them: the Job's pods carry another component).
    expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
  });

  test("without TLS on a plain entry point the public endpoint is http, and the route carries no tls", async () => {
    const plain = args();
    const backend = {
      ...plain.backend,
      publicEndpoint: {
        ...plain.backend.publicEndpoint,
        routing: { kind: "traefik" as const, entryPoints: ["web"] },
      },
    };
    const { registrations: r, result: store } = await underMocks(
      () => new ObjectStore("object-store", { ...plain, backend }),
    );
    const route = r.inputs("kubernetes:traefik.io/v1alpha1:IngressRoute", "object-store-route") as any;
    expect(route.spec.tls).toBeUndefined();
    expect(route.spec.entryPoints).toEqual(["web"]);
    expect(store.publicEndpoint).toBe("http://objects.ferrum.test");
    expect(await secretness(store.forService("auth").publicBaseUrl)).toEqual({
      secret: false,
      value: "http://objects.ferrum.test/ferrum-test-auth",
    });
  });

  test.each([true, false])("protect=%s protects and retains the StatefulSet accordingly", async (protect) => {
    const { registrations: r } = await build({ protect });
    const options = r.get(T.sts, "object-store-server").options;
    expect(options.protect ?? false).toBe(protect);
    expect(options.retainOnDelete ?? false).toBe(protect);
  });

  test("the bootstrap Job runs the rendered script with the policies mounted and the keys from Secrets", async () => {
    const { registrations: r } = await build();
    const job = r.inputs(T.job, "object-store-bootstrap") as any;
    expect(job.metadata.name).toBeUndefined(); // auto-named: replaced, so re-run, when its inputs change
    expect(job.metadata.labels["app.kubernetes.io/component"]).toBe("object-store-bootstrap");
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe("quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z");
    expect(c.command).toEqual(["sh", "/bootstrap/bootstrap.sh"]);

    const script = r.get(T.cm, "object-store-bootstrap-script");
    expect((script.inputs as any).data).toEqual({ "bootstrap.sh": renderBootstrapScript(BUCKETS) });
    const policies = r.get(T.cm, "object-store-policies");
    expect((policies.inputs as any).data).toEqual(
      Object.fromEntries(
        BUCKETS.flatMap((b) => [
          [`${b.service}.json`, renderPolicy(b.bucket)],
          [`${b.service}.public.json`, renderPublicReadPolicy(b.bucket)],
        ]),
      ),
    );
    expect(pod.volumes).toContainEqual({ name: "policies", configMap: { name: nameOf(policies) } });
    expect(pod.volumes).toContainEqual({
      name: "script",
      configMap: { name: nameOf(script), defaultMode: 0o555 },
    });
    expect(c.volumeMounts).toContainEqual({ name: "policies", mountPath: "/policies", readOnly: true });
    expect(c.volumeMounts).toContainEqual({ name: "script", mountPath: "/bootstrap", readOnly: true });

    const keys = nameOf(r.get(T.secret, "object-store-bootstrap"));
    const root = nameOf(r.get(T.secret, "object-store-root"));
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toEqual({
      OBJECT_STORE_URL: "http://minio.ferrum.svc.cluster.local:9000",
      MINIO_ROOT_USER: { secretKeyRef: { name: root, key: "MINIO_ROOT_USER" } },
      MINIO_ROOT_PASSWORD: { secretKeyRef: { name: root, key: "MINIO_ROOT_PASSWORD" } },
      ...Object.fromEntries(
        SERVICES.flatMap((s) =>
          ["A", "B"].flatMap((slot) =>
            ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY"].map((k) => {
              const key = `FERRUM_${s.toUpperCase()}_${slot}_${k}`;
              return [key, { secretKeyRef: { name: keys, key } }];
            }),
          ),
        ),
      ),
      MC_CONFIG_DIR: "/tmp/.mc",
      HOME: "/tmp",
    });
    // The Job waits for the server (the Service is a dependency already, through the URL).
    expect(r.get(T.job, "object-store-bootstrap").options.dependsOn).toContain(
      r.get(T.sts, "object-store-server").urn,
    );
  });

  test("each service gets its own bucket, the endpoint, the region and its own secret keys", async () => {
    const { result: store, registrations: r } = await build();
    const connections = SERVICES.map((s) => store.forService(s));
    expect(new Set(connections.map((c) => c.bucket)).size).toBe(4);
    expect(connections.map((c) => c.bucket)).toEqual(BUCKETS.map((b) => b.bucket));
    const keysSecret = r.inputs(T.secret, "object-store-bootstrap") as any;
    const seen = new Set<string>();
    for (const [i, c] of connections.entries()) {
      expect((await secretness(c.endpointUrl)).value).toBe("http://minio.ferrum.svc.cluster.local:9000");
      expect(c.region).toBe("us-east-1");
      // Browsers: signed URLs name the public host, path-style; the public prefix is served under the bucket.
      expect(c.publicEndpointUrl).toBe("https://objects.ferrum.test");
      expect(c.addressingStyle).toBe("path");
      expect(c.publicBaseUrl).toBe(`https://objects.ferrum.test/${BUCKETS[i].bucket}`);
      expect(c.publicPrefix).toBe("public/");
      const id = await secretness(c.credentials!.accessKeyId);
      const key = await secretness(c.credentials!.secretAccessKey);
      expect(id.secret).toBe(true);
      expect(key.secret).toBe(true);
      expect(id.value).toHaveLength(20);
      expect(key.value.length).toBeGreaterThanOrEqual(40);
      // The keys the service receives are the ones the Job gives its user a (rotation 0); user b has others.
      const env = SERVICES[i].toUpperCase();
      expect(keysSecret.stringData[`FERRUM_${env}_A_ACCESS_KEY_ID`]).toBe(id.value);
      expect(keysSecret.stringData[`FERRUM_${env}_A_SECRET_ACCESS_KEY`]).toBe(key.value);
      seen.add(id.value).add(key.value);
      seen.add(keysSecret.stringData[`FERRUM_${env}_B_ACCESS_KEY_ID`]);
      seen.add(keysSecret.stringData[`FERRUM_${env}_B_SECRET_ACCESS_KEY`]);
    }
    expect(seen.size).toBe(16);
    expect((await secretness(store.rootUser)).secret).toBe(true);
    expect((await secretness(store.rootPassword)).secret).toBe(true);
    expect(() => store.forService("billing")).toThrow(
      "ObjectStore has no bucket for billing; it has auth, user, content, catalog",
    );
  });

  test("no secret value appears outside a secret: not in any non-secret input, ConfigMap or label", async () => {
    const { result: store, registrations: r } = await build();
    const secrets = new Set<string>();
    for (const res of r.resources) {
      secretValues(res.inputs, false, secrets);
      secretValues(res.state, false, secrets);
    }
    // The scan must know the values it looks for: every credential handed out, and the root's.
    const handedOut = [store.rootUser, store.rootPassword].concat(
      SERVICES.flatMap((s) => [
        store.forService(s).credentials!.accessKeyId,
        store.forService(s).credentials!.secretAccessKey,
      ]),
    );
    for (const o of handedOut) expect(secrets).toContain((await secretness(o)).value);

    for (const res of r.resources) {
      const visible = JSON.stringify([redact(res.inputs), redact(res.state)]);
      for (const s of secrets) {
        if (visible.includes(s)) throw new Error(`${res.type} ${res.name} shows a secret value in the clear`);
      }
    }
    for (const cm of r.ofType(T.cm)) expect(secretValues(cm.inputs).size).toBe(0);
  });
});

/** At `rotation`: per key owner (services, backups), its users' keys by slot and the keys it is handed. */
async function keysAt(rotation: number) {
  const { result: store, registrations: r } = await build({ rotation, backups: true });
  const data = (r.inputs(T.secret, "object-store-bootstrap") as { stringData: Record<string, string> })
    .stringData;
  const slot = (owner: string, s: "A" | "B") => ({
    id: data[`FERRUM_${owner.toUpperCase()}_${s}_ACCESS_KEY_ID`]!,
    secret: data[`FERRUM_${owner.toUpperCase()}_${s}_SECRET_ACCESS_KEY`]!,
  });
  const handed = async (c: { accessKeyId: any; secretAccessKey: any }) => ({
    id: (await secretness(c.accessKeyId)).value as string,
    secret: (await secretness(c.secretAccessKey)).value as string,
  });
  const owners = [...SERVICES, "backups"];
  return Promise.all(
    owners.map(async (owner) => ({
      owner,
      a: slot(owner, "A"),
      b: slot(owner, "B"),
      used: await handed(
        owner === "backups" ? store.backups!.credentials! : store.forService(owner).credentials!,
      ),
    })),
  );
}

describe("ObjectStore, rotating the per-service keys", () => {
  test("each step regenerates the idle user's secret key and hands it out; the other user and every access key id stay", async () => {
    const [r0, r1, r2] = [await keysAt(0), await keysAt(1), await keysAt(2)];
    for (const [i, owner] of r0.map((o) => o.owner).entries()) {
      const [k0, k1, k2] = [r0[i]!, r1[i]!, r2[i]!];
      expect({ owner, used: k0.used }).toEqual({ owner, used: k0.a });
      // 0 -> 1: b's secret is new and handed out; a (pods still rolling) keeps its key.
      expect({ owner, used: k1.used }).toEqual({ owner, used: k1.b });
      expect(k1.b.secret).not.toBe(k0.b.secret);
      expect(k1.a).toEqual(k0.a);
      // 1 -> 2: a's secret is new and handed out; b keeps rotation 1's.
      expect({ owner, used: k2.used }).toEqual({ owner, used: k2.a });
      expect(k2.a.secret).not.toBe(k1.a.secret);
      expect(k2.b).toEqual(k1.b);
      // An access key id never changes: a new one would be a new user, and the old user would keep its key.
      expect(new Set([k0, k1, k2].flatMap((k) => [k.a.id, k.b.id])).size).toBe(2);
    }
  });

  test("user a keeps the names (and values) of the one user a service had; user b is new beside it", async () => {
    const { registrations: r } = await build({ rotation: 2 });
    const keys = r.ofType("random:index/randomPassword:RandomPassword").map((p) => p.name);
    expect(keys.filter((n) => n.startsWith("object-store-auth-")).sort()).toEqual([
      "object-store-auth-access-key",
      "object-store-auth-b-access-key",
      "object-store-auth-b-secret-key",
      "object-store-auth-secret-key",
    ]);
    expect(
      (r.inputs("random:index/randomPassword:RandomPassword", "object-store-auth-secret-key") as any).keepers,
    ).toEqual({ rotation: "2" });
    expect(
      (r.inputs("random:index/randomPassword:RandomPassword", "object-store-auth-access-key") as any).keepers,
    ).toBe(undefined);
  });

  test("the bootstrap script creates both users of every bucket", async () => {
    const { registrations: r } = await build({ rotation: 1 });
    const script = (r.inputs(T.cm, "object-store-bootstrap-script") as any).data["bootstrap.sh"];
    expect(script).toBe(renderBootstrapScript(BUCKETS));
    expect(script.match(/^mc admin user add /gm)).toHaveLength(2 * BUCKETS.length);
  });
});

describe("ObjectStore argument validation", () => {
  const base = args();
  const header = (n: number) =>
    `Invalid arguments of ObjectStore object-store (${n} problem${n === 1 ? "" : "s"}):\n`;
  const withBuckets = (buckets: ObjectStoreArgs["buckets"]): ObjectStoreArgs => ({ ...base, buckets });

  test.each<[string, ObjectStoreArgs, string]>([
    [
      "an uppercase bucket name",
      withBuckets([{ service: "auth", bucket: "Ferrum-dev-auth" }]),
      `  - buckets[0].bucket "Ferrum-dev-auth" (service "auth") must contain only lowercase letters, digits and hyphens; must begin and end with a lowercase letter or digit; bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
    ],
    [
      "a bucket name over 63 characters",
      withBuckets([{ service: "auth", bucket: `ferrum-${"x".repeat(57)}` }]),
      `  - buckets[0].bucket "ferrum-${"x".repeat(57)}" (service "auth") must be 3 to 63 characters long (got 64); bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
    ],
    [
      "a two-character bucket name",
      withBuckets([{ service: "auth", bucket: "ab" }]),
      `  - buckets[0].bucket "ab" (service "auth") must be 3 to 63 characters long (got 2); bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
    ],
    [
      "a trailing hyphen",
      withBuckets([{ service: "auth", bucket: "ferrum-dev-" }]),
      `  - buckets[0].bucket "ferrum-dev-" (service "auth") must begin and end with a lowercase letter or digit; bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
    ],
    [
      "dots and underscores",
      withBuckets([{ service: "auth", bucket: "ferrum.dev_auth" }]),
      `  - buckets[0].bucket "ferrum.dev_auth" (service "auth") must contain only lowercase letters, digits and hyphens; bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
    ],
    [
      "a prefix S3 reserves",
      withBuckets([{ service: "auth", bucket: "xn--ferrum-auth" }]),
      `  - buckets[0].bucket "xn--ferrum-auth" (service "auth") must not begin with "xn--" (reserved by S3); bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
    ],
    [
      "a duplicate service",
      withBuckets([BUCKETS[0], BUCKETS[1], { service: "auth", bucket: "ferrum-test-auth2" }]),
      `  - service "auth" appears 2 times (buckets[0], buckets[2]); each service owns exactly one bucket`,
    ],
    [
      "two services sharing a bucket",
      withBuckets([BUCKETS[0], { service: "user", bucket: "ferrum-test-auth" }]),
      `  - bucket "ferrum-test-auth" is named 2 times (buckets[0], buckets[1]); each service needs a bucket of its own`,
    ],
    ["no buckets", withBuckets([]), `  - buckets must name at least one service's bucket (got none)`],
    [
      "a public host that is no DNS name",
      {
        ...base,
        backend: {
          ...base.backend,
          publicEndpoint: { ...base.backend.publicEndpoint, host: "Objects_Host" },
        },
      },
      `  - backend.publicEndpoint.host must be a lowercase DNS name such as "objects.example.com" (got "Objects_Host")`,
    ],
    [
      "an ingress namespace that is no namespace name",
      {
        ...base,
        backend: {
          ...base.backend,
          publicEndpoint: { ...base.backend.publicEndpoint, ingressNamespace: "Kube System" },
        },
      },
      `  - backend.publicEndpoint.ingressNamespace must be a namespace name (got "Kube System")`,
    ],
    [
      "a route on no entry point",
      {
        ...base,
        backend: {
          ...base.backend,
          publicEndpoint: { ...base.backend.publicEndpoint, routing: { kind: "traefik", entryPoints: [] } },
        },
      },
      `  - backend.publicEndpoint.routing.entryPoints must name at least one Traefik entry point (got none)`,
    ],
    [
      "a backups bucket that is a service's",
      { ...base, backups: { bucket: BUCKETS[0]!.bucket, retentionDays: 14 } },
      `  - backups.bucket "${BUCKETS[0]!.bucket}" is also buckets[0] (service "auth"); backups need a bucket of their own`,
    ],
    [
      "a service named like the backups user while backups is set",
      {
        ...withBuckets([...BUCKETS, { service: "backups", bucket: "ferrum-test-backups2" }]),
        backups: { bucket: "ferrum-test-backups", retentionDays: 14 },
      },
      `  - buckets[${BUCKETS.length}].service must not be "backups" while backups is set: the backups user, policy and keys are named so`,
    ],
    [
      "a backups retention of zero days",
      { ...base, backups: { bucket: "ferrum-test-backups", retentionDays: 0 } },
      `  - backups.retentionDays must be a whole number of days, at least 1 (got 0)`,
    ],
    [
      "old versions kept zero days",
      { ...base, backend: { ...base.backend, noncurrentVersionDays: 0 } as ObjectStoreArgs["backend"] },
      `  - backend.noncurrentVersionDays must be a whole number of days, at least 1 (got 0)`,
    ],
    [
      "a negative rotation",
      { ...base, backend: { ...base.backend, rotation: -1 } as ObjectStoreArgs["backend"] },
      `  - backend.rotation must be an integer from 0 to 1000000, the rotations done so far (got -1)`,
    ],
  ])("%s", async (_case, bad, problem) => {
    const { error, registered } = await refusal(() => new ObjectStore("object-store", bad));
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error?.message).toBe(`${header(1)}${problem}`);
    expect(registered).toEqual([]);
  });

  test("every problem is reported at once, in one error", async () => {
    const bad: ObjectStoreArgs = {
      backend: { ...base.backend, image: "quay.io/minio/minio:latest", storageGiB: 0, region: "US East" },
      namespace: "Ferrum",
      buckets: [
        { service: "Auth", bucket: "ferrum-test-auth-" },
        { service: "user", bucket: "ferrum-test-user" },
        { service: "user", bucket: "ferrum-test-user" },
      ],
    };
    const { error, registered } = await refusal(() => new ObjectStore("object-store", bad));
    expect(error?.message).toBe(
      header(8) +
        [
          `  - namespace must be a DNS label (lowercase letters, digits, '-') (got "Ferrum")`,
          `  - buckets[0].service must be a lowercase name of letters, digits and '-', starting with a letter, at most 40 characters (got "Auth")`,
          `  - buckets[0].bucket "ferrum-test-auth-" (service "Auth") must begin and end with a lowercase letter or digit; bucket names are <project>-<stack>-<suffix>: use a lowercase stack name and a short catalog suffix`,
          `  - service "user" appears 2 times (buckets[1], buckets[2]); each service owns exactly one bucket`,
          `  - bucket "ferrum-test-user" is named 2 times (buckets[1], buckets[2]); each service needs a bucket of its own`,
          `  - backend.storageGiB must be a whole number of GiB, at least 1 (got 0)`,
          `  - backend.image must be an image pinned by a version tag or digest, not :latest (got "quay.io/minio/minio:latest")`,
          `  - backend.region must be a region name such as "us-east-1" (got "US East")`,
        ].join("\n"),
    );
    expect(registered).toEqual([]);
  });
});
