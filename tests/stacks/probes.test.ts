/**
 * Exec probes run a command in the container; the kubelet kills it after `timeoutSeconds`, 1 s by default,
 * and counts that as a failure. On a busy node a healthy server's probe command takes longer than that, so
 * every exec probe of every stack sets its own timeout, longer than any timeout its command has of its own.
 */
import { manifests } from "../../harness/planner";
import { sharedPlan } from "../helpers/shared-plans";

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;

test.each(["dev", "prod", "prod-azure"])(
  "%s: every exec probe sets a timeout above the 1 s default",
  async (stack) => {
    const objects = manifests(await sharedPlan(stack)) as any[];
    const exec: string[] = [];
    const short: string[] = [];
    for (const o of objects.filter((o) => o.spec?.template?.spec)) {
      for (const c of o.spec.template.spec.containers) {
        for (const p of PROBES.filter((p) => c[p]?.exec)) {
          const where = `${o.kind} ${o.metadata.name} ${c.name} ${p}`;
          exec.push(where);
          const own = String(c[p].exec.command.join(" ")).match(/--timeout[= ](\d+)/);
          if (!(c[p].timeoutSeconds >= 2) || (own && Number(own[1]) >= c[p].timeoutSeconds))
            short.push(where);
        }
      }
    }
    expect(exec.length).toBeGreaterThan(0);
    expect(short).toEqual([]);
  },
);

test("PostgreSQL's probes: pg_isready gives up after 3 s, the kubelet waits 5 s", async () => {
  const objects = manifests(await sharedPlan("dev")) as any[];
  const pg = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "postgres");
  const container = pg.spec.template.spec.containers[0];
  for (const p of PROBES) {
    expect([p, container[p].exec.command.slice(-1)[0], container[p].timeoutSeconds]).toEqual([
      p,
      "--timeout=3",
      5,
    ]);
  }
});
