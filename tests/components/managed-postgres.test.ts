import { ManagedPostgres } from "../../components/managed-postgres";
import { renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import { isSecretEnvelope, secretness, underMocks } from "../helpers/pulumi";

const SERVICES = ["auth", "user", "content", "catalog"];
const RESOURCES = { cpuMillicores: 250, cpuLimitMillicores: 1000, memoryMiB: 512, memoryLimitMiB: 1024 };

async function build(protect = false) {
  return underMocks(
    () =>
      new ManagedPostgres("postgres", {
        backend: {
          kind: "inCluster",
          image: "postgres:16.10-bookworm",
          storageGiB: 10,
          resources: RESOURCES,
          protect,
        },
        databases: SERVICES,
        namespace: "ferrum",
      }),
  );
}

describe("ManagedPostgres, in-cluster backend", () => {
  test("registers the component with a StatefulSet, a ClusterIP Service and a PVC of the configured size", async () => {
    const { registrations: r } = await build();
    expect(r.ofType("ferrum:index:ManagedPostgres")).toHaveLength(1);
    const sts = r.inputs("kubernetes:apps/v1:StatefulSet", "postgres-server") as any;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.containers[0].image).toBe("postgres:16.10-bookworm");
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10Gi");
    const svc = r.inputs("kubernetes:core/v1:Service", "postgres-service") as any;
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports[0].port).toBe(5432);
  });

  test("every connection's password and URL are secret; the URL names the service's own role and database", async () => {
    const { result: pg } = await build();
    for (const s of SERVICES) {
      const c = pg.database(s);
      const url = await secretness(c.url);
      const pw = await secretness(c.password);
      expect(url.secret).toBe(true);
      expect(pw.secret).toBe(true);
      expect(url.value).toBe(
        `postgres://ferrum_${s}:${pw.value}@postgres.ferrum.svc.cluster.local:5432/ferrum_${s}?sslmode=prefer`,
      );
    }
    expect((await secretness(pg.adminPassword)).secret).toBe(true);
  });

  test("the bootstrap Job runs the rendered SQL as the non-superuser admin with passwords from a Secret", async () => {
    const { registrations: r } = await build();
    const job = r.inputs("kubernetes:batch/v1:Job", "postgres-bootstrap") as any;
    const container = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    expect(env.PGUSER).toBe("ferrum_admin");
    expect(env.PGHOST).toBe("postgres.ferrum.svc.cluster.local");
    const sql = r.inputs("kubernetes:core/v1:ConfigMap", "postgres-bootstrap-sql") as any;
    expect(sql.data["bootstrap.sql"]).toBe(renderBootstrapSql(SERVICES));
    const secret = r.get("kubernetes:core/v1:Secret", "postgres-bootstrap").inputs as any;
    expect(isSecretEnvelope(secret.stringData)).toBe(true);
  });

  test("protect marks the server's StatefulSet protected and retained", async () => {
    const { registrations: r } = await build(true);
    expect(r.get("kubernetes:apps/v1:StatefulSet", "postgres-server").options).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
  });
});
