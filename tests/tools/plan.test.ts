/**
 * `npm run plan` as a user runs it: the dev plan as a child process (its exit code, its files and what it
 * prints), the other cases through the same `main` in-process.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { main } from "../../harness/plan";
import { loadStackConfig, placeholderFor } from "../../harness/planner";

const ROOT = path.resolve(__dirname, "../..");
const RUN = path.join(ROOT, "build/run.js");

function plan(...args: string[]) {
  const out = mkdtempSync(path.join(tmpdir(), "ferrum-plan-"));
  const dir = path.join(out, "plan");
  const r = spawnSync(process.execPath, [RUN, "harness/plan.ts", ...args, "--out", dir], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
  return { ...r, dir, read, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

/** The same command in-process: exit code, what it printed, its files. */
async function planHere(...args: string[]) {
  const out = mkdtempSync(path.join(tmpdir(), "ferrum-plan-"));
  const dir = path.join(out, "plan");
  const printed = { stdout: "", stderr: "" };
  const status = await main([...args, "--out", dir], {
    out: { write: (t: string) => (printed.stdout += t) },
    err: { write: (t: string) => (printed.stderr += t) },
  });
  const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
  return { status, ...printed, dir, read, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

describe("npm run plan (the command line)", () => {
  test("dev: exits 0, writes resources.json, manifests.yaml and outputs.json, prints a tree and counts", () => {
    const r = plan("dev");
    try {
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("+  ferrum:index:ManagedPostgres");
      expect(r.stdout).toMatch(/\s+4 {2}ferrum:index:DjangoService/);
      expect(r.stdout).toContain("Secrets filled with placeholders");
      expect(r.stdout).toContain("- ferrum:yookassaSecretKey");
      const resources = JSON.parse(r.read("resources.json"));
      expect(resources[0]).toMatchObject({ type: "pulumi:pulumi:Stack", name: "ferrum-dev" });
      for (const e of resources)
        expect(Object.keys(e)).toEqual(
          expect.arrayContaining(["urn", "type", "name", "custom", "inputs", "options"]),
        );
      const docs = parseAllDocuments(r.read("manifests.yaml")).map((d) => d.toJSON());
      expect(docs.filter((d) => d.kind === "Deployment")).toHaveLength(6);
      expect(r.read("manifests.yaml")).not.toContain(placeholderFor("ferrum:yookassaSecretKey"));
      expect(JSON.parse(r.read("outputs.json")).postgresAdminPassword).toBe("[secret]");
    } finally {
      r.cleanup();
    }
  });

  test("a bad -c value exits 1 naming the key and the fix, with no stack trace and no files", async () => {
    const r = await planHere("dev", "-c", "ferrum:services.auth.maxReplicas=0", "-c", "ferrum:cloud=gcp");
    try {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("error: the configuration of stack dev is invalid (2 problems):");
      expect(r.stderr).toContain('ferrum:cloud must be one of k3s, aws, azure (got "gcp")');
      expect(r.stderr).toContain(
        "ferrum:services.auth.maxReplicas must be an integer between 1 and 50 (got 0)",
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(r.dir)).toBe(false);
    } finally {
      r.cleanup();
    }
  });

  test("an unknown stack exits 1, lists the stacks that exist and says how to create one", async () => {
    const r = await planHere("staging");
    r.cleanup();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("there is no stack staging: no Pulumi.staging.yaml beside Pulumi.yaml.");
    expect(r.stderr).toContain("The stacks are dev, prod, prod-azure.");
    expect(r.stderr).toContain("then pulumi stack init staging");
  });

  test("--show-secrets says so in the folder itself; the next redacted plan replaces the whole folder", async () => {
    const r = await planHere("dev", "--show-secrets");
    try {
      expect(r.status).toBe(0);
      expect(readFileSync(path.join(r.dir, "SECRETS-IN-THE-CLEAR.txt"), "utf8")).toContain(
        "This plan of stack dev was written with --show-secrets",
      );
      expect(JSON.parse(r.read("plan.json"))).toMatchObject({ stack: "dev", secrets: "in the clear" });
      const status = await main(["dev", "--out", r.dir], {
        out: { write: () => 0 },
        err: { write: () => 0 },
      });
      expect(status).toBe(0);
      expect(readdirSync(r.dir).sort()).toEqual([
        "manifests.yaml",
        "outputs.json",
        "plan.json",
        "resources.json",
      ]);
      expect(JSON.parse(r.read("plan.json"))).toMatchObject({ stack: "dev", secrets: "redacted" });
      expect(r.read("manifests.yaml")).not.toContain(placeholderFor("ferrum:yookassaSecretKey"));
    } finally {
      r.cleanup();
    }
  });

  test("-c path keys change the plan: observability on adds ServiceMonitors; --show-secrets writes secrets in the clear", async () => {
    const r = await planHere("dev", "-c", "ferrum:observability.enabled=true", "--show-secrets");
    try {
      expect(r.status).toBe(0);
      const docs = parseAllDocuments(r.read("manifests.yaml")).map((d) => d.toJSON());
      // The four services', and the exporters' (Redis, PostgreSQL, a celery-exporter per Celery service).
      expect(
        docs
          .filter((d) => d.kind === "ServiceMonitor")
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([
        "auth",
        "catalog",
        "celery-exporter-auth",
        "celery-exporter-catalog",
        "content",
        "postgres-exporter",
        "redis-exporter",
        "user",
      ]);
      const secret = docs.find((d) => d.kind === "Secret" && d.metadata.name.startsWith("catalog-secret"));
      expect(secret.stringData.YOOKASSA_SECRET_KEY).toBe(placeholderFor("ferrum:yookassaSecretKey"));
      expect(secret.stringData.DATABASE_URL).toMatch(/^postgres:\/\/ferrum_catalog_a:/);
    } finally {
      r.cleanup();
    }
  });
});

describe("npm run plan -- <stack> --timeline", () => {
  test("prints the estimated first up, its critical chain and the sum; files and the rest as without it", async () => {
    const [plain, timed] = [await planHere("dev"), await planHere("dev", "--timeline")];
    try {
      expect([plain.status, timed.status]).toEqual([0, 0]);
      expect(plain.stdout).not.toContain("Estimated first");
      const block =
        /\nEstimated first `pulumi up` of dev: (\d+\.\d\d) minutes\n[^]*?harness\/create-times\.ts lists[^\n]*\n/.exec(
          timed.stdout,
        );
      expect(block).not.toBeNull();
      expect(block![0]).toMatch(/all create times added up: \d+\.\d\d minutes/);
      expect(block![0]).toContain("Critical chain (minutes;");
      expect(block![0]).toMatch(/\n {4}0\.00 +\d+\.\d\d {16}\S/); // the first link starts at minute 0
      // Everything else is printed and written exactly as without --timeline.
      const rest = (stdout: string, dir: string) =>
        stdout.replace(block![0], "").split(path.relative(process.cwd(), dir)).join("DIR");
      expect(rest(timed.stdout, timed.dir)).toBe(rest(plain.stdout, plain.dir));
      for (const f of ["resources.json", "manifests.yaml", "outputs.json"])
        expect(timed.read(f)).toBe(plain.read(f));
    } finally {
      plain.cleanup();
      timed.cleanup();
    }
  });
});

describe("loadStackConfig: layering as the CLI does", () => {
  test("Pulumi.yaml defaults, then the stack file, then -c overrides with typed path values", () => {
    const c = loadStackConfig("dev", [
      "ferrum:services.auth.maxReplicas=4",
      "ferrum:observability.enabled=true",
      "ferrum:imageTag=2.0.0",
    ]);
    expect(c.values["ferrum:namespace"]).toBe("ferrum");
    expect(c.values["ferrum:yookassaShopId"]).toBe("100500");
    expect(JSON.parse(c.values["ferrum:services"]).auth).toEqual({ maxReplicas: 4 });
    expect(JSON.parse(c.values["ferrum:services"]).user).toEqual({ maxReplicas: 3 });
    expect(JSON.parse(c.values["ferrum:observability"])).toEqual({ enabled: true });
    expect(c.values["ferrum:imageTag"]).toBe("2.0.0");
  });

  test("a key without a namespace is the project's, as pulumi config set reads it", () => {
    const c = loadStackConfig("dev", ["services.auth.maxReplicas=2", "imageTag=2.0.0"]);
    expect(JSON.parse(c.values["ferrum:services"]).auth).toEqual({ maxReplicas: 2 });
    expect(c.values["ferrum:imageTag"]).toBe("2.0.0");
    expect(c.overrides).toEqual(["ferrum:services.auth.maxReplicas", "ferrum:imageTag"]);
  });

  test("a key without a path replaces the whole value, as pulumi config set without --path does", () => {
    const c = loadStackConfig("dev", ['ferrum:services={"auth":{"maxReplicas":2}}']);
    expect(JSON.parse(c.values["ferrum:services"])).toEqual({ auth: { maxReplicas: 2 } });
  });

  test("a -c without = is a problem, not a crash", () => {
    expect(loadStackConfig("dev", ["ferrum:cloud"]).problems).toEqual([
      '-c "ferrum:cloud" is not key=value; write it as pulumi config set does, for example -c ferrum:cloud=aws',
    ]);
  });
});
