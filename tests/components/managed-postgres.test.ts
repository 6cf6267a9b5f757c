import { ManagedPostgres } from "../../components/managed-postgres";
import { renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import { isSecretEnvelope, refusal, secretness, underMocks } from "../helpers/pulumi";
import { ProblemsError } from "../../lib/problems";

const SERVICES = ["auth", "user", "content", "catalog"];
const RESOURCES = { cpuMillicores: 250, cpuLimitMillicores: 1000, memoryMiB: 512, memoryLimitMiB: 1024 };
const PASSWORD = "random:index/randomPassword:RandomPassword";

const managedPostgres = (protect = false, rotation?: number, databases = SERVICES) =>
  new ManagedPostgres("postgres", {
    backend: {
      kind: "inCluster",
      image: "postgres:16.10-bookworm",
      storageGiB: 10,
      resources: RESOURCES,
      protect,
    },
    databases,
    namespace: "ferrum",
    ...(rotation === undefined ? {} : { rotation }),
  });

async function build(protect = false, rotation?: number) {
  return underMocks(() => managedPostgres(protect, rotation));
}

/** At `rotation`: every service's login passwords by slot, the URL's login, and what the bootstrap Job gets. */
async function atRotation(rotation: number) {
  const { result: pg, registrations: r } = await build(false, rotation);
  const job = r.inputs("kubernetes:core/v1:Secret", "postgres-bootstrap") as {
    stringData: Record<string, string>;
  };
  const services = await Promise.all(
    SERVICES.map(async (s) => {
      const url = new URL((await secretness(pg.database(s).url)).value);
      return {
        service: s,
        login: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        a: job.stringData[`FERRUM_${s.toUpperCase()}_A_PASSWORD`]!,
        b: job.stringData[`FERRUM_${s.toUpperCase()}_B_PASSWORD`]!,
        keepers: {
          a: (r.inputs(PASSWORD, `postgres-${s}-password`) as { keepers?: unknown }).keepers,
          b: (r.inputs(PASSWORD, `postgres-${s}-password-b`) as { keepers?: unknown }).keepers,
        },
      };
    }),
  );
  const sql = (r.inputs("kubernetes:core/v1:ConfigMap", "postgres-bootstrap-sql") as any).data[
    "bootstrap.sql"
  ];
  return { services, sql, secretKeys: Object.keys(job.stringData).sort() };
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

  test("every connection's password and URL are secret; the URL logs in as the service's login a and acts as its owning role", async () => {
    const { result: pg } = await build();
    for (const s of SERVICES) {
      const c = pg.database(s);
      const url = await secretness(c.url);
      const pw = await secretness(c.password);
      expect(url.secret).toBe(true);
      expect(pw.secret).toBe(true);
      expect(c.username).toBe(`ferrum_${s}_a`);
      expect(url.value).toBe(
        `postgres://ferrum_${s}_a:${pw.value}@postgres.ferrum.svc.cluster.local:5432/ferrum_${s}?sslmode=prefer&options=-c%20role%3Dferrum_${s}`,
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
    expect(sql.data["bootstrap.sql"]).toBe(renderBootstrapSql(SERVICES, { ownerLogin: "keep" }));
    const secret = r.get("kubernetes:core/v1:Secret", "postgres-bootstrap").inputs as any;
    expect(isSecretEnvelope(secret.stringData)).toBe(true);
    // Both logins of every service get their password, whichever the services use.
    expect(
      Object.keys((r.inputs("kubernetes:core/v1:Secret", "postgres-bootstrap") as any).stringData).sort(),
    ).toEqual(
      [
        "PGPASSWORD",
        ...SERVICES.flatMap((s) => [
          `FERRUM_${s.toUpperCase()}_A_PASSWORD`,
          `FERRUM_${s.toUpperCase()}_B_PASSWORD`,
        ]),
      ].sort(),
    );
  });

  test("protect marks the server's StatefulSet protected and retained", async () => {
    const { registrations: r } = await build(true);
    expect(r.get("kubernetes:apps/v1:StatefulSet", "postgres-server").options).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
  });
});

describe("ManagedPostgres, rotating the login passwords", () => {
  test("rotation 0 (the default): logins a, no keepers on either password, the owning roles' logins kept", async () => {
    const zero = await atRotation(0);
    const unset = await (async () => {
      const { result: pg } = await build();
      return Promise.all(SERVICES.map(async (s) => (await secretness(pg.database(s).url)).value));
    })();
    for (const s of zero.services) {
      expect({ login: s.login, password: s.password }).toEqual({
        login: `ferrum_${s.service}_a`,
        password: s.a,
      });
      expect(s.keepers).toEqual({ a: undefined, b: undefined });
      expect(s.a).not.toBe(s.b);
    }
    expect(unset).toEqual(
      await Promise.all(
        zero.services.map(
          async (s) =>
            `postgres://${s.login}:${s.password}@postgres.ferrum.svc.cluster.local:5432/ferrum_${s.service}?sslmode=prefer&options=-c%20role%3Dferrum_${s.service}`,
        ),
      ),
    );
    expect(zero.sql).toBe(renderBootstrapSql(SERVICES, { ownerLogin: "keep" }));
  });

  test("each step regenerates the idle login's password and moves the services onto it; the other keeps its own", async () => {
    const steps = [await atRotation(0), await atRotation(1), await atRotation(2), await atRotation(3)];
    for (const [i, service] of SERVICES.entries()) {
      const [r0, r1, r2, r3] = steps.map((step) => step.services[i]!);
      // 0 -> 1: b is new and in use; a, which pods still run on while they roll, is unchanged.
      expect(r1!.b).not.toBe(r0!.b);
      expect(r1!.a).toBe(r0!.a);
      expect({ login: r1!.login, password: r1!.password }).toEqual({
        login: `ferrum_${service}_b`,
        password: r1!.b,
      });
      // 1 -> 2: a is new and in use; b keeps rotation 1's.
      expect(r2!.a).not.toBe(r1!.a);
      expect(r2!.b).toBe(r1!.b);
      expect({ login: r2!.login, password: r2!.password }).toEqual({
        login: `ferrum_${service}_a`,
        password: r2!.a,
      });
      // 2 -> 3: b again.
      expect(r3!.b).not.toBe(r2!.b);
      expect(r3!.a).toBe(r2!.a);
      expect(r3!.login).toBe(`ferrum_${service}_b`);
      expect([r1!.keepers, r2!.keepers, r3!.keepers]).toEqual([
        { a: undefined, b: { rotation: "1" } },
        { a: { rotation: "2" }, b: { rotation: "1" } },
        { a: { rotation: "2" }, b: { rotation: "3" } },
      ]);
    }
    // From the first rotation on, the owning roles' own logins (a stack from before the login roles) are retired.
    for (const step of steps.slice(1))
      expect(step.sql).toBe(renderBootstrapSql(SERVICES, { ownerLogin: "retire" }));
    expect(new Set(steps.map((step) => step.secretKeys.join()))).toEqual(
      new Set([steps[0]!.secretKeys.join()]),
    );
  });

  test.each([
    [-1, "rotation must be an integer from 0 to 1000000 (got -1)"],
    [1.5, "rotation must be an integer from 0 to 1000000 (got 1.5)"],
  ])(
    "rotation %s is refused before anything is registered, the component included",
    async (rotation, message) => {
      const { error, registered } = await refusal(() => managedPostgres(false, rotation));
      expect(error).toBeInstanceOf(ProblemsError);
      expect(error?.message).toBe(
        `Invalid arguments of ManagedPostgres postgres (1 problem):\n  - ${message}`,
      );
      expect(registered).toEqual([]);
    },
  );

  test("a service whose owning role would be another's login is refused", async () => {
    const { error, registered } = await refusal(() => managedPostgres(false, 0, ["auth", "auth_a"]));
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error?.message).toBe(
      'Invalid arguments of ManagedPostgres postgres (1 problem):\n  - two services would share the role ferrum_auth_a (got ["auth","auth_a"]); rename one',
    );
    expect(registered).toEqual([]);
  });
});
