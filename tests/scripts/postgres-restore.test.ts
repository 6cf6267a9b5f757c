/**
 * scripts/postgres-restore.sh, the emergency restore command, run by bash against a stand-in kubectl that
 * answers like the cluster would and records what it was asked: the arguments it refuses, the confirmation, the
 * Job it creates from the restore template (service and backup set on both containers), and how it reports the
 * Job's outcome. The Job's own scripts run for real in managed-postgres-backup.real.test.ts.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const SCRIPT = path.resolve(__dirname, "../../scripts/postgres-restore.sh");

/** The restore template's Job, as `kubectl create job --from=cronjob/postgres-restore -o json` prints it. */
const TEMPLATE_JOB = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "JOB" },
  spec: {
    template: {
      spec: {
        initContainers: [{ name: "download", env: [{ name: "FERRUM_RESTORE_SERVICE", value: "" }] }],
        containers: [{ name: "restore", env: [{ name: "FERRUM_RESTORE_SERVICE", value: "" }] }],
      },
    },
  },
};

/**
 * A kubectl that logs its arguments; `set env --local` sets the variables on every container as kubectl does;
 * `create -f -` keeps the Job it was given; `get job` answers `outcome`.
 */
function fakeKubectl(dir: string, outcome: { cronJob?: boolean; status?: string }): void {
  const setEnv = [
    "const fs=require('fs');const job=JSON.parse(fs.readFileSync(0,'utf8'));",
    "const vars=process.argv.slice(1).map(a=>a.split('='));",
    "for(const c of [...job.spec.template.spec.initContainers,...job.spec.template.spec.containers]){",
    "for(const [n,v] of vars){const e=c.env.find(x=>x.name===n);if(e)e.value=v;else c.env.push({name:n,value:v});}}",
    "process.stdout.write(JSON.stringify(job));",
  ].join("");
  writeFileSync(
    path.join(dir, "kubectl"),
    [
      "#!/bin/bash",
      `echo "$*" >> '${dir}/calls.log'`,
      'case "$*" in',
      `  *"get cronjob postgres-restore"*) ${outcome.cronJob === false ? 'echo "Error from server (NotFound): cronjobs.batch \\"postgres-restore\\" not found" >&2; exit 1' : "exit 0"} ;;`,
      `  *"create job "*"--dry-run=client"*) echo '${JSON.stringify(TEMPLATE_JOB)}' ;;`,
      `  "set env --local"*) shift 6; '${process.execPath}' -e "${setEnv}" "$@" ;;`,
      `  *"create --filename=-"*) cat > '${dir}/created.json' ;;`,
      `  *"get job"*) echo -n '${outcome.status ?? "1/"}' ;;`,
      `  *"logs job/"*) echo "[pod/x/restore] restored ferrum_catalog from backup 20261203T020000Z" ;;`,
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(path.join(dir, "kubectl"), 0o755);
  writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\nexit 0\n");
  chmodSync(path.join(dir, "sleep"), 0o755);
}

function run(args: string[], outcome: { cronJob?: boolean; status?: string } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "ferrum-restore-cmd-"));
  try {
    fakeKubectl(dir, outcome);
    const r = spawnSync("bash", [SCRIPT, ...args], {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      encoding: "utf8",
      input: "",
    });
    const read = (f: string) => {
      try {
        return readFileSync(path.join(dir, f), "utf8");
      } catch {
        return "";
      }
    };
    const created = read("created.json");
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      calls: read("calls.log").split("\n").filter(Boolean),
      created: created ? JSON.parse(created) : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const envOf = (c: { env: { name: string; value: string }[] }) =>
  Object.fromEntries(c.env.map((e) => [e.name, e.value]));

describe("scripts/postgres-restore.sh", () => {
  test("creates a Job from the restore template with the service and backup set on both containers, and reports success", () => {
    const r = run(["--namespace", "shop", "--yes", "catalog", "20261203T020000Z"]);
    expect(r.code).toBe(0);
    const job = r.created;
    for (const c of [...job.spec.template.spec.initContainers, ...job.spec.template.spec.containers]) {
      expect(envOf(c)).toEqual({
        FERRUM_RESTORE_SERVICE: "catalog",
        FERRUM_RESTORE_BACKUP: "20261203T020000Z",
      });
    }
    const create = r.calls.find((c) => c.includes("create job"))!;
    expect(create).toMatch(
      /^--namespace shop create job postgres-restore-\d{14} --from=cronjob\/postgres-restore --dry-run=client --output=json$/,
    );
    expect(r.calls).toContain(
      "set env --local --filename=- --output=json --containers=* FERRUM_RESTORE_SERVICE=catalog FERRUM_RESTORE_BACKUP=20261203T020000Z",
    );
    expect(r.stdout).toContain("restored ferrum_catalog from backup 20261203T020000Z");
    expect(r.stdout).toMatch(/job\/postgres-restore-\d{14} succeeded/);
  });

  test("defaults to the latest backup and the ferrum namespace; --context reaches every cluster call", () => {
    const r = run(["--context", "k3s-lab", "--yes", "auth"]);
    expect(r.code).toBe(0);
    expect(envOf(r.created.spec.template.spec.containers[0]).FERRUM_RESTORE_BACKUP).toBe("latest");
    for (const c of r.calls.filter((c) => !c.startsWith("set env"))) {
      expect(c.startsWith("--context k3s-lab --namespace ferrum ")).toBe(true);
    }
  });

  test("a failed Job fails the command after printing its logs", () => {
    const r = run(["--yes", "catalog"], { status: "/1" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[pod/x/restore]");
    expect(r.stderr).toMatch(/job\/postgres-restore-\d{14} failed: the logs above say why/);
  });

  test("without --yes and without a terminal it refuses, having created nothing", () => {
    const r = run(["catalog"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "refusing to replace the catalog database without a terminal to confirm on: add --yes",
    );
    expect(r.calls.some((c) => c.includes("create"))).toBe(false);
  });

  test("a namespace without the restore template is named, and nothing is created", () => {
    const r = run(["--yes", "catalog"], { cronJob: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "no CronJob postgres-restore in namespace ferrum: is this a k3s stack with ferrum:postgres.backup.enabled?",
    );
    expect(r.calls.some((c) => c.includes("create"))).toBe(false);
  });

  test.each([
    [["--yes"], "Restores one service's database"],
    [["--yes", "Catalog"], 'SERVICE must be a service name such as catalog (got "Catalog")'],
    [
      ["--yes", "catalog", "yesterday"],
      'BACKUP must be latest or a backup name such as 20261203T020000Z (got "yesterday")',
    ],
    [["--force", "catalog"], "unknown option --force"],
  ])("%j is refused before any cluster call: %s", (args, message) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.calls).toEqual([]);
  });
});
